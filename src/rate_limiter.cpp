#include "errors.hpp"

#include <swr/error.hpp>
#include <swr/rate_limiter.hpp>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <algorithm>
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
    : rate_(rate), burst_(burst), tokens_(burst), last_(now)
{
}

void token_bucket::refill(clock::time_point now) noexcept
{
    if (now <= last_)
        return;
    double earned = seconds_double(now - last_).count() * rate_;
    tokens_ = std::min(burst_, tokens_ + earned);
    last_ = now;
}

token_bucket::clock::time_point token_bucket::reserve(clock::time_point now) noexcept
{
    refill(now);
    tokens_ -= 1.0;
    if (tokens_ >= 0)
        return now;
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
    clock::time_point ready = reserve();
    clock::time_point current = now();
    if (ready <= current)
        co_return boost::system::error_code{};

    boost::asio::steady_timer timer(co_await boost::asio::this_coro::executor);
    timer.expires_after(ready - current);
    auto [ec] = co_await timer.async_wait(boost::asio::as_tuple(boost::asio::use_awaitable));
    if (ec) {
        give_back();
        co_return ec;
    }
    co_return boost::system::error_code{};
}

double rate_limiter::rate() const noexcept
{
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
