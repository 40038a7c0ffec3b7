// Unit tests for swr/retry.hpp: Retry-After parsing against an injected wall
// clock, and the retry budget, alone and shared by several threads.
//
// Budget refunds in these tests are multiples of 1/4, so that every balance
// is an exact double and can be compared with ==.

#define BOOST_TEST_MODULE retry
#include <boost/test/unit_test.hpp>

#include <swr/retry.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <latch>
#include <optional>
#include <ostream>
#include <string_view>
#include <thread>
#include <vector>

using optional_millis = std::optional<std::chrono::milliseconds>;

// Lets BOOST_TEST print a parse result when a comparison fails.
template <>
struct boost::test_tools::tt_detail::print_log_value<optional_millis> {
    void operator()(std::ostream& out, const optional_millis& value) const
    {
        if (value)
            out << value->count() << " ms";
        else
            out << "nullopt";
    }
};

namespace {

using namespace std::chrono_literals;
using std::chrono::sys_days;
using std::chrono::system_clock;

const optional_millis rejected;

optional_millis millis(std::int64_t count)
{
    return std::chrono::milliseconds(count);
}

// The example date of RFC 9110 is Sunday, 6 November 1994, 08:49:37 GMT.
// Unless a test sets its own, `now` in the date tests is 37 seconds before it.
const system_clock::time_point example_date_midnight = sys_days{std::chrono::year(1994) / 11 / 6};
const system_clock::time_point example_now = example_date_midnight + 8h + 49min;

optional_millis parse(std::string_view value, system_clock::time_point now = example_now)
{
    return swr::parse_retry_after(value, now);
}

swr::retry_budget make_budget(double capacity, double refund)
{
    return swr::retry_budget(swr::retry_budget_options{.capacity = capacity, .refund_per_success = refund});
}

// Calls `try_spend` `count` times and returns how many calls succeeded.
std::size_t spend_repeatedly(swr::retry_budget& budget, std::size_t count)
{
    std::size_t granted = 0;
    for (std::size_t i = 0; i < count; ++i) {
        if (budget.try_spend())
            ++granted;
    }
    return granted;
}

// Runs `work(thread_index)` on `thread_count` threads that start together.
void run_on_threads(std::size_t thread_count, const std::function<void(std::size_t)>& work)
{
    std::latch start(static_cast<std::ptrdiff_t>(thread_count));
    std::vector<std::thread> threads;
    for (std::size_t index = 0; index < thread_count; ++index) {
        threads.emplace_back([&start, &work, index] {
            start.arrive_and_wait();
            work(index);
        });
    }
    for (auto& thread : threads)
        thread.join();
}

}  // namespace

BOOST_AUTO_TEST_SUITE(retry_after_seconds)

BOOST_AUTO_TEST_CASE(zero)
{
    BOOST_TEST(parse("0") == millis(0));
}

BOOST_AUTO_TEST_CASE(whole_seconds)
{
    BOOST_TEST(parse("1") == millis(1'000));
    BOOST_TEST(parse("120") == millis(120'000));
    BOOST_TEST(parse("86400") == millis(86'400'000));
}

BOOST_AUTO_TEST_CASE(surrounding_whitespace)
{
    // HTTP's optional whitespace is spaces and horizontal tabs.
    BOOST_TEST(parse(" 5 ") == millis(5'000));
    BOOST_TEST(parse("\t5\t") == millis(5'000));
}

BOOST_AUTO_TEST_CASE(leading_zeros)
{
    BOOST_TEST(parse("007") == millis(7'000));
    BOOST_TEST(parse("00") == millis(0));

    // More digits than an int64 holds, but the value itself is small.
    BOOST_TEST(parse("000000000000000000000000000042") == millis(42'000));
}

BOOST_AUTO_TEST_CASE(negative_rejected)
{
    BOOST_TEST(parse("-1") == rejected);
    BOOST_TEST(parse("-0") == rejected);
    BOOST_TEST(parse("-120") == rejected);
}

BOOST_AUTO_TEST_CASE(plus_sign_rejected)
{
    // delay-seconds is 1*DIGIT, without a sign.
    BOOST_TEST(parse("+5") == rejected);
}

BOOST_AUTO_TEST_CASE(fraction_rejected)
{
    BOOST_TEST(parse("1.5") == rejected);
    BOOST_TEST(parse("1.") == rejected);
    BOOST_TEST(parse(".5") == rejected);
    BOOST_TEST(parse("1,5") == rejected);
}

BOOST_AUTO_TEST_CASE(garbage_rejected)
{
    BOOST_TEST(parse("soon") == rejected);
    BOOST_TEST(parse("5s") == rejected);
    BOOST_TEST(parse("5 6") == rejected);
    BOOST_TEST(parse("0x10") == rejected);
    BOOST_TEST(parse("1e3") == rejected);
    BOOST_TEST(parse("5\n") == rejected);
}

BOOST_AUTO_TEST_CASE(empty_rejected)
{
    BOOST_TEST(parse("") == rejected);
    BOOST_TEST(parse("   ") == rejected);
}

BOOST_AUTO_TEST_CASE(large_value_exact)
{
    // 2^32 seconds, about 136 years: valid delay-seconds that fits easily.
    BOOST_TEST(parse("4294967296") == millis(4'294'967'296'000));
}

BOOST_AUTO_TEST_CASE(largest_representable_value)
{
    // The largest number of seconds whose milliseconds fit in an int64.
    BOOST_TEST(parse("9223372036854775") == millis(9'223'372'036'854'775'000));
}

BOOST_AUTO_TEST_CASE(overflow_rejected)
{
    // Seconds fit in an int64 but milliseconds do not.
    BOOST_TEST(parse("9223372036854776") == rejected);

    // Seconds overflow an int64, or wrap to zero in a uint64.
    BOOST_TEST(parse("9223372036854775808") == rejected);
    BOOST_TEST(parse("18446744073709551616") == rejected);
    BOOST_TEST(parse("99999999999999999999999999999999") == rejected);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(retry_after_date)

BOOST_AUTO_TEST_CASE(imf_fixdate)
{
    BOOST_TEST(parse("Sun, 06 Nov 1994 08:49:37 GMT") == millis(37'000));
}

BOOST_AUTO_TEST_CASE(rfc850_date)
{
    BOOST_TEST(parse("Sunday, 06-Nov-94 08:49:37 GMT") == millis(37'000));
}

BOOST_AUTO_TEST_CASE(asctime_date)
{
    BOOST_TEST(parse("Sun Nov  6 08:49:37 1994") == millis(37'000));
}

BOOST_AUTO_TEST_CASE(asctime_two_digit_day)
{
    // One week and 37 seconds after `now`.
    BOOST_TEST(parse("Sun Nov 13 08:49:37 1994") == millis(604'837'000));
}

BOOST_AUTO_TEST_CASE(surrounding_whitespace)
{
    BOOST_TEST(parse(" Sun, 06 Nov 1994 08:49:37 GMT ") == millis(37'000));
}

BOOST_AUTO_TEST_CASE(millisecond_precision)
{
    // The dates have whole seconds, so the fraction of `now` shows in the result.
    const auto now = example_date_midnight + 8h + 49min + 36s + 250ms;

    BOOST_TEST(parse("Sun, 06 Nov 1994 08:49:37 GMT", now) == millis(750));
    BOOST_TEST(parse("Sunday, 06-Nov-94 08:49:37 GMT", now) == millis(750));
    BOOST_TEST(parse("Sun Nov  6 08:49:37 1994", now) == millis(750));
}

BOOST_AUTO_TEST_CASE(across_year_end)
{
    const auto now = sys_days{std::chrono::year(1994) / 12 / 31} + 23h + 59min + 59s;

    BOOST_TEST(parse("Sun, 01 Jan 1995 00:00:01 GMT", now) == millis(2'000));
}

BOOST_AUTO_TEST_CASE(leap_day)
{
    const auto now = sys_days{std::chrono::year(1996) / 2 / 28};

    BOOST_TEST(parse("Thu, 29 Feb 1996 00:00:00 GMT", now) == millis(86'400'000));
}

BOOST_AUTO_TEST_CASE(past_date_gives_zero)
{
    const auto now = example_date_midnight + 8h + 50min;

    BOOST_TEST(parse("Sun, 06 Nov 1994 08:49:37 GMT", now) == millis(0));
    BOOST_TEST(parse("Sunday, 06-Nov-94 08:49:37 GMT", now) == millis(0));
    BOOST_TEST(parse("Sun Nov  6 08:49:37 1994", now) == millis(0));
    BOOST_TEST(parse("Thu, 01 Jan 1970 00:00:00 GMT", now) == millis(0));
}

BOOST_AUTO_TEST_CASE(years_outside_clock_range)
{
    // system_clock spans 1678 to 2262 on libstdc++; found by the fuzzer,
    // year 997 overflowed the conversion to nanoseconds.
    const auto now = example_date_midnight;

    BOOST_TEST(parse("Sun, 06 Nov 0997 08:49:37 GMT", now) == millis(0));
    BOOST_TEST(parse("Mon, 01 Jan 0001 00:00:00 GMT", now) == millis(0));
    auto far = parse("Fri, 31 Dec 9999 23:59:59 GMT", now);
    BOOST_TEST_REQUIRE(far.has_value());
    BOOST_TEST(far->count() > 0);
}

BOOST_AUTO_TEST_CASE(date_equal_to_now_gives_zero)
{
    const auto now = example_date_midnight + 8h + 49min + 37s;

    BOOST_TEST(parse("Sun, 06 Nov 1994 08:49:37 GMT", now) == millis(0));
}

BOOST_AUTO_TEST_CASE(rfc850_year_within_fifty_years)
{
    // RFC 9110 (section 5.6.7) reads a two-digit year as the nearest matching
    // year unless that is more than 50 years ahead. From mid-2025, "72" is
    // 2072 (46.6 years ahead) and "99" is 1999 (2099 is 73.6 years ahead).
    const auto now = sys_days{std::chrono::year(2025) / 6 / 1};
    const auto until_2072 = sys_days{std::chrono::year(2072) / 1 / 1} - now;
    const optional_millis expected = std::chrono::duration_cast<std::chrono::milliseconds>(until_2072);

    BOOST_TEST(parse("Friday, 01-Jan-72 00:00:00 GMT", now) == expected);
    BOOST_TEST(parse("Thursday, 01-Jan-99 00:00:00 GMT", now) == millis(0));
}

BOOST_AUTO_TEST_CASE(invalid_day_rejected)
{
    BOOST_TEST(parse("Thu, 30 Feb 1995 08:49:37 GMT") == rejected);
    BOOST_TEST(parse("Sun, 29 Feb 1995 08:49:37 GMT") == rejected);
    BOOST_TEST(parse("Sun, 00 Nov 1994 08:49:37 GMT") == rejected);
    BOOST_TEST(parse("Thursday, 30-Feb-95 08:49:37 GMT") == rejected);
    BOOST_TEST(parse("Thu Nov 31 08:49:37 1994") == rejected);
}

BOOST_AUTO_TEST_CASE(invalid_time_rejected)
{
    BOOST_TEST(parse("Sun, 06 Nov 1994 25:49:37 GMT") == rejected);
    BOOST_TEST(parse("Sun, 06 Nov 1994 24:00:00 GMT") == rejected);
    BOOST_TEST(parse("Sun, 06 Nov 1994 08:60:37 GMT") == rejected);
    BOOST_TEST(parse("Sun, 06 Nov 1994 08:49:61 GMT") == rejected);
    BOOST_TEST(parse("Sunday, 06-Nov-94 25:49:37 GMT") == rejected);
    BOOST_TEST(parse("Sun Nov  6 25:49:37 1994") == rejected);
}

BOOST_AUTO_TEST_CASE(invalid_month_rejected)
{
    BOOST_TEST(parse("Sun, 06 Foo 1994 08:49:37 GMT") == rejected);
    BOOST_TEST(parse("Sunday, 06-Foo-94 08:49:37 GMT") == rejected);
    BOOST_TEST(parse("Sun Foo  6 08:49:37 1994") == rejected);

    // Month names are case-sensitive in HTTP-date.
    BOOST_TEST(parse("Sun, 06 nov 1994 08:49:37 GMT") == rejected);
}

BOOST_AUTO_TEST_CASE(missing_gmt_rejected)
{
    BOOST_TEST(parse("Sun, 06 Nov 1994 08:49:37") == rejected);
    BOOST_TEST(parse("Sunday, 06-Nov-94 08:49:37") == rejected);
    BOOST_TEST(parse("Sun, 06 Nov 1994 08:49:37 UTC") == rejected);
}

BOOST_AUTO_TEST_CASE(truncated_date_rejected)
{
    BOOST_TEST(parse("Sun, 06 Nov 1994") == rejected);
    BOOST_TEST(parse("Sun, 06 Nov 1994 08:49 GMT") == rejected);
    BOOST_TEST(parse("Sun Nov  6 08:49:37") == rejected);
}

BOOST_AUTO_TEST_CASE(trailing_text_rejected)
{
    BOOST_TEST(parse("Sun, 06 Nov 1994 08:49:37 GMT later") == rejected);
    BOOST_TEST(parse("Sun Nov  6 08:49:37 1994 GMT") == rejected);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(retry_budget)

BOOST_AUTO_TEST_CASE(starts_full)
{
    auto budget = make_budget(20, 0.25);

    BOOST_TEST(budget.balance() == 20);
}

BOOST_AUTO_TEST_CASE(default_options)
{
    swr::retry_budget budget(swr::retry_budget_options{});

    const std::size_t granted = spend_repeatedly(budget, 11);

    BOOST_TEST(granted == 10u);
    BOOST_TEST(budget.balance() == 10);
}

BOOST_AUTO_TEST_CASE(retry_costs_one_token)
{
    auto budget = make_budget(20, 0.25);

    const bool granted = budget.try_spend();

    BOOST_TEST(granted);
    BOOST_TEST(budget.balance() == 19);
}

BOOST_AUTO_TEST_CASE(stops_at_half_capacity)
{
    auto budget = make_budget(20, 0.25);

    // Ten retries take the balance from 20 to 10, where retries stop.
    const std::size_t granted = spend_repeatedly(budget, 10);
    const bool eleventh = budget.try_spend();

    BOOST_TEST(granted == 10u);
    BOOST_TEST(!eleventh);
    BOOST_TEST(budget.balance() == 10);
}

BOOST_AUTO_TEST_CASE(refused_retry_costs_nothing)
{
    auto budget = make_budget(4, 0.25);
    spend_repeatedly(budget, 2);

    const bool first = budget.try_spend();
    const bool second = budget.try_spend();

    BOOST_TEST(!first);
    BOOST_TEST(!second);
    BOOST_TEST(budget.balance() == 2);
}

BOOST_AUTO_TEST_CASE(refund_above_half_allows_retry)
{
    // With capacity 4 the balance reaches 2, which is half, and a refund
    // lifts it to 2.5. That allows one more retry, which leaves 1.5.
    auto budget = make_budget(4, 0.5);
    spend_repeatedly(budget, 2);

    budget.on_success();
    const bool after_refund = budget.try_spend();
    const bool next = budget.try_spend();

    BOOST_TEST(after_refund);
    BOOST_TEST(!next);
    BOOST_TEST(budget.balance() == 1.5);
}

BOOST_AUTO_TEST_CASE(refund_adds_refund_per_success)
{
    auto budget = make_budget(20, 0.25);
    spend_repeatedly(budget, 3);

    budget.on_success();

    BOOST_TEST(budget.balance() == 17.25);
}

BOOST_AUTO_TEST_CASE(refund_capped_at_capacity)
{
    auto budget = make_budget(4, 0.75);
    budget.on_success();
    const double after_refund_when_full = budget.balance();
    budget.try_spend();

    budget.on_success();
    budget.on_success();

    BOOST_TEST(after_refund_when_full == 4);
    BOOST_TEST(budget.balance() == 4);
}

BOOST_AUTO_TEST_CASE(capacity_one)
{
    // With capacity 1 the full balance allows exactly one retry, because
    // half of the capacity is 0.5.
    auto budget = make_budget(1, 0.25);

    const std::size_t granted = spend_repeatedly(budget, 5);

    BOOST_TEST(granted == 1u);
    BOOST_TEST(budget.balance() == 0);
}

BOOST_AUTO_TEST_CASE(zero_capacity_disables)
{
    auto budget = make_budget(0, 0.25);

    const std::size_t granted = spend_repeatedly(budget, 1000);

    BOOST_TEST(granted == 1000u);
}

BOOST_AUTO_TEST_CASE(concurrent_spending_exact)
{
    // 4 threads try 500000 retries each; exactly the tokens above half of
    // the capacity are granted, whatever the interleaving.
    constexpr std::size_t thread_count = 4;
    constexpr std::size_t tries_per_thread = 500'000;
    auto budget = make_budget(2'000'000, 0.25);
    std::vector<std::size_t> granted(thread_count, 0);

    run_on_threads(thread_count, [&](std::size_t index) {
        granted[index] = spend_repeatedly(budget, tries_per_thread);
    });

    std::size_t total = 0;
    for (std::size_t count : granted)
        total += count;
    BOOST_TEST(total == 1'000'000u);
    BOOST_TEST(budget.balance() == 1'000'000);
}

BOOST_AUTO_TEST_CASE(concurrent_refunds_exact)
{
    // From half of the capacity, 4 threads x 500000 refunds of 0.25 add 500000.
    constexpr std::size_t thread_count = 4;
    constexpr std::size_t refunds_per_thread = 500'000;
    auto budget = make_budget(2'000'000, 0.25);
    spend_repeatedly(budget, 1'000'000);

    run_on_threads(thread_count, [&](std::size_t) {
        for (std::size_t i = 0; i < refunds_per_thread; ++i)
            budget.on_success();
    });

    BOOST_TEST(budget.balance() == 1'500'000);
}

BOOST_AUTO_TEST_CASE(concurrent_spending_and_refunds_exact)
{
    // From 1.5 million of 2 million, 2 threads spend 200000 tokens each while
    // 2 threads refund 200000 x 0.25 each. The balance stays within
    // [1.1 million, 1.6 million] in every interleaving, above half of the
    // capacity and below all of it, so every retry is granted and no refund
    // is capped.
    constexpr std::size_t operations_per_thread = 200'000;
    auto budget = make_budget(2'000'000, 0.25);
    spend_repeatedly(budget, 500'000);
    std::vector<std::size_t> granted(2, 0);

    run_on_threads(4, [&](std::size_t index) {
        if (index < 2) {
            granted[index] = spend_repeatedly(budget, operations_per_thread);
            return;
        }
        for (std::size_t i = 0; i < operations_per_thread; ++i)
            budget.on_success();
    });

    BOOST_TEST(granted[0] == operations_per_thread);
    BOOST_TEST(granted[1] == operations_per_thread);
    BOOST_TEST(budget.balance() == 1'200'000);
}

BOOST_AUTO_TEST_CASE(concurrent_zero_capacity)
{
    constexpr std::size_t thread_count = 4;
    constexpr std::size_t tries_per_thread = 500'000;
    auto budget = make_budget(0, 0.25);
    std::vector<std::size_t> granted(thread_count, 0);

    run_on_threads(thread_count, [&](std::size_t index) {
        granted[index] = spend_repeatedly(budget, tries_per_thread);
    });

    std::size_t total = 0;
    for (std::size_t count : granted)
        total += count;
    BOOST_TEST(total == thread_count * tries_per_thread);
}

BOOST_AUTO_TEST_SUITE_END()
