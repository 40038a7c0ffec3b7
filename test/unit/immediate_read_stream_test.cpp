// immediate_read_stream over a real TCP connection on 127.0.0.1: synchronous
// reads take what has arrived and never wait; asynchronous reads and
// writes go through unchanged.

#define BOOST_TEST_MODULE immediate_read_stream
#include "immediate_read_stream.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <boost/test/unit_test.hpp>

#include <array>
#include <chrono>
#include <string>
#include <string_view>
#include <thread>

namespace asio = boost::asio;
using asio::ip::tcp;
using boost::system::error_code;
using swr::detail::immediate_read_stream;

namespace {

// A client stream connected to `peer` over 127.0.0.1.
struct connected_pair {
    asio::io_context io;
    immediate_read_stream stream{io.get_executor()};
    tcp::socket peer{io};

    connected_pair()
    {
        tcp::acceptor acceptor(io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
        stream.next_layer().socket().connect(acceptor.local_endpoint());
        acceptor.accept(peer);
    }

    // Reads synchronously until something arrives, for at most 5 seconds.
    std::string read_when_arrived()
    {
        std::array<char, 64> buffer{};
        auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(5);
        for (;;) {
            error_code ec;
            std::size_t bytes = stream.read_some(asio::buffer(buffer), ec);
            if (ec != asio::error::would_block) {
                BOOST_TEST_REQUIRE(!ec, ec.message());
                return std::string(buffer.data(), bytes);
            }
            BOOST_TEST_REQUIRE((std::chrono::steady_clock::now() < give_up), "nothing arrived in 5 seconds");
            std::this_thread::sleep_for(std::chrono::milliseconds(1));
        }
    }
};

}  // namespace

BOOST_AUTO_TEST_CASE(read_with_nothing_arrived_would_block)
{
    connected_pair pair;
    std::array<char, 16> buffer{};
    error_code ec;

    auto started = std::chrono::steady_clock::now();
    std::size_t bytes = pair.stream.read_some(asio::buffer(buffer), ec);

    BOOST_TEST((ec == asio::error::would_block), ec.message());
    BOOST_TEST(bytes == 0u);
    // A blocking read would wait here for ever: the peer sends nothing.
    BOOST_TEST((std::chrono::steady_clock::now() - started < std::chrono::seconds(5)));
}

BOOST_AUTO_TEST_CASE(read_takes_what_arrived)
{
    connected_pair pair;
    asio::write(pair.peer, asio::buffer(std::string_view("first page")));

    BOOST_TEST(pair.read_when_arrived() == "first page");

    std::array<char, 16> buffer{};
    error_code ec;
    pair.stream.read_some(asio::buffer(buffer), ec);
    BOOST_TEST((ec == asio::error::would_block), ec.message());
}

BOOST_AUTO_TEST_CASE(write_and_asynchronous_read_pass_through)
{
    connected_pair pair;
    error_code ec;
    std::size_t written = pair.stream.write_some(asio::buffer(std::string_view("GET")), ec);
    BOOST_TEST_REQUIRE(!ec, ec.message());
    std::array<char, 3> request{};
    asio::read(pair.peer, asio::buffer(request));
    BOOST_TEST(written == 3u);
    BOOST_TEST(std::string(request.data(), request.size()) == "GET");

    asio::write(pair.peer, asio::buffer(std::string_view("200")));
    std::array<char, 16> buffer{};
    std::string received;
    pair.stream.async_read_some(asio::buffer(buffer), [&](error_code read_ec, std::size_t bytes) {
        BOOST_TEST(!read_ec, read_ec.message());
        received.assign(buffer.data(), bytes);
    });
    pair.io.run();
    BOOST_TEST(received == "200");
}

BOOST_AUTO_TEST_CASE(closed_peer_reads_as_end_of_stream)
{
    connected_pair pair;
    pair.peer.close();

    // The close has arrived, so the synchronous read reports it at once,
    // as the asynchronous read does.
    std::array<char, 16> buffer{};
    error_code ec;
    pair.stream.read_some(asio::buffer(buffer), ec);
    BOOST_TEST((ec == asio::error::eof), ec.message());
    error_code async_ec;
    pair.stream.async_read_some(asio::buffer(buffer), [&](error_code read_ec, std::size_t) { async_ec = read_ec; });
    pair.io.run();
    BOOST_TEST((async_ec == asio::error::eof), async_ec.message());
}

BOOST_AUTO_TEST_CASE(write_after_a_read_waits_for_room)
{
    connected_pair pair;
    std::array<char, 16> buffer{};
    error_code ec;
    pair.stream.read_some(asio::buffer(buffer), ec);  // the stream is now non-blocking
    BOOST_TEST_REQUIRE((ec == asio::error::would_block), ec.message());

    // 16 MiB is more than the socket buffers of both ends hold, so the
    // writes must wait until the peer, which starts late, reads.
    std::string sent(16 * 1024 * 1024, 'x');
    std::string received(sent.size(), '\0');
    std::thread reader([&] {
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
        error_code read_ec;
        asio::read(pair.peer, asio::buffer(received), read_ec);
    });
    std::size_t written = asio::write(pair.stream, asio::buffer(sent), ec);
    if (ec)
        pair.peer.close();  // ends the reader
    reader.join();

    BOOST_TEST(!ec, ec.message());
    BOOST_TEST(written == sent.size());
    BOOST_TEST((received == sent));
}
