#ifndef SWR_SRC_TLS_STREAM_HPP
#define SWR_SRC_TLS_STREAM_HPP

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/system/error_code.hpp>
#include <boost/system/system_error.hpp>

#include <openssl/ssl.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace swr::detail {

/// The client end of a TLS connection on which OpenSSL reads and writes the
/// TCP socket itself, through a BIO on the socket's descriptor.
///
/// With `asio::ssl::stream`, each record passes through the engine's buffers
/// and a BIO pair, one copy and 17 KiB buffers each way per connection. Here
/// one `recv` moves whatever has arrived, up to 64 KiB, into OpenSSL's read
/// buffer, and Asio only waits for the socket to become readable or
/// writable. The handshake makes the socket non-blocking, so a synchronous
/// read that finds nothing fails with `would_block`, and `wait` then waits
/// for what OpenSSL needs. Not thread-safe, so every member runs on the
/// strand given to the constructor.
class tls_stream {
public:
    using executor_type = boost::asio::any_io_executor;
    using clock = std::chrono::steady_clock;

    /// Maximum bytes that one OpenSSL call may receive from the socket,
    /// twice its read buffer, so that an ordinary read stays below it.
    /// OpenSSL reads on past post-handshake messages, so without a limit a
    /// server that kept sending key updates would block the thread.
    static constexpr std::size_t read_budget_per_call = 128 * 1024;

    /// Creates the TLS state from `context`. Throws `boost::system::system_error`
    /// when OpenSSL cannot allocate it.
    tls_stream(executor_type executor, SSL_CTX* context);
    ~tls_stream();

    tls_stream(const tls_stream&) = delete;
    tls_stream& operator=(const tls_stream&) = delete;

    executor_type get_executor() noexcept;

    /// The TCP stream, to connect it and open a proxy tunnel before the handshake.
    boost::beast::tcp_stream& tcp() noexcept;

    SSL* native_handle() noexcept;

    /// Makes the client handshake on the connected socket. Fails with
    /// `beast::error::timeout` at `deadline`, with `operation_aborted` on
    /// `cancel`, and otherwise with OpenSSL's error as Asio reports it.
    boost::asio::awaitable<boost::system::error_code> handshake(clock::time_point deadline);

    /// Writes all of `data`, waiting for room in the socket as needed, with
    /// the errors of `handshake`. `written` receives the number of bytes
    /// that OpenSSL took, all of them on success.
    boost::asio::awaitable<boost::system::error_code> write(std::string_view data, clock::time_point deadline,
                                                            std::size_t& written);

    /// Decrypts into the first non-empty buffer what has arrived, without
    /// waiting. Fails with `would_block` when that is nothing, with
    /// `asio::error::eof` after the peer's close_notify, and with
    /// `asio::ssl::error::stream_truncated` when the connection ended without one.
    template <class MutableBufferSequence>
    std::size_t read_some(const MutableBufferSequence& buffers, boost::system::error_code& ec)
    {
        for (auto it = boost::asio::buffer_sequence_begin(buffers); it != boost::asio::buffer_sequence_end(buffers);
             ++it) {
            boost::asio::mutable_buffer buffer = *it;
            if (buffer.size() != 0)
                return read_into(buffer.data(), buffer.size(), ec, read_budget_per_call);
        }
        ec = {};
        return 0;
    }

    template <class MutableBufferSequence>
    std::size_t read_some(const MutableBufferSequence& buffers)
    {
        boost::system::error_code ec;
        std::size_t bytes = read_some(buffers, ec);
        if (ec)
            throw boost::system::system_error(ec);
        return bytes;
    }

    /// Waits until the socket is ready for what the last read or write
    /// needs, with the errors of `handshake`. When the last read returned
    /// data, it only lets other handlers run first, because OpenSSL may hold
    /// more, and then `cancel` has no wait to abort.
    boost::asio::awaitable<boost::system::error_code> wait(clock::time_point deadline);

    /// Aborts a wait in progress.
    void cancel();

    /// Input found by `input_after_last_read`.
    struct late_input {
        enum class kind {
            none,        ///< nothing, or only session tickets and key updates
            data,        ///< application data, or records without data that kept coming
            incomplete,  ///< part of a record, whose rest has not arrived yet
            end,         ///< the peer's close_notify or end of TCP
            error,       ///< a socket or TLS error
        } what = kind::none;
        std::string description;  ///< for a log line; empty for `none`
    };

    /// Checks, without waiting, for input that arrived after the last read,
    /// and processes post-handshake messages (session tickets, key updates)
    /// found there. After any other input the stream must not carry
    /// another request.
    late_input input_after_last_read();

private:
    struct core;

    // Reads as `read_some` does, with at most `read_budget` bytes received from the socket.
    std::size_t read_into(void* data, std::size_t size, boost::system::error_code& ec,
                          std::size_t read_budget);

    std::shared_ptr<core> core_;
};

}  // namespace swr::detail

#endif
