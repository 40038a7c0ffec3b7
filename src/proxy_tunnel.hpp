#ifndef SWR_SRC_PROXY_TUNNEL_HPP
#define SWR_SRC_PROXY_TUNNEL_HPP

#include "proxy.hpp"
#include "transport.hpp"

#include <swr/endpoint.hpp>

#include <boost/asio/awaitable.hpp>
#include <boost/beast/core/tcp_stream.hpp>

#include <chrono>
#include <cstddef>

namespace swr::detail {

/// Largest header block accepted in a proxy's response to CONNECT, in bytes.
inline constexpr std::size_t max_proxy_header_bytes = 16 * 1024;

/// Asks the proxy that `stream` is connected to for a tunnel to `target`:
/// sends `CONNECT host:port` with `Host` and, when `route` has credentials,
/// `Proxy-Authorization`, and reads the header of the response.
///
/// Runs under the expiry already set on `stream`; `connect_timeout` only
/// names that limit in messages. Returns true when the proxy responded 2xx,
/// so that TLS to `target` can start on `stream`. Otherwise fills
/// `response.ec` and `response.info` and returns false:
/// - `errc::proxy_auth_required` for 407, `errc::proxy_error` for other
///   statuses, with the status in `response.info.http_status`;
/// - `errc::proxy_error` for an invalid or too large response, or bytes sent
///   after a 2xx response before the TLS handshake;
/// - `errc::timeout` when the expiry passed;
/// - the network error itself when the proxy closed or reset the
///   connection, or the operation was cancelled.
/// Messages name the proxy as `http://host:port`, never its credentials.
boost::asio::awaitable<bool> open_tunnel(boost::beast::tcp_stream& stream, const proxy_route& route,
                                         const swr::endpoint& target, std::chrono::milliseconds connect_timeout,
                                         http_response& response);

}  // namespace swr::detail

#endif
