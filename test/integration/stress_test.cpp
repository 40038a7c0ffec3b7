#define BOOST_TEST_MODULE stress
#include "support/fixture.hpp"

#include <swr/client.hpp>
#include <swr/emulator.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_future.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/test/unit_test.hpp>

#include <atomic>
#include <future>
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

namespace {

// Runs `task` with `io` driven by `threads` threads in all.
void run_on_threads(asio::io_context& io, std::size_t threads, asio::awaitable<void> task,
                    std::chrono::milliseconds deadline)
{
    auto work = asio::make_work_guard(io);
    std::vector<std::thread> extra;
    for (std::size_t i = 1; i < threads; ++i)
        extra.emplace_back([&io] { io.run(); });
    // Join the extra threads however run_until_done ends, or their
    // destructors would terminate the test binary.
    struct joiner {
        std::vector<std::thread>& threads;
        ~joiner()
        {
            for (auto& thread : threads) {
                if (thread.joinable())
                    thread.join();
            }
        }
    } join_all{extra};
    run_until_done(
        io,
        [&, task = std::move(task)]() mutable -> asio::awaitable<void> {
            try {
                co_await std::move(task);
            } catch (...) {
                work.reset();
                throw;
            }
            work.reset();
        }(),
        deadline);
}

// Scans the whole listing once on `threads` threads and returns the keys.
struct threaded_scan {
    std::vector<std::string> keys;
    swr::scan_summary summary;
};

threaded_scan scan_on_threads(swr::client_options settings, std::size_t threads, swr::scan_options scan)
{
    asio::io_context io;
    swr::client client(io.get_executor(), std::move(settings));
    threaded_scan result;
    run_on_threads(io, threads,
                   [&]() -> asio::awaitable<void> {
                       auto stream = client.scan(self_request(), scan);
                       while (auto page = co_await stream.next()) {
                           for (const auto& item : page->items)
                               result.keys.push_back(item.namespace_name + "/" + item.name);
                       }
                       result.summary = stream.summary();
                   }(),
                   std::chrono::minutes(4));
    return result;
}

}  // namespace

// Four threads, sixteen requests in flight, thousands of pages, and a request
// timeout close to the time a response takes, so that timeouts and
// completions race. That time depends on the build (sanitizers are several
// times slower), so a first scan with a generous timeout measures it.
BOOST_AUTO_TEST_CASE(timeouts_race_completions_on_four_threads)
{
    temp_dir dir;
    auto options = emulator_defaults(dir);
    options.repositories = 20000;
    options.latency = 15ms;
    swr::emulator_thread server(options, 2);

    swr::scan_options scan;
    scan.page_size = 10;
    scan.max_in_flight = 16;

    auto calibration_start = std::chrono::steady_clock::now();
    threaded_scan calibration = scan_on_threads(client_defaults(server.get()), 4, scan);
    auto calibration_time = std::chrono::steady_clock::now() - calibration_start;
    BOOST_TEST_REQUIRE(calibration.keys.size() == 20000u);
    // With 16 requests always in flight, each takes about elapsed * 16 / pages.
    // The timeout is well above that, so that ordinary requests complete
    // even on a loaded machine: a timeout near the mean can start a spiral,
    // because requests given up on keep the emulator busy and slow the next
    // ones. Every 50th page is delayed past the timeout on its first attempt,
    // and on its second until its response is due just when the timeout
    // expires, so that those race.
    auto typical = std::chrono::duration_cast<std::chrono::milliseconds>(calibration_time * 16 / 2000);
    auto race_timeout = std::max(typical * 3, std::chrono::milliseconds(45));
    BOOST_TEST_MESSAGE("request timeout for the race: " << race_timeout.count() << " ms");
    std::vector<swr::fault_rule> rules;
    for (std::int64_t offset = 0; offset < 20000; offset += 500) {
        for (auto delay : {race_timeout, race_timeout - options.latency}) {
            swr::fault_rule rule;
            rule.offset = offset;
            rule.action = swr::latency_fault{delay};
            rules.push_back(rule);
        }
    }
    server.get().set_faults(std::move(rules));

    auto settings = client_defaults(server.get());
    settings.timeouts.request = race_timeout;
    settings.retry.max_attempts = 200;
    settings.backoff.initial = 1ms;
    settings.backoff.max = 20ms;
    settings.retry_budget.capacity = 0;
    threaded_scan result = scan_on_threads(settings, 4, scan);

    BOOST_TEST(result.keys == calibration.keys, boost::test_tools::per_element());
    BOOST_TEST(std::set<std::string>(result.keys.begin(), result.keys.end()).size() == 20000u);
    BOOST_TEST(result.summary.pages == 2000);
    BOOST_TEST(result.summary.complete);
    // Timeouts must really have raced completions for the test to mean
    // anything: at least the 40 certain timeouts were retried.
    BOOST_TEST(result.summary.retries >= 40);
    BOOST_TEST_MESSAGE("retries taken: " << result.summary.retries);
    // The server's in-flight count is not checked here: a request the client
    // gave up on still occupies the server until its latency has passed.
}

// Many scans share one client on four threads; most are abandoned after a
// few pages while their requests are in flight. Every io.run() must return.
BOOST_AUTO_TEST_CASE(abandoned_scans_on_four_threads_leave_no_work)
{
    temp_dir dir;
    auto options = emulator_defaults(dir);
    options.repositories = 5000;
    options.latency = 5ms;
    swr::emulator_thread server(options, 2);

    asio::io_context io;
    swr::client client(io.get_executor(), client_defaults(server.get()));
    std::atomic<int> finished_scans{0};
    std::atomic<std::int64_t> full_items{0};

    auto consumer = [&](int pages_to_take) -> asio::awaitable<void> {
        swr::scan_options scan;
        scan.page_size = 25;
        scan.max_in_flight = 16;
        auto stream = client.scan(self_request(), scan);
        int taken = 0;
        while (pages_to_take < 0 || taken < pages_to_take) {
            auto page = co_await stream.next();
            if (!page)
                break;
            ++taken;
            if (pages_to_take < 0)
                full_items += static_cast<std::int64_t>(page->items.size());
        }
        ++finished_scans;
    };

    run_on_threads(io, 4,
                   [&]() -> asio::awaitable<void> {
                       auto executor = co_await asio::this_coro::executor;
                       std::vector<std::future<void>> done;
                       for (int i = 0; i < 24; ++i) {
                           // Every sixth scan runs to the end; the others stop early.
                           int pages = i % 6 == 0 ? -1 : 1 + i % 5;
                           done.push_back(asio::co_spawn(executor, consumer(pages), asio::use_future));
                       }
                       for (auto& future : done) {
                           while (future.wait_for(0s) != std::future_status::ready) {
                               asio::steady_timer poll(executor, 5ms);
                               co_await poll.async_wait(asio::use_awaitable);
                           }
                           future.get();
                       }
                   }(),
                   std::chrono::minutes(2));

    BOOST_TEST(finished_scans.load() == 24);
    BOOST_TEST(full_items.load() == 4 * 5000);
}
