#ifndef SWR_SRC_SESSION_DER_HPP
#define SWR_SRC_SESSION_DER_HPP

// The DER encoding in which the transport keeps a TLS session to resume.

#include <openssl/ssl.h>

#include <memory>
#include <optional>
#include <span>
#include <vector>

namespace swr::detail {

struct session_free {
    void operator()(SSL_SESSION* session) const { SSL_SESSION_free(session); }
};
using session_ptr = std::unique_ptr<SSL_SESSION, session_free>;

/// Returns `der`, a DER SEQUENCE, without the element whose contents equal
/// `contents`, and with the SEQUENCE's length adjusted. Returns nothing
/// when no element has those contents, or when `der` is not one SEQUENCE
/// of well-formed elements with single-byte tags.
std::optional<std::vector<unsigned char>> without_element(std::span<const unsigned char> der,
                                                          std::span<const unsigned char> contents);

/// Returns the DER encoding of `session`, which new connections decode
/// and resume from, each into an object of its own. The server's
/// certificate is left out when the result still decodes as a resumable
/// session, because a resumed handshake does not check it again. With
/// OpenSSL 3.0, callgrind counted about 1.56 million instructions to decode
/// a session with the emulator's certificate, and about 25,000 without it.
/// Returns an empty vector when OpenSSL cannot encode the session.
std::vector<unsigned char> resumable_encoding(SSL_SESSION* session);

}  // namespace swr::detail

#endif
