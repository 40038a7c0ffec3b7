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

    /// Name checked against the certificate and sent in SNI (SNI is not sent
    /// for an IP address). Empty: the endpoint host.
    std::string server_name;
};

/// Time limits of one request attempt. Each must be positive. An expired
/// limit fails the attempt with `errc::timeout`, which is retried.
struct timeout_options {
    /// Resolving the host name and opening the TCP connection and, through a
    /// proxy, the proxy's response to CONNECT, all within one limit. Default: 10 s.
    /// NOTE: the limit starts before name resolution, but a resolution in
    /// progress is interrupted neither by this limit nor by cancellation.
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
    /// the user name in the URL. It must not contain `:`. Setting it or
    /// `password` without any proxy URL is rejected unless `use_environment` is set.
    std::string username;

    /// Password for Basic proxy authentication. When not empty, it replaces
    /// the password in the URL, and requires a user name. A secret: masked in
    /// every log line and error message, like a password in the URL.
    std::string password;

    /// Hosts reached without the proxy, in the `NO_PROXY` syntax: a list of
    /// entries separated by commas or spaces. `*` matches every host. A host
    /// name such as `example.com` or `.example.com` matches that host and its
    /// subdomains; `*.example.com` is read as `.example.com`. An IP address
    /// matches itself, and `10.0.0.0/8` or `fd00::/8` a range of addresses; no
    /// name is resolved for this. `host:port` or `[::1]:port` matches that
    /// port only. Names are compared without case. Entries that match no
    /// host, such as `10.0.0.0/99`, are ignored with a warning in the log. Unset: `no_proxy` or
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

    /// Names of the settings that gave `url` and `no_proxy`, used in log
    /// lines and errors, e.g. `--proxy` and `--no-proxy` in a command-line
    /// tool. Empty (default): `proxy_options::url` and `proxy_options::no_proxy`.
    std::string url_origin;
    std::string no_proxy_origin;
};

/// Settings of a client, checked once by the constructor before any network I/O.
struct client_options {
    /// HTTPS origin, e.g. `https://127.0.0.1:8443`. Takes precedence over `region`.
    std::string endpoint;

    /// Region name, e.g. `cn-north-4`, looked up in the official SDKs' table
    /// when `endpoint` is empty.
    std::string region;

    /// Authentication for every request. Required.
    std::shared_ptr<credentials_provider> credentials;

    /// Trust store and server name of the TLS connections.
    tls_options tls;

    /// Time limits of each request attempt.
    timeout_options timeouts;

    /// HTTP proxy for the connections to the endpoint. Default: none, and
    /// the environment is not read.
    proxy_options proxy;

    /// Attempts per request and time limit for retries.
    retry_policy retry;

    /// Delays between retries.
    backoff_policy backoff;

    /// Client-wide allowance for retries.
    retry_budget_options retry_budget;

    /// Reaction to throttling.
    throttle_policy throttle;

    /// Clock, timers and randomness for retries, pauses and the log's repeat
    /// limit. Null: `system_time_source()`.
    std::shared_ptr<time_source> time;

    /// Keep-alive connections kept open between requests; 0 closes each
    /// connection after its request. Default: 16. A scan opens up to
    /// `scan_options::max_in_flight` connections at once.
    std::size_t max_idle_connections = 16;

    /// Largest response header block accepted, in bytes, at least 1024.
    /// Default: 64 KiB. A larger one fails with `errc::response_too_large`.
    std::size_t max_header_bytes = 64 * 1024;

    /// Largest response body accepted, in bytes, at least 1024. Default:
    /// 64 MiB. A larger one fails with `errc::response_too_large`.
    std::size_t max_body_bytes = 64 * 1024 * 1024;

    /// `User-Agent` header value, without control characters. Default: `swr-async/0.1`.
    std::string user_agent = "swr-async/0.1";

    /// Log level and sink of the client. Silent by default.
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
    std::uint64_t bytes_received = 0;       ///< Body bytes of the complete responses received.
    /// Retries of failed attempts, over all requests. A request sent once more
    /// with renewed credentials after a 401 is not counted, nor a retry after
    /// an attempt that failed before sending, e.g. on an IAM token request.
    std::uint64_t retries = 0;
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
/// destroyed while they run; the executor's execution context must outlive
/// them all. A moved-from client may only be assigned to or destroyed.
class client {
public:
    /// Executor of the client's operations.
    using executor_type = boost::asio::any_io_executor;

    /// Validates `options`, loads the CA file (or the system trust store) and
    /// binds the client to `executor`; no network I/O. Throws `swr::exception`
    /// (`errc::invalid_argument`) naming the bad setting, the CA file that
    /// cannot be loaded or the invalid proxy setting.
    client(executor_type executor, client_options options);

    client(client&&) noexcept;
    client& operator=(client&&) noexcept;

    /// Releases this handle. Streams and operations still running keep the
    /// shared state, idle connections included, until they end.
    ~client();

    /// Returns the executor given to the constructor.
    executor_type get_executor() const noexcept;

    /// Returns the endpoint the client connects to, from `endpoint` or `region`.
    const swr::endpoint& endpoint() const noexcept;

    /// Completion signature of `async_fetch_page`: the error, then the page
    /// (empty on error).
    using fetch_page_signature = detail::fetch_page_signature;

    /// Starts fetching one page of shared repositories: `limit` items from
    /// `offset`, retried as the client's policies allow.
    ///
    /// Accepts any completion token: `use_awaitable`, `deferred`,
    /// `use_future`, a callback, `as_tuple(...)` and so on. The request runs
    /// on a strand of the client's executor, under the client's throttling
    /// pauses but no `rate_limiter`. The handler runs on its associated
    /// executor, or the client's when it has none, never inside this call.
    ///
    /// Errors, once retries are exhausted: an `errc` value for HTTP statuses,
    /// bad responses, size limits, timeouts and proxies, the credentials
    /// provider's error, or an Asio or SSL error for network and TLS failures.
    /// On failure, `info` receives the HTTP status, service error code, request
    /// id and offset; it must stay valid until the operation completes.
    /// Invalid arguments (`limit` below 1, `offset` below 0, a bad request)
    /// complete with `errc::invalid_argument` without any I/O; a limit above
    /// the server's maximum (1000) is sent as is and rejected by the server.
    ///
    /// Cancellation: any cancellation type (terminal, partial, total) emitted
    /// on the handler's associated slot aborts the operation, including an
    /// exchange already on the network, and completes it with
    /// `asio::error::operation_aborted`. A GET has no side effect on the
    /// server, so nothing is left half done. The operation copies `request`
    /// and keeps the client's shared state alive; the client object itself
    /// may be destroyed.
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
    /// request is taken by value and the awaitable keeps the shared state
    /// alive, so it may outlive both the argument and this client object.
    boost::asio::awaitable<page> fetch_page(shared_repositories_request request, std::int64_t offset,
                                            std::int64_t limit);

    /// Starts a streaming scan of every shared repository matching `request`.
    ///
    /// Nothing is sent until the first `page_stream::next()`. The stream copies
    /// `request` and keeps the client's shared state and `options.limiter`
    /// alive. Throws `swr::exception` (`errc::invalid_argument`) for bad
    /// requests or options.
    page_stream scan(const shared_repositories_request& request, scan_options options = {});

    /// Returns the client's metrics so far; see `client_stats`. Thread-safe.
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
