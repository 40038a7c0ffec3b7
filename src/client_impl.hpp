#ifndef SWR_SRC_CLIENT_IMPL_HPP
#define SWR_SRC_CLIENT_IMPL_HPP

#include "logger.hpp"
#include "retry_decision.hpp"
#include "transport.hpp"

#include <swr/client.hpp>
#include <swr/rate_limiter.hpp>
#include <swr/retry.hpp>

#include <atomic>
#include <memory>
#include <mutex>
#include <optional>

namespace swr::detail {

/// Result of fetching one page: the page, or an error with its details.
struct fetch_outcome {
    boost::system::error_code ec;
    error_info info;
    swr::page page;
    /// Attempts that sent the request, the first included. Attempts that
    /// failed before sending, because the credentials provider could not
    /// authorize the request, are not counted.
    std::size_t attempts = 0;
    bool sent = false;          ///< Whether the last attempt passed the request to the transport.
    std::size_t renewals = 0;   ///< Attempts that re-sent a request with renewed credentials, not retries.
    bool throttled = false;     ///< Whether any attempt was throttled.
    std::string retry_after;    ///< `Retry-After` of the last response.
    std::string server_date;    ///< `Date` of the last response.
    std::uint64_t credentials_generation = 0;  ///< Set by the credentials provider's `authorize`.

    /// Total reported by the response: Content-Range, else the items' `total_range`.
    std::optional<std::int64_t> total() const;
};

/// The time before which no request of a client may start, after throttling.
class pause_gate {
public:
    void pause_until(std::chrono::steady_clock::time_point until);
    std::chrono::steady_clock::time_point paused_until() const;

private:
    mutable std::mutex mutex_;
    std::chrono::steady_clock::time_point until_{};
};

/// State shared by a client and every stream and operation started from it.
class client_impl {
public:
    client_impl(boost::asio::any_io_executor executor, client_options options, swr::endpoint endpoint);

    /// Fetches one page, retrying as the client's policies allow. Each
    /// attempt first waits out a throttling pause and takes a token from
    /// `limiter` when one is given. Never throws for I/O, HTTP or parse
    /// errors; they are returned in the outcome with the offset filled in.
    /// `hook`, when given, aborts a network exchange in progress; waits for
    /// the limiter, a pause or a retry are cancelled through the awaiting
    /// coroutine's cancellation slot.
    boost::asio::awaitable<fetch_outcome> fetch(const shared_repositories_request& request, std::int64_t offset,
                                                std::int64_t limit, rate_limiter* limiter = nullptr,
                                                std::shared_ptr<cancel_hook> hook = nullptr);

    boost::asio::any_io_executor executor;
    client_options options;
    swr::endpoint endpoint;
    logger log;
    detail::transport transport;
    std::shared_ptr<time_source> time;
    retry_budget budget;
    pause_gate gate;
    std::atomic<std::uint64_t> retries{0};
    std::atomic<std::uint64_t> throttled{0};
    std::atomic<std::uint64_t> throttle_pauses{0};

private:
    boost::asio::awaitable<fetch_outcome> fetch_once(const shared_repositories_request& request,
                                                     std::int64_t offset, std::int64_t limit,
                                                     const std::shared_ptr<cancel_hook>& hook);
    boost::asio::awaitable<boost::system::error_code> wait_for_turn(rate_limiter* limiter);
    void on_throttled(std::chrono::milliseconds pause, rate_limiter* limiter, const fetch_outcome& outcome);
    boost::asio::awaitable<bool> renew_credentials(const fetch_outcome& outcome);
    void read_error_response(const http_response& response, fetch_outcome& outcome) const;
    void read_page(http_response& response, fetch_outcome& outcome) const;
};

}  // namespace swr::detail

#endif
