// Unit tests for swr/rate_limiter.hpp: token bucket arithmetic on explicit
// time points, and the shared rate limiter with an injected clock.
//
// Rates are powers of two where a test expects exact times, so that 1/rate
// seconds is an exact number of nanoseconds and a double.

#define BOOST_TEST_MODULE rate_limiter
#include <boost/test/unit_test.hpp>

#include <swr/error.hpp>
#include <swr/rate_limiter.hpp>

#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/error.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <limits>
#include <memory>
#include <optional>
#include <random>
#include <sstream>
#include <vector>

namespace {

using steady_clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

// Arbitrary origin, far from the clock's epoch.
const steady_clock::time_point t0{std::chrono::hours(1000)};

// Nanoseconds from t0 to `time`, printable in failure messages.
std::int64_t ns_since_t0(steady_clock::time_point time)
{
    return std::chrono::duration_cast<std::chrono::nanoseconds>(time - t0).count();
}

std::int64_t ns(steady_clock::duration duration)
{
    return std::chrono::duration_cast<std::chrono::nanoseconds>(duration).count();
}

bool is_invalid_argument(const swr::exception& error)
{
    return error.code() == swr::errc::invalid_argument;
}

void construct_limiter(double rate, double burst)
{
    swr::rate_limiter limiter(rate, burst);
}

// Worst window found in a list of due times.
struct window_excess {
    double excess = -std::numeric_limits<double>::infinity();  ///< Tokens above the limit.
    std::size_t first = 0;  ///< Index of the window's first due time.
    std::size_t last = 0;   ///< Index of the window's last due time.
    double seconds = 0;     ///< Length of the window.
};

// Returns the window of due times whose token count exceeds
// `burst + rate * T` by the most (negative when every window is within it).
// Every window is checked with its ends on due times, because a window that
// starts or ends elsewhere contains no more due times than one shrunk to them.
// One microsecond of slack covers rounding of due times to the clock's tick.
window_excess find_worst_window(const std::vector<steady_clock::time_point>& due, double rate,
                                double burst)
{
    window_excess worst;
    for (std::size_t i = 0; i < due.size(); ++i) {
        for (std::size_t j = i; j < due.size(); ++j) {
            const double seconds = std::chrono::duration<double>(due[j] - due[i]).count();
            const double allowed = burst + rate * (seconds + 1e-6);
            const double excess = static_cast<double>(j - i + 1) - allowed;
            if (excess > worst.excess) {
                worst = {excess, i, j, seconds};
            }
        }
    }
    return worst;
}

// Runs `limiter.acquire()` on an io_context for at most `limit`, cancelling it
// after `cancel_after` when given. Returns the result, or nothing if the
// coroutine did not finish in time.
std::optional<boost::system::error_code> run_acquire(
    swr::rate_limiter& limiter, std::chrono::milliseconds limit,
    std::optional<std::chrono::milliseconds> cancel_after = std::nullopt)
{
    namespace asio = boost::asio;
    asio::io_context context;
    asio::cancellation_signal cancel;
    asio::steady_timer cancel_timer(context);
    std::optional<boost::system::error_code> result;

    asio::co_spawn(context, limiter.acquire(),
                   asio::bind_cancellation_slot(
                       cancel.slot(),
                       [&result](std::exception_ptr error, boost::system::error_code ec) {
                           if (error) {
                               std::rethrow_exception(error);
                           }
                           result = ec;
                       }));
    if (cancel_after) {
        cancel_timer.expires_after(*cancel_after);
        cancel_timer.async_wait([&cancel](boost::system::error_code) {
            cancel.emit(asio::cancellation_type::terminal);
        });
    }

    context.run_for(limit);
    return result;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(token_bucket)

BOOST_AUTO_TEST_CASE(burst_available_at_once)
{
    swr::token_bucket bucket(4.0, 3.0, t0);

    const auto first = bucket.reserve(t0);
    const auto second = bucket.reserve(t0);
    const auto third = bucket.reserve(t0);

    BOOST_TEST(ns_since_t0(first) == 0);
    BOOST_TEST(ns_since_t0(second) == 0);
    BOOST_TEST(ns_since_t0(third) == 0);
}

BOOST_AUTO_TEST_CASE(then_spaced_at_rate)
{
    swr::token_bucket bucket(4.0, 3.0, t0);
    for (int i = 0; i < 3; ++i) {
        bucket.reserve(t0);
    }

    const auto fourth = bucket.reserve(t0);
    const auto fifth = bucket.reserve(t0);
    const auto sixth = bucket.reserve(t0);

    BOOST_TEST(ns_since_t0(fourth) == ns(250ms));
    BOOST_TEST(ns_since_t0(fifth) == ns(500ms));
    BOOST_TEST(ns_since_t0(sixth) == ns(750ms));
}

BOOST_AUTO_TEST_CASE(refills_over_time)
{
    swr::token_bucket bucket(4.0, 3.0, t0);
    for (int i = 0; i < 3; ++i) {
        bucket.reserve(t0);
    }

    // Half a second later, two tokens have come back.
    const auto now = t0 + 500ms;
    const auto first = bucket.reserve(now);
    const auto second = bucket.reserve(now);
    const auto third = bucket.reserve(now);

    BOOST_TEST(ns_since_t0(first) == ns(500ms));
    BOOST_TEST(ns_since_t0(second) == ns(500ms));
    BOOST_TEST(ns_since_t0(third) == ns(750ms));
}

BOOST_AUTO_TEST_CASE(refill_capped_at_burst)
{
    swr::token_bucket bucket(4.0, 2.0, t0);
    bucket.reserve(t0);
    bucket.reserve(t0);

    // Ten idle seconds would refill 40 tokens, but only 2 fit.
    const auto now = t0 + 10s;
    const auto first = bucket.reserve(now);
    const auto second = bucket.reserve(now);
    const auto third = bucket.reserve(now);

    BOOST_TEST(ns_since_t0(first) == ns(10s));
    BOOST_TEST(ns_since_t0(second) == ns(10s));
    BOOST_TEST(ns_since_t0(third) == ns(10s + 250ms));
}

BOOST_AUTO_TEST_CASE(fractional_burst)
{
    // Burst 1.5 covers one request at once. The half token left over shortens
    // the wait for the second to a quarter second.
    swr::token_bucket bucket(2.0, 1.5, t0);

    const auto first = bucket.reserve(t0);
    const auto second = bucket.reserve(t0);
    const auto third = bucket.reserve(t0);

    BOOST_TEST(ns_since_t0(first) == 0);
    BOOST_TEST(ns_since_t0(second) == ns(250ms));
    BOOST_TEST(ns_since_t0(third) == ns(750ms));
}

BOOST_AUTO_TEST_CASE(queued_reservation_after_now)
{
    swr::token_bucket bucket(4.0, 1.0, t0);
    bucket.reserve(t0);
    bucket.reserve(t0);  // due at t0 + 250 ms
    bucket.reserve(t0);  // due at t0 + 500 ms

    // A request made at t0 + 100 ms queues behind the earlier ones.
    const auto later = bucket.reserve(t0 + 100ms);

    BOOST_TEST(ns_since_t0(later) == ns(750ms));
}

BOOST_AUTO_TEST_CASE(reservations_ordered)
{
    swr::token_bucket bucket(8.0, 2.0, t0);
    std::vector<steady_clock::time_point> due;

    // Requests 15.625 ms apart, an exact binary fraction of a second.
    for (int i = 0; i < 20; ++i) {
        due.push_back(bucket.reserve(t0 + i * 15625us));
    }

    for (std::size_t i = 1; i < due.size(); ++i) {
        BOOST_TEST_CONTEXT("reservation " << i)
        {
            BOOST_TEST(ns_since_t0(due[i]) >= ns_since_t0(due[i - 1]));
        }
    }
    // 2 at once, then one every 125 ms: the 20th is due 18 * 125 ms after t0.
    BOOST_TEST(ns_since_t0(due.back()) == ns(18 * 125ms));
}

BOOST_AUTO_TEST_CASE(balance_starts_full)
{
    const swr::token_bucket bucket(4.0, 3.0, t0);

    BOOST_TEST(bucket.balance(t0) == 3.0);
}

BOOST_AUTO_TEST_CASE(balance_negative_while_queued)
{
    swr::token_bucket bucket(4.0, 3.0, t0);
    for (int i = 0; i < 5; ++i) {
        bucket.reserve(t0);
    }

    BOOST_TEST(bucket.balance(t0) == -2.0);
    BOOST_TEST(bucket.balance(t0 + 250ms) == -1.0);
    BOOST_TEST(bucket.balance(t0 + 750ms) == 1.0);
    BOOST_TEST(bucket.balance(t0 + 10s) == 3.0);
}

BOOST_AUTO_TEST_CASE(accessors)
{
    const swr::token_bucket bucket(7.5, 2.5, t0);

    BOOST_TEST(bucket.rate() == 7.5);
    BOOST_TEST(bucket.configured_rate() == 7.5);
    BOOST_TEST(bucket.burst() == 2.5);
}

BOOST_AUTO_TEST_CASE(give_back_frees_slot)
{
    swr::token_bucket bucket(4.0, 1.0, t0);
    bucket.reserve(t0);
    bucket.reserve(t0);                     // due at t0 + 250 ms
    const auto cancelled = bucket.reserve(t0);  // due at t0 + 500 ms

    bucket.give_back(t0);
    const auto replacement = bucket.reserve(t0);

    BOOST_TEST(ns_since_t0(cancelled) == ns(500ms));
    BOOST_TEST(ns_since_t0(replacement) == ns(500ms));
}

BOOST_AUTO_TEST_CASE(give_back_raises_balance)
{
    swr::token_bucket bucket(4.0, 1.0, t0);
    bucket.reserve(t0);
    bucket.reserve(t0);

    bucket.give_back(t0);

    BOOST_TEST(bucket.balance(t0) == 0.0);
}

BOOST_AUTO_TEST_CASE(give_back_capped_at_burst)
{
    // The bucket refilled while the reservation waited. Returning the token
    // must not lift the balance above burst, because then burst + 1 tokens
    // would come due at once.
    swr::token_bucket bucket(4.0, 2.0, t0);
    bucket.reserve(t0);
    bucket.reserve(t0);
    const auto now = t0 + 10s;

    bucket.give_back(now);
    const auto first = bucket.reserve(now);
    const auto second = bucket.reserve(now);
    const auto third = bucket.reserve(now);

    BOOST_TEST(ns_since_t0(first) == ns(10s));
    BOOST_TEST(ns_since_t0(second) == ns(10s));
    BOOST_TEST(ns_since_t0(third) == ns(10s + 250ms));
}

BOOST_AUTO_TEST_CASE(window_never_exceeds_limit)
{
    // Random traffic: bursts, idle gaps and cancellations of the newest
    // waiting reservation. No window of length T may contain more than
    // burst + rate * T due times.
    struct setting {
        double rate;
        double burst;
    };
    const setting settings[] = {{7.5, 3.0}, {200.0, 20.0}, {0.5, 1.0}, {3.0, 2.5}, {1000.0, 1.0}};

    for (const setting& config : settings) {
        BOOST_TEST_CONTEXT("rate " << config.rate << ", burst " << config.burst)
        {
            std::mt19937_64 random(12345);
            std::uniform_int_distribution<int> action(0, 9);
            const auto mean_gap = std::chrono::duration<double>(1.0 / config.rate);
            std::uniform_real_distribution<double> gap_factor(0.0, 2.0);

            swr::token_bucket bucket(config.rate, config.burst, t0);
            auto now = t0;
            std::vector<steady_clock::time_point> due;
            std::optional<std::int64_t> first_disorder;
            std::optional<std::int64_t> first_early;

            for (int step = 0; step < 1500; ++step) {
                const int choice = action(random);
                if (choice < 4) {
                    // Several requests at the same instant.
                } else if (choice < 8) {
                    now += std::chrono::duration_cast<steady_clock::duration>(mean_gap *
                                                                      gap_factor(random));
                } else if (choice < 9) {
                    now += std::chrono::duration_cast<steady_clock::duration>(mean_gap * 20.0);
                } else if (!due.empty() && due.back() > now) {
                    // Cancel the newest reservation while it still waits.
                    bucket.give_back(now);
                    due.pop_back();
                    continue;
                }

                const auto due_time = bucket.reserve(now);

                if (due_time < now && !first_early) {
                    first_early = step;
                }
                if (!due.empty() && due_time < due.back() && !first_disorder) {
                    first_disorder = step;
                }
                due.push_back(due_time);
            }

            const window_excess worst = find_worst_window(due, config.rate, config.burst);

            BOOST_TEST(!first_early.has_value(), "a token came due before its request at step "
                                                     << first_early.value_or(-1));
            BOOST_TEST(!first_disorder.has_value(),
                       "a later reservation came due earlier at step "
                           << first_disorder.value_or(-1));
            BOOST_TEST(worst.excess <= 0.0,
                       "tokens " << worst.first << ".." << worst.last << " come due within "
                                 << worst.seconds << " s, " << worst.excess
                                 << " more than burst + rate * T");
        }
    }
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(token_bucket_throttling)

BOOST_AUTO_TEST_CASE(pause_holds_tokens)
{
    swr::token_bucket bucket(4.0, 3.0, t0);

    bucket.pause_until(t0, t0 + 1s);
    const auto during_pause = bucket.reserve(t0 + 500ms);

    BOOST_TEST(ns_since_t0(during_pause) >= ns(1s));
}

BOOST_AUTO_TEST_CASE(pause_resumes_without_burst)
{
    // Three tokens were available, but at most one survives the pause.
    swr::token_bucket bucket(4.0, 3.0, t0);

    bucket.pause_until(t0, t0 + 1s);
    const auto first = bucket.reserve(t0 + 1s);
    const auto second = bucket.reserve(t0 + 1s);
    const auto third = bucket.reserve(t0 + 1s);

    BOOST_TEST(ns_since_t0(first) == ns(1s));
    BOOST_TEST(ns_since_t0(second) == ns(1s + 250ms));
    BOOST_TEST(ns_since_t0(third) == ns(1s + 500ms));
}

BOOST_AUTO_TEST_CASE(pause_delays_queued_requests)
{
    // Requests made during the pause come due after it, one per 1/rate.
    swr::token_bucket bucket(4.0, 1.0, t0);

    bucket.pause_until(t0, t0 + 1s);
    const auto first = bucket.reserve(t0);
    const auto second = bucket.reserve(t0);

    BOOST_TEST(ns_since_t0(first) >= ns(1s));
    BOOST_TEST(ns_since_t0(second) >= ns(1s + 250ms));
}

BOOST_AUTO_TEST_CASE(pause_in_past_ignored)
{
    swr::token_bucket bucket(4.0, 2.0, t0);

    bucket.pause_until(t0 + 1s, t0 + 500ms);
    const auto first = bucket.reserve(t0 + 1s);
    const auto second = bucket.reserve(t0 + 1s);
    const auto third = bucket.reserve(t0 + 1s);

    BOOST_TEST(ns_since_t0(first) == ns(1s));
    BOOST_TEST(ns_since_t0(second) == ns(1s));
    BOOST_TEST(ns_since_t0(third) == ns(1s + 250ms));
}

BOOST_AUTO_TEST_CASE(cut_rate_spaces_tokens)
{
    swr::token_bucket bucket(8.0, 1.0, t0);
    bucket.reserve(t0);

    bucket.cut_rate(0.5, 0.0);
    const auto next = bucket.reserve(t0);

    BOOST_TEST(bucket.rate() == 4.0);
    BOOST_TEST(bucket.configured_rate() == 8.0);
    BOOST_TEST(ns_since_t0(next) == ns(250ms));
}

BOOST_AUTO_TEST_CASE(cuts_compound)
{
    swr::token_bucket bucket(8.0, 1.0, t0);

    bucket.cut_rate(0.5, 0.0);
    bucket.cut_rate(0.5, 0.0);

    BOOST_TEST(bucket.rate() == 2.0);
}

BOOST_AUTO_TEST_CASE(cut_floor_one_percent)
{
    swr::token_bucket bucket(100.0, 1.0, t0);

    bucket.cut_rate(1e-6, 0.0);

    BOOST_TEST(bucket.rate() == 1.0);
}

BOOST_AUTO_TEST_CASE(rate_recovers_linearly)
{
    // Cut from 8 to 4 requests/s, recovering by 2 requests/s each second.
    swr::token_bucket bucket(8.0, 100.0, t0);
    bucket.cut_rate(0.5, 2.0);

    bucket.reserve(t0 + 1s);
    const double after_one_second = bucket.rate();
    bucket.reserve(t0 + 2s);
    const double after_two_seconds = bucket.rate();
    bucket.reserve(t0 + 10s);
    const double after_ten_seconds = bucket.rate();

    BOOST_TEST(after_one_second == 6.0);
    BOOST_TEST(after_two_seconds == 8.0);
    BOOST_TEST(after_ten_seconds == 8.0);
}

BOOST_AUTO_TEST_CASE(recovered_rate_spacing)
{
    swr::token_bucket bucket(8.0, 1.0, t0);
    bucket.reserve(t0);
    bucket.cut_rate(0.5, 4.0);

    const auto first = bucket.reserve(t0 + 10s);
    const auto second = bucket.reserve(t0 + 10s);

    BOOST_TEST(ns_since_t0(first) == ns(10s));
    BOOST_TEST(ns_since_t0(second) == ns(10s + 125ms));
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(rate_limiter)

BOOST_AUTO_TEST_CASE(reserve_uses_injected_clock)
{
    auto now = std::make_shared<steady_clock::time_point>(t0);
    swr::rate_limiter limiter(4.0, 2.0, [now] { return *now; });

    const auto first = limiter.reserve();
    const auto second = limiter.reserve();
    const auto third = limiter.reserve();

    BOOST_TEST(ns_since_t0(first) == 0);
    BOOST_TEST(ns_since_t0(second) == 0);
    BOOST_TEST(ns_since_t0(third) == ns(250ms));
    BOOST_TEST(limiter.granted() == 3u);
}

BOOST_AUTO_TEST_CASE(reserve_after_clock_advances)
{
    auto now = std::make_shared<steady_clock::time_point>(t0);
    swr::rate_limiter limiter(4.0, 2.0, [now] { return *now; });
    limiter.reserve();
    limiter.reserve();
    limiter.reserve();  // due at t0 + 250 ms, balance -1

    *now = t0 + 2s;
    const auto first = limiter.reserve();
    const auto second = limiter.reserve();
    const auto third = limiter.reserve();

    BOOST_TEST(ns_since_t0(first) == ns(2s));
    BOOST_TEST(ns_since_t0(second) == ns(2s));
    BOOST_TEST(ns_since_t0(third) == ns(2s + 250ms));
    BOOST_TEST(limiter.granted() == 6u);
}

BOOST_AUTO_TEST_CASE(give_back_frees_slot)
{
    auto now = std::make_shared<steady_clock::time_point>(t0);
    swr::rate_limiter limiter(4.0, 1.0, [now] { return *now; });
    limiter.reserve();
    const auto cancelled = limiter.reserve();

    limiter.give_back();
    const auto replacement = limiter.reserve();

    BOOST_TEST(ns_since_t0(cancelled) == ns(250ms));
    BOOST_TEST(ns_since_t0(replacement) == ns(250ms));
}

BOOST_AUTO_TEST_CASE(accessors)
{
    const swr::rate_limiter limiter(7.5, 3.0, [] { return t0; });

    BOOST_TEST(limiter.rate() == 7.5);
    BOOST_TEST(limiter.burst() == 3.0);
    BOOST_TEST(limiter.granted() == 0u);
}

BOOST_AUTO_TEST_CASE(default_clock_is_steady)
{
    swr::rate_limiter limiter(1000.0, 5.0);

    const auto before = steady_clock::now();
    const auto due_time = limiter.reserve();
    const auto after = steady_clock::now();

    BOOST_TEST(ns(due_time - before) >= 0);
    BOOST_TEST(ns(after - due_time) >= 0);
}

BOOST_AUTO_TEST_CASE(rejects_bad_rate)
{
    const double nan = std::numeric_limits<double>::quiet_NaN();
    const double infinity = std::numeric_limits<double>::infinity();

    for (const double rate : {0.0, -0.0, -1.0, nan, infinity, -infinity}) {
        BOOST_TEST_CONTEXT("rate " << rate)
        {
            BOOST_CHECK_EXCEPTION(construct_limiter(rate, 1.0), swr::exception,
                                  is_invalid_argument);
        }
    }
}

BOOST_AUTO_TEST_CASE(rejects_bad_burst)
{
    const double nan = std::numeric_limits<double>::quiet_NaN();

    for (const double burst : {0.999, 0.0, -1.0, nan}) {
        BOOST_TEST_CONTEXT("burst " << burst)
        {
            BOOST_CHECK_EXCEPTION(construct_limiter(10.0, burst), swr::exception,
                                  is_invalid_argument);
        }
    }
}

BOOST_AUTO_TEST_CASE(accepts_edge_values)
{
    BOOST_CHECK_NO_THROW(construct_limiter(1e-3, 1.0));
    BOOST_CHECK_NO_THROW(construct_limiter(1e6, 1e6));
}

BOOST_AUTO_TEST_CASE(on_throttled_pauses_and_cuts)
{
    auto now = std::make_shared<steady_clock::time_point>(t0);
    swr::rate_limiter limiter(8.0, 2.0, [now] { return *now; });

    limiter.on_throttled(1s, 0.5, 0.0);
    const auto during_pause = limiter.reserve();

    BOOST_TEST(limiter.throttled() == 1u);
    BOOST_TEST(limiter.rate() == 4.0);
    BOOST_TEST(ns_since_t0(during_pause) >= ns(1s));
}

BOOST_AUTO_TEST_CASE(on_throttled_counts_calls)
{
    auto now = std::make_shared<steady_clock::time_point>(t0);
    swr::rate_limiter limiter(8.0, 2.0, [now] { return *now; });

    limiter.on_throttled(100ms, 1.0, 0.0);
    *now = t0 + 1s;
    limiter.on_throttled(100ms, 1.0, 0.0);

    BOOST_TEST(limiter.throttled() == 2u);
    BOOST_TEST(limiter.rate() == 8.0);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(rate_limiter_acquire)

BOOST_AUTO_TEST_CASE(immediate_when_token_available)
{
    swr::rate_limiter limiter(4.0, 2.0);

    const auto result = run_acquire(limiter, 5000ms);

    BOOST_TEST_REQUIRE(result.has_value(), "acquire did not finish within 5 s");
    BOOST_TEST(!result->failed(), "acquire returned '" << result->message() << "'");
    BOOST_TEST(limiter.granted() == 1u);
}

BOOST_AUTO_TEST_CASE(cancelled_wait_gives_back)
{
    // One token per 1000 s: the second acquire waits until it is cancelled.
    swr::rate_limiter limiter(1e-3, 1.0);
    const auto first = run_acquire(limiter, 5000ms);
    BOOST_TEST_REQUIRE(first.has_value(), "first acquire did not finish within 5 s");

    const auto before = steady_clock::now();
    const auto second = run_acquire(limiter, 5000ms, 20ms);
    const auto next = limiter.reserve();

    BOOST_TEST_REQUIRE(second.has_value(), "cancelled acquire did not finish within 5 s");
    BOOST_TEST((*second == boost::asio::error::operation_aborted),
               "acquire returned '" << second->message() << "'");
    // Had the token not been given back, `next` would be due 2000 s out.
    BOOST_TEST(ns(next - before) <= ns(1001s));
    BOOST_TEST(ns(next - before) >= ns(990s));
}

BOOST_AUTO_TEST_SUITE_END()
