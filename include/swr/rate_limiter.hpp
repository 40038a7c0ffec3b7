#ifndef SWR_RATE_LIMITER_HPP
#define SWR_RATE_LIMITER_HPP

#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/system/error_code.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <mutex>

namespace swr {

/// Token bucket arithmetic with no clock, lock or timer of its own.
///
/// Tokens refill continuously at `rate` per second up to `burst`. A request
/// takes one token; when none is left it reserves the next one, so the
/// balance goes negative and the caller learns when its token becomes valid.
/// Reservations are therefore served in the order they were made, and in any
/// interval of length T at most `burst + rate * T` tokens come due. Not
/// thread-safe, so `rate_limiter` adds a lock.
class token_bucket {
public:
    /// Clock of every time point passed in.
    using clock = std::chrono::steady_clock;

    /// Starts full, with `burst` tokens, at `now`. `rate` (requests/s) must be
    /// positive and finite and `burst` at least 1, which is not checked here.
    token_bucket(double rate, double burst, clock::time_point now) noexcept;

    /// Takes one token and returns the time from which it may be used
    /// (`now` when one was available and no pause is in force).
    clock::time_point reserve(clock::time_point now) noexcept;

    /// Gives back a token that was reserved but not used (its wait was cancelled).
    void give_back(clock::time_point now) noexcept;

    /// Hands out no token before `until` (refilling up to `now` first); the bucket then restarts with at
    /// most one token, so the requests held back do not resume as a burst.
    void pause_until(clock::time_point now, clock::time_point until) noexcept;

    /// Cuts the rate to `rate() * factor` (`factor` clamped to [0, 1]), but not
    /// below 1% of the configured rate. From then on the rate grows back by
    /// `recovery_per_second` requests/s each second (a negative value counts
    /// as 0), up to the configured rate.
    void cut_rate(double factor, double recovery_per_second) noexcept;

    /// Current rate in requests/s, lower than `configured_rate()` after a cut.
    double rate() const noexcept { return rate_; }

    /// Returns the rate given to the constructor, in requests/s.
    double configured_rate() const noexcept { return configured_rate_; }

    /// Returns the bucket size, the maximum number of tokens.
    double burst() const noexcept { return burst_; }

    /// Token balance at `now`; negative while reservations are queued.
    double balance(clock::time_point now) const noexcept;

private:
    void refill(clock::time_point now) noexcept;

    double configured_rate_;
    double rate_;
    double recovery_per_second_ = 0;
    double burst_;
    double tokens_;
    clock::time_point last_;
};

/// A thread-safe request rate limit that any number of scans and clients share.
///
/// Hold it in a `std::shared_ptr` and put the same pointer into several
/// `scan_options`; together they stay within the limit.
class rate_limiter {
public:
    /// Clock of the limiter's time points.
    using clock = std::chrono::steady_clock;

    /// Source of the current time, called under the limiter's lock from any thread.
    using now_function = std::function<clock::time_point()>;

    /// Allows `requests_per_second` on average and up to `burst` at once
    /// (default 1); it starts with `burst` tokens. `now` replaces the steady
    /// clock, for tests. Throws `swr::exception` (`errc::invalid_argument`)
    /// unless the rate is positive and finite and `burst` is finite and at least 1.
    explicit rate_limiter(double requests_per_second, double burst = 1.0, now_function now = {});

    rate_limiter(const rate_limiter&) = delete;
    rate_limiter& operator=(const rate_limiter&) = delete;

    /// Waits until one request may be sent, on a timer of the calling
    /// coroutine's executor. Returns `asio::error::operation_aborted` when the
    /// wait is cancelled, in which case the token is given back. A pause that
    /// starts during the wait extends it. The limiter must outlive the wait.
    boost::asio::awaitable<boost::system::error_code> acquire();

    /// Like `acquire()`, but waits on `timer`, so that cancelling the timer
    /// (on its executor) cancels the wait.
    boost::asio::awaitable<boost::system::error_code> acquire(boost::asio::steady_timer& timer);

    /// Reacts to throttling seen by any user of the limiter: no token is
    /// handed out for `pause` (unless a longer pause is already in force),
    /// and the rate is cut by `decrease_factor` (in (0, 1]), but not below 1%
    /// of the configured rate, recovering by `recovery_per_second` requests/s
    /// each second.
    void on_throttled(std::chrono::nanoseconds pause, double decrease_factor, double recovery_per_second);

    /// Takes one token and returns the time from which it may be used,
    /// without waiting.
    clock::time_point reserve();

    /// Gives back a token obtained from `reserve` that will not be used.
    void give_back();

    /// Current rate in requests/s; lower than configured after throttling.
    double rate() const noexcept;

    /// Returns the `burst` given to the constructor.
    double burst() const noexcept;

    /// Number of times `on_throttled` was called.
    std::uint64_t throttled() const noexcept;

    /// Number of tokens handed out so far, less those given back.
    std::uint64_t granted() const noexcept;

private:
    clock::time_point now() const;
    boost::asio::awaitable<boost::system::error_code> wait_for_token(boost::asio::steady_timer* timer);

    mutable std::mutex mutex_;
    now_function now_;
    token_bucket bucket_;
    std::uint64_t granted_ = 0;
    std::uint64_t throttled_ = 0;
    clock::time_point paused_until_{};
};

}  // namespace swr

#endif
