#ifndef SWR_RETRY_HPP
#define SWR_RETRY_HPP

#include <boost/asio/awaitable.hpp>
#include <boost/system/error_code.hpp>

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

namespace swr {

/// Retry limits of each request. Retried are network failures (not TLS or
/// certificate failures), timeouts, truncated responses, HTTP 500, 502, 503
/// and 504, a proxy's 502, 503 and 504, and throttling other than an
/// exhausted quota.
struct retry_policy {
    /// Attempts per request, the first included, at least 1; 1 disables
    /// retries. A re-send with renewed credentials after a 401 counts as an
    /// attempt, but is made even when none is left. Default: 5.
    std::size_t max_attempts = 5;

    /// Time limit for retries, from the start of the request, waits for the
    /// rate limiter included. A retry whose delay would end later is not
    /// made. Default: 2 minutes.
    std::chrono::milliseconds max_elapsed{std::chrono::minutes(2)};
};

/// Delay before a retry: exponential growth with full jitter, capped.
///
/// Before retry n (1-based) the delay is uniform in [0, min(max, initial *
/// multiplier^(n-1))], which spreads retries of many clients apart.
/// After throttling, `throttle_policy` lengthens or replaces this delay.
struct backoff_policy {
    /// Upper bound of the first delay, 0 to `max`. Default: 200 ms.
    std::chrono::milliseconds initial{200};

    /// Growth of the upper bound per retry, at least 1. Default: 2.
    double multiplier = 2.0;

    /// Largest upper bound, at least `initial`. Default: 30 s.
    std::chrono::milliseconds max{std::chrono::seconds(30)};
};

/// A client-wide allowance for retries, so that a sustained outage fails
/// fast instead of multiplying the load (the scheme of gRPC's retry
/// throttling). Every retry costs one token and every success gives back
/// `refund_per_success`; retries stop while the balance is at or below half
/// of `capacity`. The balance starts full.
struct retry_budget_options {
    /// Tokens when full; 0 or less disables the budget. Default: 20.
    double capacity = 20;

    /// Tokens given back by each successful request. Default: 0.1.
    double refund_per_success = 0.1;
};

/// Reaction of the client to throttling (HTTP 429, or SWR's 403 "too many
/// requests" codes).
///
/// When a throttled request is retried, every request of the client pauses
/// for its retry delay, and the scan's `rate_limiter`, if any, also cuts its
/// rate (multiplicative decrease), then recovers it additively. The
/// durations must be 0 or more.
struct throttle_policy {
    /// Shortest pause when the server sends no usable `Retry-After`; the
    /// backoff delay is used when longer. Default: 2 s, the lower end of
    /// the 2-5 s wait that Huawei Cloud advises.
    std::chrono::milliseconds min_pause{std::chrono::seconds(2)};

    /// Largest pause taken from `Retry-After`; longer values are capped.
    /// Default: 60 s.
    std::chrono::milliseconds max_retry_after{std::chrono::seconds(60)};

    /// Extra random pause, uniform in [0, jitter], so that paused workers do
    /// not resume at the same instant. Default: 250 ms.
    std::chrono::milliseconds jitter{250};

    /// Factor applied to a shared limiter's rate on throttling, in (0, 1].
    /// Default: 0.5.
    double decrease_factor = 0.5;

    /// Rate regained per second after a cut, in requests/s, 0 or more, up to
    /// the configured rate. Default: 1.
    double recovery_per_second = 1.0;
};

/// Clock, timer and random source of a client. Tests replace it to record
/// and skip delays instead of sleeping. Every member may be called from
/// several threads at once when the client's executor is multi-threaded.
class time_source {
public:
    virtual ~time_source() = default;

    /// Returns the monotonic time, for deadlines and pauses.
    virtual std::chrono::steady_clock::time_point now() = 0;

    /// Returns the calendar time, for `Retry-After` dates and signatures.
    virtual std::chrono::system_clock::time_point wall_now() = 0;

    /// Waits for `delay` on the calling coroutine's executor. Returns
    /// `asio::error::operation_aborted` when the awaiting coroutine is
    /// cancelled, which is how scans and fetches stop their waits.
    virtual boost::asio::awaitable<boost::system::error_code> sleep(std::chrono::nanoseconds delay) = 0;

    /// Returns a uniformly distributed number in [0, 1).
    virtual double uniform() = 0;
};

/// Returns a new source with the real clocks, Asio steady timers and a PRNG
/// seeded from `std::random_device`.
std::shared_ptr<time_source> system_time_source();

/// Parses a `Retry-After` value: delay-seconds or an HTTP-date (IMF-fixdate,
/// RFC 850 or asctime form), relative to `now`. Returns `std::nullopt` for
/// anything malformed or negative; a date in the past gives zero.
std::optional<std::chrono::milliseconds> parse_retry_after(std::string_view value,
                                                           std::chrono::system_clock::time_point now) noexcept;

/// Retry budget state shared by the requests of one client. Thread-safe.
class retry_budget {
public:
    /// Starts with a full balance of `options.capacity` tokens.
    explicit retry_budget(retry_budget_options options) noexcept;

    /// Takes one token for a retry. Returns false, taking nothing, while the
    /// balance is at or below half the capacity; always true when the
    /// capacity is 0 or less.
    bool try_spend();

    /// Gives back `refund_per_success` after a successful request, up to the capacity.
    void on_success();

    /// Returns the current number of tokens.
    double balance() const;

private:
    mutable std::mutex mutex_;
    retry_budget_options options_;
    double balance_;
};

}  // namespace swr

#endif
