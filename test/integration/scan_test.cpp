#define BOOST_TEST_MODULE scan
#include "support/fixture.hpp"

#include <swr/client.hpp>
#include <swr/emulator.hpp>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <set>
#include <string>
#include <thread>
#include <vector>

namespace asio = boost::asio;
using namespace std::chrono_literals;
using swr::test::client_defaults;
using swr::test::emulator_defaults;
using swr::test::run_until_done;
using swr::test::temp_dir;
using swr::test::self_request;
using swr::test::settled_stats;
using swr::test::scan_with;

namespace {

std::string key_of(const swr::repository& item)
{
    return item.namespace_name + "/" + item.name;
}

// Collects the keys of every item of a scan and its summary.
struct scan_result {
    std::vector<std::string> keys;
    swr::scan_summary summary;
};

// With `recycle`, every page goes back to the stream once read.
asio::awaitable<void> collect(swr::client& client, swr::scan_options options, scan_result& out, bool recycle = false)
{
    auto stream = client.scan(self_request(), std::move(options));
    while (auto page = co_await stream.next()) {
        for (const auto& item : page->items)
            out.keys.push_back(key_of(item));
        if (recycle)
            stream.recycle(std::move(*page));
    }
    out.summary = stream.summary();
}

// Fetches the listing with the largest pages, one after another: the order
// every scan must reproduce.
std::vector<std::string> reference_listing(const swr::emulator& server)
{
    asio::io_context io;
    swr::client client(io.get_executor(), client_defaults(server));
    std::vector<std::string> keys;
    run_until_done(io, [&]() -> asio::awaitable<void> {
        for (std::int64_t offset = 0;; offset += 1000) {
            swr::page page = co_await client.fetch_page(self_request(), offset, 1000);
            for (const auto& item : page.items)
                keys.push_back(key_of(item));
            if (page.items.size() < 1000)
                break;
        }
    }());
    return keys;
}

std::size_t distinct(const std::vector<std::string>& keys)
{
    return std::set<std::string>(keys.begin(), keys.end()).size();
}

}  // namespace

BOOST_AUTO_TEST_CASE(odd_total_scanned_once_in_order)
{
    temp_dir dir;
    auto options = emulator_defaults(dir);
    options.repositories = 2537;
    options.latency = 5ms;
    swr::emulator_thread server(options, 2);
    std::vector<std::string> reference = reference_listing(server.get());
    BOOST_TEST_REQUIRE(reference.size() == 2537u);
    BOOST_TEST_REQUIRE(distinct(reference) == 2537u);

    for (std::size_t concurrency : {1u, 4u, 16u}) {
        for (bool recycle : {false, true}) {
            // With recycling, the pages after the first also leave with it.
            std::size_t speculative = recycle ? concurrency - 1 : 0;
            BOOST_TEST_CONTEXT("max_in_flight " << concurrency << ", recycle " << recycle << ", speculative "
                                                << speculative)
            {
                server.get().reset_stats();
                asio::io_context io;
                swr::client client(io.get_executor(), client_defaults(server.get()));
                scan_result result;
                swr::scan_options scan = scan_with(100, concurrency);
                scan.speculative_pages = speculative;

                run_until_done(io, collect(client, scan, result, recycle));

                BOOST_TEST(result.keys == reference, boost::test_tools::per_element());
                BOOST_TEST(result.summary.items == 2537);
                BOOST_TEST(result.summary.pages == 26);
                BOOST_TEST(result.summary.requests == 26);
                BOOST_TEST(result.summary.total.value_or(-1) == 2537);
                BOOST_TEST(result.summary.next_offset == 2537);
                BOOST_TEST(result.summary.complete);
                BOOST_TEST(result.summary.consistent);
                BOOST_TEST(server.get().stats().requests == 26u);
                BOOST_TEST(server.get().stats().max_in_flight <= concurrency);
                if (concurrency > 1)
                    BOOST_TEST(server.get().stats().max_in_flight > 1u);
            }
        }
    }
}

BOOST_AUTO_TEST_CASE(in_flight_never_above_limit_with_latency)
{
    temp_dir dir;
    auto options = emulator_defaults(dir);
    options.repositories = 2000;
    options.latency = 30ms;
    swr::emulator_thread server(options, 2);

    asio::io_context io;
    swr::client client(io.get_executor(), client_defaults(server.get()));
    scan_result result;
    run_until_done(io, collect(client, scan_with(50, 6), result));

    BOOST_TEST(result.keys.size() == 2000u);
    BOOST_TEST(distinct(result.keys) == 2000u);
    BOOST_TEST(server.get().stats().max_in_flight <= 6u);
    // With 30 ms per response and 39 pages left after the first, the six
    // slots are all used at some point.
    BOOST_TEST(server.get().stats().max_in_flight == 6u);
    BOOST_TEST(client.stats().connections_opened <= 6u);
}

BOOST_AUTO_TEST_CASE(rate_seen_by_server_within_rate_and_burst)
{
    temp_dir dir;
    auto options = emulator_defaults(dir);
    options.repositories = 3000;
    swr::emulator_thread server(options, 2);

    constexpr double rate = 40;
    constexpr double burst = 4;
    asio::io_context io;
    swr::client client(io.get_executor(), client_defaults(server.get()));
    auto scan = scan_with(50, 8);
    scan.limiter = std::make_shared<swr::rate_limiter>(rate, burst);
    scan_result result;
    run_until_done(io, collect(client, scan, result));

    BOOST_TEST_REQUIRE(result.keys.size() == 3000u);
    auto times = server.get().request_times();
    BOOST_TEST_REQUIRE(times.size() == 60u);

    // Tokens fall due at most burst + rate * T in any window of length T.
    // Arrival times at the server also carry network jitter, which can pull
    // one more request into a window: allow that one.
    std::size_t max_in_window = 0;
    for (std::size_t i = 0; i < times.size(); ++i) {
        auto end = std::lower_bound(times.begin() + static_cast<std::ptrdiff_t>(i), times.end(), times[i] + 1s);
        max_in_window = std::max<std::size_t>(max_in_window, static_cast<std::size_t>(end - times.begin()) - i);
    }
    BOOST_TEST(max_in_window <= static_cast<std::size_t>(rate + burst) + 1);

    // 60 requests with a burst of 4 cannot take less than 56 / 40 s.
    auto span = std::chrono::duration<double>(times.back() - times.front()).count();
    BOOST_TEST(span >= (60 - burst) / rate * 0.95);
    BOOST_TEST(scan.limiter->granted() == 60u);
}

BOOST_AUTO_TEST_CASE(shared_limiter_caps_two_scans_together)
{
    temp_dir dir;
    auto options = emulator_defaults(dir);
    options.repositories = 1000;
    swr::emulator_thread server(options, 2);

    auto limiter = std::make_shared<swr::rate_limiter>(50, 2);
    asio::io_context io;
    swr::client first(io.get_executor(), client_defaults(server.get()));
    swr::client second(io.get_executor(), client_defaults(server.get()));
    scan_result first_result;
    scan_result second_result;
    auto scan = scan_with(25, 4);
    scan.limiter = limiter;

    run_until_done(io, [&]() -> asio::awaitable<void> {
        using namespace asio::experimental::awaitable_operators;
        co_await (collect(first, scan, first_result) && collect(second, scan, second_result));
    }());

    BOOST_TEST(first_result.keys.size() == 1000u);
    BOOST_TEST(second_result.keys.size() == 1000u);
    auto times = server.get().request_times();
    BOOST_TEST_REQUIRE(times.size() == 80u);
    auto span = std::chrono::duration<double>(times.back() - times.front()).count();
    // 80 requests from one bucket of 50/s with burst 2: at least 78 / 50 s.
    BOOST_TEST(span >= (80 - 2) / 50.0 * 0.95);
    BOOST_TEST(limiter->granted() == 80u);
}

BOOST_AUTO_TEST_CASE(rejected_token_reports_status_code_and_request_id)
{
    temp_dir dir;
    auto options = emulator_defaults(dir);
    options.repositories = 10;
    swr::emulator_thread server(options);

    asio::io_context io;
    auto settings = client_defaults(server.get());
    settings.credentials = swr::make_token_credentials("not-the-right-token");
    swr::client client(io.get_executor(), settings);

    std::optional<swr::exception> failure;
    swr::scan_summary summary;
    run_until_done(io, [&]() -> asio::awaitable<void> {
        auto stream = client.scan(self_request());
        try {
            co_await stream.next();
        } catch (const swr::exception& error) {
            failure = error;
        }
        summary = stream.summary();
    }());

    BOOST_TEST_REQUIRE(failure.has_value());
    BOOST_TEST(failure->code() == swr::errc::unauthorized);
    BOOST_TEST(failure->info().http_status == 401);
    BOOST_TEST(failure->info().service_code == "APIG.0301");
    BOOST_TEST(!failure->info().request_id.empty());
    BOOST_TEST(failure->info().offset.value_or(-1) == 0);
    BOOST_TEST(std::string(failure->what()).find("not-the-right-token") == std::string::npos);
    BOOST_TEST(summary.requests == 1);
    BOOST_TEST(!summary.complete);
    BOOST_TEST(settled_stats(server.get()).unauthorized == 1u);
}

BOOST_AUTO_TEST_CASE(limit_above_maximum_reported_by_server)
{
    temp_dir dir;
    auto options = emulator_defaults(dir);
    options.repositories = 10;
    swr::emulator_thread server(options);

    asio::io_context io;
    swr::client client(io.get_executor(), client_defaults(server.get()));
    std::optional<swr::exception> failure;
    run_until_done(io, [&]() -> asio::awaitable<void> {
        try {
            co_await client.fetch_page(self_request(), 0, 1001);
        } catch (const swr::exception& error) {
            failure = error;
        }
    }());

    BOOST_TEST_REQUIRE(failure.has_value());
    BOOST_TEST(failure->code() == swr::errc::bad_request);
    BOOST_TEST(failure->info().http_status == 400);
    BOOST_TEST(failure->info().service_code == "SVCSTG.SWR.4000056");
    BOOST_TEST(!failure->info().request_id.empty());
    BOOST_TEST(!failure->info().message.empty());
}

BOOST_AUTO_TEST_CASE(caller_cancellation_stops_requests_in_flight)
{
    temp_dir dir;
    auto options = emulator_defaults(dir);
    options.repositories = 2537;
    options.latency = 200ms;
    swr::emulator_thread server(options, 2);

    asio::io_context io;
    swr::client client(io.get_executor(), client_defaults(server.get()));
    bool timer_won = false;
    boost::system::error_code after_cancel;
    swr::scan_summary summary;

    run_until_done(
        io,
        [&]() -> asio::awaitable<void> {
            using namespace asio::experimental::awaitable_operators;
            auto stream = client.scan(self_request(), scan_with(100, 8));
            auto first = co_await stream.next();
            BOOST_TEST_REQUIRE(first.has_value());

            // Eight requests are now in flight for 200 ms; the timer wins and
            // the pending async_next is cancelled through its slot.
            asio::steady_timer timer(io, 50ms);
            auto winner = co_await (stream.async_next(asio::as_tuple(asio::use_awaitable)) ||
                                    timer.async_wait(asio::use_awaitable));
            timer_won = winner.index() == 1;

            auto [ec, page] = co_await stream.async_next(asio::as_tuple(asio::use_awaitable));
            after_cancel = ec;
            BOOST_TEST(!page.has_value());
            summary = stream.summary();
        }(),
        10s);

    BOOST_TEST(timer_won);
    BOOST_TEST(after_cancel == asio::error::operation_aborted);
    BOOST_TEST(summary.pages == 1);
    BOOST_TEST(summary.next_offset == 100);
    BOOST_TEST(!summary.complete);
    BOOST_TEST(client.stats().requests <= 9u);
}

BOOST_AUTO_TEST_CASE(destroyed_stream_leaves_no_work)
{
    temp_dir dir;
    auto options = emulator_defaults(dir);
    options.repositories = 2537;
    options.latency = 300ms;
    swr::emulator_thread server(options, 2);

    asio::io_context io;
    swr::client client(io.get_executor(), client_defaults(server.get()));
    std::int64_t pages = 0;

    // run_until_done returns only when io.run() returns by itself, which
    // requires every request of the abandoned stream to have ended.
    run_until_done(
        io,
        [&]() -> asio::awaitable<void> {
            auto stream = client.scan(self_request(), scan_with(100, 8));
            if (co_await stream.next())
                ++pages;
            if (co_await stream.next())
                ++pages;
        }(),
        10s);

    BOOST_TEST(pages == 2);
    BOOST_TEST(client.stats().requests < 26u);
}

BOOST_AUTO_TEST_CASE(multi_threaded_io_context_scans_once)
{
    temp_dir dir;
    auto options = emulator_defaults(dir);
    options.repositories = 5000;
    swr::emulator_thread server(options, 2);

    asio::io_context io;
    swr::client client(io.get_executor(), client_defaults(server.get()));
    scan_result result;
    std::vector<std::thread> extra;

    auto work = asio::make_work_guard(io);
    for (int i = 0; i < 3; ++i)
        extra.emplace_back([&io] { io.run(); });
    run_until_done(io, [&]() -> asio::awaitable<void> {
        // Pages given back on one thread are parsed into on others.
        co_await collect(client, scan_with(20, 16), result, true);
        work.reset();
    }());
    for (auto& thread : extra)
        thread.join();

    BOOST_TEST(result.keys.size() == 5000u);
    BOOST_TEST(distinct(result.keys) == 5000u);
    BOOST_TEST(result.summary.complete);
    BOOST_TEST(server.get().stats().max_in_flight <= 16u);
}
