#ifndef SWR_SRC_FIRST_CONNECTION_GATE_HPP
#define SWR_SRC_FIRST_CONNECTION_GATE_HPP

#include "transport.hpp"

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>

#include <memory>
#include <mutex>
#include <optional>
#include <vector>

namespace swr::detail {

/// Holds requests back while a transport opens its first connection.
///
/// Until one connection has opened, the settings (CA file, server name,
/// proxy credentials) are unproven. So requests that start together, such
/// as a scan's speculative pages, wait for the first connection instead of
/// each repeating a handshake that may fail. If it fails, they fail with its
/// error. If it opens, they take the connections that a warm-up opens after
/// it. Safe to use from any thread.
class first_connection_gate {
public:
    enum class turn {
        open_freely,  ///< a connection opened before: open as usual
        open_first,   ///< open the first connection, then call `opened` or `failed`
        failed,       ///< the first connection failed while the request waited
        cancelled,    ///< the request's hook fired while it waited
    };

    explicit first_connection_gate(boost::asio::any_io_executor executor);

    /// Returns the caller's turn, after the first connection opened or
    /// failed if another request is opening it. On `turn::failed`,
    /// `failure` is that connection's failure.
    boost::asio::awaitable<turn> enter(std::shared_ptr<cancel_hook> hook, http_response& failure);

    /// The first connection opened: every waiter goes on, and so does every later request.
    void opened();

    /// The first connection could not be opened: every waiter fails with
    /// `failure`, and the next request opens a connection again.
    void failed(const http_response& failure);

    /// The request opening the first connection was cancelled: the next
    /// waiter opens it instead.
    void abandoned();

private:
    struct waiter {
        std::shared_ptr<boost::asio::steady_timer> timer;  // on a strand of its own
        std::optional<http_response> failure;
    };

    boost::asio::awaitable<turn> wait(std::shared_ptr<cancel_hook> hook, http_response& failure);
    void wake_all(const http_response* failure);

    boost::asio::any_io_executor executor_;
    std::mutex mutex_;
    bool opened_ = false;
    bool opening_ = false;
    std::vector<std::shared_ptr<waiter>> waiters_;
};

}  // namespace swr::detail

#endif
