// The emulator's network side: TLS listener, HTTP/1.1 keep-alive connections
// as coroutines, and the `swr::emulator` members. Every response comes from
// `request_handler` and every byte and close from `plan_wire`: this file only
// reads requests and carries out the steps, faults included. It is the only
// emulator file that includes Beast and Asio's SSL headers.

#include <swr/emulator.hpp>

#include "emulator/dataset.hpp"
#include "emulator/faults.hpp"
#include "emulator/handler.hpp"
#include "emulator/options.hpp"
#include "emulator/stats.hpp"
#include "emulator/tls_material.hpp"
#include "emulator/wire.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

#include <openssl/ssl.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <exception>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <stdexcept>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

namespace swr::emulator_detail {

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;

constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);

constexpr std::chrono::seconds handshake_timeout{10};

// How long a keep-alive connection may sit between requests, and how long
// reading one request or writing one response may take.
constexpr std::chrono::seconds idle_timeout{60};
constexpr std::chrono::seconds write_timeout{60};
constexpr std::chrono::seconds shutdown_timeout{2};

// Tokens are several KB long, so the limit is well above Beast's default 8 KiB.
constexpr std::uint32_t max_header_bytes = 64 * 1024;
constexpr std::uint64_t max_body_bytes = 1024 * 1024;

std::string_view to_std(beast::string_view text)
{
    return {text.data(), text.size()};
}

// Whether a read error only means that the peer went away or was too slow.
bool is_disconnect(const boost::system::error_code& error)
{
    return error == http::error::end_of_stream || error == http::error::partial_message ||
           error == asio::error::eof || error == asio::error::connection_reset ||
           error == asio::error::operation_aborted || error == beast::error::timeout ||
           error == ssl::error::stream_truncated || error.category() == asio::error::get_ssl_category();
}

}  // namespace

// One accepted TCP connection. Its members are touched only on its strand.
class connection {
public:
    connection(tcp::socket socket, ssl::context& context)
        : stream(std::move(socket), context), delay_timer(stream.get_executor())
    {
    }

    // Closes the socket, which ends every pending operation.
    void close()
    {
        closed = true;
        delay_timer.cancel();
        beast::get_lowest_layer(stream).close();
    }

    ssl::stream<beast::tcp_stream> stream;
    asio::steady_timer delay_timer;
    bool closed = false;
};

class server : public std::enable_shared_from_this<server> {
public:
    server(asio::any_io_executor executor, emulator_options options)
        : options_(std::move(options)), executor_(std::move(executor)), acceptor_strand_(executor_)
    {
        validate_options(options_);
        ca_file_ = tls_file_paths(options_.tls_dir).ca_certificate;
        faults_ = std::make_shared<fault_schedule>(options_.faults, options_.fault_probability, options_.fault_seed);
        tokens_ = std::make_shared<token_table>(options_.token_lifetime);
    }

    void start();
    void stop();

    const emulator_options& options() const { return options_; }
    std::uint16_t port() const { return port_.load(); }
    const std::string& ca_file() const { return ca_file_; }
    stats_recorder& stats() { return stats_; }

    void set_faults(std::vector<fault_rule> rules)
    {
        validate_fault_rules(rules, "fault rules");
        faults_->replace_rules(std::move(rules));
    }

    void expire_tokens() { tokens_->expire_all(); }

private:
    // Outcome of sending a response: whether every byte was written, and
    // whether the connection is still open for another request.
    struct delivery_result {
        bool complete = false;
        bool open = false;
    };

    asio::awaitable<void> accept_connections();
    asio::awaitable<void> serve(std::shared_ptr<connection> peer);
    asio::awaitable<delivery_result> carry_out(std::shared_ptr<connection> peer, const wire_plan& plan);
    asio::awaitable<bool> write_bytes(connection& peer, const wire_step& step);
    asio::awaitable<bool> wait_for_request(std::shared_ptr<connection> peer, std::chrono::milliseconds idle);
    asio::awaitable<void> wait_for_client_close(connection& peer);
    asio::awaitable<void> close_with_notify(connection& peer);
    asio::awaitable<void> close_without_notify(connection& peer);
    static void reset(connection& peer);

    std::optional<std::uint64_t> register_connection(const std::shared_ptr<connection>& peer);
    void forget_connection(std::uint64_t id);
    void log(const std::string& message) const;

    // Logs the 1st, 2nd, 4th, 8th... occurrence of an error that clients can
    // cause at any rate, with the running count.
    void log_sampled(std::atomic<std::uint64_t>& count, std::string_view what, const std::string& detail) const;

    emulator_options options_;
    asio::any_io_executor executor_;
    asio::strand<asio::any_io_executor> acceptor_strand_;
    std::string ca_file_;  // constant after construction

    // Set once by start() under `mutex_`, before any coroutine runs.
    std::unique_ptr<ssl::context> tls_context_;
    std::unique_ptr<tcp::acceptor> acceptor_;
    std::unique_ptr<request_handler> handler_;
    std::shared_ptr<fault_schedule> faults_;  // constant pointer after construction
    std::shared_ptr<token_table> tokens_;     // constant pointer after construction
    std::atomic<std::uint16_t> port_{0};

    stats_recorder stats_;
    std::uint64_t accept_failures_ = 0;  // touched only on the acceptor strand
    mutable std::atomic<std::uint64_t> tls_failures_logged_{0};
    mutable std::atomic<std::uint64_t> malformed_logged_{0};

    std::mutex mutex_;
    bool started_ = false;
    bool listening_ = false;
    bool stopping_ = false;
    std::uint64_t next_connection_id_ = 0;
    std::unordered_map<std::uint64_t, std::weak_ptr<connection>> connections_;
};

void server::log(const std::string& message) const
{
    if (options_.log) {
        options_.log(message);
    }
}

void server::log_sampled(std::atomic<std::uint64_t>& count, std::string_view what, const std::string& detail) const
{
    std::uint64_t seen = count.fetch_add(1, std::memory_order_relaxed) + 1;
    if ((seen & (seen - 1)) == 0) {
        log(std::string(what) + " (" + std::to_string(seen) + " so far): " + detail);
    }
}

void server::start()
{
    {
        std::lock_guard lock(mutex_);
        if (started_ || stopping_) {
            throw std::logic_error("emulator::start() called twice, or after stop()");
        }
        started_ = true;
    }

    // TLS: version 1.2 or newer, the chain and key from the TLS directory.
    tls_files files = prepare_tls_files(options_.tls_dir);
    auto tls_context = std::make_unique<ssl::context>(ssl::context::tls_server);
    SSL_CTX_set_min_proto_version(tls_context->native_handle(), TLS1_2_VERSION);
    tls_context->set_options(ssl::context::default_workarounds | ssl::context::no_compression);
    if (!options_.session_resumption) {
        SSL_CTX_set_num_tickets(tls_context->native_handle(), 0);
        SSL_CTX_set_options(tls_context->native_handle(), SSL_OP_NO_TICKET);
        SSL_CTX_set_session_cache_mode(tls_context->native_handle(), SSL_SESS_CACHE_OFF);
    }
    boost::system::error_code error;
    tls_context->use_certificate_chain_file(files.certificate_chain, error);
    if (error) {
        throw std::runtime_error("TLS setup: cannot load the certificate chain " + files.certificate_chain + ": " +
                                 error.message());
    }
    tls_context->use_private_key_file(files.private_key, ssl::context::pem, error);
    if (error) {
        throw std::runtime_error("TLS setup: cannot load the private key " + files.private_key +
                                 " (or it does not match " + files.certificate_chain + "): " + error.message());
    }

    // Data, then the handler that serves it.
    std::shared_ptr<const catalog> repositories = load_catalog(options_);
    std::random_device entropy;
    std::uint64_t id_seed = (static_cast<std::uint64_t>(entropy()) << 32) ^ entropy();
    auto handler = std::make_unique<request_handler>(options_, repositories, stats_, id_seed, faults_, tokens_);

    // Listen.
    tcp::endpoint endpoint(asio::ip::make_address(options_.bind_address), options_.port);
    auto acceptor = std::make_unique<tcp::acceptor>(acceptor_strand_);
    auto fail = [&](const char* step) {
        throw std::runtime_error(std::string("cannot ") + step + " on " + options_.bind_address + " port " +
                                 std::to_string(options_.port) + ": " + error.message());
    };
    acceptor->open(endpoint.protocol(), error);
    if (error) {
        fail("open a socket");
    }
    acceptor->set_option(asio::socket_base::reuse_address(true), error);
    if (error) {
        fail("set SO_REUSEADDR");
    }
    acceptor->bind(endpoint, error);
    if (error) {
        fail("bind");
    }
    acceptor->listen(asio::socket_base::max_listen_connections, error);
    if (error) {
        fail("listen");
    }

    // Publish the members before the first coroutine can read them. A stop()
    // that came in meanwhile found nothing to close, so nothing starts.
    {
        std::lock_guard lock(mutex_);
        if (stopping_) {
            return;
        }
        tls_context_ = std::move(tls_context);
        handler_ = std::move(handler);
        acceptor_ = std::move(acceptor);
        port_ = acceptor_->local_endpoint().port();
        listening_ = true;
    }

    auto self = shared_from_this();
    asio::co_spawn(acceptor_strand_, accept_connections(), [self](std::exception_ptr failure) {
        if (failure) {
            try {
                std::rethrow_exception(failure);
            } catch (const std::exception& e) {
                self->log(std::string("accept loop ended by an exception: ") + e.what());
            }
        }
    });
    std::string faults = std::to_string(options_.faults.size()) + " fault rules";
    if (options_.fault_probability > 0) {
        char probability[32];
        std::snprintf(probability, sizeof probability, "%g", options_.fault_probability);
        faults += ", random faults with probability " + std::string(probability) + " and seed " +
                  std::to_string(options_.fault_seed);
    }
    log("listening on port " + std::to_string(port_.load()) + " with " +
        std::to_string(repositories->size(sharing_center::self)) + " self and " +
        std::to_string(repositories->size(sharing_center::thirdparty)) + " thirdparty repositories; " + faults);
}

void server::stop()
{
    std::vector<std::shared_ptr<connection>> open;
    {
        std::lock_guard lock(mutex_);
        if (stopping_) {
            return;
        }
        stopping_ = true;
        if (!listening_) {
            return;
        }
        for (const auto& [id, weak] : connections_) {
            if (auto peer = weak.lock()) {
                open.push_back(std::move(peer));
            }
        }
    }

    // Each socket is closed on its own strand, because another thread may be
    // running an operation on it.
    auto self = shared_from_this();
    asio::post(acceptor_strand_, [self] {
        boost::system::error_code ignored;
        self->acceptor_->close(ignored);
    });
    for (auto& peer : open) {
        asio::post(peer->stream.get_executor(), [peer] { peer->close(); });
    }
    log("stopping: closing " + std::to_string(open.size()) + " connections");
}

std::optional<std::uint64_t> server::register_connection(const std::shared_ptr<connection>& peer)
{
    std::lock_guard lock(mutex_);
    if (stopping_) {
        return std::nullopt;
    }
    std::uint64_t id = next_connection_id_++;
    connections_.emplace(id, peer);
    return id;
}

void server::forget_connection(std::uint64_t id)
{
    std::lock_guard lock(mutex_);
    connections_.erase(id);
}

asio::awaitable<void> server::accept_connections()
{
    auto self = shared_from_this();
    for (;;) {
        auto [error, socket] = co_await acceptor_->async_accept(asio::make_strand(executor_), use_tuple);
        if (error == asio::error::operation_aborted || !acceptor_->is_open()) {
            co_return;
        }

        // Out of descriptors and similar: log with doubling gaps, pause, retry.
        if (error) {
            ++accept_failures_;
            if ((accept_failures_ & (accept_failures_ - 1)) == 0) {
                log("accept failed (" + std::to_string(accept_failures_) + " times so far): " + error.message());
            }
            asio::steady_timer pause(acceptor_strand_, std::chrono::milliseconds(100));
            co_await pause.async_wait(use_tuple);
            continue;
        }

        // Without TCP_NODELAY, a response split into two TLS records waits
        // for the client's delayed ACK before its second part is sent.
        boost::system::error_code option_error;
        socket.set_option(tcp::no_delay(true), option_error);

        auto peer = std::make_shared<connection>(std::move(socket), *tls_context_);
        std::optional<std::uint64_t> registered = register_connection(peer);
        if (!registered) {
            peer->close();
            co_return;
        }
        std::uint64_t id = *registered;

        stats_.connection_opened();
        asio::co_spawn(peer->stream.get_executor(), serve(peer), [self, id](std::exception_ptr failure) {
            self->stats_.connection_closed();
            self->forget_connection(id);
            if (failure) {
                try {
                    std::rethrow_exception(failure);
                } catch (const std::exception& e) {
                    self->log("connection " + std::to_string(id) + " ended by an exception: " + e.what());
                }
            }
        });
    }
}

asio::awaitable<void> server::serve(std::shared_ptr<connection> peer)
{
    auto& socket = beast::get_lowest_layer(peer->stream);

    socket.expires_after(handshake_timeout);
    auto [handshake_error] = co_await peer->stream.async_handshake(ssl::stream_base::server, use_tuple);
    if (peer->closed) {
        co_return;
    }
    if (handshake_error) {
        stats_.tls_failed();
        log_sampled(tls_failures_logged_, "TLS handshake failed", handshake_error.message());
        socket.close();
        co_return;
    }

    beast::flat_buffer buffer;
    std::optional<std::chrono::milliseconds> idle_close;  // set by the last response's idle_close fault
    for (;;) {
        // After an idle_close fault, a client that stays quiet loses the connection.
        if (idle_close && buffer.size() == 0) {
            bool request_coming = co_await wait_for_request(peer, *idle_close);
            if (peer->closed) {
                co_return;
            }
            if (!request_coming) {
                co_await close_with_notify(*peer);
                co_return;
            }
        }

        http::request_parser<http::string_body> parser;
        parser.header_limit(max_header_bytes);
        parser.body_limit(max_body_bytes);

        socket.expires_after(idle_timeout);
        auto [read_error, bytes_read] = co_await http::async_read(peer->stream, buffer, parser, use_tuple);
        if (peer->closed) {
            co_return;
        }

        // Malformed HTTP gets a response, then the connection is closed.
        if (read_error) {
            if (is_disconnect(read_error)) {
                break;
            }
            unsigned status = read_error == http::error::header_limit ? 431
                              : read_error == http::error::body_limit ? 413
                                                                      : 400;
            stats_.rejected_before_start(status);
            log_sampled(malformed_logged_, "malformed HTTP request", read_error.message());
            co_await carry_out(peer, plan_wire(handler_->reject_malformed(status, read_error.message()), false));
            co_return;
        }

        // Hand the parsed request to the handler.
        const auto& request = parser.get();
        request_head head;
        head.method = to_std(request.method_string());
        head.target = to_std(request.target());
        head.body = request.body();
        head.arrival = std::chrono::steady_clock::now();
        head.wall_arrival = std::chrono::system_clock::now();
        head.headers.reserve(8);
        for (const auto& field : request) {
            head.headers.push_back({to_std(field.name_string()), to_std(field.value())});
        }

        bool counted = is_counted_target(head.target);
        if (counted) {
            stats_.request_started(head.arrival);
        }
        response_plan plan = handler_->handle(head);
        wire_plan wire = plan_wire(plan, request.keep_alive());

        delivery_result result = co_await carry_out(peer, wire);
        if (counted) {
            stats_.request_finished(plan.status, wire.complete && result.complete ? plan.items : 0);
        }
        if (!result.open) {
            co_return;
        }
        idle_close = wire.idle_close;
    }

    // The client closed or went quiet: send close_notify if it is still there.
    co_await close_with_notify(*peer);
}

asio::awaitable<server::delivery_result> server::carry_out(std::shared_ptr<connection> peer, const wire_plan& plan)
{
    delivery_result result{true, true};
    for (const wire_step& step : plan.steps) {
        switch (step.action) {
        case wire_step::kind::write:
            if (!co_await write_bytes(*peer, step)) {
                beast::get_lowest_layer(peer->stream).close();
                co_return delivery_result{false, false};
            }
            break;
        case wire_step::kind::pause:
            peer->delay_timer.expires_after(step.duration);
            co_await peer->delay_timer.async_wait(use_tuple);
            break;
        case wire_step::kind::wait_for_client_close:
            co_await wait_for_client_close(*peer);
            result.open = false;
            break;
        case wire_step::kind::reset:
            reset(*peer);
            result.open = false;
            break;
        case wire_step::kind::close_with_notify:
            co_await close_with_notify(*peer);
            result.open = false;
            break;
        case wire_step::kind::close_without_notify:
            co_await close_without_notify(*peer);
            result.open = false;
            break;
        }
        if (peer->closed) {
            co_return delivery_result{false, false};
        }
    }
    co_return result;
}

asio::awaitable<bool> server::write_bytes(connection& peer, const wire_step& step)
{
    // A trickle writes pieces with pauses between them; anything else writes once.
    std::size_t piece = step.chunk_bytes > 0 ? step.chunk_bytes : step.bytes.size();
    for (std::size_t done = 0; done < step.bytes.size(); done += piece) {
        if (done > 0 && step.duration.count() > 0) {
            peer.delay_timer.expires_after(step.duration);
            co_await peer.delay_timer.async_wait(use_tuple);
            if (peer.closed) {
                co_return false;
            }
        }
        std::size_t size = std::min(piece, step.bytes.size() - done);
        beast::get_lowest_layer(peer.stream).expires_after(write_timeout);
        auto [error, written] =
            co_await asio::async_write(peer.stream, asio::buffer(step.bytes.data() + done, size), use_tuple);
        if (error || peer.closed) {
            co_return false;
        }
    }
    co_return true;
}

asio::awaitable<bool> server::wait_for_request(std::shared_ptr<connection> peer, std::chrono::milliseconds idle)
{
    // Bytes already inside OpenSSL are a request on its way, although the
    // socket has nothing more to read.
    // NOTE: bytes that Asio read from the socket but has not yet passed to
    // OpenSSL are not seen here. Only a client that pipelines can leave any.
    SSL* native = peer->stream.native_handle();
    if (SSL_pending(native) > 0 || BIO_ctrl_pending(SSL_get_rbio(native)) > 0) {
        co_return true;
    }

    // Wait until the socket is readable; the timer cancels the wait when the
    // connection stays idle too long. Both run on the connection's strand, so
    // `finished` stops a timer that fired just after the wait ended from
    // cancelling the next read.
    struct wait_state {
        bool expired = false;
        bool finished = false;
    };
    auto state = std::make_shared<wait_state>();
    asio::steady_timer timer(peer->stream.get_executor(), idle);
    timer.async_wait([peer, state](const boost::system::error_code& error) {
        if (!error && !state->finished) {
            state->expired = true;
            boost::system::error_code ignored;
            beast::get_lowest_layer(peer->stream).socket().cancel(ignored);
        }
    });
    auto [error] = co_await beast::get_lowest_layer(peer->stream).socket().async_wait(tcp::socket::wait_read, use_tuple);
    state->finished = true;
    timer.cancel();
    co_return !error && !state->expired;
}

asio::awaitable<void> server::wait_for_client_close(connection& peer)
{
    // Reads until the client closes or the emulator stops, without a time limit.
    auto& socket = beast::get_lowest_layer(peer.stream);
    socket.expires_never();
    std::array<char, 4096> discarded;
    for (;;) {
        auto [error, bytes_read] = co_await peer.stream.async_read_some(asio::buffer(discarded), use_tuple);
        if (error || peer.closed) {
            break;
        }
    }
    socket.close();
}

void server::reset(connection& peer)
{
    // SO_LINGER with a zero timeout makes close() send an RST instead of a FIN.
    auto& socket = beast::get_lowest_layer(peer.stream);
    boost::system::error_code ignored;
    socket.socket().set_option(asio::socket_base::linger(true, 0), ignored);
    socket.close();
}

asio::awaitable<void> server::close_with_notify(connection& peer)
{
    // Send close_notify while the peer is still there, ignoring its reply.
    auto& socket = beast::get_lowest_layer(peer.stream);
    socket.expires_after(shutdown_timeout);
    co_await peer.stream.async_shutdown(use_tuple);
    socket.close();
}

asio::awaitable<void> server::close_without_notify(connection& peer)
{
    // Send a FIN, then read until the client closes too: closing a socket
    // with unread bytes would send an RST, which the client would see instead.
    auto& socket = beast::get_lowest_layer(peer.stream);
    boost::system::error_code ignored;
    socket.socket().shutdown(tcp::socket::shutdown_send, ignored);
    socket.expires_after(shutdown_timeout);
    std::array<char, 4096> discarded;
    for (;;) {
        auto [error, bytes_read] = co_await socket.async_read_some(asio::buffer(discarded), use_tuple);
        if (error || peer.closed) {
            break;
        }
    }
    socket.close();
}

}  // namespace swr::emulator_detail

namespace swr {

emulator::emulator(boost::asio::any_io_executor executor, emulator_options options)
    : server_(std::make_shared<emulator_detail::server>(std::move(executor), std::move(options)))
{
}

emulator::~emulator()
{
    server_->stop();
}

void emulator::start()
{
    server_->start();
}

void emulator::stop()
{
    server_->stop();
}

std::uint16_t emulator::port() const
{
    return server_->port();
}

std::string emulator::endpoint_url() const
{
    const std::string& address = server_->options().bind_address;
    std::string host = emulator_detail::is_ipv6_literal(address) ? "[" + address + "]" : address;
    return "https://" + host + ":" + std::to_string(port());
}

std::string emulator::ca_file() const
{
    return server_->ca_file();
}

emulator_stats emulator::stats() const
{
    return server_->stats().snapshot();
}

std::vector<std::chrono::steady_clock::time_point> emulator::request_times() const
{
    return server_->stats().arrival_times();
}

void emulator::reset_stats()
{
    server_->stats().reset();
}

void emulator::set_faults(std::vector<fault_rule> rules)
{
    server_->set_faults(std::move(rules));
}

void emulator::expire_tokens()
{
    server_->expire_tokens();
}

const emulator_options& emulator::options() const
{
    return server_->options();
}

}  // namespace swr
