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

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

namespace swr {

namespace detail {
class client_impl;
}

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

    /// Fetches one page of shared repositories: `limit` items from `offset`.
    ///
    /// `limit` must be at least 1 and `offset` at least 0; a limit above the
    /// server's maximum (1000) is sent as is and rejected by the server.
    /// Throws `swr::exception` with the HTTP status, service error code,
    /// request id and offset on failure. Cancellation of the awaiting
    /// coroutine interrupts waits for a throttling pause or a retry.
    /// NOTE: an exchange already on the network runs until it completes or
    /// times out; streams from `scan` abort those too.
    boost::asio::awaitable<page> fetch_page(const shared_repositories_request& request,
                                            std::int64_t offset, std::int64_t limit);

    /// Starts a streaming scan of every shared repository matching `request`.
    ///
    /// Nothing is sent until the first `page_stream::next()`. Throws
    /// `swr::exception` (`errc::invalid_argument`) for bad requests or options.
    page_stream scan(const shared_repositories_request& request, scan_options options = {});

    client_stats stats() const;

private:
    std::shared_ptr<detail::client_impl> impl_;
};

}  // namespace swr

#endif
