// tls_stream against a TLS server in the same process on 127.0.0.1: reads
// that take what has arrived and never wait, waits with deadlines and
// cancellation, the two ways a connection ends, writes that wait for room,
// and certificate checks.

#define BOOST_TEST_MODULE tls_stream
#include "support/tls_pair.hpp"
#include "tls_stream.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/test/unit_test.hpp>

#include <openssl/ssl.h>
#include <openssl/x509_vfy.h>
#include <sys/socket.h>

#include <chrono>
#include <exception>
#include <functional>
#include <string>
#include <vector>

namespace asio = boost::asio;
namespace ssl = asio::ssl;
using asio::ip::tcp;
using boost::system::error_code;
using swr::detail::tls_stream;
using clock_type = std::chrono::steady_clock;

namespace {

constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);

using server_stream = swr::test::tls_pair::server_stream;
using swr::test::pattern_text;
using swr::test::tls_pair;

// Reads until `size` bytes arrived, waiting when nothing has, and counts the waits.
asio::awaitable<error_code> read_exactly(tls_stream& client, std::string& out, std::size_t size, int& waits)
{
    std::vector<char> buffer(20000);
    auto deadline = clock_type::now() + swr::test::scaled(std::chrono::seconds(10));
    while (out.size() < size) {
        error_code ec;
        std::size_t bytes = client.read_some(asio::buffer(buffer), ec);
        out.append(buffer.data(), bytes);
        if (ec == asio::error::would_block) {
            ++waits;
            if (auto wait_ec = co_await client.wait(deadline))
                co_return wait_ec;
        } else if (ec) {
            co_return ec;
        }
    }
    co_return error_code{};
}

// Reads and waits until a wait fails, as the server sends nothing more
// than its session tickets, and returns that failure.
asio::awaitable<error_code> wait_until_failure(tls_stream& client, clock_type::time_point deadline)
{
    std::vector<char> buffer(64);
    for (;;) {
        error_code ec;
        client.read_some(asio::buffer(buffer), ec);
        if (ec != asio::error::would_block)
            co_return ec;
        if (auto wait_ec = co_await client.wait(deadline))
            co_return wait_ec;
    }
}

// A signal from a server script that it has written all it sends.
struct written_signal {
    explicit written_signal(asio::io_context& io) : timer(io, clock_type::time_point::max()) {}

    // Marks the writes done, then keeps the connection open for 5 s.
    asio::awaitable<void> finish_and_hold()
    {
        done = true;
        timer.cancel();
        asio::steady_timer hold(timer.get_executor(), std::chrono::seconds(5));
        co_await hold.async_wait(use_tuple);
    }

    // Waits until the writes are done. Loopback hands the bytes over within
    // the server's write, but the kernel gets 50 ms more to be sure.
    asio::awaitable<void> wait()
    {
        if (!done)
            co_await timer.async_wait(use_tuple);
        asio::steady_timer settle(timer.get_executor(), std::chrono::milliseconds(50));
        co_await settle.async_wait(use_tuple);
    }

    asio::steady_timer timer;
    bool done = false;
};

}  // namespace

BOOST_AUTO_TEST_CASE(read_with_nothing_arrived_would_block)
{
    tls_pair pair;
    asio::steady_timer hold(pair.io, clock_type::time_point::max());
    pair.serve_silently(hold);
    pair.run([&]() -> asio::awaitable<void> {
        tls_stream client = pair.make_client();
        BOOST_TEST_REQUIRE(!co_await pair.open(client));

        // The server sent nothing, and a read that waited would never return.
        std::vector<char> buffer(64);
        error_code ec;
        std::size_t bytes = client.read_some(asio::buffer(buffer), ec);
        BOOST_TEST((ec == asio::error::would_block), ec.message());
        BOOST_TEST(bytes == 0u);
        hold.cancel();
    });
}

BOOST_AUTO_TEST_CASE(read_takes_records_that_arrived)
{
    // 40,000 bytes make three records, and fit in a new connection's
    // receive window. Once the server has written them, they are read
    // without any wait, across several read calls.
    tls_pair pair;
    const std::string sent = pattern_text(40000);
    written_signal written(pair.io);
    pair.serve([&](server_stream& peer) -> asio::awaitable<void> {
        co_await asio::async_write(peer, asio::buffer(sent), asio::use_awaitable);
        co_await written.finish_and_hold();
    });
    pair.run([&]() -> asio::awaitable<void> {
        tls_stream client = pair.make_client();
        BOOST_TEST_REQUIRE(!co_await pair.open(client));
        co_await written.wait();

        std::string received;
        int waits = 0;
        error_code ec = co_await read_exactly(client, received, sent.size(), waits);
        BOOST_TEST_REQUIRE(!ec, ec.message());
        BOOST_TEST((received == sent));
        // Each wait here would be for data already there.
        BOOST_TEST(waits == 0);
    });
}

BOOST_AUTO_TEST_CASE(key_updates_read_in_bounded_steps)
{
    // The server sends 8,000 key updates (27 bytes each, about 216 KB) and
    // then one byte, all before the client reads. One read receives at most
    // read_budget_per_call bytes, so the first returns would_block with
    // records still in the socket. Later reads reach the byte.
    constexpr int socket_buffer_bytes = 4 * 1024 * 1024;
    tls_pair pair;
    written_signal written(pair.io);
    pair.serve([&](server_stream& peer) -> asio::awaitable<void> {
        peer.next_layer().set_option(asio::socket_base::send_buffer_size(socket_buffer_bytes));
        for (int update = 0; update < 8000; ++update) {
            BOOST_TEST_REQUIRE(SSL_key_update(peer.native_handle(), SSL_KEY_UPDATE_NOT_REQUESTED) == 1);
            // A handshake call on an open connection sends the update.
            auto [ec] = co_await peer.async_handshake(ssl::stream_base::server, use_tuple);
            BOOST_TEST_REQUIRE(!ec, ec.message());
        }
        co_await asio::async_write(peer, asio::buffer(std::string("x")), asio::use_awaitable);
        co_await written.finish_and_hold();
    });
    pair.run([&]() -> asio::awaitable<void> {
        tls_stream client = pair.make_client();
        BOOST_TEST_REQUIRE(!co_await pair.open(client));
        client.tcp().socket().set_option(asio::socket_base::receive_buffer_size(socket_buffer_bytes));
        co_await written.wait();

        char byte = 0;
        error_code ec;
        BOOST_TEST(client.read_some(asio::buffer(&byte, 1), ec) == 0u);
        BOOST_TEST(ec == asio::error::would_block, ec.message());
        char first = 0;
        ssize_t left = ::recv(client.tcp().socket().native_handle(), &first, 1, MSG_PEEK | MSG_DONTWAIT);
        BOOST_TEST(left == 1, "the socket should still hold records");

        int waits = 0;
        std::string received;
        ec = co_await read_exactly(client, received, 1, waits);
        BOOST_TEST_REQUIRE(!ec, ec.message());
        BOOST_TEST(received == "x");
    });
}

BOOST_AUTO_TEST_CASE(read_waits_for_later_records)
{
    tls_pair pair;
    const std::string first = pattern_text(30000);
    const std::string second = pattern_text(50000);
    pair.serve([&](server_stream& peer) -> asio::awaitable<void> {
        co_await asio::async_write(peer, asio::buffer(first), asio::use_awaitable);
        asio::steady_timer pause(pair.io, std::chrono::milliseconds(100));
        co_await pause.async_wait(use_tuple);
        co_await asio::async_write(peer, asio::buffer(second), asio::use_awaitable);
    });
    pair.run([&]() -> asio::awaitable<void> {
        tls_stream client = pair.make_client();
        BOOST_TEST_REQUIRE(!co_await pair.open(client));
        std::string received;
        int waits = 0;
        error_code ec = co_await read_exactly(client, received, first.size() + second.size(), waits);
        BOOST_TEST_REQUIRE(!ec, ec.message());
        BOOST_TEST((received == first + second));
        BOOST_TEST(waits >= 1);  // the pause left nothing to read
    });
}

BOOST_AUTO_TEST_CASE(wait_times_out_at_deadline)
{
    tls_pair pair;
    asio::steady_timer hold(pair.io, clock_type::time_point::max());
    pair.serve_silently(hold);
    pair.run([&]() -> asio::awaitable<void> {
        tls_stream client = pair.make_client();
        BOOST_TEST_REQUIRE(!co_await pair.open(client));

        auto started = clock_type::now();
        error_code ec = co_await wait_until_failure(client, started + std::chrono::milliseconds(100));
        BOOST_TEST((ec == boost::beast::error::timeout), ec.message());
        BOOST_TEST((clock_type::now() - started >= std::chrono::milliseconds(100)));

        // The timer of the wait that timed out must not end the next wait.
        started = clock_type::now();
        ec = co_await wait_until_failure(client, started + std::chrono::milliseconds(200));
        BOOST_TEST((ec == boost::beast::error::timeout), ec.message());
        BOOST_TEST((clock_type::now() - started >= std::chrono::milliseconds(200)));
        hold.cancel();
    });
}

BOOST_AUTO_TEST_CASE(cancel_aborts_wait)
{
    tls_pair pair;
    asio::steady_timer hold(pair.io, clock_type::time_point::max());
    pair.serve_silently(hold);
    pair.run([&]() -> asio::awaitable<void> {
        tls_stream client = pair.make_client();
        BOOST_TEST_REQUIRE(!co_await pair.open(client));

        asio::steady_timer later(client.get_executor(), std::chrono::milliseconds(100));
        later.async_wait([&](error_code) { client.cancel(); });
        error_code ec = co_await wait_until_failure(client, clock_type::now() + std::chrono::seconds(30));
        BOOST_TEST((ec == asio::error::operation_aborted), ec.message());
        hold.cancel();
    });
}

BOOST_AUTO_TEST_CASE(close_notify_reads_as_eof)
{
    tls_pair pair;
    pair.serve([&](server_stream& peer) -> asio::awaitable<void> {
        co_await asio::async_write(peer, asio::buffer(std::string("last")), asio::use_awaitable);
        co_await peer.async_shutdown(use_tuple);
    });
    pair.run([&]() -> asio::awaitable<void> {
        tls_stream client = pair.make_client();
        BOOST_TEST_REQUIRE(!co_await pair.open(client));
        std::string received;
        int waits = 0;
        error_code ec = co_await read_exactly(client, received, 5, waits);
        BOOST_TEST((ec == asio::error::eof), ec.message());
        BOOST_TEST(received == "last");
    });
}

BOOST_AUTO_TEST_CASE(tcp_close_reads_as_truncated)
{
    tls_pair pair;
    pair.serve([&](server_stream& peer) -> asio::awaitable<void> {
        co_await asio::async_write(peer, asio::buffer(std::string("cut")), asio::use_awaitable);
        peer.next_layer().close();
    });
    pair.run([&]() -> asio::awaitable<void> {
        tls_stream client = pair.make_client();
        BOOST_TEST_REQUIRE(!co_await pair.open(client));
        std::string received;
        int waits = 0;
        error_code ec = co_await read_exactly(client, received, 4, waits);
        BOOST_TEST((ec == ssl::error::stream_truncated), ec.message());
        BOOST_TEST(received == "cut");
    });
}

BOOST_AUTO_TEST_CASE(write_after_peer_closed_fails)
{
    // The peer's socket is gone, so the kernel replies with a reset and a
    // later send fails with EPIPE. SIGPIPE would end this test process.
    tls_pair pair;
    asio::steady_timer closed(pair.io, clock_type::time_point::max());
    bool server_closed = false;
    pair.serve([&](server_stream& peer) -> asio::awaitable<void> {
        peer.next_layer().close();
        server_closed = true;
        closed.cancel();
        co_return;
    });
    pair.run([&]() -> asio::awaitable<void> {
        tls_stream client = pair.make_client();
        BOOST_TEST_REQUIRE(!co_await pair.open(client));
        if (!server_closed)
            co_await closed.async_wait(use_tuple);
        const std::string chunk(4096, 'x');
        error_code ec;
        for (int attempt = 0; attempt < 100 && !ec; ++attempt) {
            std::size_t written = 0;
            ec = co_await client.write(chunk, clock_type::now() + std::chrono::seconds(10), written);
            asio::steady_timer pause(pair.io, std::chrono::milliseconds(5));
            co_await pause.async_wait(use_tuple);
        }
        BOOST_TEST((ec == asio::error::broken_pipe || ec == asio::error::connection_reset), ec.message());
    });
}

BOOST_AUTO_TEST_CASE(write_waits_for_room)
{
    // 32 MB are more than the socket buffers of both ends take, so the
    // write cannot end before the server starts to read.
    tls_pair pair;
    const std::string sent = pattern_text(32 * 1000 * 1000);
    clock_type::time_point reading_started = clock_type::time_point::max();
    std::string received;
    bool all_read = false;
    asio::steady_timer read_done(pair.io, clock_type::time_point::max());
    pair.serve([&](server_stream& peer) -> asio::awaitable<void> {
        asio::steady_timer pause(pair.io, std::chrono::milliseconds(200));
        co_await pause.async_wait(use_tuple);
        received.resize(sent.size());
        reading_started = clock_type::now();
        co_await asio::async_read(peer, asio::buffer(received), asio::use_awaitable);
        all_read = true;
        read_done.cancel();
    });
    pair.run([&]() -> asio::awaitable<void> {
        tls_stream client = pair.make_client();
        BOOST_TEST_REQUIRE(!co_await pair.open(client));
        std::size_t written = 0;
        error_code ec =
            co_await client.write(sent, clock_type::now() + swr::test::scaled(std::chrono::seconds(10)), written);
        BOOST_TEST_REQUIRE(!ec, ec.message());
        BOOST_TEST(written == sent.size());
        BOOST_TEST((clock_type::now() >= reading_started), "the write ended before the server read anything");
        if (!all_read)
            co_await read_done.async_wait(use_tuple);
    });
    BOOST_TEST((received == sent));
}

BOOST_AUTO_TEST_CASE(write_times_out_when_peer_never_reads)
{
    tls_pair pair;
    asio::steady_timer hold(pair.io, clock_type::time_point::max());
    pair.serve_silently(hold);
    pair.run([&]() -> asio::awaitable<void> {
        tls_stream client = pair.make_client();
        BOOST_TEST_REQUIRE(!co_await pair.open(client));
        const std::string sent = pattern_text(64 * 1000 * 1000);
        std::size_t written = 0;
        error_code ec = co_await client.write(sent, clock_type::now() + std::chrono::milliseconds(200), written);
        BOOST_TEST((ec == boost::beast::error::timeout), ec.message());
        BOOST_TEST(written < sent.size());
        hold.cancel();
    });
}

BOOST_AUTO_TEST_CASE(handshake_rejects_other_host_name)
{
    // The certificate names localhost, 127.0.0.1 and ::1.
    tls_pair pair;
    pair.serve([&](server_stream&) -> asio::awaitable<void> { co_return; });
    pair.run([&]() -> asio::awaitable<void> {
        tls_stream client = pair.make_client();
        error_code ec = co_await pair.open(client, "swr-api.not-in-certificate.test");
        BOOST_TEST((ec.category() == asio::error::get_ssl_category()), ec.message());
        BOOST_TEST(SSL_get_verify_result(client.native_handle()) == X509_V_ERR_HOSTNAME_MISMATCH);
    });
}

BOOST_AUTO_TEST_CASE(handshake_accepts_certificate_name)
{
    tls_pair pair;
    pair.serve([&](server_stream&) -> asio::awaitable<void> { co_return; });
    pair.run([&]() -> asio::awaitable<void> {
        tls_stream client = pair.make_client();
        error_code ec = co_await pair.open(client, "localhost");
        BOOST_TEST(!ec, ec.message());
        BOOST_TEST(SSL_get_verify_result(client.native_handle()) == X509_V_OK);
    });
}
