// Unit tests for the latency histogram (swr/metrics.hpp) and the logger's
// level check and repeat limit (private), without I/O.
#define BOOST_TEST_MODULE metrics
#include <boost/test/unit_test.hpp>

#include "latency_recorder.hpp"
#include "logger.hpp"

#include <swr/metrics.hpp>

#include <chrono>
#include <string>
#include <thread>
#include <vector>

using namespace std::chrono_literals;
using swr::detail::latency_recorder;
using swr::detail::repeat_limiter;

BOOST_AUTO_TEST_SUITE(histogram)

BOOST_AUTO_TEST_CASE(empty_histogram_is_zero)
{
    latency_recorder recorder;
    swr::latency_histogram snapshot = recorder.snapshot();
    BOOST_TEST(snapshot.count == 0u);
    BOOST_TEST(snapshot.mean().count() == 0);
    BOOST_TEST(snapshot.quantile(0.5).count() == 0);
    BOOST_TEST(snapshot.max.count() == 0);
}

BOOST_AUTO_TEST_CASE(bucket_bounds_are_inclusive)
{
    latency_recorder recorder;
    recorder.record(500us);    // the first bucket's upper bound
    recorder.record(501us);    // just above it
    recorder.record(90s);      // past the last bound
    swr::latency_histogram snapshot = recorder.snapshot();

    BOOST_TEST(snapshot.counts[0] == 1u);
    BOOST_TEST(snapshot.counts[1] == 1u);
    BOOST_TEST(snapshot.counts.back() == 1u);
    BOOST_TEST(snapshot.count == 3u);
    BOOST_TEST((snapshot.max == 90s));
    BOOST_TEST((snapshot.sum == 500us + 501us + 90s));
}

BOOST_AUTO_TEST_CASE(negative_latency_counts_as_zero)
{
    latency_recorder recorder;
    recorder.record(-5us);
    swr::latency_histogram snapshot = recorder.snapshot();
    BOOST_TEST(snapshot.counts[0] == 1u);
    BOOST_TEST(snapshot.sum.count() == 0);
}

BOOST_AUTO_TEST_CASE(quantile_interpolates_inside_bucket)
{
    latency_recorder recorder;
    // 10 latencies in (50 ms, 100 ms] and 10 in (100 ms, 200 ms].
    for (int i = 0; i < 10; ++i) {
        recorder.record(60ms);
        recorder.record(150ms);
    }
    swr::latency_histogram snapshot = recorder.snapshot();

    // Rank 10 of 20 is the last of the first bucket: its upper bound.
    BOOST_TEST(snapshot.quantile(0.5).count() == 100'000);
    // Rank 15 is halfway through the (100, 200] ms bucket.
    BOOST_TEST(snapshot.quantile(0.75).count() == 150'000);
    // Never above the largest latency recorded.
    BOOST_TEST((snapshot.quantile(1.0) == 150ms));
    BOOST_TEST((snapshot.mean() == 105ms));
}

BOOST_AUTO_TEST_CASE(quantile_clamps_fraction)
{
    latency_recorder recorder;
    recorder.record(3ms);
    swr::latency_histogram snapshot = recorder.snapshot();
    BOOST_TEST((snapshot.quantile(-1.0) == snapshot.quantile(0.0)));
    BOOST_TEST((snapshot.quantile(7.0) == 3ms));
}

BOOST_AUTO_TEST_CASE(concurrent_records_all_counted)
{
    latency_recorder recorder;
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t) {
        threads.emplace_back([&recorder, t] {
            for (int i = 0; i < 10'000; ++i)
                recorder.record(std::chrono::microseconds(1000 * (t + 1)));
        });
    }
    for (auto& thread : threads)
        thread.join();

    swr::latency_histogram snapshot = recorder.snapshot();
    BOOST_TEST(snapshot.count == 40'000u);
    BOOST_TEST((snapshot.max == 4ms));
    BOOST_TEST((snapshot.sum == 10'000 * (1ms + 2ms + 3ms + 4ms)));
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(repeats)

constexpr std::chrono::steady_clock::time_point start{std::chrono::hours(1)};

BOOST_AUTO_TEST_CASE(limit_per_kind_and_window)
{
    repeat_limiter limiter(2);
    std::uint64_t suppressed = 99;

    BOOST_TEST(limiter.admit("retry", start, suppressed));
    BOOST_TEST(suppressed == 0u);
    BOOST_TEST(limiter.admit("retry", start + 100ms, suppressed));
    BOOST_TEST(!limiter.admit("retry", start + 200ms, suppressed));
    BOOST_TEST(!limiter.admit("retry", start + 999ms, suppressed));

    // Another kind has its own window.
    BOOST_TEST(limiter.admit("throttling", start + 999ms, suppressed));
    BOOST_TEST(suppressed == 0u);

    // A new window reports what the last one dropped, once.
    BOOST_TEST(limiter.admit("retry", start + 1000ms, suppressed));
    BOOST_TEST(suppressed == 2u);
    BOOST_TEST(limiter.admit("retry", start + 1001ms, suppressed));
    BOOST_TEST(suppressed == 0u);
}

BOOST_AUTO_TEST_CASE(logger_appends_suppressed_count)
{
    std::vector<std::string> lines;
    swr::log_options options;
    options.level = swr::log_level::info;
    options.repeat_limit = 1;
    options.sink = [&](swr::log_level, std::string_view message) { lines.emplace_back(message); };
    swr::detail::logger log(options);

    log.write_repeating(swr::log_level::warning, "retry", "first");
    log.write_repeating(swr::log_level::warning, "retry", "second");
    log.write_repeating(swr::log_level::warning, "retry", "third");
    BOOST_TEST_REQUIRE(lines.size() == 1u);
    BOOST_TEST(lines[0] == "first");

    // Below the level nothing is counted or written.
    log.write_repeating(swr::log_level::debug, "connection closed", "quiet");
    BOOST_TEST(lines.size() == 1u);
    BOOST_TEST(!log.enabled(swr::log_level::debug));
    BOOST_TEST(log.enabled(swr::log_level::info));
}

BOOST_AUTO_TEST_CASE(logger_without_sink_is_disabled)
{
    swr::log_options options;
    options.level = swr::log_level::trace;
    swr::detail::logger log(options);
    BOOST_TEST(!log.enabled(swr::log_level::error));
}

BOOST_AUTO_TEST_SUITE_END()
