#define BOOST_TEST_MODULE warm_up
#include "support/fixture.hpp"

#include <swr/client.hpp>
#include <swr/emulator.hpp>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/test/unit_test.hpp>

#include <memory>
#include <string>
#include <vector>

// A scan opens its connections while its first request is out
// (scan_options::warm_up_connections), and requests wait for a connection
// still opening rather than opening another.

namespace asio = boost::asio;
using namespace std::chrono_literals;
using swr::test::client_defaults;
using swr::test::emulator_defaults;
using swr::test::run_until_done;
using swr::test::temp_dir;
using swr::test::self_request;

namespace {

swr::scan_options scan_with(std::int64_t page_size, std::size_t max_in_flight, bool warm_up)
{
    swr::scan_options options;
    options.page_size = page_size;
    options.max_in_flight = max_in_flight;
    options.warm_up_connections = warm_up;
    return options;
}

struct scan_outcome {
    std::int64_t items = 0;
    boost::system::error_code error;
    swr::error_info info;
};

asio::awaitable<void> scan(swr::client& client, swr::scan_options options, scan_outcome& out)
{
    auto stream = client.scan(self_request(), std::move(options));
    for (;;) {
        auto [ec, page] = co_await stream.async_next(asio::as_tuple(asio::use_awaitable));
        if (ec) {
            out.error = ec;
            out.info = stream.error();
            co_return;
        }
        if (!page)
            co_return;
        out.items += static_cast<std::int64_t>(page->items.size());
    }
}

// Keeps every log line, to see in which order things happened.
struct captured_log {
    std::shared_ptr<std::vector<std::string>> lines = std::make_shared<std::vector<std::string>>();

    swr::log_options options() const
    {
        swr::log_options log;
        log.level = swr::log_level::debug;
        log.sink = [lines = lines](swr::log_level, std::string_view message) { lines->emplace_back(message); };
        return log;
    }

    // Index of the first line that starts with `prefix`, or the line count.
    std::size_t first(const std::string& prefix) const
    {
        for (std::size_t i = 0; i < lines->size(); ++i) {
            if ((*lines)[i].rfind(prefix, 0) == 0)
                return i;
        }
        return lines->size();
    }

};

BOOST_AUTO_TEST_CASE(warm_up_before_first_page)
{
    temp_dir dir;
    auto emulator_options = emulator_defaults(dir);
    emulator_options.repositories = 600;
    // Long enough that six handshakes end before the first page, even under
    // a sanitizer.
    emulator_options.latency = 300ms;
    swr::emulator_thread server(emulator_options, 2);

    asio::io_context io;
    captured_log log;
    auto options = client_defaults(server.get());
    options.log = log.options();
    swr::client client(io.get_executor(), options);
    scan_outcome outcome;
    run_until_done(io, scan(client, scan_with(50, 6, true), outcome));

    BOOST_TEST(!outcome.error, outcome.error.message() << ": " << outcome.info.to_string());
    BOOST_TEST(outcome.items == 600);
    // Six connections for six requests in flight, none opened twice.
    BOOST_TEST(client.stats().connections_opened == 6u);
    BOOST_TEST(server.get().stats().connections == 6u);
    // All six were open before the first page came back.
    std::size_t first_page = log.first("GET offset 0 ");
    BOOST_REQUIRE(first_page < log.lines->size());
    std::size_t opened = 0;
    for (std::size_t i = 0; i < first_page; ++i) {
        if ((*log.lines)[i].find(" opened to ") != std::string::npos)
            ++opened;
    }
    BOOST_TEST(opened == 6u);
}

BOOST_AUTO_TEST_CASE(one_page_listing_warm_up_cost)
{
    temp_dir dir;
    auto emulator_options = emulator_defaults(dir);
    emulator_options.repositories = 30;
    swr::emulator_thread server(emulator_options, 2);

    for (bool warm_up : {false, true}) {
        asio::io_context io;
        swr::client client(io.get_executor(), client_defaults(server.get()));
        scan_outcome outcome;
        run_until_done(io, scan(client, scan_with(50, 4, warm_up), outcome));

        BOOST_TEST(!outcome.error, outcome.error.message());
        BOOST_TEST(outcome.items == 30);
        // Without warm-up only the one request opens a connection; with it,
        // the scan opens max_in_flight before it learns that the listing fits one page.
        BOOST_TEST(client.stats().connections_opened == (warm_up ? 4u : 1u), "warm_up " << warm_up);
        BOOST_TEST(client.stats().requests == 1u);
    }
}

BOOST_AUTO_TEST_CASE(idle_connections_count_toward_warm_up)
{
    temp_dir dir;
    auto emulator_options = emulator_defaults(dir);
    emulator_options.repositories = 400;
    swr::emulator_thread server(emulator_options, 2);

    asio::io_context io;
    swr::client client(io.get_executor(), client_defaults(server.get()));
    scan_outcome first;
    scan_outcome second;
    run_until_done(io, [&]() -> asio::awaitable<void> {
        co_await scan(client, scan_with(50, 4, true), first);
        co_await scan(client, scan_with(50, 4, true), second);
    }());

    BOOST_TEST(first.items == 400);
    BOOST_TEST(second.items == 400);
    // The second scan finds the first one's four connections idle.
    BOOST_TEST(client.stats().connections_opened == 4u);
}

BOOST_AUTO_TEST_CASE(failed_first_handshake_warms_up_nothing)
{
    temp_dir dir;
    swr::emulator_thread server(emulator_defaults(dir));
    temp_dir other_dir;
    swr::emulator_thread other(emulator_defaults(other_dir));
    auto options = client_defaults(server.get());
    options.tls.ca_file = other.get().ca_file();  // does not sign `server`'s certificate

    // With speculative pages, eight requests go out at once.
    for (std::size_t speculative : {0u, 7u}) {
        BOOST_TEST_CONTEXT("speculative pages " << speculative)
        {
            server.get().reset_stats();
            asio::io_context io;
            swr::client client(io.get_executor(), options);
            auto scan_options = scan_with(50, 8, true);
            scan_options.speculative_pages = speculative;
            scan_outcome outcome;
            run_until_done(io, scan(client, scan_options, outcome));

            BOOST_TEST((outcome.error.category() == asio::error::get_ssl_category()),
                       outcome.error << ": " << outcome.error.message());
            BOOST_TEST(outcome.info.message.rfind("TLS certificate verification failed for 127.0.0.1: ", 0) == 0u,
                       "message: " << outcome.info.message);
            // One handshake, not one per request the scan would have had in flight.
            BOOST_TEST(server.get().stats().connections == 1u);
            BOOST_TEST(client.stats().connections_opened == 0u);
        }
    }
}

// A TCP server on 127.0.0.1 that accepts and never responds: every TLS
// handshake with it hangs until the client gives up.
class silent_server {
public:
    explicit silent_server(asio::io_context& io) : io_(io), acceptor_(io, {asio::ip::make_address("127.0.0.1"), 0})
    {
        accept_next();
    }

    std::string endpoint() const { return "https://127.0.0.1:" + std::to_string(acceptor_.local_endpoint().port()); }
    std::size_t accepted() const { return accepted_.size(); }

    void close()
    {
        acceptor_.close();
        accepted_.clear();
    }

private:
    void accept_next()
    {
        auto socket = std::make_shared<asio::ip::tcp::socket>(io_);
        acceptor_.async_accept(*socket, [this, socket](boost::system::error_code ec) {
            if (ec)
                return;
            accepted_.push_back(socket);
            accept_next();
        });
    }

    asio::io_context& io_;
    asio::ip::tcp::acceptor acceptor_;
    std::vector<std::shared_ptr<asio::ip::tcp::socket>> accepted_;
};

swr::client_options silent_client_options(const silent_server& server)
{
    swr::client_options options;
    options.endpoint = server.endpoint();
    options.credentials = swr::make_token_credentials(swr::test::test_token);
    options.timeouts.handshake = 60s;
    return options;
}

BOOST_AUTO_TEST_CASE(cancel_during_first_handshake)
{
    // run_until_done also proves that no warm-up is left waiting.
    asio::io_context io;
    silent_server server(io);
    swr::client client(io.get_executor(), silent_client_options(server));

    scan_outcome outcome;
    auto started = std::chrono::steady_clock::now();
    std::chrono::steady_clock::duration waited{};
    run_until_done(io, [&]() -> asio::awaitable<void> {
        auto stream = client.scan(self_request(), scan_with(50, 4, true));
        asio::steady_timer timer(co_await asio::this_coro::executor, 200ms);
        timer.async_wait([&](boost::system::error_code) { stream.cancel(); });
        auto [ec, page] = co_await stream.async_next(asio::as_tuple(asio::use_awaitable));
        waited = std::chrono::steady_clock::now() - started;
        outcome.error = ec;
        outcome.info = stream.error();
        BOOST_TEST(!page.has_value());
        server.close();
    }());

    BOOST_TEST(outcome.error == asio::error::operation_aborted, outcome.error.message());
    // Well before the 60 s handshake timeout.
    BOOST_TEST(waited < swr::test::scaled(20s));
}

BOOST_AUTO_TEST_CASE(no_token_taken_during_handshake)
{
    // A request takes its rate limiter token only once its connection is
    // open: a token taken before a slow handshake would let the request
    // reach the server late, in the same second as requests granted after it.
    asio::io_context io;
    silent_server server(io);
    swr::client client(io.get_executor(), silent_client_options(server));
    auto limiter = std::make_shared<swr::rate_limiter>(10.0, 5.0);

    std::uint64_t granted_during_handshake = 99;
    std::size_t connections_during_handshake = 0;
    boost::system::error_code error;
    run_until_done(io, [&]() -> asio::awaitable<void> {
        auto options = scan_with(50, 4, true);
        options.limiter = limiter;
        auto stream = client.scan(self_request(), options);
        asio::steady_timer timer(co_await asio::this_coro::executor, 300ms);
        timer.async_wait([&](boost::system::error_code) {
            granted_during_handshake = limiter->granted();
            connections_during_handshake = server.accepted();
            stream.cancel();
        });
        auto [ec, page] = co_await stream.async_next(asio::as_tuple(asio::use_awaitable));
        error = ec;
        server.close();
    }());

    BOOST_TEST(connections_during_handshake == 1u);
    BOOST_TEST(granted_during_handshake == 0u);
    BOOST_TEST(limiter->granted() == 0u);
    BOOST_TEST(error == asio::error::operation_aborted, error.message());
}

}  // namespace

BOOST_AUTO_TEST_CASE(speculative_pages_take_the_warmed_connections)
{
    temp_dir dir;
    auto emulator_options = emulator_defaults(dir);
    emulator_options.repositories = 600;
    emulator_options.latency = 100ms;
    swr::emulator_thread server(emulator_options, 2);

    asio::io_context io;
    swr::client client(io.get_executor(), client_defaults(server.get()));
    auto options = scan_with(50, 6, true);
    options.speculative_pages = 5;
    scan_outcome outcome;
    run_until_done(io, scan(client, options, outcome));

    BOOST_TEST(!outcome.error, outcome.error.message() << ": " << outcome.info.to_string());
    BOOST_TEST(outcome.items == 600);
    // The five pages sent with the first waited for its connection and then
    // took the five that the warm-up opened: six in all, not eleven.
    BOOST_TEST(client.stats().connections_opened == 6u);
    BOOST_TEST(server.get().stats().connections == 6u);
    BOOST_TEST(client.stats().requests == 12u);
}
