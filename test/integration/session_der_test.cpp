// The encoding in which the transport keeps a TLS session: removing one
// element from a DER SEQUENCE, on hand-made encodings, and a real session
// from a TLS 1.3 server on 127.0.0.1, encoded without the server's
// certificate and then resumed.

#define BOOST_TEST_MODULE session_der
#include "support/tls_pair.hpp"
#include "session_der.hpp"

#include <boost/asio/write.hpp>
#include <boost/test/unit_test.hpp>

#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <cstddef>
#include <memory>
#include <vector>

namespace asio = boost::asio;
using bytes = std::vector<unsigned char>;
using swr::detail::session_ptr;
using swr::detail::without_element;

namespace {

session_ptr decode(const bytes& encoded)
{
    const unsigned char* in = encoded.data();
    return session_ptr(d2i_SSL_SESSION(nullptr, &in, static_cast<long>(encoded.size())));
}

// Returns a SEQUENCE of an INTEGER 5, an OCTET STRING of `middle_size`
// bytes 0xAB under the explicit tag [3], and a BOOLEAN true. Sets `octets`
// to the OCTET STRING's contents.
bytes sample_sequence(std::size_t middle_size, bytes& octets)
{
    octets.assign(middle_size, 0xAB);
    bytes octet_string = {0x04};
    if (middle_size < 0x80) {
        octet_string.push_back(static_cast<unsigned char>(middle_size));
    } else {
        octet_string.push_back(0x81);
        octet_string.push_back(static_cast<unsigned char>(middle_size));
    }
    octet_string.insert(octet_string.end(), octets.begin(), octets.end());

    bytes tagged = {0xA3, static_cast<unsigned char>(octet_string.size())};
    if (octet_string.size() >= 0x80)
        tagged = {0xA3, 0x81, static_cast<unsigned char>(octet_string.size())};
    tagged.insert(tagged.end(), octet_string.begin(), octet_string.end());

    bytes elements = {0x02, 0x01, 0x05};
    elements.insert(elements.end(), tagged.begin(), tagged.end());
    elements.insert(elements.end(), {0x01, 0x01, 0xFF});

    bytes sequence = {0x30};
    if (elements.size() < 0x80) {
        sequence.push_back(static_cast<unsigned char>(elements.size()));
    } else {
        sequence.push_back(0x81);
        sequence.push_back(static_cast<unsigned char>(elements.size()));
    }
    sequence.insert(sequence.end(), elements.begin(), elements.end());
    return sequence;
}

}  // namespace

BOOST_AUTO_TEST_CASE(middle_element_removed)
{
    // With 200 bytes of octets, the SEQUENCE's length takes two bytes, and
    // what is left needs one.
    for (std::size_t size : {std::size_t{4}, std::size_t{200}}) {
        bytes octets;
        bytes sequence = sample_sequence(size, octets);
        bytes octet_string = {0x04};
        if (size >= 0x80)
            octet_string.push_back(0x81);
        octet_string.push_back(static_cast<unsigned char>(size));
        octet_string.insert(octet_string.end(), octets.begin(), octets.end());

        auto removed = without_element(sequence, octet_string);
        BOOST_TEST_REQUIRE(removed.has_value(), size);
        const bytes expected = {0x30, 0x06, 0x02, 0x01, 0x05, 0x01, 0x01, 0xFF};
        BOOST_TEST(*removed == expected, boost::test_tools::per_element());
    }
}

BOOST_AUTO_TEST_CASE(first_and_last_elements_removed)
{
    bytes octets;
    bytes sequence = sample_sequence(2, octets);
    const bytes integer = {0x05};
    const bytes boolean = {0xFF};

    auto without_first = without_element(sequence, integer);
    BOOST_TEST_REQUIRE(without_first.has_value());
    const bytes expected_first = {0x30, 0x09, 0xA3, 0x04, 0x04, 0x02, 0xAB, 0xAB, 0x01, 0x01, 0xFF};
    BOOST_TEST(*without_first == expected_first, boost::test_tools::per_element());

    auto without_last = without_element(sequence, boolean);
    BOOST_TEST_REQUIRE(without_last.has_value());
    const bytes expected_last = {0x30, 0x09, 0x02, 0x01, 0x05, 0xA3, 0x04, 0x04, 0x02, 0xAB, 0xAB};
    BOOST_TEST(*without_last == expected_last, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(no_matching_element_gives_nothing)
{
    bytes octets;
    bytes sequence = sample_sequence(4, octets);
    // The octets alone are the contents of no element: they sit inside the
    // OCTET STRING, one level down.
    BOOST_TEST(!without_element(sequence, octets).has_value());
    BOOST_TEST(!without_element(sequence, bytes{0x06}).has_value());
}

BOOST_AUTO_TEST_CASE(malformed_encodings_give_nothing)
{
    const bytes integer = {0x05};
    const std::vector<bytes> malformed = {
        {},                                      // empty
        {0x30},                                  // no length
        {0x31, 0x03, 0x02, 0x01, 0x05},          // a SET, not a SEQUENCE
        {0x30, 0x04, 0x02, 0x01, 0x05},          // length beyond the end
        {0x30, 0x03, 0x02, 0x01, 0x05, 0x00},    // bytes after the SEQUENCE
        {0x30, 0x80, 0x02, 0x01, 0x05, 0x00, 0x00},  // indefinite length
        {0x30, 0x03, 0x02, 0x02, 0x05},          // element longer than the SEQUENCE
        {0x30, 0x04, 0x1F, 0x01, 0x01, 0x05},    // tag of more than one byte
        {0x30, 0x85, 0x00, 0x00, 0x00, 0x00, 0x03, 0x02, 0x01, 0x05},  // length of five bytes
    };
    for (std::size_t i = 0; i < malformed.size(); ++i)
        BOOST_TEST(!without_element(malformed[i], integer).has_value(), "case " << i);
}

BOOST_AUTO_TEST_CASE(session_without_certificate_resumes)
{
    swr::test::tls_pair pair;
    for (int connection = 0; connection < 2; ++connection) {
        pair.serve([](swr::test::tls_pair::server_stream& peer) -> asio::awaitable<void> {
            co_await asio::async_write(peer, asio::buffer(std::string("x")), asio::use_awaitable);
        });
    }

    bytes full;
    bytes encoded;
    bool reused = false;
    pair.run([&]() -> asio::awaitable<void> {
        // The first connection reads past the session tickets, which a
        // TLS 1.3 server sends after its handshake.
        swr::detail::tls_stream first = pair.make_client();
        BOOST_TEST_REQUIRE(!co_await pair.open(first));
        char byte = 0;
        boost::system::error_code ec;
        while (first.read_some(asio::buffer(&byte, 1), ec) == 0) {
            BOOST_TEST_REQUIRE(ec == asio::error::would_block, ec.message());
            BOOST_TEST_REQUIRE(!co_await first.wait(std::chrono::steady_clock::now() + std::chrono::seconds(10)));
        }
        session_ptr session(SSL_get1_session(first.native_handle()));
        BOOST_TEST_REQUIRE(session != nullptr);
        BOOST_TEST_REQUIRE(SSL_SESSION_get0_peer(session.get()) != nullptr);
        full.resize(static_cast<std::size_t>(i2d_SSL_SESSION(session.get(), nullptr)));
        unsigned char* out = full.data();
        i2d_SSL_SESSION(session.get(), &out);
        encoded = swr::detail::resumable_encoding(session.get());

        session_ptr decoded = decode(encoded);
        BOOST_TEST_REQUIRE(decoded != nullptr);
        swr::detail::tls_stream second = pair.make_client();
        SSL_set_session(second.native_handle(), decoded.get());
        BOOST_TEST_REQUIRE(!co_await pair.open(second));
        reused = SSL_session_reused(second.native_handle()) == 1;
    });

    int certificate_size = i2d_X509(SSL_SESSION_get0_peer(decode(full).get()), nullptr);
    BOOST_TEST(certificate_size > 0);
    BOOST_TEST(encoded.size() < full.size() - static_cast<std::size_t>(certificate_size));
    session_ptr decoded = decode(encoded);
    BOOST_TEST_REQUIRE(decoded != nullptr);
    BOOST_TEST(SSL_SESSION_get0_peer(decoded.get()) == nullptr);
    BOOST_TEST(SSL_SESSION_is_resumable(decoded.get()) == 1);
    BOOST_TEST(reused);
}
