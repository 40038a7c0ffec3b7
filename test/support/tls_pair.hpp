#ifndef SWR_TEST_SUPPORT_TLS_PAIR_HPP
#define SWR_TEST_SUPPORT_TLS_PAIR_HPP

// A TLS server scripted by the test and a tls_stream client, both on one
// io_context and 127.0.0.1, with the emulator's throwaway certificates.

#include "support/fixture.hpp"
#include "tls_stream.hpp"
#include "emulator/tls_material.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/test/unit_test.hpp>

#include <openssl/x509_vfy.h>

#include <chrono>
#include <exception>
#include <functional>
#include <string>

namespace swr::test {

/// A TLS server on 127.0.0.1 that runs one script per accepted connection,
/// and a client context that trusts its CA, all on one io_context.
struct tls_pair {
    using server_stream = boost::asio::ssl::stream<boost::asio::ip::tcp::socket>;

    temp_dir dir;
    emulator_detail::tls_files files = emulator_detail::prepare_tls_files((dir.path() / "tls").string());
    boost::asio::io_context io;
    boost::asio::ssl::context server_context{boost::asio::ssl::context::tls_server};
    boost::asio::ssl::context client_context{boost::asio::ssl::context::tls_client};
    boost::asio::ip::tcp::acceptor acceptor{
        io, boost::asio::ip::tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"), 0)};

    tls_pair()
    {
        server_context.use_certificate_chain_file(files.certificate_chain);
        server_context.use_private_key_file(files.private_key, boost::asio::ssl::context::pem);
        client_context.load_verify_file(files.ca_certificate);
        client_context.set_verify_mode(boost::asio::ssl::verify_peer);
    }

    /// Accepts one connection, makes the server handshake and runs `script`.
    void serve(std::function<boost::asio::awaitable<void>(server_stream&)> script)
    {
        namespace asio = boost::asio;
        asio::co_spawn(
            io,
            [this, script = std::move(script)]() -> asio::awaitable<void> {
                server_stream peer(co_await acceptor.async_accept(asio::use_awaitable), server_context);
                auto [ec] = co_await peer.async_handshake(asio::ssl::stream_base::server,
                                                          asio::as_tuple(asio::use_awaitable));
                if (!ec)
                    co_await script(peer);
            },
            asio::detached);
    }

    /// Accepts one connection and sends nothing on it until `hold` is cancelled.
    void serve_silently(boost::asio::steady_timer& hold)
    {
        serve([&hold](server_stream&) -> boost::asio::awaitable<void> {
            co_await hold.async_wait(boost::asio::as_tuple(boost::asio::use_awaitable));
        });
    }

    /// Connects `client` to the server and makes its handshake, checking the
    /// name `host` (127.0.0.1 unless given).
    boost::asio::awaitable<boost::system::error_code> open(detail::tls_stream& client,
                                                           const std::string& host = "127.0.0.1")
    {
        co_await client.tcp().async_connect(acceptor.local_endpoint(), boost::asio::use_awaitable);
        if (host == "127.0.0.1")
            X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(client.native_handle()), host.c_str());
        else
            SSL_set1_host(client.native_handle(), host.c_str());
        co_return co_await client.handshake(std::chrono::steady_clock::now() + scaled(std::chrono::seconds(10)));
    }

    /// Runs `test` to its end on the io_context, failing on any exception.
    void run(std::function<boost::asio::awaitable<void>()> test)
    {
        std::exception_ptr failure;
        bool finished = false;
        boost::asio::co_spawn(io, test(), [&](std::exception_ptr error) {
            failure = error;
            finished = true;
            io.stop();
        });
        io.run_for(scaled(std::chrono::seconds(60)));
        BOOST_TEST_REQUIRE(finished, "the test coroutine did not finish within 60 s");
        if (failure)
            std::rethrow_exception(failure);
    }

    detail::tls_stream make_client()
    {
        return detail::tls_stream(boost::asio::make_strand(io), client_context.native_handle());
    }
};

/// `size` bytes of the repeated alphabet, to send and compare.
inline std::string pattern_text(std::size_t size)
{
    std::string text(size, '\0');
    for (std::size_t i = 0; i < size; ++i)
        text[i] = static_cast<char>('a' + i % 26);
    return text;
}

}  // namespace swr::test

#endif
