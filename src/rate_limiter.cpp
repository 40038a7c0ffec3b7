#include "errors.hpp"

#include <swr/error.hpp>
#include <swr/rate_limiter.hpp>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <algorithm>
#include <optional>
#include <cmath>
#include <string>

namespace swr {
namespace {

using seconds_double = std::chrono::duration<double>;

void check_limits(double rate, double burst)
{
    if (!std::isfinite(rate) || rate <= 0) {
        detail::throw_invalid_argument("invalid rate " + std::to_string(rate) +
                                ": the requests per second must be a positive finite number");
    }
    if (!std::isfinite(burst) || burst < 1) {
        detail::throw_invalid_argument("invalid burst " + std::to_string(burst) + ": the burst must be at least 1");
    }
}

}  // namespace

token_bucket::token_bucket(double rate, double burst, clock::time_point now) noexcept
    : configured_rate_(rate), rate_(rate), burst_(burst), tokens_(burst), last_(now)
{
}

void token_bucket::refill(clock::time_point now) noexcept
{
    if (now <= last_)
        return;
    double seconds = seconds_double(now - last_).count();
    double next_rate = std::min(configured_rate_, rate_ + recovery_per_second_ * seconds);
    // The rate grows linearly while it recovers: earn at the average rate.
    // Once it reaches the configured rate this slightly undercounts, which
    // errs on the safe side.
    double earned = seconds * (rate_ + next_rate) / 2;
    rate_ = next_rate;
    tokens_ = std::min(burst_, tokens_ + earned);
    last_ = now;
}

void token_bucket::pause_until(clock::time_point now, clock::time_point until) noexcept
{
    refill(now);
    if (until <= last_)
        return;
    tokens_ = std::min(tokens_, 1.0);
    last_ = until;
}

void token_bucket::cut_rate(double factor, double recovery_per_second) noexcept
{
    rate_ = std::max(configured_rate_ * 0.01, rate_ * std::clamp(factor, 0.0, 1.0));
    recovery_per_second_ = std::max(0.0, recovery_per_second);
}

token_bucket::clock::time_point token_bucket::reserve(clock::time_point now) noexcept
{
    refill(now);
    tokens_ -= 1.0;
    // During a pause `last_` lies ahead of `now`: even a token in hand waits for it.
    if (tokens_ >= 0)
        return std::max(now, last_);
    // The balance is negative: this token is earned once the deficit is repaid.
    auto wait = std::chrono::duration_cast<clock::duration>(seconds_double(-tokens_ / rate_));
    return std::max(now, last_) + wait;
}

void token_bucket::give_back(clock::time_point now) noexcept
{
    refill(now);
    tokens_ = std::min(burst_, tokens_ + 1.0);
}

double token_bucket::balance(clock::time_point now) const noexcept
{
    token_bucket copy = *this;
    copy.refill(now);
    return copy.tokens_;
}

rate_limiter::rate_limiter(double requests_per_second, double burst, now_function now)
    : now_(now ? std::move(now) : now_function([] { return clock::now(); })),
      bucket_((check_limits(requests_per_second, burst), requests_per_second), burst, now_())
{
}

rate_limiter::clock::time_point rate_limiter::now() const
{
    return now_();
}

rate_limiter::clock::time_point rate_limiter::reserve()
{
    std::lock_guard lock(mutex_);
    ++granted_;
    return bucket_.reserve(now());
}

void rate_limiter::give_back()
{
    std::lock_guard lock(mutex_);
    --granted_;
    bucket_.give_back(now());
}

boost::asio::awaitable<boost::system::error_code> rate_limiter::acquire()
{
    return wait_for_token(nullptr);
}

boost::asio::awaitable<boost::system::error_code> rate_limiter::acquire(boost::asio::steady_timer& timer)
{
    return wait_for_token(&timer);
}

boost::asio::awaitable<boost::system::error_code> rate_limiter::wait_for_token(boost::asio::steady_timer* timer)
{
    // Made only when a wait is needed and the caller gave no timer.
    std::optional<boost::asio::steady_timer> own_timer;
    for (;;) {
        clock::time_point ready = reserve();
        clock::time_point current = now();
        if (ready > current) {
            if (!timer)
                timer = &own_timer.emplace(co_await boost::asio::this_coro::executor);
            timer->expires_after(ready - current);
            auto [ec] = co_await timer->async_wait(boost::asio::as_tuple(boost::asio::use_awaitable));
            if (ec) {
                give_back();
                co_return ec;
            }
        }

        // A pause that began while this token was pending takes precedence:
        // return the token and queue again behind the pause.
        std::lock_guard lock(mutex_);
        if (now() >= paused_until_)
            co_return boost::system::error_code{};
        --granted_;
        bucket_.give_back(now());
    }
}

void rate_limiter::on_throttled(std::chrono::nanoseconds pause, double decrease_factor, double recovery_per_second)
{
    std::lock_guard lock(mutex_);
    ++throttled_;
    auto until = now() + std::chrono::duration_cast<clock::duration>(pause);
    if (until > paused_until_) {
        paused_until_ = until;
        bucket_.pause_until(now(), until);
    }
    bucket_.cut_rate(decrease_factor, recovery_per_second);
}

std::uint64_t rate_limiter::throttled() const noexcept
{
    std::lock_guard lock(mutex_);
    return throttled_;
}

double rate_limiter::rate() const noexcept
{
    std::lock_guard lock(mutex_);
    return bucket_.rate();
}

double rate_limiter::burst() const noexcept
{
    return bucket_.burst();
}

std::uint64_t rate_limiter::granted() const noexcept
{
    std::lock_guard lock(mutex_);
    return granted_;
}

}  // namespace swr
