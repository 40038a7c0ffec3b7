#ifndef SWR_SRC_RESPONSE_READER_HPP
#define SWR_SRC_RESPONSE_READER_HPP

#include "tls_stream.hpp"

#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/optional.hpp>
#include <boost/system/error_code.hpp>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

namespace swr::detail {

/// A response body read into a std::string by Beast's parser, appended
/// without the zero-filling of http::string_body. The parser reads only
/// bodies without a Content-Length (chunked, or up to the end of the
/// connection), because response_reader reads the others itself.
struct response_body {
    using value_type = std::string;

    class reader {
    public:
        template <bool is_request, class Fields>
        reader(boost::beast::http::header<is_request, Fields>&, value_type& body) : body_(body)
        {
        }

        void init(const boost::optional<std::uint64_t>&, boost::system::error_code& ec) { ec = {}; }

        template <class ConstBufferSequence>
        std::size_t put(const ConstBufferSequence& buffers, boost::system::error_code& ec)
        {
            ec = {};
            std::size_t added = 0;
            for (auto it = boost::asio::buffer_sequence_begin(buffers); it != boost::asio::buffer_sequence_end(buffers);
                 ++it) {
                boost::asio::const_buffer buffer = *it;
                body_.append(static_cast<const char*>(buffer.data()), buffer.size());
                added += buffer.size();
            }
            return added;
        }

        void finish(boost::system::error_code& ec) { ec = {}; }

    private:
        value_type& body_;
    };
};

using response_parser = boost::beast::http::response_parser<response_body>;

/// Reads one HTTP response from a TLS stream: the header with Beast's
/// parser, and a body whose Content-Length is known straight into its
/// string, which saves copying it out of the connection's buffer. Other
/// bodies (chunked, or up to the end of the connection) go through the
/// parser. Interim responses (1xx other than 101), which a server may send
/// before any final one, are skipped. Not thread-safe.
class response_reader {
public:
    /// Reads with a parser of these limits. The body reuses the memory of
    /// `spare` and overwrites what it contains. A direct body grows as its
    /// bytes arrive, so a Content-Length without them commits little memory.
    response_reader(std::uint32_t header_limit, std::uint64_t body_limit, std::string spare);

    /// The parser of the final response, with its header once that was
    /// read. Each interim response replaces it, so a reference to it is
    /// valid only until the next read.
    response_parser& parser() noexcept { return *parser_; }

    /// Whether any byte of a response, interim or final, was read.
    bool got_some() const noexcept { return skipped_interim_ || parser_->got_some(); }

    /// Reads and parses what has already arrived on `stream` without
    /// waiting, decrypting one TLS record after another, so that a response
    /// whose bytes are all there is read in one go. `buffer` contains the bytes
    /// read but not yet parsed, and keeps those after the response. Stops
    /// after about `max_bytes`, so that a large body lets other connections
    /// run. Returns success once the response is complete, `would_block`
    /// when it needs to wait for more, and otherwise the error of the read,
    /// as Beast's `http::read_some` reports it.
    boost::system::error_code read_arrived(tls_stream& stream, boost::beast::flat_buffer& buffer,
                                           std::size_t max_bytes = 256 * 1024);

    /// Whether the whole response was read.
    bool done() const noexcept { return parser_->is_done() || (phase_ == phase::direct_body && filled_ == length_); }

    /// The body, once `done`.
    std::string take_body();

private:
    boost::system::error_code start_body(boost::beast::flat_buffer& buffer);
    void start_parser();

    enum class phase {
        header,       // the parser reads the header
        parsed_body,  // the parser reads the body into its message
        direct_body,  // the body is read straight into `spare_`
    };

    std::uint32_t header_limit_;
    std::uint64_t body_limit_;
    std::optional<response_parser> parser_;  // a new one after each interim (1xx) response
    std::string spare_;       // the body when read directly, else memory for the parser's body
    std::size_t length_ = 0;  // Content-Length of a direct body
    std::size_t filled_ = 0;  // bytes of a direct body read so far
    phase phase_ = phase::header;
    bool skipped_interim_ = false;
};

}  // namespace swr::detail

#endif
