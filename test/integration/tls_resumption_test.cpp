// The transport's TLS session resumption, against the emulator over TLS on
// 127.0.0.1: a new connection offers the session the server issued on an
// earlier one, and still checks the server when it has none.

#define BOOST_TEST_MODULE tls_resumption
#include <boost/test/unit_test.hpp>

#include "support/fixture.hpp"

#include "logger.hpp"
#include "transport.hpp"

#include <swr/endpoint.hpp>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include <array>
#include <atomic>
#include <chrono>
#include <memory>
#include <optional>
#include <thread>
#include <vector>

namespace asio = boost::asio;

namespace {

swr::detail::transport_settings settings_for(const swr::emulator& server, std::size_t max_idle_connections)
{
    swr::detail::transport_settings settings;
    std::string error = swr::parse_endpoint(server.endpoint_url(), settings.endpoint);
    BOOST_TEST_REQUIRE(error == "");
    settings.tls.ca_file = server.ca_file();
    settings.max_idle_connections = max_idle_connections;
    return settings;
}

swr::outgoing_request listing_request(const swr::endpoint& endpoint)
{
    swr::outgoing_request request;
    request.method = "GET";
    request.host = endpoint.host_header();
    request.path = "/v2/manage/shared-repositories";
    request.query = "filter=center::self|limit::10|offset::0";
    request.set_header("X-Auth-Token", swr::test::test_token);
    return request;
}

// Sends `count` requests one after the other on `io`, the transport's
// context, and returns their statuses (-1: no response).
std::vector<int> send_in_turn(asio::io_context& io, swr::detail::transport& transport,
                              const swr::outgoing_request& request, int count)
{
    std::vector<int> statuses;
    swr::test::run_until_done(io, [&]() -> asio::awaitable<void> {
        for (int i = 0; i < count; ++i) {
            swr::detail::http_response response = co_await transport.send(request);
            statuses.push_back(response.ec ? -1 : response.status);
        }
    }());
    return statuses;
}

}  // namespace

BOOST_AUTO_TEST_CASE(new_connection_resumes_session)
{
    swr::test::temp_dir dir;
    swr::emulator_options options = swr::test::emulator_defaults(dir);
    options.repositories = 20;
    swr::emulator_thread server(options);

    // No idle connections are kept, so every request opens a new one.
    asio::io_context io;
    swr::detail::logger log{swr::log_options{}};
    swr::detail::transport_settings settings = settings_for(server.get(), 0);
    swr::detail::transport transport(io.get_executor(), settings, log);
    swr::outgoing_request request = listing_request(settings.endpoint);

    std::vector<int> statuses = send_in_turn(io, transport, request, 3);

    BOOST_TEST(statuses == (std::vector<int>{200, 200, 200}), boost::test_tools::per_element());
    BOOST_TEST(transport.counters().connections_opened.load() == 3u);
    BOOST_TEST(transport.counters().connections_resumed.load() == 2u);
}

BOOST_AUTO_TEST_CASE(untrusted_server_gives_no_session)
{
    swr::test::temp_dir dir;
    swr::emulator_options options = swr::test::emulator_defaults(dir);
    swr::emulator_thread server(options);

    // A CA file that does not sign the emulator's certificate: every
    // handshake fails, so no session is ever stored or offered.
    swr::test::temp_dir other;
    swr::emulator_options unrelated = swr::test::emulator_defaults(other);
    swr::emulator_thread other_server(unrelated);

    asio::io_context io;
    swr::detail::logger log{swr::log_options{}};
    swr::detail::transport_settings settings = settings_for(server.get(), 0);
    settings.tls.ca_file = other_server.get().ca_file();
    swr::detail::transport transport(io.get_executor(), settings, log);
    swr::outgoing_request request = listing_request(settings.endpoint);

    std::vector<int> statuses = send_in_turn(io, transport, request, 2);

    BOOST_TEST(statuses == (std::vector<int>{-1, -1}), boost::test_tools::per_element());
    BOOST_TEST(transport.counters().connections_opened.load() == 0u);
    BOOST_TEST(transport.counters().connections_resumed.load() == 0u);
}

BOOST_AUTO_TEST_CASE(connections_on_many_threads_resume_at_once)
{
    swr::test::temp_dir dir;
    swr::emulator_options options = swr::test::emulator_defaults(dir);
    options.repositories = 20;
    swr::emulator_thread server(options, 2);

    // Four threads run 16 senders of 4 requests each. No idle connections
    // are kept, so each request opens and resumes a connection of its own
    // while others do the same on other threads.
    asio::io_context io;
    swr::detail::logger log{swr::log_options{}};
    swr::detail::transport_settings settings = settings_for(server.get(), 0);
    swr::detail::transport transport(io.get_executor(), settings, log);
    swr::outgoing_request request = listing_request(settings.endpoint);

    std::atomic<int> successes{0};
    for (int sender = 0; sender < 16; ++sender) {
        asio::co_spawn(asio::make_strand(io), [&]() -> asio::awaitable<void> {
            for (int i = 0; i < 4; ++i) {
                swr::detail::http_response response = co_await transport.send(request);
                if (!response.ec && response.status == 200)
                    ++successes;
            }
        }, asio::detached);
    }
    std::vector<std::thread> threads;
    for (int i = 0; i < 4; ++i)
        threads.emplace_back([&io] { io.run(); });
    for (auto& thread : threads)
        thread.join();

    BOOST_TEST(successes.load() == 64);
    BOOST_TEST(transport.counters().connections_opened.load() == 64u);
    // Every connection after the first handshake to complete can resume.
    BOOST_TEST(transport.counters().connections_resumed.load() >= 48u);
}

namespace {

// A TCP relay on 127.0.0.1, on a thread of its own, to the emulator's port.
// On the first connection it delays the server's bytes that follow the
// client's second write (its TLS Finished) by `ticket_delay`, so that the
// session ticket arrives late, as when either side is descheduled.
class delaying_relay {
public:
    delaying_relay(std::uint16_t target_port, std::chrono::milliseconds ticket_delay)
        : target_port_(target_port),
          ticket_delay_(ticket_delay),
          acceptor_(io_, asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0))
    {
        asio::co_spawn(io_, accept_all(), asio::detached);
        thread_ = std::thread([this] { io_.run(); });
    }

    ~delaying_relay()
    {
        io_.stop();
        thread_.join();
    }

    std::uint16_t port() const { return acceptor_.local_endpoint().port(); }

private:
    struct link {
        explicit link(asio::io_context& io) : client(io), server(io) {}
        asio::ip::tcp::socket client;
        asio::ip::tcp::socket server;
        bool first = false;
        int client_writes = 0;
    };

    static constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);

    asio::awaitable<void> accept_all()
    {
        for (bool first = true;; first = false) {
            auto connection = std::make_shared<link>(io_);
            auto [ec] = co_await acceptor_.async_accept(connection->client, use_tuple);
            if (ec)
                co_return;
            connection->first = first;
            asio::co_spawn(io_, serve(connection), asio::detached);
        }
    }

    asio::awaitable<void> serve(std::shared_ptr<link> connection)
    {
        asio::ip::tcp::endpoint target(asio::ip::make_address("127.0.0.1"), target_port_);
        auto [ec] = co_await connection->server.async_connect(target, use_tuple);
        if (ec)
            co_return;
        asio::co_spawn(io_, copy(connection, true), asio::detached);
        co_await copy(connection, false);
    }

    // Copies one direction until it ends, then closes both sockets.
    asio::awaitable<void> copy(std::shared_ptr<link> connection, bool from_client)
    {
        auto& from = from_client ? connection->client : connection->server;
        auto& to = from_client ? connection->server : connection->client;
        std::array<char, 16384> buffer{};
        for (;;) {
            auto [read_ec, bytes] = co_await from.async_read_some(asio::buffer(buffer), use_tuple);
            if (read_ec)
                break;
            if (from_client) {
                ++connection->client_writes;
            } else if (connection->first && connection->client_writes >= 2) {
                asio::steady_timer delay(io_, ticket_delay_);
                co_await delay.async_wait(use_tuple);
            }
            auto [write_ec, written] = co_await asio::async_write(to, asio::buffer(buffer.data(), bytes), use_tuple);
            if (write_ec)
                break;
        }
        boost::system::error_code ignored;
        connection->client.close(ignored);
        connection->server.close(ignored);
    }

    std::uint16_t target_port_;
    std::chrono::milliseconds ticket_delay_;
    asio::io_context io_;
    asio::ip::tcp::acceptor acceptor_;
    std::thread thread_;
};

// An emulator of 20 repositories, with or without session resumption, and
// a transport to it on `io` that keeps up to 8 idle connections. With a
// `ticket_delay`, the transport connects through a delaying_relay.
struct warm_up_setup {
    explicit warm_up_setup(bool session_resumption,
                           std::chrono::milliseconds ticket_delay = std::chrono::milliseconds(0))
        : options(with_resumption(swr::test::emulator_defaults(dir), session_resumption)),
          server(options),
          settings(settings_for(server.get(), 8))
    {
        if (ticket_delay.count() > 0) {
            relay.emplace(server.get().port(), ticket_delay);
            settings.endpoint.port = relay->port();
        }
        transport.emplace(io.get_executor(), settings, log);
    }

    static swr::emulator_options with_resumption(swr::emulator_options options, bool session_resumption)
    {
        options.repositories = 20;
        options.session_resumption = session_resumption;
        return options;
    }

    // Starts a warm-up of `connections` before any connection opened, then
    // sends as many requests at once, and returns how many got 200.
    int warm_up_and_send(int connections)
    {
        swr::outgoing_request request = listing_request(settings.endpoint);
        transport->warm_up(static_cast<std::size_t>(connections));
        int successes = 0;
        for (int sender = 0; sender < connections; ++sender) {
            asio::co_spawn(io, [&]() -> asio::awaitable<void> {
                swr::detail::http_response response = co_await transport->send(request);
                if (!response.ec && response.status == 200)
                    ++successes;
            }, asio::detached);
        }
        io.run();
        return successes;
    }

    const swr::detail::transport_counters& counters() const { return transport->counters(); }

    swr::test::temp_dir dir;
    swr::emulator_options options;
    swr::emulator_thread server;
    std::optional<delaying_relay> relay;
    asio::io_context io;
    swr::detail::logger log{swr::log_options{}};
    swr::detail::transport_settings settings;
    std::optional<swr::detail::transport> transport;
};

}  // namespace

BOOST_AUTO_TEST_CASE(warmed_connections_resume_the_first_session)
{
    // The warm-up starts once the first connection opens, before its TLS 1.3
    // session ticket was read; its connections wait for the ticket.
    warm_up_setup setup(true);
    BOOST_TEST(setup.warm_up_and_send(8) == 8);
    BOOST_TEST(setup.counters().connections_opened.load() == 8u);
    BOOST_TEST(setup.counters().connections_resumed.load() == 7u);
}

BOOST_AUTO_TEST_CASE(warm_up_goes_on_without_session_tickets)
{
    // No ticket ever comes: the connections that wait for one still open,
    // with full handshakes.
    warm_up_setup setup(false);
    BOOST_TEST(setup.warm_up_and_send(8) == 8);
    BOOST_TEST(setup.counters().connections_opened.load() == 8u);
    BOOST_TEST(setup.counters().connections_resumed.load() == 0u);
}


BOOST_AUTO_TEST_CASE(late_ticket_still_resumes_warm_ups)
{
    // The first connection's ticket comes 30 ms after its handshake, which
    // takes a few milliseconds here: the warmed connections still wait for it.
    warm_up_setup setup(true, std::chrono::milliseconds(30));
    BOOST_TEST(setup.warm_up_and_send(8) == 8);
    BOOST_TEST(setup.counters().connections_opened.load() == 8u);
    BOOST_TEST(setup.counters().connections_resumed.load() == 7u);
}
