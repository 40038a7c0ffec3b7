#include "tls_stream.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/error.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/error.hpp>

#include <openssl/bio.h>
#include <openssl/err.h>

#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <new>

namespace swr::detail {

namespace asio = boost::asio;
using boost::system::error_code;
using tcp = asio::ip::tcp;

namespace {

// Empties this thread's OpenSSL error queue, so that SSL_get_error reads
// only what the next call adds. Emptying an empty queue still resets all 16
// entries, which took 0.7% of a scan's CPU before the check.
void clear_openssl_errors() noexcept
{
    if (ERR_peek_error() != 0)
        ERR_clear_error();
}

constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);

// Size of OpenSSL's read buffer. With read-ahead, one recv takes up to this
// much, enough for a whole page of 100 repositories (about 60 KB in four records).
constexpr std::size_t read_buffer_bytes = 64 * 1024;

constexpr std::size_t call_read_budget = tls_stream::read_budget_per_call;
static_assert(call_read_budget == 2 * read_buffer_bytes);

// The socket of a connection's BIO, the errno of its last failure, and the
// bytes that the OpenSSL call in progress may still receive.
struct bio_target {
    tcp::socket* socket = nullptr;
    int last_errno = 0;  // errno of the last failed recv or send, for SSL_ERROR_SYSCALL
    std::size_t read_budget = call_read_budget;
};

// Runs `call` on the socket's descriptor, again when a signal interrupts it.
// Returns the byte count, or -1 with the BIO's retry flag set when the socket
// would block, or -1 with errno stored in the target on any other failure.
template <class Call>
int transfer(BIO* bio, bool reading, Call call)
{
    auto& target = *static_cast<bio_target*>(BIO_get_data(bio));
    BIO_clear_retry_flags(bio);

    // A closed socket has no descriptor, and its number may already belong
    // to another file.
    if (!target.socket->is_open()) {
        target.last_errno = EBADF;
        return -1;
    }
    for (;;) {
        ssize_t done = call(target.socket->native_handle());
        if (done >= 0)
            return static_cast<int>(done);
        if (errno == EINTR)
            continue;
        if (errno != EAGAIN && errno != EWOULDBLOCK)
            target.last_errno = errno;
        else if (reading)
            BIO_set_retry_read(bio);
        else
            BIO_set_retry_write(bio);
        return -1;
    }
}

// recv and send, which unlike read and write take MSG_NOSIGNAL: a write to
// a connection the server closed must fail with EPIPE, not raise SIGPIPE in
// the caller's process.
int bio_read(BIO* bio, char* data, int size)
{
    // A spent budget reads as a socket that would block. The wait that
    // follows finds the socket readable and lets other handlers run first.
    auto& target = *static_cast<bio_target*>(BIO_get_data(bio));
    std::size_t length = std::min(static_cast<std::size_t>(size), target.read_budget);
    if (length == 0) {
        BIO_clear_retry_flags(bio);
        BIO_set_retry_read(bio);
        return -1;
    }
    int received = transfer(bio, true, [&](int fd) { return ::recv(fd, data, length, 0); });
    if (received > 0)
        target.read_budget -= static_cast<std::size_t>(received);
    return received;
}

int bio_write(BIO* bio, const char* data, int size)
{
    return transfer(bio, false,
                    [&](int fd) { return ::send(fd, data, static_cast<std::size_t>(size), MSG_NOSIGNAL); });
}

long bio_control(BIO*, int command, long, void*)
{
    // OpenSSL flushes after each flight of handshake messages, and the
    // socket has no buffer of its own to flush. No other request applies.
    return command == BIO_CTRL_FLUSH ? 1 : 0;
}

int bio_create(BIO* bio)
{
    BIO_set_init(bio, 1);
    return 1;
}

const BIO_METHOD* socket_method()
{
    static const BIO_METHOD* method = [] {
        BIO_METHOD* created = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK, "swr socket");
        if (!created || BIO_meth_set_read(created, bio_read) != 1 || BIO_meth_set_write(created, bio_write) != 1 ||
            BIO_meth_set_ctrl(created, bio_control) != 1 || BIO_meth_set_create(created, bio_create) != 1)
            throw std::bad_alloc();
        return created;
    }();
    return method;
}

}  // namespace

// State shared with the timer's handler, which may run after the stream is gone.
struct tls_stream::core {
    explicit core(executor_type executor) : tcp(executor), timer(executor) { target.socket = &tcp.socket(); }

    ~core()
    {
        if (ssl)
            SSL_free(ssl);
    }

    // Prepares for an OpenSSL call that may receive at most `read_budget`
    // bytes: empties the error queue and the last errno.
    void start_call(std::size_t read_budget) noexcept;

    // Returns the error of an OpenSSL call that returned `result`, and
    // records what it needs when that is `would_block`.
    error_code failure(int result);

    boost::beast::tcp_stream tcp;
    asio::steady_timer timer;
    SSL* ssl = nullptr;
    bio_target target;

    // What the last OpenSSL call needs before it can go on: nothing after a
    // call that made progress.
    enum class need { nothing, read, write } next = need::nothing;

    // Counts waits, so that a timer that expired just as its wait ended
    // cannot cancel the next one.
    std::uint64_t waits = 0;
    bool timed_out = false;
};

void tls_stream::core::start_call(std::size_t read_budget) noexcept
{
    clear_openssl_errors();
    target.last_errno = 0;
    target.read_budget = read_budget;
}

error_code tls_stream::core::failure(int result)
{
    int code = SSL_get_error(ssl, result);
    switch (code) {
    case SSL_ERROR_WANT_READ:
        next = need::read;
        return asio::error::would_block;
    case SSL_ERROR_WANT_WRITE:
        next = need::write;
        return asio::error::would_block;
    case SSL_ERROR_ZERO_RETURN:
        return asio::error::eof;
    case SSL_ERROR_SYSCALL: {
        auto queued = static_cast<int>(ERR_get_error());
        if (queued != 0)
            return error_code(queued, asio::error::get_ssl_category());
        if (target.last_errno != 0)
            return error_code(target.last_errno, boost::system::system_category());
        // recv returned 0: the peer ended TCP without close_notify. Asio's
        // stream calls that stream_truncated, and so does this one.
        return asio::ssl::error::stream_truncated;
    }
    case SSL_ERROR_SSL:
        // OpenSSL 3 would report an end without close_notify here as
        // SSL_R_UNEXPECTED_EOF_WHILE_READING, but only if BIO_CTRL_EOF
        // returned 1. This BIO never does, so that end comes as SSL_ERROR_SYSCALL.
        return error_code(static_cast<int>(ERR_get_error()), asio::error::get_ssl_category());
    default:
        return asio::ssl::error::unexpected_result;
    }
}

tls_stream::tls_stream(executor_type executor, SSL_CTX* context) : core_(std::make_shared<core>(std::move(executor)))
{
    core_->ssl = SSL_new(context);
    BIO* bio = core_->ssl ? BIO_new(socket_method()) : nullptr;
    if (!bio) {
        throw boost::system::system_error(
            error_code(static_cast<int>(ERR_get_error()), asio::error::get_ssl_category()),
            "cannot create a TLS connection");
    }
    BIO_set_data(bio, &core_->target);
    SSL_set_bio(core_->ssl, bio, bio);  // the SSL object owns the BIO from here
    SSL_set_connect_state(core_->ssl);

    // Partial writes let a write stop after any record when the socket is
    // full. The buffers stay with the connection: releasing them after each
    // response (SSL_MODE_RELEASE_BUFFERS) cost 3-5% more CPU per page in
    // 1,000-page scans at concurrency 4 and 64, in malloc and free.
    SSL_set_mode(core_->ssl, SSL_MODE_ENABLE_PARTIAL_WRITE);
    SSL_set_read_ahead(core_->ssl, 1);
    SSL_set_default_read_buffer_len(core_->ssl, read_buffer_bytes);
}

tls_stream::~tls_stream() = default;

tls_stream::executor_type tls_stream::get_executor() noexcept
{
    return core_->tcp.get_executor();
}

boost::beast::tcp_stream& tls_stream::tcp() noexcept
{
    return core_->tcp;
}

SSL* tls_stream::native_handle() noexcept
{
    return core_->ssl;
}

asio::awaitable<error_code> tls_stream::handshake(clock::time_point deadline)
{
    // In non-blocking mode OpenSSL's calls return `would_block`, and `wait`
    // waits for the socket.
    error_code ec;
    core_->tcp.socket().non_blocking(true, ec);
    if (ec)
        co_return ec;
    for (;;) {
        core_->start_call(call_read_budget);
        int result = SSL_do_handshake(core_->ssl);
        if (result == 1) {
            core_->next = core::need::nothing;
            co_return error_code{};
        }
        ec = core_->failure(result);
        if (ec != asio::error::would_block)
            co_return ec;
        if (auto wait_ec = co_await wait(deadline))
            co_return wait_ec;
    }
}

asio::awaitable<error_code> tls_stream::write(std::string_view data, clock::time_point deadline,
                                              std::size_t& written)
{
    // After `would_block`, OpenSSL expects the same write again, so the
    // remaining bytes are offered unchanged until they are taken.
    written = 0;
    while (!data.empty()) {
        core_->start_call(call_read_budget);
        int size = static_cast<int>(std::min<std::size_t>(data.size(), INT_MAX));
        int result = SSL_write(core_->ssl, data.data(), size);
        if (result > 0) {
            core_->next = core::need::nothing;
            data.remove_prefix(static_cast<std::size_t>(result));
            written += static_cast<std::size_t>(result);
            continue;
        }
        error_code ec = core_->failure(result);
        if (ec != asio::error::would_block)
            co_return ec;
        if (auto wait_ec = co_await wait(deadline))
            co_return wait_ec;
    }
    co_return error_code{};
}

std::size_t tls_stream::read_into(void* data, std::size_t size, error_code& ec, std::size_t read_budget)
{
    core_->start_call(read_budget);
    int result = SSL_read(core_->ssl, data, static_cast<int>(std::min<std::size_t>(size, INT_MAX)));
    if (result > 0) {
        core_->next = core::need::nothing;
        ec = {};
        return static_cast<std::size_t>(result);
    }
    ec = core_->failure(result);
    return 0;
}

asio::awaitable<error_code> tls_stream::wait(clock::time_point deadline)
{
    core& state = *core_;
    if (state.next == core::need::nothing) {
        // The reader stopped on its own with data that OpenSSL may already
        // hold, which no readiness of the socket would announce.
        co_await asio::post(state.tcp.get_executor(), asio::use_awaitable);
        co_return clock::now() < deadline ? error_code{} : error_code(boost::beast::error::timeout);
    }

    // The timer cancels the socket's wait at the deadline. Its handler keeps
    // the state alive and runs on the same strand as this coroutine.
    std::uint64_t wait_number = ++state.waits;
    state.timed_out = false;
    state.timer.expires_at(deadline);
    state.timer.async_wait([shared = core_, wait_number](error_code ec) {
        if (ec || shared->waits != wait_number)
            return;
        shared->timed_out = true;
        error_code ignored;
        shared->tcp.socket().cancel(ignored);
    });

    auto direction = state.next == core::need::read ? tcp::socket::wait_read : tcp::socket::wait_write;
    auto [ec] = co_await state.tcp.socket().async_wait(direction, use_tuple);
    ++state.waits;
    state.timer.cancel();
    if (state.timed_out)
        co_return boost::beast::error::timeout;
    co_return ec;
}

void tls_stream::cancel()
{
    core_->tcp.cancel();  // also aborts a connect or a proxy tunnel in progress
}

tls_stream::late_input tls_stream::input_after_last_read()
{
    using kind = late_input::kind;
    auto& socket = core_->tcp.socket();
    if (!socket.is_open())
        return {kind::error, "the socket is closed"};
    // Each turn processes what has arrived, up to a small budget. So a server
    // that keeps sending records without data blocks the thread only briefly.
    constexpr std::size_t turn_read_budget = 16 * 1024;
    for (int turn = 0; turn < 8; ++turn) {
        // SSL_has_pending also counts records read ahead but not yet
        // decrypted, which SSL_pending does not.
        if (SSL_has_pending(core_->ssl) != 1) {
            char first = 0;
            ssize_t peeked = ::recv(socket.native_handle(), &first, 1, MSG_PEEK | MSG_DONTWAIT);
            if (peeked == 0)
                return {kind::end, "the server closed the connection"};
            if (peeked < 0 && errno == EINTR)
                continue;
            if (peeked < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
                return {};
            if (peeked < 0)
                return {kind::error, error_code(errno, boost::system::system_category()).message()};
        }
        // Records arrived. OpenSSL takes in session tickets and key updates
        // without returning data; anything else ends the look.
        char byte = 0;
        error_code ec;
        if (read_into(&byte, 1, ec, turn_read_budget) > 0)
            return {kind::data, "data that belongs to no request arrived"};
        if (ec == asio::error::eof)
            return {kind::end, "the server sent close_notify"};
        if (ec != asio::error::would_block)
            return {kind::error, ec.message()};
        // Bytes that OpenSSL keeps after the socket ran dry are part of a record.
        if (SSL_has_pending(core_->ssl) == 1 && core_->target.read_budget != 0)
            return {kind::incomplete, "part of a TLS record arrived"};
    }
    return {kind::data, "TLS records without data kept arriving"};
}

}  // namespace swr::detail
