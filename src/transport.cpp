#include "transport.hpp"
#include "errors.hpp"
#include "first_connection_gate.hpp"
#include "proxy_tunnel.hpp"
#include "recycle_pool.hpp"
#include "response_reader.hpp"
#include "session_der.hpp"
#include "tls_stream.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <algorithm>
#include <memory>
#include <new>
#include <optional>
#include <mutex>
#include <stdexcept>
#include <tuple>
#include <utility>
#include <vector>

namespace swr::detail {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;
using boost::system::error_code;

namespace {

// Whether the response's Content-Length is within `max_body_bytes` but
// beyond what a std::string can hold.
bool beyond_any_string(response_parser& parser, std::size_t max_body_bytes)
{
    auto length = parser.content_length();
    return length && *length <= max_body_bytes && *length > std::string().max_size();
}

constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);

// Size of a connection's read buffer, where Beast parses the header of a
// response. A body of known length is decrypted straight into its string
// (response_reader), so only the part of it in the header's TLS record
// passes through this buffer, and is copied once more. A connection keeps
// the buffer, which grows only for a header longer than this, and is then
// given back once empty.
constexpr std::size_t read_buffer_bytes = 4 * 1024;

struct connection {
    connection(asio::any_io_executor strand, ssl::context& context, std::uint64_t id)
        : stream(std::move(strand), context.native_handle()), id(id) {}

    tls_stream stream;
    beast::flat_buffer buffer;
    std::uint64_t id;
    bool open = false;
    // True while `warm_up` opens the connection ahead of any request. An
    // exchange that takes it meanwhile waits until the warm-up cancels `warmed`.
    bool warming = false;
    std::optional<asio::steady_timer> warmed;
    std::optional<asio::steady_timer> turn_timer;  // timer of the wait for a rate limiter's token
    std::shared_ptr<asio::steady_timer> session_wait;  // timer of the wait for the first session ticket
    http_response warm_failure;  // failure of the warm-up, when it could not open the connection
    // Counts exchanges on the strand, so a late cancellation of a finished
    // exchange cannot hit the next one.
    std::uint64_t exchanges = 0;
    // True on the first connection while the transport waits for its TLS
    // session ticket; its first exchange ending stops that wait.
    bool awaits_ticket = false;
};

// Slot of the SSL_CTX extra data that points to the transport owning the
// context. Asio keeps its verify callback in the context's app data slot, so
// that one is taken.
int transport_data_index()
{
    static const int index = SSL_CTX_get_ex_new_index(0, nullptr, nullptr, nullptr, nullptr);
    return index;
}

// Serializes `message` into the bytes Beast would write for it.
std::string serialize(http::request<http::string_body>& message)
{
    std::string text;
    http::request_serializer<http::string_body> serializer{message};
    error_code ec;
    while (!ec && !serializer.is_done()) {
        std::size_t appended = 0;
        serializer.next(ec, [&](error_code&, const auto& buffers) {
            for (asio::const_buffer buffer : beast::buffers_range_ref(buffers)) {
                text.append(static_cast<const char*>(buffer.data()), buffer.size());
                appended += buffer.size();
            }
        });
        if (ec)
            throw boost::system::system_error(ec);
        serializer.consume(appended);
    }
    return text;
}

struct exchange_result {
    http_response response;
    std::shared_ptr<connection> reusable;  // set when the connection may serve another request
    bool stale = false;                     // a reused connection failed before any response byte
    std::string unusable;  // reason a connection that returned a response serves no other request
};

bool is_ip_literal(const std::string& host)
{
    error_code ec;
    asio::ip::make_address(host, ec);
    return !ec;
}

std::string milliseconds_text(std::chrono::milliseconds value)
{
    return std::to_string(value.count()) + " ms";
}

// Describes a failed handshake. OpenSSL's verify result distinguishes an
// untrusted chain from a certificate issued for another name.
std::string handshake_failure(connection& conn, const std::string& server_name, const error_code& ec)
{
    long verify = SSL_get_verify_result(conn.stream.native_handle());
    if (verify == X509_V_ERR_HOSTNAME_MISMATCH || verify == X509_V_ERR_IP_ADDRESS_MISMATCH) {
        return "TLS certificate is not valid for host name " + server_name +
               "; check the endpoint or tls_options::server_name";
    }
    if (verify != X509_V_OK) {
        return "TLS certificate verification failed for " + server_name + ": " +
               X509_verify_cert_error_string(verify) + "; check tls_options::ca_file";
    }
    return "TLS handshake with " + server_name + " failed: " + ec.message();
}

void set_failure(http_response& response, error_code ec, std::string message)
{
    response.ec = ec;
    response.info.message = std::move(message);
}

}  // namespace

class transport::impl : public std::enable_shared_from_this<impl> {
public:
    impl(asio::any_io_executor executor, transport_settings settings, const logger& log)
        : executor_(std::move(executor)),
          settings_(std::move(settings)),
          log_(log),
          context_(ssl::context::tls_client),
          server_name_(settings_.tls.server_name.empty() ? settings_.endpoint.host : settings_.tls.server_name),
          proxy_(make_proxy_route(settings_.proxy, settings_.endpoint, log_)),
          gate_(executor_)
    {
        configure_tls();
    }

    ~impl();

    asio::awaitable<http_response> send(const outgoing_request& request, std::shared_ptr<cancel_hook> hook,
                                        rate_limiter* limiter);
    void warm_up(std::size_t connections);
    void cancel_warm_ups();

    transport_counters counters;
    // Bodies of parsed responses, which later responses are read into. A
    // freed body could shrink the heap, and the next one grew it again: at
    // concurrency 4 those page faults took about 2% of a scan's CPU.
    body_pool bodies{8};

private:
    void on_first_open(connection& conn, std::chrono::steady_clock::duration handshake_time);
    asio::awaitable<bool> wait_for_session(connection& conn, const cancel_hook* hook);
    void end_ticket_wait();

public:

private:
    void configure_tls();
    static int on_new_session(SSL* ssl, SSL_SESSION* session);
    void offer_session(SSL* ssl);
    std::shared_ptr<connection> take_idle();
    static asio::awaitable<void> warm(std::shared_ptr<impl> self, std::shared_ptr<connection> conn);
    asio::awaitable<bool> wait_for_warm_up(connection& conn, http_response& response);
    void give_back(std::shared_ptr<connection> conn);
    void on_closed(const connection& conn, std::string_view reason);
    void warn_if_unrequested(const connection& conn, const tls_stream::late_input& input) const;
    asio::awaitable<exchange_result> exchange(std::shared_ptr<connection> conn, const outgoing_request& request,
                                              std::shared_ptr<cancel_hook> hook, rate_limiter* limiter);
    asio::awaitable<bool> wait_for_turn(connection& conn, rate_limiter& limiter, const cancel_hook* hook,
                                        http_response& response);
    asio::awaitable<bool> open(connection& conn, const cancel_hook* hook, http_response& response);
    asio::awaitable<bool> connect(connection& conn, http_response& response);
    void read_response(response_parser& parser, std::string body, http_response& response);
    asio::awaitable<std::tuple<error_code, bool>> read_with_deadlines(
        connection& conn, response_reader& reader,
        std::chrono::steady_clock::time_point deadline, const cancel_hook* hook);

    asio::any_io_executor executor_;
    transport_settings settings_;
    logger log_;
    ssl::context context_;
    std::string server_name_;
    std::optional<proxy_route> proxy_;  // set when connections tunnel through a proxy

    first_connection_gate gate_;
    std::mutex mutex_;
    std::mutex session_mutex_;
    // DER encoding of the latest TLS session the server issued, offered to
    // new connections; empty before the first.
    std::vector<unsigned char> session_;
    std::vector<std::shared_ptr<connection>> idle_;
    std::vector<std::shared_ptr<connection>> warming_;  // opened by warm_up and not yet claimed by a request
    bool opened_once_ = false;          // true once any connection has opened
    // While the first connection's session ticket is awaited, new
    // connections hold their handshakes until it comes or the deadline.
    bool awaiting_ticket_ = false;
    std::chrono::steady_clock::time_point ticket_deadline_;
    std::vector<std::shared_ptr<asio::steady_timer>> ticket_waiters_;
    std::size_t deferred_warm_up_ = 0;  // connections a warm-up requested before that
    std::atomic<std::uint64_t> next_connection_id_{1};
};

void transport::impl::configure_tls()
{
    SSL_CTX_set_min_proto_version(context_.native_handle(), TLS1_2_VERSION);

    // Session resumption: the transport keeps the latest session the server
    // issued and offers it on every new connection, whose handshake then
    // skips the certificate and its verification. Every connection of a
    // transport goes to the same server name with the same credentials, so
    // one session for several connections (which RFC 8446 discourages
    // because it links them) reveals nothing new. OpenSSL's internal cache
    // is for servers; only the callback stores.
    SSL_CTX_set_session_cache_mode(context_.native_handle(),
                                   SSL_SESS_CACHE_CLIENT | SSL_SESS_CACHE_NO_INTERNAL_STORE);
    SSL_CTX_set_ex_data(context_.native_handle(), transport_data_index(), this);
    SSL_CTX_sess_set_new_cb(context_.native_handle(), &impl::on_new_session);
    context_.set_verify_mode(ssl::verify_peer);

    error_code ec;
    if (settings_.tls.ca_file.empty()) {
        context_.set_default_verify_paths(ec);
        if (ec) {
            detail::throw_invalid_argument("cannot load the system trust store: " + ec.message() +
                                    "; install ca-certificates or set tls_options::ca_file");
        }
        return;
    }
    context_.load_verify_file(settings_.tls.ca_file, ec);
    if (ec) {
        detail::throw_invalid_argument("cannot load CA file '" + settings_.tls.ca_file +
                                                        "': " + ec.message() + "; check the path and that it "
                                                                               "holds PEM certificates");
    }
}

transport::impl::~impl()
{
    for (const auto& conn : idle_)
        on_closed(*conn, "client destroyed");
}

void transport::impl::warn_if_unrequested(const connection& conn, const tls_stream::late_input& input) const
{
    if (input.what != tls_stream::late_input::kind::data || !log_.enabled(log_level::warning))
        return;
    log_.write_repeating(log_level::warning, "unrequested data",
                         "connection " + std::to_string(conn.id) + " to " + settings_.endpoint.url() + ": " +
                             input.description +
                             "; the connection serves no more requests, and a new one is opened when needed");
}

void transport::impl::on_closed(const connection& conn, std::string_view reason)
{
    counters.connections_closed.fetch_add(1, std::memory_order_relaxed);
    if (log_.enabled(log_level::debug)) {
        log_.write_repeating(log_level::debug, "connection closed",
                             "connection " + std::to_string(conn.id) + " closed after " +
                                 std::to_string(conn.exchanges) + " requests: " + std::string(reason));
    }
}

int transport::impl::on_new_session(SSL* ssl, SSL_SESSION* session)
{
    // The session is kept in its DER encoding, and every connection decodes
    // an object of its own from it. Under ThreadSanitizer, connections on
    // different threads showed data races both with SSL_SESSION_dup copies,
    // which share the server's certificate object, and with one shared
    // session object, which OpenSSL copies and frees when a ticket arrives.
    // The likely cause is that ThreadSanitizer does not see OpenSSL's atomic
    // reference counts. Leaving the certificate out makes a decode cheap.
    if (SSL_SESSION_is_resumable(session) != 1)
        return 0;
    auto* self = static_cast<impl*>(SSL_CTX_get_ex_data(SSL_get_SSL_CTX(ssl), transport_data_index()));
    if (!self)
        return 0;
    std::vector<unsigned char> encoded = resumable_encoding(session);
    if (encoded.empty())
        return 0;
    {
        std::lock_guard lock(self->session_mutex_);
        self->session_ = std::move(encoded);
    }
    self->end_ticket_wait();  // only posts, so it is safe inside OpenSSL's read
    return 0;  // OpenSSL keeps and later frees `session`
}

void transport::impl::offer_session(SSL* ssl)
{
    std::vector<unsigned char> encoded;
    {
        std::lock_guard lock(session_mutex_);
        encoded = session_;
    }
    if (encoded.empty())
        return;
    const unsigned char* in = encoded.data();
    session_ptr decoded(d2i_SSL_SESSION(nullptr, &in, static_cast<long>(encoded.size())));
    if (decoded)
        SSL_set_session(ssl, decoded.get());  // takes a reference of its own
}

std::shared_ptr<connection> transport::impl::take_idle()
{
    for (;;) {
        std::shared_ptr<connection> conn;
        {
            std::lock_guard lock(mutex_);
            if (idle_.empty())
                break;
            conn = std::move(idle_.back());
            idle_.pop_back();
        }
        // Data that arrived while the connection was idle would be read as
        // the next response, and a close would fail the request. So such a
        // connection is dropped before a request is written, at the cost of
        // one system call per request. Bytes that arrive after this check
        // are left to the Content-Range check, and a close before any
        // response byte to sending again (`exchange_result::stale`).
        tls_stream::late_input arrived = conn->stream.input_after_last_read();
        if (arrived.what == tls_stream::late_input::kind::none)
            return conn;
        warn_if_unrequested(*conn, arrived);
        on_closed(*conn, arrived.description + " while it was idle");
    }
    // Else the connection a warm-up started first, which is likely the
    // first to be ready, and sooner than a new one. It is not checked,
    // because its warm-up may still run on its strand.
    std::lock_guard lock(mutex_);
    if (warming_.empty())
        return nullptr;
    auto conn = std::move(warming_.front());
    warming_.erase(warming_.begin());
    return conn;
}

void transport::impl::warm_up(std::size_t connections)
{
    std::lock_guard lock(mutex_);
    if (!opened_once_) {
        // Until one connection opens, the settings (CA, proxy credentials)
        // are unproven, so a warm-up would repeat a failed handshake or a
        // rejected proxy login. The first connection to open starts it.
        deferred_warm_up_ = std::max(deferred_warm_up_, connections);
        return;
    }
    std::size_t target = std::min(connections, settings_.max_idle_connections);
    for (std::size_t have = idle_.size() + warming_.size(); have < target; ++have) {
        auto conn = std::make_shared<connection>(asio::make_strand(executor_), context_, next_connection_id_.fetch_add(1));
        conn->warming = true;
        conn->warmed.emplace(conn->stream.get_executor(), std::chrono::steady_clock::time_point::max());
        warming_.push_back(conn);
        asio::co_spawn(conn->stream.get_executor(), warm(shared_from_this(), conn), asio::detached);
    }
}

void transport::impl::on_first_open(connection& conn, std::chrono::steady_clock::duration handshake_time)
{
    std::size_t deferred = 0;
    {
        std::lock_guard lock(mutex_);
        if (opened_once_)
            return;
        opened_once_ = true;
        bool has_session = false;
        {
            std::lock_guard session_lock(session_mutex_);
            has_session = !session_.empty();
        }
        deferred = std::exchange(deferred_warm_up_, 0);
        // A TLS 1.3 server sends its session tickets after the handshake,
        // and the client reads them when it reads next. Connections opening
        // meanwhile would make full handshakes, which cost several times the
        // CPU of resumed ones on both sides, so they connect and then wait
        // for the ticket. It normally follows within a round trip, about as
        // long as their TCP connect. The deadline only matters for servers
        // that send no ticket (the first exchange ending also ends the wait),
        // so it leaves room for either side being descheduled for a while.
        if (SSL_version(conn.stream.native_handle()) == TLS1_3_VERSION && !has_session) {
            awaiting_ticket_ = true;
            conn.awaits_ticket = true;
            ticket_deadline_ = std::chrono::steady_clock::now() +
                               std::clamp<std::chrono::steady_clock::duration>(
                                   handshake_time, std::chrono::milliseconds(100), std::chrono::milliseconds(500));
        }
    }
    // The connection that just opened serves a request, so warm up the
    // others, before the requests that waited for it look for connections.
    if (deferred > 1)
        warm_up(deferred - 1);
    gate_.opened();
}

// Holds the handshake of `conn` while the transport awaits the first
// session ticket, at most until its deadline. Returns false when the wait
// was cancelled: by `hook`, or by cancel_warm_ups closing the socket.
asio::awaitable<bool> transport::impl::wait_for_session(connection& conn, const cancel_hook* hook)
{
    // A cancellation that came while the connect completed found no wait to
    // cancel; its flag or the closed socket shows it.
    if ((hook && hook->cancelled()) || !conn.stream.tcp().socket().is_open())
        co_return false;
    {
        std::lock_guard lock(mutex_);
        if (!awaiting_ticket_ || std::chrono::steady_clock::now() >= ticket_deadline_)
            co_return true;
        if (!conn.session_wait)
            conn.session_wait = std::make_shared<asio::steady_timer>(conn.stream.get_executor());
        // The cancellation that ends the wait is posted to this strand, so
        // it finds the wait below started.
        conn.session_wait->expires_at(ticket_deadline_);
        ticket_waiters_.push_back(conn.session_wait);
    }
    co_await conn.session_wait->async_wait(use_tuple);
    std::lock_guard lock(mutex_);
    co_return !awaiting_ticket_ || std::chrono::steady_clock::now() >= ticket_deadline_;
}

// Lets the handshakes that wait for the first session ticket go on: the
// ticket arrived, or the first exchange ended without one.
void transport::impl::end_ticket_wait()
{
    std::vector<std::shared_ptr<asio::steady_timer>> waiters;
    {
        std::lock_guard lock(mutex_);
        if (!awaiting_ticket_)
            return;
        awaiting_ticket_ = false;
        waiters.swap(ticket_waiters_);
    }
    for (auto& timer : waiters)
        asio::post(timer->get_executor(), [timer] { timer->cancel(); });
}

void transport::impl::cancel_warm_ups()
{
    std::vector<std::shared_ptr<connection>> warming;
    {
        std::lock_guard lock(mutex_);
        warming = warming_;  // each warm() removes its own when it ends
    }
    for (auto& conn : warming) {
        // Closed rather than cancelled, so that a step between two
        // operations fails too. A warm-up that already ended is left alone.
        asio::post(conn->stream.get_executor(), [conn] {
            if (!conn->warming)
                return;
            conn->stream.tcp().close();
            if (conn->session_wait)
                conn->session_wait->cancel();
        });
    }
}

asio::awaitable<void> transport::impl::warm(std::shared_ptr<impl> self, std::shared_ptr<connection> conn)
{
    http_response& outcome = conn->warm_failure;
    try {
        co_await self->open(*conn, nullptr, outcome);
    } catch (const boost::system::system_error& error) {
        set_failure(outcome, error.code(), "request failed: " + error.code().message());
    }
    conn->warming = false;
    conn->warmed->cancel();

    bool claimed = false;
    {
        std::lock_guard lock(self->mutex_);
        auto found = std::find(self->warming_.begin(), self->warming_.end(), conn);
        claimed = found == self->warming_.end();
        if (!claimed)
            self->warming_.erase(found);
    }
    if (outcome.ec && self->log_.enabled(log_level::debug)) {
        self->log_.write_repeating(log_level::debug, "warm-up failed",
                             "opening connection " + std::to_string(conn->id) + " ahead of requests failed: " +
                                 outcome.info.message);
    }
    if (!claimed && conn->open)
        self->give_back(std::move(conn));
}

// Waits until the warm-up opening `conn` ends. Returns whether the
// connection is open. If not, `response` contains the warm-up's failure, or
// a cancellation when the exchange's hook fired meanwhile.
asio::awaitable<bool> transport::impl::wait_for_warm_up(connection& conn, http_response& response)
{
    if (conn.warming)
        co_await conn.warmed->async_wait(use_tuple);
    if (conn.open)
        co_return true;
    if (conn.warming)
        set_failure(response, asio::error::operation_aborted, "request cancelled");
    else
        set_failure(response, conn.warm_failure.ec, conn.warm_failure.info.message);
    co_return false;
}

void transport::impl::give_back(std::shared_ptr<connection> conn)
{
    {
        std::lock_guard lock(mutex_);
        if (idle_.size() < settings_.max_idle_connections) {
            idle_.push_back(std::move(conn));
            return;
        }
    }
    on_closed(*conn, "idle pool is full");
}

asio::awaitable<http_response> transport::impl::send(const outgoing_request& request,
                                                      std::shared_ptr<cancel_hook> hook, rate_limiter* limiter)
{
    auto self = shared_from_this();
    for (;;) {
        http_response first_failure;
        auto turn = co_await gate_.enter(hook, first_failure);
        if (turn == first_connection_gate::turn::failed)
            co_return first_failure;
        if (turn == first_connection_gate::turn::cancelled) {
            set_failure(first_failure, asio::error::operation_aborted, "request cancelled");
            co_return first_failure;
        }
        std::shared_ptr<connection> conn = take_idle();
        bool reused = conn != nullptr;
        if (!conn) {
            auto id = next_connection_id_.fetch_add(1);
            conn = std::make_shared<connection>(asio::make_strand(executor_), context_, id);
        }

        // The exchange runs on the connection's strand, where its timers fire
        // too. It gets no cancellation slot: `hook` cancels it instead.
        auto strand = conn->stream.get_executor();
        std::shared_ptr<connection> used = conn;
        exchange_result result = co_await asio::co_spawn(
            strand, exchange(std::move(conn), request, hook, limiter),
            asio::bind_cancellation_slot(asio::cancellation_slot(), asio::use_awaitable));

        if (turn == first_connection_gate::turn::open_first && !used->open) {
            if (result.response.ec == asio::error::operation_aborted)
                gate_.abandoned();
            else
                gate_.failed(result.response);
        }
        if (result.reusable) {
            give_back(std::move(result.reusable));
        } else if (used->open) {
            on_closed(*used, result.stale && reused ? "closed by the server while idle"
                             : result.response.ec   ? result.response.info.message
                                                    : result.unusable);
        }
        if (result.stale && reused) {
            if (log_.enabled(log_level::debug))
                log_.write(log_level::debug, "reused connection was closed by the server; sending again on a "
                                             "new connection");
            continue;
        }
        co_return std::move(result.response);
    }
}

asio::awaitable<bool> transport::impl::connect(connection& conn, http_response& response)
{
    auto& socket = conn.stream.tcp();
    // Through a proxy, TCP goes to the proxy, and the proxy to the endpoint.
    const auto& endpoint = proxy_ ? proxy_->server.address : settings_.endpoint;
    const std::string peer = proxy_ ? "proxy " + proxy_->server.url() : endpoint.url();
    socket.expires_after(settings_.timeouts.connect);

    error_code ec;
    if (is_ip_literal(endpoint.host)) {
        tcp::endpoint target(asio::ip::make_address(endpoint.host), endpoint.port);
        std::tie(ec) = co_await socket.async_connect(target, use_tuple);
    } else {
        tcp::resolver resolver(conn.stream.get_executor());
        auto [resolve_ec, results] = co_await resolver.async_resolve(
            endpoint.host, std::to_string(endpoint.port), tcp::resolver::numeric_service, use_tuple);
        if (resolve_ec) {
            set_failure(response, resolve_ec, "cannot resolve host " + endpoint.host + ": " + resolve_ec.message());
            co_return false;
        }
        std::tie(ec, std::ignore) = co_await socket.async_connect(results, use_tuple);
    }

    if (ec == beast::error::timeout) {
        set_failure(response, errc::timeout,
                    "connecting to " + peer + " timed out after " + milliseconds_text(settings_.timeouts.connect));
        co_return false;
    }
    if (ec) {
        set_failure(response, ec, "cannot connect to " + peer + ": " + ec.message());
        co_return false;
    }
    if (proxy_)
        co_return co_await open_tunnel(socket, *proxy_, settings_.endpoint, settings_.timeouts.connect, response);
    co_return true;
}

asio::awaitable<bool> transport::impl::open(connection& conn, const cancel_hook* hook, http_response& response)
{
    auto started = std::chrono::steady_clock::now();
    if (!co_await connect(conn, response))
        co_return false;
    if (!co_await wait_for_session(conn, hook)) {
        set_failure(response, asio::error::operation_aborted, "request cancelled");
        co_return false;
    }

    // SNI carries host names only; an IP literal is verified but not sent.
    SSL* ssl = conn.stream.native_handle();
    bool named = !is_ip_literal(server_name_);
    if (named)
        SSL_set_tlsext_host_name(ssl, server_name_.c_str());
    int checked = named ? SSL_set1_host(ssl, server_name_.c_str())
                        : X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), server_name_.c_str());
    if (checked != 1) {
        set_failure(response, errc::invalid_argument,
                    "cannot check TLS certificates for host name " + server_name_ +
                        "; check the endpoint or tls_options::server_name");
        co_return false;
    }
    offer_session(ssl);  // see configure_tls

    auto ec = co_await conn.stream.handshake(std::chrono::steady_clock::now() + settings_.timeouts.handshake);
    if (ec == beast::error::timeout) {
        set_failure(response, errc::timeout,
                    "TLS handshake with " + server_name_ + " timed out after " +
                        milliseconds_text(settings_.timeouts.handshake));
        co_return false;
    }
    if (ec) {
        set_failure(response, ec, handshake_failure(conn, server_name_, ec));
        co_return false;
    }

    conn.open = true;
    counters.connections_opened.fetch_add(1, std::memory_order_relaxed);
    on_first_open(conn, std::chrono::steady_clock::now() - started);
    if (SSL_session_reused(conn.stream.native_handle()) == 1)
        counters.connections_resumed.fetch_add(1, std::memory_order_relaxed);
    if (log_.enabled(log_level::debug)) {
        std::string via = proxy_ ? " through proxy " + proxy_->server.url() : "";
        log_.write(log_level::debug, "connection " + std::to_string(conn.id) + " opened to " +
                                         settings_.endpoint.url() + via + " (" +
                                         SSL_get_version(conn.stream.native_handle()) + ")");
    }
    co_return true;
}

void transport::impl::read_response(response_parser& parser, std::string body, http_response& response)
{
    auto& message = parser.get();
    response.status = static_cast<int>(message.result_int());
    response.content_range = std::string(message[http::field::content_range]);
    response.request_id = std::string(message["X-Request-Id"]);
    response.retry_after = std::string(message[http::field::retry_after]);
    response.date = std::string(message[http::field::date]);
    response.subject_token = std::string(message["X-Subject-Token"]);
    response.body = std::move(body);
    counters.bytes_received.fetch_add(response.body.size(), std::memory_order_relaxed);
}

asio::awaitable<std::tuple<error_code, bool>> transport::impl::read_with_deadlines(
    connection& conn, response_reader& reader,
    std::chrono::steady_clock::time_point deadline, const cancel_hook* hook)
{
    // Each read may wait at most the idle timeout, and never past the
    // request's deadline. Returns whether the idle timeout was the one that expired.
    while (!reader.done()) {
        error_code arrived_ec = reader.read_arrived(conn.stream, conn.buffer);
        if (!arrived_ec)
            break;
        if (arrived_ec != asio::error::would_block)
            co_return std::tuple{arrived_ec, false};
        auto idle_end = std::chrono::steady_clock::now() + settings_.timeouts.idle;
        bool idle_first = idle_end < deadline;
        if (auto ec = co_await conn.stream.wait(idle_first ? idle_end : deadline))
            co_return std::tuple{ec, ec == beast::error::timeout && idle_first};
        // The hook's action cancels only a socket wait in progress. It finds
        // none when it runs while the wait above only yields to other
        // handlers, or after that wait ended but before this coroutine resumed.
        if (hook && hook->cancelled())
            co_return std::tuple{error_code(asio::error::operation_aborted), false};
    }
    co_return std::tuple{error_code{}, false};
}

// Takes a token from `limiter` once the connection is open, so that the
// handshake's time does not shift the request past later ones. Returns
// false, with `response` set, when the wait was cancelled.
asio::awaitable<bool> transport::impl::wait_for_turn(connection& conn, rate_limiter& limiter,
                                                     const cancel_hook* hook, http_response& response)
{
    if (!conn.turn_timer)
        conn.turn_timer.emplace(conn.stream.get_executor());
    // The hook's action runs on this strand, so it either ran before this
    // check or finds the wait below started.
    if (hook && hook->cancelled()) {
        set_failure(response, asio::error::operation_aborted, "request cancelled");
        co_return false;
    }
    if (auto ec = co_await limiter.acquire(*conn.turn_timer)) {
        set_failure(response, ec, "request cancelled while waiting for the rate limiter");
        co_return false;
    }
    co_return true;
}

asio::awaitable<exchange_result> transport::impl::exchange(std::shared_ptr<connection> conn,
                                                           const outgoing_request& request,
                                                           std::shared_ptr<cancel_hook> hook, rate_limiter* limiter)
{
    exchange_result result;
    http_response& response = result.response;
    bool reused = conn->open;

    std::uint64_t exchange_number = ++conn->exchanges;
    if (hook) {
        auto strand = conn->stream.get_executor();
        hook->arm([conn, strand, exchange_number] {
            asio::post(strand, [conn, exchange_number] {
                if (conn->exchanges != exchange_number)
                    return;
                conn->stream.cancel();
                if (conn->warmed)
                    conn->warmed->cancel();
                if (conn->turn_timer)
                    conn->turn_timer->cancel();
                if (conn->session_wait)
                    conn->session_wait->cancel();
            });
        });
        if (hook->cancelled()) {
            set_failure(response, asio::error::operation_aborted, "request cancelled");
            co_return result;
        }
    }
    // The end of the first connection's first exchange also ends the wait
    // for its session ticket: a server that sends one has sent it by then.
    struct end_on_exit {
        impl& self;
        cancel_hook* hook;
        connection& conn;
        ~end_on_exit()
        {
            if (hook)
                hook->disarm();
            if (std::exchange(conn.awaits_ticket, false))
                self.end_ticket_wait();
        }
    } end{*this, hook.get(), *conn};

    try {
        if (!conn->open && conn->warmed && !co_await wait_for_warm_up(*conn, response))
            co_return result;
        if (!conn->open && !co_await open(*conn, hook.get(), response))
            co_return result;
        if (limiter && !co_await wait_for_turn(*conn, *limiter, hook.get(), response))
            co_return result;
        // The hook's action cancels only an operation in progress, so a
        // cancellation that came between two of them is caught here, before
        // anything is written.
        if (hook && hook->cancelled()) {
            set_failure(response, asio::error::operation_aborted, "request cancelled");
            result.reusable = std::move(conn);
            co_return result;
        }

        http::request<http::string_body> message{http::verb::get, request.path, 11};
        message.method_string(request.method);
        if (!request.query.empty())
            message.target(request.path + "?" + request.query);
        message.set(http::field::host, request.host);
        for (const auto& [name, value] : request.headers)
            message.set(name, value);
        if (!request.body.empty()) {
            message.body() = request.body;
            message.prepare_payload();
        }
        message.keep_alive(true);

        std::string text = serialize(message);
        auto sent_at = std::chrono::steady_clock::now();
        auto deadline = sent_at + settings_.timeouts.request;
        counters.requests.fetch_add(1, std::memory_order_relaxed);

        response.sent = true;
        std::size_t written = 0;
        error_code write_ec = co_await conn->stream.write(text, deadline, written);
        counters.bytes_sent.fetch_add(written, std::memory_order_relaxed);
        response_reader reader(static_cast<std::uint32_t>(std::min<std::size_t>(settings_.max_header_bytes, UINT32_MAX)),
                               settings_.max_body_bytes, bodies.take());
        error_code read_ec = write_ec;
        bool idle_timeout = false;
        if (!write_ec) {
            conn->buffer.reserve(read_buffer_bytes);
            std::tie(read_ec, idle_timeout) = co_await read_with_deadlines(*conn, reader, deadline, hook.get());
            if (conn->buffer.size() == 0 && conn->buffer.capacity() > read_buffer_bytes)
                conn->buffer.shrink_to_fit();
        }

        response_parser& parser = reader.parser();
        if (read_ec) {
            // A keep-alive connection the server closed while it sat idle
            // fails before any byte of a response; the caller retries it.
            result.stale = reused && !reader.got_some() && read_ec != beast::error::timeout &&
                           read_ec != asio::error::operation_aborted;
            if (read_ec == beast::error::timeout && idle_timeout) {
                set_failure(response, errc::timeout,
                            "no response data for " + milliseconds_text(settings_.timeouts.idle) +
                                " (idle read timeout)");
            } else if (read_ec == beast::error::timeout) {
                set_failure(response, errc::timeout,
                            "request timed out after " + milliseconds_text(settings_.timeouts.request));
            } else if (read_ec == http::error::body_limit && beyond_any_string(parser, settings_.max_body_bytes)) {
                // Raising max_body_bytes cannot help here.
                set_failure(response, errc::response_too_large,
                            "response announces a body of " + std::to_string(*parser.content_length()) +
                                " bytes (Content-Length), more than one string can hold; check the server");
            } else if (read_ec == http::error::body_limit) {
                set_failure(response, errc::response_too_large,
                            "response body exceeds " + std::to_string(settings_.max_body_bytes) +
                                " bytes; raise client_options::max_body_bytes");
            } else if (read_ec == http::error::header_limit) {
                set_failure(response, errc::response_too_large,
                            "response header exceeds " + std::to_string(settings_.max_header_bytes) +
                                " bytes; raise client_options::max_header_bytes");
            } else {
                set_failure(response, read_ec, "request failed: " + read_ec.message());
            }
            co_return result;
        }

        read_response(parser, reader.take_body(), response);
        counters.latency.record(std::chrono::duration_cast<std::chrono::microseconds>(
            std::chrono::steady_clock::now() - sent_at));
        // Data after the response belongs to no request, and the next
        // response would be read from it. Here only bytes already received
        // are checked (in the read buffer or in OpenSSL), and take_idle
        // checks again before the connection is reused.
        tls_stream::late_input after;
        if (conn->buffer.size() != 0)
            after = {tls_stream::late_input::kind::data, "data that belongs to no request came with the response"};
        else if (SSL_has_pending(conn->stream.native_handle()) == 1)
            after = conn->stream.input_after_last_read();
        // Part of a record, such as a session ticket split between TCP
        // segments, is left to take_idle, by when the rest has arrived.
        if (after.what == tls_stream::late_input::kind::incomplete)
            after = {};
        warn_if_unrequested(*conn, after);
        result.unusable = std::move(after.description);
        if (!parser.get().keep_alive())
            result.unusable = "the server sent Connection: close";
        if (result.unusable.empty())
            result.reusable = std::move(conn);
    } catch (const boost::system::system_error& error) {
        set_failure(response, error.code(), "request failed: " + error.code().message());
    } catch (const std::bad_alloc&) {
        // The size comes from the server's Content-Length, which
        // client_options::max_body_bytes bounds.
        set_failure(response, errc::response_too_large,
                    "not enough memory for the response body; lower client_options::max_body_bytes (now " +
                        std::to_string(settings_.max_body_bytes) + ") to reject such responses at once");
    } catch (const std::length_error& error) {
        // Beast refuses a header field of 64 KiB or more while the request
        // is built; no byte was sent, and sending again cannot help.
        set_failure(response, errc::invalid_argument,
                    std::string("the request could not be built: a header field is too long (") + error.what() + ")");
    }
    co_return result;
}

transport::transport(asio::any_io_executor executor, transport_settings settings, const logger& log)
    : impl_(std::make_shared<impl>(std::move(executor), std::move(settings), log))
{
}

transport::~transport()
{
    impl_->cancel_warm_ups();
}

asio::awaitable<http_response> transport::send(const outgoing_request& request, std::shared_ptr<cancel_hook> hook,
                                               rate_limiter* limiter)
{
    return impl_->send(request, std::move(hook), limiter);
}

void transport::recycle_body(std::string body)
{
    // Larger bodies come from unusual pages, and are not worth keeping.
    constexpr std::size_t largest_kept = 4 * 1024 * 1024;
    if (body.capacity() <= largest_kept)
        impl_->bodies.give(std::move(body));
}

void transport::warm_up(std::size_t connections)
{
    impl_->warm_up(connections);
}

void transport::cancel_warm_ups()
{
    impl_->cancel_warm_ups();
}

void cancel_hook::cancel()
{
    std::function<void()> action;
    {
        std::lock_guard lock(mutex_);
        cancelled_ = true;
        action = action_;
    }
    if (action)
        action();
}

bool cancel_hook::cancelled() const
{
    std::lock_guard lock(mutex_);
    return cancelled_;
}

void cancel_hook::arm(std::function<void()> action)
{
    std::unique_lock lock(mutex_);
    if (cancelled_) {
        lock.unlock();
        action();
        return;
    }
    action_ = std::move(action);
}

void cancel_hook::disarm()
{
    std::lock_guard lock(mutex_);
    action_ = nullptr;
}

const transport_counters& transport::counters() const noexcept
{
    return impl_->counters;
}

}  // namespace swr::detail
