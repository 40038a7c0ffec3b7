#ifndef SWR_CREDENTIALS_HPP
#define SWR_CREDENTIALS_HPP

#include <boost/asio/awaitable.hpp>

#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace swr {

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

    /// Sets header `name` (case-insensitive match) to `value`, replacing an existing one.
    void set_header(std::string_view name, std::string value);

    /// Returns the value of header `name`, or an empty view when absent.
    std::string_view header(std::string_view name) const noexcept;
};

/// What the server answered when it rejected a request's credentials (HTTP 401).
struct auth_rejection {
    int http_status = 0;        ///< 401.
    std::string service_code;   ///< e.g. `APIG.0301` or `SVCSTG.SWR.4010000`.
    std::string message;        ///< The server's message, e.g. "token expires".
    std::string server_date;    ///< The response's `Date` header, for clock-skew checks.
};

/// Source of authentication for every request a client sends.
///
/// `authorize` runs before each attempt, retries included, so a provider can
/// sign each attempt afresh or refresh a token. Implementations must be safe
/// to call concurrently from several threads when the client's executor is
/// multi-threaded, and must never log or throw their secrets.
class credentials_provider {
public:
    virtual ~credentials_provider() = default;

    /// Adds the authentication headers to `request`.
    /// Throws `swr::exception` when no credentials can be produced.
    virtual boost::asio::awaitable<void> authorize(outgoing_request& request) = 0;

    /// Called when the server rejected credentials that `authorize` added.
    /// Returns true when the provider now has different credentials (a
    /// refreshed token, a corrected clock offset) and the request should be
    /// sent once more; the client does so at most once per request. Calls
    /// for many requests in flight at once must share one refresh. The
    /// default returns false.
    virtual boost::asio::awaitable<bool> on_rejected(const auth_rejection& rejection)
    {
        (void)rejection;
        co_return false;
    }

    /// Short name of the method for logs, e.g. `token`; never a secret.
    virtual std::string_view kind() const noexcept = 0;
};

/// Returns a provider that sends `token` in the `X-Auth-Token` header.
///
/// Throws `swr::exception` (`errc::invalid_argument`) when the token is empty
/// or contains characters that cannot appear in a header value.
std::shared_ptr<credentials_provider> make_token_credentials(std::string token);

}  // namespace swr

#endif
