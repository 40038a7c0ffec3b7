#ifndef SWR_IAM_CREDENTIALS_HPP
#define SWR_IAM_CREDENTIALS_HPP

#include <swr/client.hpp>
#include <swr/credentials.hpp>
#include <swr/log.hpp>
#include <swr/retry.hpp>

#include <boost/asio/any_io_executor.hpp>

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>

namespace swr {

/// Settings of a provider that obtains IAM tokens with a user name and
/// password (`POST {endpoint}/v3/auth/tokens`, project scope).
struct iam_password_options {
    /// HTTPS origin of the IAM service, e.g. `https://127.0.0.1:9443`. Takes
    /// precedence over `region`.
    std::string endpoint;

    /// Region name, e.g. `cn-north-4`. When `endpoint` is empty, the endpoint
    /// is `https://iam.{region}.myhuaweicloud.com`, and only for regions in
    /// `known_regions()`. Also the default scope, see `project_name`.
    /// NOTE: eu-west-101 gets that host name too, although its SWR endpoint
    /// is under `myhuaweicloud.eu`, so set `endpoint` if IAM is elsewhere.
    std::string region;

    /// IAM user name. Required.
    std::string user_name;

    /// Password of the IAM user. Required. Masked in every log line and
    /// error message.
    std::string password;

    /// Account (domain) that owns the user. Required.
    std::string domain_name;

    /// Project the token is scoped to; for a region's default project this is
    /// the region name. Empty: `region`. Ignored when `project_id` is set.
    std::string project_name;

    /// Project id the token is scoped to, instead of `project_name`. Empty
    /// (default): scoped by name.
    std::string project_id;

    /// TLS settings of the connection to IAM (CA file, server name).
    tls_options tls;

    /// Time limits of one token request; `connect`, `handshake` and `request`
    /// must be positive.
    timeout_options timeouts;

    /// HTTP proxy of the connection to IAM, with the same rules as
    /// `client_options::proxy`. Default: none, and the environment is not read.
    proxy_options proxy;

    /// A token is replaced once it expires within this margin, and requests
    /// keep using it while the replacement is fetched. Default: 10 minutes.
    /// Must not be negative; 0 replaces a token only once it has expired.
    /// A replacement in the background starts no sooner than 30 s after the
    /// previous token request ended.
    std::chrono::seconds refresh_margin{std::chrono::minutes(10)};

    /// Largest response header block accepted, in bytes, more than 0. IAM
    /// tokens are several KB long and travel in a header. Default: 64 KiB.
    std::size_t max_header_bytes = 64 * 1024;

    /// Largest response body accepted, in bytes, more than 0. The body
    /// carries the service catalog. Default: 4 MiB.
    std::size_t max_body_bytes = 4 * 1024 * 1024;

    /// Clock for token expiry. Null: `system_time_source()`.
    std::shared_ptr<time_source> time;

    /// Log level and sink for token requests and refreshes. Silent by default.
    log_options log;
};

/// Returns a provider that sends an IAM token in `X-Auth-Token`, obtained
/// with `options` and renewed before it expires.
///
/// The first request obtains a token, and later ones reuse it. Once it
/// expires within `refresh_margin`, a replacement is fetched in the
/// background. When a request's token is rejected (HTTP 401),
/// the provider obtains a new token and its `on_rejected` returns true, so
/// the client sends the request once more. Requests rejected at the same time share one token request,
/// and a request that carried an already replaced token uses the new one
/// without another token request. A replacement token that is rejected too
/// is not replaced again, and that request fails.
///
/// When IAM rejects the user name or password (HTTP 400, 401 or 403), every
/// later call fails with that error without contacting IAM again, because
/// IAM locks a user after repeated failed logins.
///
/// Token requests run on `executor`, over a connection of their own, and a
/// token request in progress keeps the provider alive until it ends. When a
/// caller of `authorize` is cancelled while it waits for a token, it throws
/// `errc::cancelled`, and the token request goes on for the others. The provider is safe to use
/// from several threads. Errors name the IAM endpoint, the HTTP status and
/// IAM's error code, never the password or a token. Throws `swr::exception`
/// (`errc::invalid_argument`) naming the bad setting when `options` is
/// incomplete or invalid, or the CA file cannot be loaded.
std::shared_ptr<credentials_provider> make_iam_password_credentials(boost::asio::any_io_executor executor,
                                                                    iam_password_options options);

}  // namespace swr

#endif
