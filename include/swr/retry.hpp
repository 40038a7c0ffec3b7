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

/// Retry rules: which failed requests are sent again, and for how long.
struct retry_policy {
    /// Attempts per request, the first included; 1 disables retries. Default: 5.
    std::size_t max_attempts = 5;

    /// No attempt starts later than this after the first one. Default: 2 minutes.
    std::chrono::milliseconds max_elapsed{std::chrono::minutes(2)};
};

/// Delay before a retry: exponential growth with full jitter, capped.
///
/// Before retry n (1-based) the delay is uniform in [0, min(max, initial *
/// multiplier^(n-1))], which spreads retries of many clients apart.
struct backoff_policy {
    /// Upper bound of the first delay. Default: 200 ms.
    std::chrono::milliseconds initial{200};

    /// Growth of the upper bound per retry, at least 1. Default: 2.
    double multiplier = 2.0;

    /// Largest upper bound. Default: 30 s.
    std::chrono::milliseconds max{std::chrono::seconds(30)};
};

/// A client-wide allowance for retries, so that a sustained outage fails
/// fast instead of multiplying the load (the scheme of gRPC's retry
/// throttling). Every retry costs one token and every success gives back
/// `refund_per_success`; retries stop while the balance is at or below half
/// of `capacity`. The balance starts full.
struct retry_budget_options {
    /// Tokens when full; 0 disables the budget. Default: 20.
    double capacity = 20;

    /// Tokens given back by each successful request. Default: 0.1.
    double refund_per_success = 0.1;
};

/// Reaction of the client to throttling (HTTP 429, or SWR's 403 "too many
/// requests" codes).
///
/// Every request of the client pauses, and a shared `rate_limiter` also cuts
/// its rate (multiplicative decrease), then recovers it additively.
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

    /// Rate regained per second after a cut, in requests/s, up to the
    /// configured rate. Default: 1.
    double recovery_per_second = 1.0;
};

/// Clock, timer and random source of a client. Tests replace it to record
/// and skip delays instead of sleeping.
class time_source {
public:
    virtual ~time_source() = default;

    /// Monotonic time, for deadlines and pauses.
    virtual std::chrono::steady_clock::time_point now() = 0;

    /// Calendar time, for `Retry-After` dates and signatures.
    virtual std::chrono::system_clock::time_point wall_now() = 0;

    /// Waits for `delay` on the calling coroutine's executor. Returns
    /// `asio::error::operation_aborted` when cancelled.
    virtual boost::asio::awaitable<boost::system::error_code> sleep(std::chrono::nanoseconds delay) = 0;

    /// Returns a uniformly distributed number in [0, 1).
    virtual double uniform() = 0;
};

/// Returns the real clocks, Asio steady timers and a seeded PRNG.
std::shared_ptr<time_source> system_time_source();

/// Parses a `Retry-After` value: delay-seconds or an HTTP-date (IMF-fixdate,
/// RFC 850 or asctime form), relative to `now`. Returns `std::nullopt` for
/// anything malformed or negative; a date in the past gives zero.
std::optional<std::chrono::milliseconds> parse_retry_after(std::string_view value,
                                                           std::chrono::system_clock::time_point now) noexcept;

/// Retry budget state shared by the requests of one client. Thread-safe.
class retry_budget {
public:
    explicit retry_budget(retry_budget_options options) noexcept;

    /// Takes one token for a retry; returns false when retries are exhausted.
    bool try_spend();

    /// Gives back `refund_per_success` after a successful request.
    void on_success();

    double balance() const;

private:
    mutable std::mutex mutex_;
    retry_budget_options options_;
    double balance_;
};

}  // namespace swr

#endif
