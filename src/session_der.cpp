#include "session_der.hpp"

#include <openssl/crypto.h>
#include <openssl/x509.h>

#include <algorithm>
#include <cstddef>

namespace swr::detail {

namespace {

constexpr unsigned char sequence_tag = 0x30;

// The tag and length of one DER element, and where its contents start.
struct element_header {
    unsigned char tag = 0;
    std::size_t header_size = 0;
    std::size_t contents_size = 0;
};

// Reads the header of the element at the start of `der`. Tags must fit one
// byte, and lengths four bytes in the definite form that DER requires.
std::optional<element_header> read_header(std::span<const unsigned char> der)
{
    if (der.size() < 2 || (der[0] & 0x1F) == 0x1F)
        return std::nullopt;
    element_header header;
    header.tag = der[0];
    unsigned char first = der[1];
    if (first < 0x80) {
        header.header_size = 2;
        header.contents_size = first;
    } else {
        std::size_t length_bytes = first & 0x7F;
        if (length_bytes == 0 || length_bytes > 4 || der.size() < 2 + length_bytes)
            return std::nullopt;
        for (std::size_t i = 0; i < length_bytes; ++i)
            header.contents_size = (header.contents_size << 8) | der[2 + i];
        header.header_size = 2 + length_bytes;
    }
    if (header.contents_size > der.size() - header.header_size)
        return std::nullopt;
    return header;
}

// Appends the DER encoding of a length: one byte below 128, else a byte
// that counts the bytes of the length, then those bytes, most significant first.
void append_length(std::vector<unsigned char>& out, std::size_t length)
{
    if (length < 0x80) {
        out.push_back(static_cast<unsigned char>(length));
        return;
    }
    unsigned char bytes[sizeof(std::size_t)];
    std::size_t count = 0;
    for (; length != 0; length >>= 8)
        bytes[count++] = static_cast<unsigned char>(length & 0xFF);
    out.push_back(static_cast<unsigned char>(0x80 | count));
    while (count > 0)
        out.push_back(bytes[--count]);
}

std::vector<unsigned char> encode_session(SSL_SESSION* session)
{
    int size = i2d_SSL_SESSION(session, nullptr);
    if (size <= 0)
        return {};
    std::vector<unsigned char> encoded(static_cast<std::size_t>(size));
    unsigned char* out = encoded.data();
    if (i2d_SSL_SESSION(session, &out) != size)
        return {};
    return encoded;
}

std::vector<unsigned char> encode_certificate(X509* certificate)
{
    unsigned char* encoded = nullptr;
    int size = i2d_X509(certificate, &encoded);
    if (size <= 0)
        return {};
    std::vector<unsigned char> copy(encoded, encoded + size);
    OPENSSL_free(encoded);
    return copy;
}

bool decodes_resumable(const std::vector<unsigned char>& encoded)
{
    const unsigned char* in = encoded.data();
    session_ptr decoded(d2i_SSL_SESSION(nullptr, &in, static_cast<long>(encoded.size())));
    return decoded && in == encoded.data() + encoded.size() && SSL_SESSION_is_resumable(decoded.get()) == 1;
}

}  // namespace

std::optional<std::vector<unsigned char>> without_element(std::span<const unsigned char> der,
                                                          std::span<const unsigned char> contents)
{
    auto outer = read_header(der);
    if (!outer || outer->tag != sequence_tag || outer->header_size + outer->contents_size != der.size())
        return std::nullopt;

    std::span<const unsigned char> elements = der.subspan(outer->header_size);
    std::size_t offset = 0;
    while (offset < elements.size()) {
        auto element = read_header(elements.subspan(offset));
        if (!element)
            return std::nullopt;
        std::size_t element_size = element->header_size + element->contents_size;
        auto element_contents = elements.subspan(offset + element->header_size, element->contents_size);
        if (std::equal(element_contents.begin(), element_contents.end(), contents.begin(), contents.end())) {
            std::vector<unsigned char> result;
            result.reserve(der.size());
            result.push_back(sequence_tag);
            append_length(result, elements.size() - element_size);
            result.insert(result.end(), elements.begin(), elements.begin() + static_cast<std::ptrdiff_t>(offset));
            result.insert(result.end(), elements.begin() + static_cast<std::ptrdiff_t>(offset + element_size),
                          elements.end());
            return result;
        }
        offset += element_size;
    }
    return std::nullopt;
}

std::vector<unsigned char> resumable_encoding(SSL_SESSION* session)
{
    std::vector<unsigned char> encoded = encode_session(session);
    X509* peer = SSL_SESSION_get0_peer(session);
    if (encoded.empty() || !peer)
        return encoded;
    std::vector<unsigned char> certificate = encode_certificate(peer);
    if (certificate.empty())
        return encoded;
    // The certificate is one element of the session's SEQUENCE, under a
    // tag of its own. A session without it that OpenSSL cannot decode, or
    // that it would not resume, is not used.
    auto without_certificate = without_element(encoded, certificate);
    if (without_certificate && decodes_resumable(*without_certificate))
        return std::move(*without_certificate);
    return encoded;
}

}  // namespace swr::detail
