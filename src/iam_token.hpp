#ifndef SWR_SRC_IAM_TOKEN_HPP
#define SWR_SRC_IAM_TOKEN_HPP

#include "token_refresher.hpp"
#include "transport.hpp"

#include <swr/endpoint.hpp>
#include <swr/iam_credentials.hpp>

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace swr::detail {

/// Path of IAM's token operation.
inline constexpr std::string_view iam_tokens_path = "/v3/auth/tokens";

/// Checks `options` and returns the IAM endpoint: `endpoint` when set, else
/// the one derived from `region`. Throws `swr::exception`
/// (`errc::invalid_argument`) naming the missing or bad setting.
swr::endpoint resolve_iam_endpoint(const iam_password_options& options);

/// Returns the JSON body of a password token request scoped to the project
/// named in `options` (or its id). Contains the password.
std::string iam_password_request_body(const iam_password_options& options);

/// Parses an ISO 8601 UTC time as IAM writes `expires_at`, e.g.
/// `2024-05-02T12:34:56.789000Z`; a `+hh:mm` or `-hh:mm` offset is accepted
/// in place of `Z`, and fractions of a second are ignored. The result has
/// seconds precision, so that years up to 9999 fit.
std::optional<std::chrono::sys_seconds> parse_iam_time(std::string_view text) noexcept;

/// Returns the token and its lifetime from a token response, or throws
/// `swr::exception` with the HTTP status, IAM's error code and message.
///
/// The lifetime is `token.expires_at` minus the response's `Date` header, so
/// that a skewed local clock does not shorten or lengthen it. Without a
/// usable `Date`, `local_now` is used. `endpoint_url` only names IAM in
/// messages. Messages never contain the token.
fetched_token read_iam_token_response(const http_response& response, std::string_view endpoint_url,
                                      std::chrono::system_clock::time_point local_now);

/// Sends password token requests to IAM over a transport of its own.
class iam_token_source {
public:
    /// Throws `swr::exception` (`errc::invalid_argument`) when the CA file
    /// cannot be loaded.
    iam_token_source(boost::asio::any_io_executor executor, const iam_password_options& options,
                     swr::endpoint endpoint, const logger& log);

    /// Requests a token. Throws `swr::exception` on any failure.
    boost::asio::awaitable<fetched_token> fetch();

    /// The IAM origin, e.g. `https://127.0.0.1:9443`.
    const std::string& url() const noexcept { return url_; }

private:
    swr::endpoint endpoint_;
    std::string url_;
    std::string body_;
    secret_registration password_;
    std::shared_ptr<time_source> time_;
    transport transport_;
};

}  // namespace swr::detail

#endif
