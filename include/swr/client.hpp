#ifndef SWR_CLIENT_HPP
#define SWR_CLIENT_HPP

#include <swr/credentials.hpp>
#include <swr/endpoint.hpp>
#include <swr/error.hpp>
#include <swr/log.hpp>
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
    /// Resolving and opening the TCP connection. Default: 10 s.
    std::chrono::milliseconds connect{std::chrono::seconds(10)};

    /// The TLS handshake. Default: 10 s.
    std::chrono::milliseconds handshake{std::chrono::seconds(10)};

    /// Sending the request and reading the whole response. Default: 30 s.
    std::chrono::milliseconds request{std::chrono::seconds(30)};

    /// Longest wait for the next bytes of a response, so a stalled server
    /// is detected before `request` runs out. Default: 10 s.
    std::chrono::milliseconds idle{std::chrono::seconds(10)};
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

/// Statistics of a client since it was created.
struct client_stats {
    std::uint64_t requests = 0;             ///< Requests sent.
    std::uint64_t connections_opened = 0;   ///< TLS connections established.
    std::uint64_t bytes_received = 0;       ///< Response body bytes received.
    std::uint64_t retries = 0;              ///< Attempts after the first, over all requests.
    std::uint64_t throttled = 0;            ///< Throttled responses (429, SWR's 403 throttling codes).
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
