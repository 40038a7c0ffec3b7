// client::async_fetch_page with each kind of completion token, its
// associated executor and its cancellation slot, against the emulator over
// TLS on 127.0.0.1.
#define BOOST_TEST_MODULE fetch_page_tokens
#include "support/fixture.hpp"

#include <swr/client.hpp>
#include <swr/emulator.hpp>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/bind_executor.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/deferred.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/use_future.hpp>
#include <boost/test/unit_test.hpp>

#include <chrono>
#include <future>
#include <optional>
#include <thread>

namespace asio = boost::asio;
using namespace std::chrono_literals;
using swr::test::client_defaults;
using swr::test::emulator_defaults;
using swr::test::run_until_done;
using swr::test::temp_dir;
using swr::test::self_request;

namespace {

constexpr std::int64_t repository_count = 30;

struct served_emulator {
    explicit served_emulator(std::chrono::milliseconds latency = 0ms)
        : server([&] {
              auto options = emulator_defaults(dir);
              options.repositories = repository_count;
              options.latency = latency;
              return options;
          }())
    {
    }

    temp_dir dir;
    swr::emulator_thread server;
};

// Runs `io` on a second thread for the duration of a scope, for the tokens
// whose result the test thread waits for.
struct background_runner {
    explicit background_runner(asio::io_context& io) : work(asio::make_work_guard(io)), thread([&io] { io.run(); }) {}
    ~background_runner()
    {
        work.reset();
        thread.join();
    }

    asio::executor_work_guard<asio::io_context::executor_type> work;
    std::thread thread;
};

}  // namespace

BOOST_AUTO_TEST_CASE(use_awaitable_returns_page)
{
    served_emulator emulator;
    asio::io_context io;
    swr::client client(io.get_executor(), client_defaults(emulator.server.get()));

    std::optional<swr::page> result;
    run_until_done(io, [&]() -> asio::awaitable<void> {
        result = co_await client.async_fetch_page(self_request(), 10, 5, asio::use_awaitable);
    }());

    BOOST_TEST_REQUIRE(result.has_value());
    BOOST_TEST(result->offset == 10);
    BOOST_TEST(result->limit == 5);
    BOOST_TEST(result->items.size() == 5u);
    BOOST_TEST_REQUIRE(result->content_range.has_value());
    BOOST_TEST(result->content_range->total == repository_count);
}

BOOST_AUTO_TEST_CASE(deferred_starts_only_when_launched)
{
    served_emulator emulator;
    asio::io_context io;
    swr::client client(io.get_executor(), client_defaults(emulator.server.get()));

    auto operation = client.async_fetch_page(self_request(), 0, 7, asio::deferred);
    io.run_for(200ms);
    io.restart();
    BOOST_TEST(emulator.server.get().stats().requests == 0u);

    std::size_t items = 0;
    boost::system::error_code result;
    std::move(operation)([&](boost::system::error_code ec, swr::page page) {
        result = ec;
        items = page.items.size();
    });
    io.run();

    BOOST_TEST(!result);
    BOOST_TEST(items == 7u);
    BOOST_TEST(emulator.server.get().stats().requests == 1u);
}

BOOST_AUTO_TEST_CASE(use_future_from_plain_thread)
{
    served_emulator emulator;
    asio::io_context io;
    swr::client client(io.get_executor(), client_defaults(emulator.server.get()));
    background_runner runner(io);

    std::future<swr::page> future = client.async_fetch_page(self_request(), 25, 10, asio::use_future);
    BOOST_TEST_REQUIRE((future.wait_for(swr::test::scaled(30s)) == std::future_status::ready));
    swr::page page = future.get();
    // The listing has 30 repositories, so the page from 25 is short.
    BOOST_TEST(page.items.size() == 5u);
}

BOOST_AUTO_TEST_CASE(use_future_carries_error)
{
    served_emulator emulator;
    asio::io_context io;
    auto options = client_defaults(emulator.server.get());
    options.credentials = swr::make_token_credentials("wrong-token-value");
    swr::client client(io.get_executor(), options);
    background_runner runner(io);

    auto future = client.async_fetch_page(self_request(), 0, 10, asio::use_future);
    BOOST_TEST_REQUIRE((future.wait_for(swr::test::scaled(30s)) == std::future_status::ready));
    try {
        future.get();
        BOOST_FAIL("a rejected token must fail the future");
    } catch (const boost::system::system_error& error) {
        BOOST_TEST(error.code() == swr::errc::unauthorized);
    }
}

BOOST_AUTO_TEST_CASE(callback_gets_error_info)
{
    served_emulator emulator;
    asio::io_context io;
    auto options = client_defaults(emulator.server.get());
    options.credentials = swr::make_token_credentials("wrong-token-value");
    swr::client client(io.get_executor(), options);

    swr::error_info info;
    std::optional<boost::system::error_code> result;
    client.async_fetch_page(self_request(), 20, 10, info,
                            [&](boost::system::error_code ec, swr::page page) {
                                result = ec;
                                BOOST_TEST(page.items.empty());
                            });
    io.run();

    BOOST_TEST_REQUIRE(result.has_value());
    BOOST_TEST(*result == swr::errc::unauthorized);
    BOOST_TEST(info.http_status == 401);
    BOOST_TEST(!info.service_code.empty());
    BOOST_TEST_REQUIRE(info.offset.has_value());
    BOOST_TEST(*info.offset == 20);
}

BOOST_AUTO_TEST_CASE(as_tuple_with_invalid_limit)
{
    served_emulator emulator;
    asio::io_context io;
    swr::client client(io.get_executor(), client_defaults(emulator.server.get()));

    swr::error_info info;
    boost::system::error_code result;
    run_until_done(io, [&]() -> asio::awaitable<void> {
        auto [ec, page] = co_await client.async_fetch_page(self_request(), 0, 0, info,
                                                           asio::as_tuple(asio::use_awaitable));
        result = ec;
        BOOST_TEST(page.items.empty());
    }());

    BOOST_TEST(result == swr::errc::invalid_argument);
    BOOST_TEST(info.message.find("invalid limit 0") != std::string::npos, info.message);
    BOOST_TEST(emulator.server.get().stats().requests == 0u);
}

BOOST_AUTO_TEST_CASE(invalid_argument_never_completes_inline)
{
    served_emulator emulator;
    asio::io_context io;
    swr::client client(io.get_executor(), client_defaults(emulator.server.get()));

    bool called = false;
    client.async_fetch_page(self_request(), -1, 10, [&](boost::system::error_code ec, swr::page) {
        called = true;
        BOOST_TEST(ec == swr::errc::invalid_argument);
    });
    BOOST_TEST(!called);
    io.run();
    BOOST_TEST(called);
}

BOOST_AUTO_TEST_CASE(handler_runs_on_associated_executor)
{
    served_emulator emulator;
    asio::io_context client_io;
    asio::io_context handler_io;
    swr::client client(client_io.get_executor(), client_defaults(emulator.server.get()));

    std::thread::id handler_thread;
    std::size_t items = 0;
    client.async_fetch_page(self_request(), 0, 3,
                            asio::bind_executor(handler_io, [&](boost::system::error_code ec, swr::page page) {
                                BOOST_TEST(!ec);
                                handler_thread = std::this_thread::get_id();
                                items = page.items.size();
                            }));

    // The handler's io_context has outstanding work until the handler ran,
    // so its run() returns only after that.
    std::thread handler_runner([&] { handler_io.run(); });
    std::thread::id handler_runner_id = handler_runner.get_id();
    client_io.run();
    handler_runner.join();

    BOOST_TEST((handler_thread == handler_runner_id));
    BOOST_TEST(items == 3u);
}

BOOST_AUTO_TEST_CASE(cancellation_aborts_exchange_on_network)
{
    // The emulator responds after 5 s, so the request is on the network when
    // it is cancelled 100 ms after it started.
    served_emulator emulator(5s);
    asio::io_context io;
    swr::client client(io.get_executor(), client_defaults(emulator.server.get()));

    asio::cancellation_signal signal;
    swr::error_info info;
    std::optional<boost::system::error_code> result;
    client.async_fetch_page(self_request(), 0, 10, info,
                            asio::bind_cancellation_slot(signal.slot(), [&](boost::system::error_code ec, swr::page) {
                                result = ec;
                            }));
    asio::steady_timer timer(io, 100ms);
    timer.async_wait([&](boost::system::error_code) { signal.emit(asio::cancellation_type::terminal); });

    auto started = std::chrono::steady_clock::now();
    io.run();
    auto elapsed = std::chrono::steady_clock::now() - started;

    BOOST_TEST_REQUIRE(result.has_value());
    BOOST_TEST(*result == asio::error::operation_aborted);
    BOOST_TEST(client.stats().requests == 1u);
    BOOST_TEST(client.stats().retries == 0u);
    // io.run() returning before the emulator responds proves that nothing
    // kept waiting for it; the bound is far from the 100 ms expected.
    BOOST_TEST((elapsed < 4s));
}

BOOST_AUTO_TEST_CASE(partial_cancellation_also_aborts)
{
    served_emulator emulator(5s);
    asio::io_context io;
    swr::client client(io.get_executor(), client_defaults(emulator.server.get()));

    asio::cancellation_signal signal;
    std::optional<boost::system::error_code> result;
    client.async_fetch_page(self_request(), 0, 10,
                            asio::bind_cancellation_slot(signal.slot(), [&](boost::system::error_code ec, swr::page) {
                                result = ec;
                            }));
    asio::steady_timer timer(io, 100ms);
    timer.async_wait([&](boost::system::error_code) { signal.emit(asio::cancellation_type::partial); });
    io.run();

    BOOST_TEST_REQUIRE(result.has_value());
    BOOST_TEST(*result == asio::error::operation_aborted);
}

BOOST_AUTO_TEST_CASE(cancelled_coroutine_aborts_fetch_page)
{
    served_emulator emulator(5s);
    asio::io_context io;
    swr::client client(io.get_executor(), client_defaults(emulator.server.get()));

    asio::cancellation_signal signal;
    std::exception_ptr failure;
    asio::co_spawn(io, client.fetch_page(self_request(), 0, 10),
                   asio::bind_cancellation_slot(signal.slot(), [&](std::exception_ptr error, swr::page) {
                       failure = error;
                   }));
    asio::steady_timer timer(io, 100ms);
    timer.async_wait([&](boost::system::error_code) { signal.emit(asio::cancellation_type::terminal); });
    io.run();

    BOOST_TEST_REQUIRE(static_cast<bool>(failure));
    try {
        std::rethrow_exception(failure);
    } catch (const swr::exception& error) {
        BOOST_TEST(error.code() == asio::error::operation_aborted);
        BOOST_TEST_REQUIRE(error.info().offset.has_value());
        BOOST_TEST(*error.info().offset == 0);
    }
}

BOOST_AUTO_TEST_CASE(client_destroyed_while_fetching)
{
    served_emulator emulator(200ms);
    asio::io_context io;
    std::optional<boost::system::error_code> result;
    std::size_t items = 0;
    {
        swr::client client(io.get_executor(), client_defaults(emulator.server.get()));
        client.async_fetch_page(self_request(), 0, 4, [&](boost::system::error_code ec, swr::page page) {
            result = ec;
            items = page.items.size();
        });
    }
    io.run();

    BOOST_TEST_REQUIRE(result.has_value());
    BOOST_TEST(!*result);
    BOOST_TEST(items == 4u);
}

BOOST_AUTO_TEST_CASE(fetch_page_awaited_after_client_destroyed)
{
    served_emulator emulator;
    asio::io_context io;
    std::optional<asio::awaitable<swr::page>> pending;
    {
        swr::client client(io.get_executor(), client_defaults(emulator.server.get()));
        pending.emplace(client.fetch_page(self_request(), 3, 6));
    }

    std::size_t items = 0;
    run_until_done(io, [&]() -> asio::awaitable<void> {
        swr::page page = co_await std::move(*pending);
        items = page.items.size();
    }());
    BOOST_TEST(items == 6u);
}
