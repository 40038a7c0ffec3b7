#ifndef SWR_CLIENT_HPP
#define SWR_CLIENT_HPP

#include <swr/credentials.hpp>
#include <swr/endpoint.hpp>
#include <swr/error.hpp>
#include <swr/log.hpp>
#include <swr/metrics.hpp>
#include <swr/page.hpp>
#include <swr/page_stream.hpp>
#include <swr/request.hpp>
#include <swr/retry.hpp>

#include <boost/asio/any_completion_handler.hpp>
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/awaitable.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

namespace swr {

namespace detail {
class client_impl;

using fetch_page_signature = void(boost::system::error_code, page);

void initiate_fetch_page(std::shared_ptr<client_impl> impl,
                         boost::asio::any_completion_handler<fetch_page_signature> handler,
                         shared_repositories_request request, std::int64_t offset, std::int64_t limit,
                         error_info* info);

boost::asio::awaitable<page> fetch_page_or_throw(std::shared_ptr<client_impl> impl, shared_repositories_request request,
                                                 std::int64_t offset, std::int64_t limit);
}  // namespace detail

/// TLS settings. Peers are always verified: chain, host name, TLS 1.2 or newer.
struct tls_options {
    /// PEM file of trusted CA certificates. Empty: the system trust store.
    std::string ca_file;

    /// Name sent in SNI and checked against the certificate. Empty: the endpoint host.
    std::string server_name;
};

/// Deadlines of one request. Each must be positive.
struct timeout_options {
    /// Resolving and opening the TCP connection and, through a proxy, the
    /// proxy's response to CONNECT. Default: 10 s.
    std::chrono::milliseconds connect{std::chrono::seconds(10)};

    /// The TLS handshake. Default: 10 s.
    std::chrono::milliseconds handshake{std::chrono::seconds(10)};

    /// Sending the request and reading the whole response. Default: 30 s.
    std::chrono::milliseconds request{std::chrono::seconds(30)};

    /// Longest wait for the next bytes of a response, so a stalled server
    /// is detected before `request` runs out. Default: 10 s.
    std::chrono::milliseconds idle{std::chrono::seconds(10)};
};

/// Settings of an HTTP proxy for HTTPS connections.
///
/// Through a proxy, each new connection first sends `CONNECT host:port` to
/// the proxy over plain TCP, and then runs the TLS handshake with the
/// endpoint inside the tunnel. SNI and certificate checks therefore apply to
/// the endpoint (or `tls_options::server_name`), never to the proxy, and the
/// proxy receives only the host name and port. Only `http://` proxies with
/// Basic authentication are supported. The connect timeout covers the TCP
/// connect to the proxy and its response to CONNECT.
struct proxy_options {
    /// Proxy URL, `http://[user[:password]@]host[:port]`. Without a scheme,
    /// `http://` is assumed, and without a port, 80. The user name and
    /// password are percent-decoded. Empty (default): no explicit proxy.
    std::string url;

    /// User name for Basic proxy authentication. When not empty, it replaces
    /// the user name in the URL. It must not contain `:`.
    std::string username;

    /// Password for Basic proxy authentication. When not empty, it replaces
    /// the password in the URL. A secret: masked in every log line and error
    /// message, like a password in the URL.
    std::string password;

    /// Hosts reached without the proxy, in the `NO_PROXY` syntax: a list of
    /// entries separated by commas or spaces. `*` matches every host. A host
    /// name such as `example.com` or `.example.com` matches that host and its
    /// subdomains; `*.example.com` is read as `.example.com`. An IP address
    /// matches itself, and `10.0.0.0/8` or `fd00::/8` a range of addresses; no
    /// name is resolved for this. `host:port` or `[::1]:port` matches that
    /// port only. Names are compared without case. Unset: `no_proxy` or
    /// `NO_PROXY` when `use_environment` is true, else none. An empty string
    /// sends every host through the proxy, whatever the environment contains.
    std::optional<std::string> no_proxy;

    /// Whether to read the process environment: `https_proxy`, then
    /// `HTTPS_PROXY`, when `url` is empty, and `no_proxy`, then `NO_PROXY`,
    /// when `no_proxy` is unset. Empty variables count as unset, and
    /// `ALL_PROXY` and `http_proxy` are not read. Default: false, so that a
    /// library does not change where it connects because of variables set
    /// for other programs. Set it to true to honour the variables as curl
    /// does, which `swr-shared-repos` does. The variables are read once, by
    /// the constructor of the client or IAM provider.
    bool use_environment = false;
};

/// Settings of a client, checked once by the constructor before any I/O.
struct client_options {
    /// HTTPS origin, e.g. `https://127.0.0.1:8443`. Takes precedence over `region`.
    std::string endpoint;

    /// Region name, e.g. `cn-north-4`, looked up in the official SDKs' table
    /// when `endpoint` is empty.
    std::string region;

    /// Authentication for every request. Required.
    std::shared_ptr<credentials_provider> credentials;

    tls_options tls;
    timeout_options timeouts;

    /// HTTP proxy for the connections to the endpoint. Default: none, and
    /// the environment is not read.
    proxy_options proxy;

    /// Retry rules: which failures are retried and for how long.
    retry_policy retry;

    /// Delays between retries.
    backoff_policy backoff;

    /// Client-wide allowance for retries.
    retry_budget_options retry_budget;

    /// Reaction to throttling.
    throttle_policy throttle;

    /// Clock, timers and randomness. Null: `system_time_source()`.
    std::shared_ptr<time_source> time;

    /// Keep-alive connections kept open between requests. Default: 16.
    /// A scan opens up to `scan_options::max_in_flight` connections at once.
    std::size_t max_idle_connections = 16;

    /// Largest response header block accepted, in bytes. Default: 64 KiB.
    std::size_t max_header_bytes = 64 * 1024;

    /// Largest response body accepted, in bytes. Default: 64 MiB.
    std::size_t max_body_bytes = 64 * 1024 * 1024;

    /// `User-Agent` header value.
    std::string user_agent = "swr-async/0.1";

    log_options log;
};

/// Metrics of a client since it was created, as a snapshot.
///
/// `client::stats()` may be called at any time, from any thread, also while
/// scans run; each counter is read atomically, but the counters are not read
/// at one instant, so e.g. `retries` may already count an attempt that
/// `requests` does not yet.
struct client_stats {
    std::uint64_t requests = 0;             ///< Requests sent, retries included.
    std::uint64_t connections_opened = 0;   ///< TLS connections established.
    std::uint64_t connections_closed = 0;   ///< Connections closed, for any reason.
    std::uint64_t bytes_sent = 0;           ///< Request bytes written (headers and body).
    std::uint64_t bytes_received = 0;       ///< Response body bytes received.
    std::uint64_t retries = 0;              ///< Attempts after the first, over all requests.
    std::uint64_t throttled = 0;            ///< Throttled responses (429, SWR's 403 throttling codes).
    std::uint64_t throttle_pauses = 0;      ///< Pauses of every request that throttled responses caused.
    latency_histogram latency;              ///< Latency of each complete exchange.
};

/// A client of the SWR API bound to the caller's executor.
///
/// It starts no threads: every operation runs on the executor given to the
/// constructor, which may be a multi-threaded `io_context`. A client is safe
/// to use from several coroutines and threads at once. Streams and
/// operations keep the client's shared state alive, so a client may be
/// destroyed while they run.
class client {
public:
    using executor_type = boost::asio::any_io_executor;

    /// Validates `options` and binds the client to `executor`. Throws
    /// `swr::exception` (`errc::invalid_argument`) naming the bad setting.
    client(executor_type executor, client_options options);

    client(client&&) noexcept;
    client& operator=(client&&) noexcept;
    ~client();

    executor_type get_executor() const noexcept;

    /// The endpoint the client connects to.
    const swr::endpoint& endpoint() const noexcept;

    /// Completion signature of `async_fetch_page`: the error, then the page
    /// (empty on error).
    using fetch_page_signature = detail::fetch_page_signature;

    /// Starts fetching one page of shared repositories: `limit` items from
    /// `offset`, retried as the client's policies allow.
    ///
    /// Accepts any completion token: `use_awaitable`, `deferred`,
    /// `use_future`, a callback, `as_tuple(...)` and so on. The handler runs
    /// on its associated executor, or the client's when it has none. On
    /// failure, `info` receives the HTTP status, service error code, request
    /// id and offset; it must stay valid until the operation completes.
    /// Invalid arguments (`limit` below 1, `offset` below 0, a bad request)
    /// complete with `errc::invalid_argument` without any I/O; a limit above
    /// the server's maximum (1000) is sent as is and rejected by the server.
    ///
    /// Cancellation: any cancellation type (terminal, partial, total) emitted
    /// on the handler's associated slot aborts the operation, including an
    /// exchange already on the network, and completes it with
    /// `asio::error::operation_aborted`. A GET has no side effect on the
    /// server, so nothing is left half done. The operation keeps the client's
    /// shared state alive; the client object itself may be destroyed.
    template <boost::asio::completion_token_for<fetch_page_signature> CompletionToken>
    auto async_fetch_page(const shared_repositories_request& request, std::int64_t offset, std::int64_t limit,
                          error_info& info, CompletionToken&& token)
    {
        return start_fetch_page(request, offset, limit, &info, std::forward<CompletionToken>(token));
    }

    /// Same as above, without the error details.
    template <boost::asio::completion_token_for<fetch_page_signature> CompletionToken>
    auto async_fetch_page(const shared_repositories_request& request, std::int64_t offset, std::int64_t limit,
                          CompletionToken&& token)
    {
        return start_fetch_page(request, offset, limit, nullptr, std::forward<CompletionToken>(token));
    }

    /// Fetches one page as a coroutine: `async_fetch_page` with
    /// `use_awaitable`, throwing `swr::exception` with the error details on
    /// failure. Cancelling the awaiting coroutine aborts the request. The
    /// request is taken by value, so the coroutine may outlive the argument.
    boost::asio::awaitable<page> fetch_page(shared_repositories_request request, std::int64_t offset,
                                            std::int64_t limit);

    /// Starts a streaming scan of every shared repository matching `request`.
    ///
    /// Nothing is sent until the first `page_stream::next()`. Throws
    /// `swr::exception` (`errc::invalid_argument`) for bad requests or options.
    page_stream scan(const shared_repositories_request& request, scan_options options = {});

    /// Returns the client's metrics so far; see `client_stats`.
    client_stats stats() const;

private:
    template <class CompletionToken>
    auto start_fetch_page(const shared_repositories_request& request, std::int64_t offset, std::int64_t limit,
                          error_info* info, CompletionToken&& token)
    {
        // The initiation keeps the shared state, not `this`, so a deferred
        // operation may be started after the client was moved or destroyed.
        return boost::asio::async_initiate<CompletionToken, fetch_page_signature>(
            [impl = impl_](auto handler, const shared_repositories_request& request, std::int64_t offset,
                           std::int64_t limit, error_info* info) {
                detail::initiate_fetch_page(impl, std::move(handler), request, offset, limit, info);
            },
            token, request, offset, limit, info);
    }

    std::shared_ptr<detail::client_impl> impl_;
};

}  // namespace swr

#endif
