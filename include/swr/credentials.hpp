#ifndef SWR_CREDENTIALS_HPP
#define SWR_CREDENTIALS_HPP

#include <boost/asio/awaitable.hpp>

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace swr {

class time_source;

/// A request about to be sent, as seen by a credentials provider.
///
/// `path` and `query` are exactly what goes on the request line (the query
/// already percent-encoded, without `?`). Providers add headers; they must
/// not change the other fields.
struct outgoing_request {
    std::string method;  ///< e.g. `GET`.
    std::string host;    ///< `Host` header value: host, plus `:port` unless the port is 443.
    std::string path;    ///< e.g. `/v2/manage/shared-repositories`.
    std::string query;   ///< Encoded query string without `?`.
    std::string body;    ///< Request body (empty for GET).
    std::vector<std::pair<std::string, std::string>> headers;  ///< Headers besides `Host`.

    /// Version of the provider's credentials that `authorize` used (a token
    /// number, a clock-correction number), set by the provider. The client
    /// passes it back in `auth_rejection`, so that a provider can tell a
    /// rejection of credentials it has already replaced. 0: not set.
    std::uint64_t credentials_generation = 0;

    /// Sets header `name` (case-insensitive match) to `value`, replacing an existing one.
    void set_header(std::string_view name, std::string value);

    /// Returns the value of header `name`, or an empty view when absent. The
    /// view is valid until `headers` changes.
    std::string_view header(std::string_view name) const noexcept;
};

/// Server response that rejected a request's credentials (HTTP 401).
struct auth_rejection {
    int http_status = 0;        ///< 401.
    std::string service_code;   ///< e.g. `APIG.0301` or `SVCSTG.SWR.4010000`.
    std::string message;        ///< The server's message, e.g. "token expires".
    std::string server_date;    ///< The response's `Date` header, for clock-skew checks.

    /// `outgoing_request::credentials_generation` of the rejected request.
    std::uint64_t credentials_generation = 0;
};

/// Source of authentication for every request a client sends.
///
/// `authorize` runs before each attempt, retries included, so a provider can
/// sign each attempt afresh or refresh a token. The coroutines run on a
/// strand of the client's executor: the request's own for a single fetch,
/// the scan's for the requests of a scan, so a provider should not block
/// the thread. Implementations must be safe
/// to call concurrently from several threads when the client's executor is
/// multi-threaded, and must never log or throw their secrets. Clients share
/// ownership of their provider.
class credentials_provider {
public:
    virtual ~credentials_provider() = default;

    /// Adds the authentication headers to `request`. Throws `swr::exception`
    /// when no credentials can be produced. Its code and details become the
    /// attempt's error, which is retried like any other error with that code.
    /// Other exception types end the request as if it had been cancelled.
    virtual boost::asio::awaitable<void> authorize(outgoing_request& request) = 0;

    /// Called when the server rejected credentials that `authorize` added.
    /// Returns true when the provider now has different credentials (a
    /// refreshed token, a corrected clock offset) and the request should be
    /// sent once more; the client does so at most once per request. Calls
    /// for many requests in flight at once must share one refresh. A thrown
    /// `swr::exception` is logged, and the 401 stays the request's error. The
    /// default returns false.
    virtual boost::asio::awaitable<bool> on_rejected(const auth_rejection& rejection)
    {
        (void)rejection;
        co_return false;
    }

    /// Called when the server accepted a request that carried credentials
    /// of `credentials_generation` (the value `authorize` stored in
    /// `outgoing_request::credentials_generation`), so a provider can tell
    /// a token that works from one that never did. Runs on the client's
    /// executor after every successful response, so it must be cheap and
    /// thread-safe. The default does nothing.
    virtual void on_accepted(std::uint64_t credentials_generation) noexcept
    {
        (void)credentials_generation;
    }

    /// Returns a note that the client appends to the error of a request
    /// whose credentials were rejected for good, e.g. the clock skew measured
    /// from the server's `Date` header. Never contains a secret. The default
    /// returns an empty string (no note).
    virtual std::string describe_rejection(const auth_rejection& rejection) const
    {
        (void)rejection;
        return {};
    }

    /// Returns a short name of the method for the caller's logs: `token`,
    /// `token-file`, `aksk` or `iam-password` for the library's providers.
    /// Never a secret. The library does not call it.
    virtual std::string_view kind() const noexcept = 0;
};

/// Returns a provider that sends `token` in the `X-Auth-Token` header.
///
/// Throws `swr::exception` (`errc::invalid_argument`) when the token is empty,
/// longer than 32 KiB, or contains characters that cannot appear in a header value.
std::shared_ptr<credentials_provider> make_token_credentials(std::string token);

/// Returns a provider that sends the token stored in the file at `path` in
/// the `X-Auth-Token` header.
///
/// The file is read once here; trailing spaces, tabs, carriage returns and
/// newlines are stripped. After a 401 the provider reads the file again, and
/// when the token there changed, `on_rejected` returns true so that the
/// client sends the request once more. A process that rewrites the file can
/// thus renew the token. That read blocks the executor's thread briefly.
/// Throws `swr::exception` (`errc::invalid_argument`) naming the path when
/// the file cannot be read, is empty or larger than 64 KiB, or the token is
/// longer than 32 KiB or contains a control character.
std::shared_ptr<credentials_provider> make_token_credentials_from_file(const std::filesystem::path& path);

/// Returns a provider that signs every request with an access key (AK) and
/// secret key (SK), as the official Huawei Cloud SDKs do (SDK-HMAC-SHA256).
///
/// Each attempt, retries included, gets a fresh `X-Sdk-Date` (UTC, from
/// `time->wall_now()`), `X-Project-Id: {project_id}`, `X-Security-Token`
/// when `security_token` is not empty (temporary credentials), and an
/// `Authorization` header. The signature covers the method, path, query and
/// body, and the headers `content-type` (when the request has one), `host`,
/// `x-project-id`, `x-sdk-date` and `x-security-token`.
///
/// The server rejects a signature whose date is more than 15 minutes from its
/// own clock. When a 401 reports that the signature expired, the provider
/// measures the skew from the response's `Date` header. A skew of at least a
/// minute then corrects later dates, and `on_rejected` returns true so that
/// the client sends the request once more. The error of a later rejection names the skew in
/// seconds. Other signature failures are never sent again, because
/// Huawei Cloud locks the key for 5 minutes after 5 consecutive failures.
///
/// `time` supplies the wall clock; null means `system_time_source()`. The SK
/// and security token are masked in every log line and error message. The
/// provider is thread-safe. Temporary credentials are never renewed.
/// Throws `swr::exception` (`errc::invalid_argument`) when the AK, SK or
/// project id is empty, or a value is longer than 32 KiB or contains
/// characters that cannot appear in a header.
std::shared_ptr<credentials_provider> make_aksk_credentials(std::string access_key, std::string secret_key,
                                                            std::string project_id,
                                                            std::string security_token = {},
                                                            std::shared_ptr<time_source> time = nullptr);

/// Returns a provider configured from environment variables, in this order
/// of precedence:
///
/// 1. AK/SK signing when `HUAWEICLOUD_SDK_AK` or `HUAWEICLOUD_SDK_SK` is set
///    (the variables of the official SDKs). Both are then required, and
///    so is `HUAWEICLOUD_SDK_PROJECT_ID`; `HUAWEICLOUD_SDK_SECURITY_TOKEN` is
///    optional and marks temporary credentials.
/// 2. Otherwise the IAM token in `SWR_AUTH_TOKEN`.
///
/// A variable set to an empty string counts as unset. `time` is passed to
/// `make_aksk_credentials`. Throws `swr::exception`
/// (`errc::invalid_argument`) naming the missing variable when only one of
/// AK and SK is set, when the project id is missing, or when none of the
/// variables is set.
std::shared_ptr<credentials_provider> credentials_from_environment(std::shared_ptr<time_source> time = nullptr);

}  // namespace swr

#endif
