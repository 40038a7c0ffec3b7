// A scan parses a page's body when it delivers the page. These tests check
// what a bad body reports when it is found only at its turn: after a later
// page has already failed, after a cancellation, and on a multi-threaded
// io_context. The emulator runs over TLS on 127.0.0.1.

#define BOOST_TEST_MODULE parse_on_delivery
#include "support/fault_harness.hpp"

#include <swr/client.hpp>
#include <swr/emulator.hpp>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/test/unit_test.hpp>

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

namespace asio = boost::asio;
using namespace std::chrono_literals;
using swr::test::bad_request;
using swr::test::contains;
using swr::test::content_range;
using swr::test::delay_of;
using swr::test::fault_server;
using swr::test::key_of;
using swr::test::log_capture;
using swr::test::on_offset;
using swr::test::recording_time_source;
using swr::test::scaled;
using swr::test::scan_with;
using swr::test::slice;

namespace {

struct delivery_fixture {
    fault_server server{50};
    std::shared_ptr<recording_time_source> time = std::make_shared<recording_time_source>(0.5);
    asio::io_context io;
    log_capture log;
    swr::client_options options = make_options();
    std::optional<swr::client> client;

    swr::client_options make_options()
    {
        swr::client_options result = swr::test::fault_client_options(server.get(), time);
        result.log = log.options();
        return result;
    }

    swr::client& start_client()
    {
        client.emplace(io.get_executor(), options);
        return *client;
    }
};

// Waits on the executor until `condition` is true, checking every 5 ms, or
// until `limit` (scaled) has passed.
template <class Condition>
asio::awaitable<bool> wait_until(Condition condition, std::chrono::milliseconds limit = 5s)
{
    asio::steady_timer timer(co_await asio::this_coro::executor);
    auto give_up = std::chrono::steady_clock::now() + scaled(limit);
    while (!condition()) {
        if (std::chrono::steady_clock::now() > give_up)
            co_return false;
        timer.expires_after(5ms);
        co_await timer.async_wait(asio::use_awaitable);
    }
    co_return true;
}

struct slow_reader_report {
    std::vector<std::string> keys;
    boost::system::error_code error;
    swr::error_info info;
    swr::scan_summary summary;
    bool saw_failure = false;
};

// Reads the first page, then waits until the scan has logged a failure
// before it requests the rest, as a caller slower than the network does.
slow_reader_report read_slowly(delivery_fixture& f, swr::scan_options scan)
{
    slow_reader_report report;
    swr::client& scanning = f.start_client();
    swr::test::run_until_done(
        f.io,
        [&]() -> asio::awaitable<void> {
            swr::page_stream stream = scanning.scan(swr::test::self_listing(), scan);
            for (bool first = true;; first = false) {
                auto [ec, result] = co_await stream.async_next(asio::as_tuple(asio::use_awaitable));
                if (ec) {
                    report.error = ec;
                    report.info = stream.error();
                    break;
                }
                if (!result)
                    break;
                for (const auto& item : result->items)
                    report.keys.push_back(key_of(item));
                if (first)
                    report.saw_failure = co_await wait_until([&] { return f.log.count("scan failed") > 0; });
            }
            report.summary = stream.summary();
        }(),
        20s);
    return report;
}

}  // namespace

BOOST_FIXTURE_TEST_CASE(bad_body_reported_before_later_failure, delivery_fixture)
{
    // The pages at 10 and 20 arrive at once, and the one at 20 has a
    // Content-Range of nine records for ten. The page at 30 fails 200 ms
    // later with HTTP 400, while the caller has not yet asked for the page
    // at 10. The scan stops at 20 because of the bad body there, so that is
    // the error it reports.
    server.script({on_offset(20, content_range("20-9/50")), on_offset(30, bad_request()),
                   on_offset(30, delay_of(200ms))});

    slow_reader_report report = read_slowly(*this, scan_with(10, 4));

    BOOST_TEST_REQUIRE(report.saw_failure);
    BOOST_TEST(report.keys == slice(server.reference(), 0, 20), boost::test_tools::per_element());
    BOOST_TEST(report.summary.next_offset == 20);
    BOOST_TEST(report.error == swr::errc::bad_content_range, report.error.message() << ": " << report.info.message);
    BOOST_TEST(report.info.offset.value_or(-1) == 20);
    // The bad body's failure also reaches the log.
    BOOST_TEST(log.count("Content-Range '20-9/50' does not match") > 0u);
}

BOOST_FIXTURE_TEST_CASE(bad_body_reported_before_listing_change, delivery_fixture)
{
    // As above, but the page at 30 reports a different total and the policy
    // is to fail on a change of the listing.
    server.script({on_offset(20, content_range("20-9/50")), on_offset(30, content_range("30-10/53")),
                   on_offset(30, delay_of(200ms))});
    swr::scan_options scan = scan_with(10, 4);
    scan.on_listing_change = swr::scan_options::on_change::fail;

    slow_reader_report report = read_slowly(*this, scan);

    BOOST_TEST_REQUIRE(report.saw_failure);
    BOOST_TEST(report.keys == slice(server.reference(), 0, 20), boost::test_tools::per_element());
    BOOST_TEST(report.summary.next_offset == 20);
    BOOST_TEST(report.error == swr::errc::bad_content_range, report.error.message() << ": " << report.info.message);
    BOOST_TEST(report.info.offset.value_or(-1) == 20);
}

BOOST_FIXTURE_TEST_CASE(cancel_with_pages_waiting_aborts, delivery_fixture)
{
    // Every page after the first is in and waits when the caller cancels.
    // page_stream::cancel documents that a later async_next completes with
    // operation_aborted.
    server.script({});
    swr::client& scanning = start_client();
    std::vector<boost::system::error_code> after_cancel;
    std::int64_t pages_after_cancel = 0;

    swr::test::run_until_done(io, [&]() -> asio::awaitable<void> {
        swr::page_stream stream = scanning.scan(swr::test::self_listing(), scan_with(10, 4));
        auto first = co_await stream.next();
        BOOST_TEST_REQUIRE(first.has_value());
        co_await wait_until([&] { return server.get().stats().requests >= 5u; });
        // Let the responses reach the scan's strand.
        asio::steady_timer timer(co_await asio::this_coro::executor, 100ms);
        co_await timer.async_wait(asio::use_awaitable);

        stream.cancel();
        for (int call = 0; call < 3; ++call) {
            auto [ec, result] = co_await stream.async_next(asio::as_tuple(asio::use_awaitable));
            after_cancel.push_back(ec);
            if (result)
                ++pages_after_cancel;
            if (ec || !result)
                break;
        }
    }());

    BOOST_TEST_REQUIRE(!after_cancel.empty());
    BOOST_TEST(after_cancel.front() == asio::error::operation_aborted, after_cancel.front().message());
    BOOST_TEST(pages_after_cancel == 0);
}

BOOST_FIXTURE_TEST_CASE(late_bad_body_on_four_threads, delivery_fixture)
{
    // The scan of fault_scan_test's late_bad_body_fails_at_its_turn, with the
    // io_context run on four threads and every page given back. Each round
    // must stop at 10 with the bad body's error and deliver the first page once.
    for (int round = 0; round < 10; ++round) {
        BOOST_TEST_CONTEXT("round " << round)
        {
            server.script({on_offset(10, content_range("10-9/50")), on_offset(10, delay_of(50ms))});
            io.restart();
            swr::client& scanning = start_client();
            std::vector<std::string> keys;
            boost::system::error_code error;
            swr::error_info info;

            auto work = asio::make_work_guard(io);
            std::vector<std::thread> extra;
            for (int i = 0; i < 3; ++i)
                extra.emplace_back([this] { io.run(); });
            swr::test::run_until_done(io, [&]() -> asio::awaitable<void> {
                swr::page_stream stream = scanning.scan(swr::test::self_listing(), scan_with(10, 4));
                for (;;) {
                    auto [ec, result] = co_await stream.async_next(asio::as_tuple(asio::use_awaitable));
                    if (ec) {
                        error = ec;
                        info = stream.error();
                        break;
                    }
                    if (!result)
                        break;
                    for (const auto& item : result->items)
                        keys.push_back(key_of(item));
                    stream.recycle(std::move(*result));
                }
                work.reset();
            }());
            for (auto& thread : extra)
                thread.join();
            client.reset();

            BOOST_TEST(error == swr::errc::bad_content_range, error.message());
            BOOST_TEST(info.offset.value_or(-1) == 10);
            BOOST_TEST(keys == slice(server.reference(), 0, 10), boost::test_tools::per_element());
        }
    }
}

BOOST_FIXTURE_TEST_CASE(bad_body_past_shrunk_end_ignored, delivery_fixture)
{
    // The page at 30 reports that the listing shrank to 30 records and is
    // empty by its Content-Range, but its body is not JSON. Like any failure
    // past the end of the listing, it is ignored
    // (scan_planner::failure_effect::harmless).
    swr::status_fault broken;
    broken.status = 200;
    broken.body = "[not json";
    server.script({on_offset(30, broken), on_offset(30, content_range("30-0/30"))});

    swr::test::scan_report report = swr::test::run_scan(start_client(), io, scan_with(10, 4));

    BOOST_TEST(!report.error, report.what);
    BOOST_TEST(report.keys == slice(server.reference(), 0, 30), boost::test_tools::per_element());
    BOOST_TEST(!report.summary.consistent);
}
