#ifndef SWR_ERROR_HPP
#define SWR_ERROR_HPP

#include <boost/system/error_code.hpp>
#include <boost/system/system_error.hpp>

#include <cstdint>
#include <iosfwd>
#include <optional>
#include <string>
#include <type_traits>

namespace swr {

/// Error conditions reported by the library, in the `swr` error category.
///
/// Network and TLS failures keep their own categories (Asio, SSL); these
/// values cover what the library itself decides.
enum class errc {
    ok = 0,                ///< No error; never reported.
    invalid_argument,      ///< A setting or request value was rejected before anything was sent.
    bad_request,           ///< The server answered 400.
    unauthorized,          ///< The server answered 401 (bad or expired token, bad signature).
    forbidden,             ///< The server answered 403 without a throttling code.
    not_found,             ///< The server answered 404.
    throttled,             ///< 429, or SWR's 403 "too many requests" codes.
    server_error,          ///< The server answered 5xx.
    unexpected_status,     ///< Any other non-2xx status.
    bad_response,          ///< The response could not be parsed (body, JSON, field types).
    bad_content_range,     ///< Content-Range is malformed or contradicts the request or body.
    response_too_large,    ///< A response header or body exceeded its configured limit.
    inconsistent_listing,  ///< The listing changed or contradicted itself during a scan.
    timeout,               ///< A connect, handshake, request or idle limit expired, or a scan's deadline.
    /// A request was abandoned, because a credentials provider's wait for a
    /// token was cancelled or an unexpected exception ended it. A cancelled
    /// scan or `async_fetch_page` reports `asio::error::operation_aborted` instead.
    cancelled,
    proxy_error,           ///< The HTTP proxy rejected CONNECT with a status other than 407, or sent an invalid response.
    proxy_auth_required,   ///< The HTTP proxy answered 407: credentials missing, rejected, or not Basic.
};

/// Returns the error category of `swr::errc`.
const boost::system::error_category& category() noexcept;

/// Returns `e` as an error code of the `swr` category, so that `errc` values
/// convert to and compare with `boost::system::error_code`.
inline boost::system::error_code make_error_code(errc e) noexcept
{
    return {static_cast<int>(e), category()};
}

/// Writes the error's message, e.g. for test diagnostics.
std::ostream& operator<<(std::ostream& out, errc value);

/// Details of a failed request, beyond the `error_code`.
///
/// Holds only what the server sent back and what the library observed; it
/// never contains a token, key, password or Authorization header.
struct error_info {
    /// HTTP status of the response, or 0 when no response arrived. With
    /// `errc::proxy_error` and `errc::proxy_auth_required`, the status of the
    /// proxy's response to CONNECT.
    int http_status = 0;

    /// SWR or API gateway error code, e.g. `SVCSTG.SWR.4000014` or `APIG.0308`.
    std::string service_code;

    /// Error message sent by the server, or the library's own description.
    std::string message;

    /// Value of the `X-Request-Id` response header, or the gateway's `request_id`.
    std::string request_id;

    /// Offset of the page being fetched when the error happened. Unset for
    /// errors of a whole scan, such as its deadline or a cancellation.
    std::optional<std::int64_t> offset;

    /// Formats the details as one line, e.g.
    /// `HTTP 401 APIG.0301: Incorrect token (request id abc, offset 200)`.
    std::string to_string() const;
};

/// Exception thrown by the throwing forms of the API.
///
/// `what()` is `info().to_string()` followed by the error code's message,
/// category and value, e.g. `HTTP 404 APIG.0101: ... (request id r1, offset 5):
/// not found (HTTP 404) [swr:5]`.
class exception : public boost::system::system_error {
public:
    /// Stores `ec` and `info`, with secrets masked in `info.message`.
    exception(boost::system::error_code ec, error_info info);

    /// Returns the details of the failure.
    const error_info& info() const noexcept { return info_; }

private:
    error_info info_;
};

/// Throws `swr::exception` carrying `ec` and `info`.
[[noreturn]] void throw_error(boost::system::error_code ec, error_info info);

}  // namespace swr

namespace boost::system {
template <>
struct is_error_code_enum<swr::errc> : std::true_type {};
}  // namespace boost::system

#endif
