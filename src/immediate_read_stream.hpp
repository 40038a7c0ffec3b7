#ifndef SWR_SRC_IMMEDIATE_READ_STREAM_HPP
#define SWR_SRC_IMMEDIATE_READ_STREAM_HPP

#include <boost/asio/error.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/system/error_code.hpp>

#include <cstddef>
#include <utility>

namespace swr::detail {

/// A `beast::tcp_stream` whose synchronous reads never wait.
///
/// Asynchronous operations go to the TCP stream unchanged, timeouts
/// included. A synchronous `read_some` takes only the bytes the kernel has
/// already received, and fails with `would_block` when there are none. This
/// lets a TLS stream on top of it decrypt the records that have arrived
/// without a trip through the event loop for each one, and fall back to an
/// asynchronous read when it runs dry. A synchronous `write_some` waits as
/// usual: OpenSSL may have to answer a peer's message in the middle of a
/// read, and that answer must not be lost.
class immediate_read_stream {
public:
    using next_layer_type = boost::beast::tcp_stream;
    using lowest_layer_type = next_layer_type::socket_type;
    using executor_type = next_layer_type::executor_type;

    explicit immediate_read_stream(executor_type executor) : stream_(std::move(executor)) {}

    next_layer_type& next_layer() noexcept { return stream_; }
    const next_layer_type& next_layer() const noexcept { return stream_; }
    lowest_layer_type& lowest_layer() noexcept { return stream_.socket(); }
    const lowest_layer_type& lowest_layer() const noexcept { return stream_.socket(); }
    executor_type get_executor() noexcept { return stream_.get_executor(); }

    template <class MutableBufferSequence>
    std::size_t read_some(const MutableBufferSequence& buffers, boost::system::error_code& ec)
    {
        // In non-blocking mode a read that finds nothing fails at once with
        // `would_block`, where a blocking one would wait in poll(). The mode
        // affects synchronous operations only.
        auto& socket = stream_.socket();
        if (!socket.non_blocking()) {
            socket.non_blocking(true, ec);
            if (ec)
                return 0;
        }
        return socket.read_some(buffers, ec);
    }

    template <class ConstBufferSequence>
    std::size_t write_some(const ConstBufferSequence& buffers, boost::system::error_code& ec)
    {
        // A write waits for room, so it needs blocking mode, which also
        // makes a wait for writability block (in non-blocking mode Asio
        // polls with a zero timeout). Writes are rare: OpenSSL writes only
        // when a read needs a reply, so the mode stays until the next read.
        auto& socket = stream_.socket();
        if (socket.non_blocking()) {
            socket.non_blocking(false, ec);
            if (ec)
                return 0;
        }
        return socket.write_some(buffers, ec);
    }

    template <class MutableBufferSequence, class Token>
    auto async_read_some(const MutableBufferSequence& buffers, Token&& token)
    {
        return stream_.async_read_some(buffers, std::forward<Token>(token));
    }

    template <class ConstBufferSequence, class Token>
    auto async_write_some(const ConstBufferSequence& buffers, Token&& token)
    {
        return stream_.async_write_some(buffers, std::forward<Token>(token));
    }

private:
    next_layer_type stream_;
};

}  // namespace swr::detail

#endif
