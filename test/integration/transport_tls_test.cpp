// The transport over tls_stream, against TLS servers in this process and the
// emulator, all on 127.0.0.1. The cases are small records mixed with
// post-handshake messages, a cancelled request whose server keeps sending
// its body, bodies of every kind on one connection, interim responses, and
// responses that announce huge bodies or are followed by unrequested
// bytes, session tickets or key updates. Others check the errors of failed
// handshakes and certificates, connections that the server ended in three
// ways while idle or after reading a request, and cancellations from
// another thread.

#define BOOST_TEST_MODULE transport_tls
#include "support/tls_pair.hpp"
#include "logger.hpp"
#include "tls_stream.hpp"
#include "transport.hpp"

#include <swr/endpoint.hpp>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/test/unit_test.hpp>

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/ssl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <exception>
#include <fstream>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
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

// Transport settings for the server of `pair`, trusting its CA.
swr::detail::transport_settings settings_for(tls_pair& pair)
{
    swr::detail::transport_settings settings;
    std::string error = swr::parse_endpoint(
        "https://127.0.0.1:" + std::to_string(pair.acceptor.local_endpoint().port()), settings.endpoint);
    BOOST_TEST_REQUIRE(error == "");
    settings.tls.ca_file = pair.files.ca_certificate;
    return settings;
}

// Resident memory of this process, from /proc/self/statm.
std::size_t resident_bytes()
{
    std::ifstream statm("/proc/self/statm");
    std::size_t total_pages = 0;
    std::size_t resident_pages = 0;
    statm >> total_pages >> resident_pages;
    return resident_pages * static_cast<std::size_t>(sysconf(_SC_PAGESIZE));
}

// Accepts one connection on `pair`, writes `responses[i]` after reading
// request i, and keeps the connection open until `hold` is cancelled.
void serve_responses(tls_pair& pair, asio::steady_timer& hold, std::vector<std::string> responses)
{
    pair.serve([&hold, responses = std::move(responses)](server_stream& peer) -> asio::awaitable<void> {
        std::string received;
        for (const std::string& response : responses) {
            std::size_t end = co_await asio::async_read_until(peer, asio::dynamic_buffer(received), "\r\n\r\n",
                                                              asio::use_awaitable);
            received.erase(0, end);
            co_await asio::async_write(peer, asio::buffer(response), asio::use_awaitable);
        }
        co_await hold.async_wait(use_tuple);
    });
}

const std::string ok_response = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";

swr::outgoing_request get_request(const swr::detail::transport_settings& settings, const std::string& path)
{
    swr::outgoing_request request;
    request.method = "GET";
    request.host = settings.endpoint.host_header();
    request.path = path;
    return request;
}

// Responses to two GET requests that one transport sent in a row.
struct two_exchanges {
    swr::detail::http_response first;
    swr::detail::http_response second;
    std::uint64_t connections_opened = 0;
    std::uint64_t requests = 0;
    std::vector<std::string> warnings;  // warning lines of the transport's log
};

// Sends a GET request to the server of `pair` twice through one transport
// of `settings`, `pause` apart, then cancels `hold`.
two_exchanges send_twice(tls_pair& pair, asio::steady_timer& hold, const swr::detail::transport_settings& settings,
                         std::chrono::milliseconds pause = std::chrono::milliseconds(0))
{
    two_exchanges sent;
    swr::log_options log_options;
    log_options.level = swr::log_level::warning;
    log_options.sink = [&sent](swr::log_level, std::string_view line) { sent.warnings.emplace_back(line); };
    swr::detail::logger log{log_options};
    swr::detail::transport transport(pair.io.get_executor(), settings, log);
    swr::outgoing_request request = get_request(settings, "/");
    pair.run([&]() -> asio::awaitable<void> {
        sent.first = co_await transport.send(request);
        asio::steady_timer idle(pair.io, pause);
        co_await idle.async_wait(use_tuple);
        sent.second = co_await transport.send(request);
        hold.cancel();
    });
    sent.connections_opened = transport.counters().connections_opened.load();
    sent.requests = transport.counters().requests.load();
    return sent;
}

two_exchanges send_twice(tls_pair& pair, asio::steady_timer& hold)
{
    return send_twice(pair, hold, settings_for(pair));
}

}  // namespace

BOOST_AUTO_TEST_CASE(small_records_with_key_updates_and_tickets)
{
    // 3,000 records of 13 bytes, with a KeyUpdate that requests one back
    // and a NewSessionTicket after every 250, all sent before the client
    // reads. OpenSSL's read-ahead takes many of them in one recv, and none
    // may be left behind where no readiness of the socket announces it.
    tls_pair pair;
    const std::string sent = pattern_text(3000 * 13);
    asio::steady_timer hold(pair.io, clock_type::time_point::max());
    pair.serve([&](server_stream& peer) -> asio::awaitable<void> {
        for (std::size_t record = 0; record < 3000; ++record) {
            if (record % 250 == 249) {
                SSL_key_update(peer.native_handle(), SSL_KEY_UPDATE_REQUESTED);
                SSL_new_session_ticket(peer.native_handle());
            }
            co_await asio::async_write(peer, asio::buffer(sent.data() + record * 13, 13), asio::use_awaitable);
        }
        co_await hold.async_wait(use_tuple);
    });
    pair.run([&]() -> asio::awaitable<void> {
        tls_stream client = pair.make_client();
        BOOST_TEST_REQUIRE(!co_await pair.open(client));
        asio::steady_timer settle(pair.io, std::chrono::milliseconds(200));
        co_await settle.async_wait(use_tuple);

        // A 7-byte buffer leaves decrypted bytes inside OpenSSL after each read.
        std::string received;
        std::vector<char> buffer(7);
        auto deadline = clock_type::now() + swr::test::scaled(std::chrono::seconds(10));
        error_code ec;
        while (received.size() < sent.size()) {
            std::size_t bytes = client.read_some(asio::buffer(buffer), ec);
            received.append(buffer.data(), bytes);
            if (ec && ec != asio::error::would_block)
                break;
            if (received.size() < sent.size()) {
                ec = co_await client.wait(deadline);
                if (ec)
                    break;
            }
        }
        BOOST_TEST(!ec, ec.message());
        BOOST_TEST((received == sent));
        hold.cancel();
    });
}

BOOST_AUTO_TEST_CASE(transport_cancel_during_large_body)
{
    // The server sends the header and 4 MB of an 8 MB body, then nothing.
    // The request is cancelled once the server has written 2 MB, while the
    // client still decrypts what has arrived. Every trial must end as
    // cancelled, and a lost cancellation shows as the idle timeout instead.
    constexpr int trials = 6;
    int cancelled = 0;
    int timed_out = 0;
    std::vector<std::string> other_failures;
    for (int trial = 0; trial < trials; ++trial) {
        tls_pair pair;
        auto hook = std::make_shared<swr::detail::cancel_hook>();
        asio::steady_timer hold(pair.io, clock_type::time_point::max());
        pair.serve([&](server_stream& peer) -> asio::awaitable<void> {
            std::string received;
            co_await asio::async_read_until(peer, asio::dynamic_buffer(received), "\r\n\r\n", asio::use_awaitable);
            const std::string header = "HTTP/1.1 200 OK\r\nContent-Length: 8000000\r\n\r\n";
            co_await asio::async_write(peer, asio::buffer(header), asio::use_awaitable);
            const std::string piece = pattern_text(64 * 1024);
            for (int i = 0; i < 64; ++i) {
                co_await asio::async_write(peer, asio::buffer(piece), asio::use_awaitable);
                if (i == 31)
                    hook->cancel();
            }
            co_await hold.async_wait(use_tuple);
        });

        swr::detail::transport_settings settings = settings_for(pair);
        settings.timeouts.idle = std::chrono::milliseconds(500);
        settings.max_body_bytes = 16 * 1000 * 1000;
        swr::detail::logger log{swr::log_options{}};
        swr::detail::transport transport(pair.io.get_executor(), settings, log);
        swr::outgoing_request request = get_request(settings, "/large");
        swr::detail::http_response response;
        pair.run([&]() -> asio::awaitable<void> {
            response = co_await transport.send(request, hook);
            hold.cancel();
        });

        if (response.ec == asio::error::operation_aborted)
            ++cancelled;
        else if (response.ec == swr::errc::timeout)
            ++timed_out;
        else
            other_failures.push_back(response.ec.message() + ": " + response.info.message);
    }
    BOOST_TEST_MESSAGE("cancelled " << cancelled << ", idle timeout " << timed_out << " of " << trials);
    BOOST_TEST(other_failures.empty());
    BOOST_TEST(timed_out == 0, timed_out << " of " << trials << " cancelled requests ran into the idle timeout");
    BOOST_TEST(cancelled == trials);
}

BOOST_AUTO_TEST_CASE(certificate_failure_messages)
{
    // Each message names what failed and the option to check. The
    // certificate names localhost, 127.0.0.1 and ::1.
    struct failure_case {
        std::string server_name;
        bool other_ca;
        std::string message;
    };
    const std::vector<failure_case> cases = {
        {"wrong.example.test", false,
         "TLS certificate is not valid for host name wrong.example.test; check the endpoint or "
         "tls_options::server_name"},
        {"127.0.0.2", false,
         "TLS certificate is not valid for host name 127.0.0.2; check the endpoint or tls_options::server_name"},
        {"localhost", true,
         "TLS certificate verification failed for localhost: self-signed certificate in certificate chain; "
         "check tls_options::ca_file"},
    };
    swr::test::temp_dir other_dir;
    auto other_files = swr::emulator_detail::prepare_tls_files((other_dir.path() / "tls").string());
    for (const auto& item : cases) {
        tls_pair pair;
        pair.serve([&](server_stream&) -> asio::awaitable<void> { co_return; });
        swr::detail::transport_settings settings = settings_for(pair);
        if (item.other_ca)
            settings.tls.ca_file = other_files.ca_certificate;
        settings.tls.server_name = item.server_name;
        swr::detail::logger log{swr::log_options{}};
        swr::detail::transport transport(pair.io.get_executor(), settings, log);
        swr::outgoing_request request = get_request(settings, "/");
        swr::detail::http_response response;
        pair.run([&]() -> asio::awaitable<void> { response = co_await transport.send(request); });

        BOOST_TEST((response.ec.category() == asio::error::get_ssl_category()), response.ec.message());
        BOOST_TEST(response.info.message == item.message);
    }
}

BOOST_AUTO_TEST_CASE(body_kinds_on_one_connection)
{
    // One keep-alive connection sends bodies of every kind the reader
    // handles: a Content-Length body in the header's record, a long one in
    // pieces with pauses, a chunked one, an empty one, and bodies read into
    // recycled strings longer and shorter than themselves. Each must come
    // out whole, with nothing of an earlier body, and the connection must
    // serve them all.
    tls_pair pair;
    const std::string long_body = pattern_text(100'000);
    const std::string longer_body = pattern_text(200'000).replace(0, 6, "longer");
    const std::vector<std::string> answers = {
        "HTTP/1.1 200 OK\r\nContent-Length: 11\r\n\r\nhello world",
        "HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n" + long_body,
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nfirst\r\n1\r\n-\r\n6\r\nsecond\r\n0\r\n\r\n",
        "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n",
        "HTTP/1.1 200 OK\r\nContent-Length: 200000\r\n\r\n" + longer_body,
        "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nshort",
    };
    const std::vector<std::string> expected = {"hello world", long_body, "first-second", "", longer_body, "short"};
    asio::steady_timer hold(pair.io, clock_type::time_point::max());
    pair.serve([&](server_stream& peer) -> asio::awaitable<void> {
        std::string received;
        for (const std::string& answer : answers) {
            std::size_t end = co_await asio::async_read_until(peer, asio::dynamic_buffer(received), "\r\n\r\n",
                                                              asio::use_awaitable);
            received.erase(0, end);
            if (answer.size() < 100'000) {
                co_await asio::async_write(peer, asio::buffer(answer), asio::use_awaitable);
                continue;
            }
            // In pieces of 7,000 bytes with pauses, so that the client
            // waits for the socket many times inside the body.
            for (std::size_t at = 0; at < answer.size(); at += 7000) {
                std::size_t size = std::min<std::size_t>(7000, answer.size() - at);
                co_await asio::async_write(peer, asio::buffer(answer.data() + at, size), asio::use_awaitable);
                asio::steady_timer pause(pair.io, std::chrono::milliseconds(2));
                co_await pause.async_wait(use_tuple);
            }
        }
        co_await hold.async_wait(use_tuple);
    });

    swr::detail::transport_settings settings = settings_for(pair);
    swr::detail::logger log{swr::log_options{}};
    swr::detail::transport transport(pair.io.get_executor(), settings, log);
    swr::outgoing_request request = get_request(settings, "/");
    std::vector<swr::detail::http_response> responses;
    pair.run([&]() -> asio::awaitable<void> {
        for (std::size_t i = 0; i < answers.size(); ++i) {
            responses.push_back(co_await transport.send(request));
            // The long bodies go back to be read into: the 100,000 bytes
            // for the longer body, and the 200,000 for the short one.
            if (i == 1 || i == 4)
                transport.recycle_body(std::string(responses.back().body));
        }
        hold.cancel();
    });

    BOOST_TEST_REQUIRE(responses.size() == expected.size());
    for (std::size_t i = 0; i < expected.size(); ++i) {
        BOOST_TEST(!responses[i].ec, i << ": " << responses[i].info.message);
        BOOST_TEST(responses[i].status == 200, i);
        BOOST_TEST(responses[i].body.size() == expected[i].size(), i);
        BOOST_TEST((responses[i].body == expected[i]), i);
    }
    BOOST_TEST(transport.counters().connections_opened.load() == 1u);
}

BOOST_AUTO_TEST_CASE(announced_bodies_commit_little_memory)
{
    // Four servers announce bodies of 60 MiB and send none of them. The
    // client may reserve address space for each, but must not write to it
    // before the bytes come, so its resident memory grows by far less than
    // the 240 MiB announced.
    constexpr int connections = 4;
    constexpr std::size_t announced = 60 * 1024 * 1024;
    tls_pair pair;
    asio::steady_timer hold(pair.io, clock_type::time_point::max());
    for (int i = 0; i < connections; ++i)
        serve_responses(pair, hold, {"HTTP/1.1 200 OK\r\nContent-Length: " + std::to_string(announced) + "\r\n\r\n"});

    swr::detail::transport_settings settings = settings_for(pair);
    settings.max_idle_connections = connections;
    swr::detail::logger log{swr::log_options{}};
    swr::detail::transport transport(pair.io.get_executor(), settings, log);
    swr::outgoing_request request = get_request(settings, "/announced");
    auto hook = std::make_shared<swr::detail::cancel_hook>();
    std::size_t before = resident_bytes();
    std::size_t during = 0;
    int finished = 0;
    pair.run([&]() -> asio::awaitable<void> {
        for (int i = 0; i < connections; ++i) {
            asio::co_spawn(
                pair.io,
                [&]() -> asio::awaitable<void> {
                    co_await transport.send(request, hook);
                    ++finished;
                },
                asio::detached);
        }
        asio::steady_timer settle(pair.io, std::chrono::milliseconds(500));
        co_await settle.async_wait(use_tuple);
        during = resident_bytes();
        hook->cancel();
        hold.cancel();
        while (finished < connections) {
            asio::steady_timer step(pair.io, std::chrono::milliseconds(10));
            co_await step.async_wait(use_tuple);
        }
    });

    BOOST_TEST(transport.counters().requests.load() == static_cast<std::uint64_t>(connections));
    std::size_t growth = during > before ? during - before : 0;
    BOOST_TEST(growth < connections * announced / 2, "resident memory grew by " << growth / (1024 * 1024) << " MiB");
}

BOOST_AUTO_TEST_CASE(bytes_after_response_end_connection)
{
    // The first response is followed by bytes that belong to no request. The
    // next request must not read them as its response, so it goes out on
    // a new connection and gets the server's real response.
    tls_pair pair;
    asio::steady_timer hold(pair.io, clock_type::time_point::max());
    serve_responses(pair, hold,
                    {"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello"
                     "HTTP/1.1 200 OK\r\nContent-Length: 8\r\n\r\nunwanted"});
    serve_responses(pair, hold, {"HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nreal"});

    two_exchanges sent = send_twice(pair, hold);
    const swr::detail::http_response& first = sent.first;
    const swr::detail::http_response& second = sent.second;

    BOOST_TEST(!first.ec, first.info.message);
    BOOST_TEST(first.body == "hello");
    BOOST_TEST(!second.ec, second.info.message);
    BOOST_TEST(second.body == "real");
    BOOST_TEST(sent.connections_opened == 2u);
}

BOOST_AUTO_TEST_CASE(interim_responses_skipped)
{
    // Interim responses before the final one, which a server may send
    // unasked, are read past, and the connection serves the next request.
    tls_pair pair;
    asio::steady_timer hold(pair.io, clock_type::time_point::max());
    const std::vector<std::string> answers = {
        "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 102 Processing\r\n\r\n"
        "HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\nreal-1",
        "HTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\nreal-2",
    };
    serve_responses(pair, hold, answers);

    two_exchanges sent = send_twice(pair, hold);
    const swr::detail::http_response& first = sent.first;
    const swr::detail::http_response& second = sent.second;

    BOOST_TEST(!first.ec, first.info.message);
    BOOST_TEST(first.status == 200);
    BOOST_TEST(first.body == "real-1");
    BOOST_TEST(!second.ec, second.info.message);
    BOOST_TEST(second.body == "real-2");
    BOOST_TEST(sent.connections_opened == 1u);
}

BOOST_AUTO_TEST_CASE(close_after_interim_not_resent)
{
    // On a reused connection the server responds to the second request
    // with an interim response and then closes. Bytes of a response did
    // arrive, so the request fails instead of going out again as if the
    // connection had been closed while idle.
    tls_pair pair;
    asio::steady_timer hold(pair.io, clock_type::time_point::max());
    pair.serve([](server_stream& peer) -> asio::awaitable<void> {
        std::string received;
        const std::vector<std::string> answers = {"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok",
                                                  "HTTP/1.1 100 Continue\r\n\r\n"};
        for (const std::string& answer : answers) {
            std::size_t end = co_await asio::async_read_until(peer, asio::dynamic_buffer(received), "\r\n\r\n",
                                                              asio::use_awaitable);
            received.erase(0, end);
            co_await asio::async_write(peer, asio::buffer(answer), asio::use_awaitable);
        }
        peer.next_layer().close();
    });

    // A request sent again would wait for a handshake that no server
    // makes, and fail with a timeout after this long.
    swr::detail::transport_settings settings = settings_for(pair);
    settings.timeouts.handshake = std::chrono::milliseconds(500);
    two_exchanges sent = send_twice(pair, hold, settings);
    const swr::detail::http_response& first = sent.first;
    const swr::detail::http_response& second = sent.second;

    BOOST_TEST(!first.ec, first.info.message);
    BOOST_TEST(first.body == "ok");
    BOOST_TEST((second.ec == ssl::error::stream_truncated), second.ec.message() << ": " << second.info.message);
    BOOST_TEST(sent.connections_opened == 1u);
    BOOST_TEST(sent.requests == 2u);
}

BOOST_AUTO_TEST_CASE(content_length_beyond_any_string_fails)
{
    // With no practical body limit, a Content-Length larger than any string
    // can hold must fail the request as too large, not throw.
    tls_pair pair;
    asio::steady_timer hold(pair.io, clock_type::time_point::max());
    serve_responses(pair, hold, {"HTTP/1.1 200 OK\r\nContent-Length: 17000000000000000000\r\n\r\nabc"});

    swr::detail::transport_settings settings = settings_for(pair);
    settings.max_body_bytes = SIZE_MAX;
    swr::detail::logger log{swr::log_options{}};
    swr::detail::transport transport(pair.io.get_executor(), settings, log);
    swr::outgoing_request request = get_request(settings, "/");
    swr::detail::http_response response;
    pair.run([&]() -> asio::awaitable<void> {
        response = co_await transport.send(request);
        hold.cancel();
    });

    BOOST_TEST(response.ec == swr::errc::response_too_large, response.ec.message() << ": " << response.info.message);
    // The limit is already the largest, so the message must not advise raising it.
    BOOST_TEST(response.info.message.find("17000000000000000000 bytes (Content-Length)") != std::string::npos,
               response.info.message);
    BOOST_TEST(response.info.message.find("raise") == std::string::npos, response.info.message);
}

enum class ending { close_notify, tcp_close, reset };

// Ends the server's side of a connection in the way `end` names.
asio::awaitable<void> end_connection(server_stream& peer, ending end)
{
    if (end == ending::close_notify) {
        co_await peer.async_shutdown(use_tuple);
    } else if (end == ending::reset) {
        peer.next_layer().set_option(asio::socket_base::linger(true, 0));
        peer.next_layer().close();
    } else {
        peer.next_layer().close();
    }
}

BOOST_AUTO_TEST_CASE(idle_close_variants_not_reused)
{
    // The server responds to the first request and then ends the idle
    // connection with close_notify, with a bare TCP close, or with a reset.
    // The second request finds the pooled connection closed before writing
    // to it, and goes out on a new connection.
    for (ending end : {ending::close_notify, ending::tcp_close, ending::reset}) {
        tls_pair pair;
        asio::steady_timer hold(pair.io, clock_type::time_point::max());
        pair.serve([end](server_stream& peer) -> asio::awaitable<void> {
            std::string received;
            co_await asio::async_read_until(peer, asio::dynamic_buffer(received), "\r\n\r\n", asio::use_awaitable);
            co_await asio::async_write(peer, asio::buffer(ok_response), asio::use_awaitable);
            co_await end_connection(peer, end);
        });
        serve_responses(pair, hold, {ok_response});

        two_exchanges sent = send_twice(pair, hold, settings_for(pair), std::chrono::milliseconds(100));
        int mode = static_cast<int>(end);
        BOOST_TEST(!sent.first.ec, mode << ": " << sent.first.info.message);
        BOOST_TEST(!sent.second.ec, mode << ": " << sent.second.info.message);
        BOOST_TEST(sent.second.status == 200, mode);
        BOOST_TEST(sent.connections_opened == 2u, mode);
        BOOST_TEST(sent.requests == 2u, mode);
        BOOST_TEST(sent.warnings.empty(), mode);
    }
}

BOOST_AUTO_TEST_CASE(close_after_request_sent_again)
{
    // The server reads the second request on the reused connection and
    // ends the connection without a response byte, in each of the three
    // ways. The client cannot tell this from a close while idle that
    // crossed its request, so it sends the request once more on a new
    // connection.
    for (ending end : {ending::close_notify, ending::tcp_close, ending::reset}) {
        tls_pair pair;
        asio::steady_timer hold(pair.io, clock_type::time_point::max());
        pair.serve([end](server_stream& peer) -> asio::awaitable<void> {
            std::string received;
            std::size_t header_end = co_await asio::async_read_until(peer, asio::dynamic_buffer(received), "\r\n\r\n",
                                                                     asio::use_awaitable);
            received.erase(0, header_end);
            co_await asio::async_write(peer, asio::buffer(ok_response), asio::use_awaitable);
            co_await asio::async_read_until(peer, asio::dynamic_buffer(received), "\r\n\r\n", asio::use_awaitable);
            co_await end_connection(peer, end);
        });
        serve_responses(pair, hold, {ok_response});

        two_exchanges sent = send_twice(pair, hold);
        int mode = static_cast<int>(end);
        BOOST_TEST(!sent.first.ec, mode << ": " << sent.first.info.message);
        BOOST_TEST(!sent.second.ec, mode << ": " << sent.second.info.message);
        BOOST_TEST(sent.second.body == "ok", mode);
        BOOST_TEST(sent.connections_opened == 2u, mode);
        BOOST_TEST(sent.requests == 3u, mode);
    }
}

// Turns TCP_CORK on the server's socket on or off. While it is on, the
// kernel sends what is written in as few segments as it can.
void set_cork(server_stream& peer, bool on)
{
    int value = on ? 1 : 0;
    BOOST_TEST_REQUIRE(::setsockopt(peer.next_layer().native_handle(), IPPROTO_TCP, TCP_CORK, &value, sizeof value) ==
                       0);
}

// Reads a request and writes `ok_response`, then runs `more`: in the
// response's TCP segment when `same_segment` is true, else 20 ms later.
asio::awaitable<void> respond_then(server_stream& peer, bool same_segment,
                                   const std::function<asio::awaitable<void>(server_stream&)>& more)
{
    std::string received;
    co_await asio::async_read_until(peer, asio::dynamic_buffer(received), "\r\n\r\n", asio::use_awaitable);
    set_cork(peer, same_segment);
    co_await asio::async_write(peer, asio::buffer(ok_response), asio::use_awaitable);
    asio::steady_timer pause(peer.get_executor(), std::chrono::milliseconds(same_segment ? 0 : 20));
    co_await pause.async_wait(use_tuple);
    co_await more(peer);
    set_cork(peer, false);
}

BOOST_AUTO_TEST_CASE(unrequested_response_ends_connection)
{
    // After the first response, the server sends a response that no request
    // asked for. In the same TCP segment, it is a TLS record of its own that
    // the client's read takes along and OpenSSL keeps undecrypted. 20 ms
    // later, it arrives while the connection is idle. The next request must
    // not read it as its response, so that connection serves no other request.
    for (bool same_segment : {true, false}) {
        tls_pair pair;
        asio::steady_timer hold(pair.io, clock_type::time_point::max());
        pair.serve([&hold, same_segment](server_stream& peer) -> asio::awaitable<void> {
            co_await respond_then(peer, same_segment, [](server_stream& stream) -> asio::awaitable<void> {
                const std::string unwanted = "HTTP/1.1 200 OK\r\nContent-Length: 8\r\n\r\nunwanted";
                co_await asio::async_write(stream, asio::buffer(unwanted), asio::use_awaitable);
            });
            co_await hold.async_wait(use_tuple);
        });
        serve_responses(pair, hold, {"HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nreal"});

        two_exchanges sent = send_twice(pair, hold, settings_for(pair), std::chrono::milliseconds(200));
        BOOST_TEST(!sent.first.ec, same_segment << ": " << sent.first.info.message);
        BOOST_TEST(sent.first.body == "ok", same_segment);
        BOOST_TEST(!sent.second.ec, same_segment << ": " << sent.second.info.message);
        BOOST_TEST(sent.second.body == "real", same_segment);
        BOOST_TEST(sent.connections_opened == 2u, same_segment);
        BOOST_TEST(sent.requests == 2u, same_segment);
        BOOST_TEST_REQUIRE(sent.warnings.size() == 1u, same_segment);
        BOOST_TEST(sent.warnings[0].find("data that belongs to no request") != std::string::npos, sent.warnings[0]);
    }
}

BOOST_AUTO_TEST_CASE(ticket_after_response_keeps_connection)
{
    // After the first response, the server sends a session ticket and a key
    // update, which TLS 1.3 allows at any time: in the response's TCP
    // segment, or 20 ms later while the connection is idle. Neither is
    // data, so the connection serves the next request.
    for (bool same_segment : {true, false}) {
        tls_pair pair;
        asio::steady_timer hold(pair.io, clock_type::time_point::max());
        pair.serve([&hold, same_segment](server_stream& peer) -> asio::awaitable<void> {
            co_await respond_then(peer, same_segment, [](server_stream& stream) -> asio::awaitable<void> {
                // A handshake call on an open connection sends the message
                // due, and only one message may be due at a time.
                BOOST_TEST_REQUIRE(SSL_new_session_ticket(stream.native_handle()) == 1);
                auto [ticket_ec] = co_await stream.async_handshake(asio::ssl::stream_base::server, use_tuple);
                BOOST_TEST_REQUIRE(!ticket_ec, ticket_ec.message());
                BOOST_TEST_REQUIRE(SSL_key_update(stream.native_handle(), SSL_KEY_UPDATE_NOT_REQUESTED) == 1);
                auto [update_ec] = co_await stream.async_handshake(asio::ssl::stream_base::server, use_tuple);
                BOOST_TEST_REQUIRE(!update_ec, update_ec.message());
            });
            std::string received;
            co_await asio::async_read_until(peer, asio::dynamic_buffer(received), "\r\n\r\n", asio::use_awaitable);
            co_await asio::async_write(peer, asio::buffer(ok_response), asio::use_awaitable);
            co_await hold.async_wait(use_tuple);
        });

        two_exchanges sent = send_twice(pair, hold, settings_for(pair), std::chrono::milliseconds(100));
        BOOST_TEST(!sent.first.ec, same_segment << ": " << sent.first.info.message);
        BOOST_TEST(!sent.second.ec, same_segment << ": " << sent.second.info.message);
        BOOST_TEST(sent.second.body == "ok", same_segment);
        BOOST_TEST(sent.connections_opened == 1u, same_segment);
        BOOST_TEST(sent.requests == 2u, same_segment);
        BOOST_TEST(sent.warnings.empty(), same_segment);
    }
}

BOOST_AUTO_TEST_CASE(cancels_from_another_thread_on_four_threads)
{
    // 64 requests for pages of 100 repositories run on four threads while
    // another thread cancels half of them, at staggered moments from 0 to
    // 2.25 ms after the start. Each must end as a response or as cancelled.
    swr::test::temp_dir dir;
    swr::emulator_options options = swr::test::emulator_defaults(dir);
    options.repositories = 2000;
    swr::emulator_thread server(options, 2);

    asio::io_context io;
    swr::detail::logger log{swr::log_options{}};
    swr::detail::transport_settings settings;
    BOOST_TEST_REQUIRE(swr::parse_endpoint(server.get().endpoint_url(), settings.endpoint) == "");
    settings.tls.ca_file = server.get().ca_file();
    settings.max_idle_connections = 8;
    swr::detail::transport transport(io.get_executor(), settings, log);

    constexpr int requests = 64;
    std::vector<std::shared_ptr<swr::detail::cancel_hook>> hooks;
    for (int i = 0; i < requests; ++i)
        hooks.push_back(std::make_shared<swr::detail::cancel_hook>());
    std::atomic<int> succeeded{0};
    std::atomic<int> cancelled{0};
    std::atomic<int> finished{0};
    std::mutex failures_mutex;
    std::vector<std::string> failures;
    auto work = asio::make_work_guard(io);
    for (int i = 0; i < requests; ++i) {
        swr::outgoing_request request;
        request.method = "GET";
        request.host = settings.endpoint.host_header();
        request.path = "/v2/manage/shared-repositories";
        request.query = "filter=center::self|limit::100|offset::" + std::to_string((i % 20) * 100);
        request.set_header("X-Auth-Token", swr::test::test_token);
        asio::co_spawn(
            asio::make_strand(io),
            [&, request, hook = hooks[static_cast<std::size_t>(i)]]() -> asio::awaitable<void> {
                swr::detail::http_response response = co_await transport.send(request, hook);
                if (!response.ec && response.status == 200) {
                    ++succeeded;
                } else if (response.ec == asio::error::operation_aborted) {
                    ++cancelled;
                } else {
                    std::lock_guard lock(failures_mutex);
                    failures.push_back(response.ec.message() + ": " + response.info.message);
                }
                if (++finished == requests)
                    work.reset();
            },
            asio::detached);
    }
    std::thread canceller([&] {
        for (int i = 0; i < requests; i += 2) {
            std::this_thread::sleep_for(std::chrono::microseconds(150 * (i % 16)));
            hooks[static_cast<std::size_t>(i)]->cancel();
        }
    });
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t)
        threads.emplace_back([&] { io.run_for(swr::test::scaled(std::chrono::seconds(60))); });
    canceller.join();
    for (auto& thread : threads)
        thread.join();

    BOOST_TEST_MESSAGE("succeeded " << succeeded << ", cancelled " << cancelled);
    BOOST_TEST(finished.load() == requests);
    BOOST_TEST(failures.empty(), failures.size() << " failures, first: " << (failures.empty() ? "" : failures[0]));
    BOOST_TEST(succeeded.load() >= requests / 2);
}

BOOST_AUTO_TEST_CASE(handshake_end_errors)
{
    // The server ends the connection after the ClientHello. A TCP close
    // gives stream_truncated and a reset gives connection_reset, as with
    // asio::ssl::stream, and the retry rules treat both as transient.
    for (bool reset : {false, true}) {
        tls_pair pair;
        asio::co_spawn(
            pair.io,
            [&]() -> asio::awaitable<void> {
                tcp::socket peer = co_await pair.acceptor.async_accept(asio::use_awaitable);
                std::vector<char> hello(512);
                co_await peer.async_read_some(asio::buffer(hello), asio::use_awaitable);
                if (reset)
                    peer.set_option(asio::socket_base::linger(true, 0));
                peer.close();
            },
            asio::detached);
        swr::detail::transport_settings settings = settings_for(pair);
        swr::detail::logger log{swr::log_options{}};
        swr::detail::transport transport(pair.io.get_executor(), settings, log);
        swr::outgoing_request request = get_request(settings, "/");
        swr::detail::http_response response;
        pair.run([&]() -> asio::awaitable<void> { response = co_await transport.send(request); });

        if (reset) {
            BOOST_TEST((response.ec == asio::error::connection_reset), response.ec.message());
            BOOST_TEST(response.info.message == "TLS handshake with 127.0.0.1 failed: Connection reset by peer");
        } else {
            BOOST_TEST((response.ec == ssl::error::stream_truncated), response.ec.message());
            BOOST_TEST(response.info.message == "TLS handshake with 127.0.0.1 failed: stream truncated");
        }
    }
}
