#include "response_reader.hpp"

#include <boost/asio/error.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/read.hpp>

#include <algorithm>
#include <cstring>
#include <utility>

namespace swr::detail {

namespace http = boost::beast::http;
using boost::system::error_code;

namespace {

// Bytes a direct body may be ahead of what has arrived: the string grows
// by this much before each read, so that a Content-Length alone, without
// the bytes, commits no more memory than this.
constexpr std::size_t read_step = 64 * 1024;

// Makes room in `text` for `size` bytes. A string too small is replaced by
// a new one, because libstdc++ grows a string with memory to at least twice
// its capacity, and recycled bodies would keep that. An eighth more lets
// the next pages of about that size fit. Reserving commits no memory for a
// large string until it is written.
void make_room(std::string& text, std::size_t size)
{
    if (size <= text.capacity())
        return;
    std::string larger;
    larger.reserve(size + std::min(size / 8, larger.max_size() - size));
    text.swap(larger);
}

}  // namespace

response_reader::response_reader(std::uint32_t header_limit, std::uint64_t body_limit, std::string spare)
    : header_limit_(header_limit), body_limit_(body_limit), spare_(std::move(spare))
{
    start_parser();
}

void response_reader::start_parser()
{
    parser_.emplace();
    parser_->header_limit(header_limit_);
    parser_->body_limit(body_limit_);
}

error_code response_reader::read_arrived(tls_stream& stream, boost::beast::flat_buffer& buffer, std::size_t max_bytes)
{
    error_code ec;
    std::size_t read_bytes = 0;
    while (!done()) {
        if (read_bytes >= max_bytes)
            return boost::asio::error::would_block;
        if (phase_ != phase::direct_body) {
            // Without the eager option, the parser stops after the header,
            // and the body's bytes stay in `buffer`.
            read_bytes += http::read_some(stream, buffer, *parser_, ec);
            if (ec)
                return ec;
            if (phase_ != phase::header || !parser_->is_header_done())
                continue;

            // RFC 9110, 15.2: a client parses 1xx responses it did not expect
            // and reads on to the final one. 101 ends HTTP on the connection.
            unsigned status = parser_->get().result_int();
            if (status >= 100 && status < 200 && status != 101) {
                skipped_interim_ = true;
                start_parser();
                continue;
            }
            if (!parser_->is_done()) {
                if (auto body_ec = start_body(buffer))
                    return body_ec;
            }
            continue;
        }
        // Zero-fills only past the spare's old contents, the bytes read next.
        std::size_t end = std::min(length_, filled_ + read_step);
        if (spare_.size() < end)
            spare_.resize(end);
        std::size_t bytes = stream.read_some(boost::asio::buffer(spare_.data() + filled_, end - filled_), ec);
        // A close_notify before the end of the body is what Beast reports
        // as a partial message; other errors pass as they are.
        if (ec == boost::asio::error::eof)
            return http::error::partial_message;
        if (ec)
            return ec;
        filled_ += bytes;
        read_bytes += bytes;
    }
    return ec;
}

error_code response_reader::start_body(boost::beast::flat_buffer& buffer)
{
    if (parser_->chunked() || !parser_->content_length()) {
        // The parser reads this body, appending to an empty string.
        spare_.clear();
        parser_->get().body() = std::move(spare_);
        phase_ = phase::parsed_body;
        return {};
    }
    if (*parser_->content_length() > spare_.max_size())
        return http::error::body_limit;
    length_ = static_cast<std::size_t>(*parser_->content_length());
    make_room(spare_, length_);
    std::size_t buffered = std::min(buffer.size(), length_);
    if (buffered > 0) {
        if (spare_.size() < buffered)
            spare_.resize(buffered);
        std::memcpy(spare_.data(), buffer.data().data(), buffered);
        buffer.consume(buffered);
    }
    filled_ = buffered;
    phase_ = phase::direct_body;
    return {};
}

std::string response_reader::take_body()
{
    if (phase_ != phase::direct_body)
        return std::move(parser_->get().body());
    // The spare's old contents may go on past the body.
    spare_.resize(length_);
    return std::move(spare_);
}

}  // namespace swr::detail
