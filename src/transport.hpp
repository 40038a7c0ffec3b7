#ifndef SWR_SRC_TRANSPORT_HPP
#define SWR_SRC_TRANSPORT_HPP

#include "latency_recorder.hpp"
#include "logger.hpp"

#include <swr/client.hpp>
#include <swr/credentials.hpp>
#include <swr/endpoint.hpp>
#include <swr/error.hpp>
#include <swr/rate_limiter.hpp>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

#include <atomic>
#include <functional>
#include <mutex>
#include <cstdint>
#include <memory>
#include <string>

namespace swr::detail {

/// Settings of a transport, taken from the client's options.
struct transport_settings {
    swr::endpoint endpoint;
    tls_options tls;
    timeout_options timeouts;
    std::size_t max_idle_connections = 16;
    std::size_t max_header_bytes = 64 * 1024;
    std::size_t max_body_bytes = 64 * 1024 * 1024;

    /// Proxy settings, resolved against `endpoint` (and the environment, if
    /// asked) by the transport's constructor.
    proxy_options proxy;
};

/// Outcome of one HTTP exchange. `ec` is set when no complete response
/// arrived; `info.message` then describes the failure, and when a proxy
/// rejected the tunnel, `info.http_status` is the proxy's status.
struct http_response {
    boost::system::error_code ec;
    error_info info;
    int status = 0;
    bool sent = false;  ///< Whether writing the request began: it may have reached the server.
    std::string body;
    std::string content_range;  ///< Raw `Content-Range` header value.
    std::string request_id;     ///< `X-Request-Id` header value.
    std::string retry_after;    ///< `Retry-After` header value.
    std::string date;           ///< `Date` header value.
    std::string subject_token;  ///< `X-Subject-Token` header value (IAM token responses); a secret.
};

/// Counters shared by every connection of a transport.
struct transport_counters {
    std::atomic<std::uint64_t> requests{0};
    std::atomic<std::uint64_t> connections_opened{0};
    std::atomic<std::uint64_t> connections_resumed{0};  ///< Of those opened, with a resumed TLS session.
    std::atomic<std::uint64_t> connections_closed{0};
    std::atomic<std::uint64_t> bytes_sent{0};
    std::atomic<std::uint64_t> bytes_received{0};
    latency_recorder latency;
};

/// Cancels one logical request's network exchange from any thread.
///
/// Exchanges run on their connection's strand, so an Asio cancellation slot
/// of the requesting coroutine cannot reach them safely (Asio 1.26's
/// co_spawn forwards such a cancellation through a raw pointer that can
/// outlive the operation). Instead the exchange registers how to cancel its
/// socket here, and `cancel` posts that to the connection's strand.
class cancel_hook {
public:
    /// Cancels the registered exchange, now or as soon as one registers.
    void cancel();

    bool cancelled() const;

    /// Registers `action`, or runs it at once if `cancel` was already called.
    void arm(std::function<void()> action);

    /// Forgets the registered action once its exchange has ended.
    void disarm();

private:
    mutable std::mutex mutex_;
    bool cancelled_ = false;
    std::function<void()> action_;
};

/// HTTPS/1.1 over a pool of keep-alive TLS connections.
///
/// Each connection has its own strand; an exchange runs on it, so a
/// transport is safe to use from several threads at once. A pooled
/// connection that received data or the server's close while idle is
/// dropped before a request is written to it. A request
/// that fails on a reused connection before any response byte arrived (the
/// server closed it just then) is sent once more on a new connection.
/// Destroying the transport abandons its warm-ups.
class transport {
public:
    transport(boost::asio::any_io_executor executor, transport_settings settings, const logger& log);
    ~transport();

    transport(const transport&) = delete;
    transport& operator=(const transport&) = delete;

    /// Sends `request` and reads the whole response. Never throws for I/O
    /// errors. `hook`, when given, aborts the exchange on `cancel_hook::cancel`
    /// (the response then fails with `asio::error::operation_aborted`).
    /// `limiter`, when given, grants the request a token once its connection
    /// is open, just before it is written.
    boost::asio::awaitable<http_response> send(const outgoing_request& request,
                                               std::shared_ptr<cancel_hook> hook = nullptr,
                                               rate_limiter* limiter = nullptr);

    /// Keeps `body`, the body of an earlier response that is no longer
    /// needed, for a later response to be read into.
    void recycle_body(std::string body);

    /// Starts opening connections (TCP, proxy tunnel and TLS) in the
    /// background until `connections` are open or opening, at most
    /// `max_idle_connections`. Before any connection of the transport has
    /// opened, it waits for the first one, and then opens one fewer.
    /// Requests take them as they become ready, or wait for one still
    /// opening rather than opening another. Failures are logged at debug
    /// level and reported to the request that waited.
    void warm_up(std::size_t connections);

    /// Abandons the warm-ups that no request has taken yet.
    void cancel_warm_ups();

    const transport_counters& counters() const noexcept;

private:
    class impl;
    std::shared_ptr<impl> impl_;
};

}  // namespace swr::detail

#endif
