#include "client_impl.hpp"
#include "errors.hpp"
#include "scan_state.hpp"

#include <swr/client.hpp>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace swr {
namespace detail {
namespace {

swr::endpoint resolve_endpoint(const client_options& options)
{
    std::string url = options.endpoint;
    if (url.empty()) {
        if (options.region.empty())
            throw_invalid_argument("no endpoint: set client_options::endpoint (https://HOST[:PORT]) or client_options::region");
        url = region_endpoint_url(options.region);
        if (url.empty()) {
            throw_invalid_argument("unknown region '" + options.region +
                   "': use a region of the official SDKs' table (e.g. cn-north-4) or set an endpoint URL");
        }
    }
    swr::endpoint result;
    if (auto error = parse_endpoint(url, result); !error.empty())
        throw_invalid_argument(error);
    return result;
}

void check_retry_options(const client_options& options)
{
    if (options.retry.max_attempts < 1)
        throw_invalid_argument("invalid retry.max_attempts 0: use 1 (no retries) or more");
    if (options.backoff.initial.count() < 0 || options.backoff.max < options.backoff.initial) {
        throw_invalid_argument("invalid backoff: initial " + std::to_string(options.backoff.initial.count()) +
                               " ms and max " + std::to_string(options.backoff.max.count()) +
                               " ms must satisfy 0 <= initial <= max");
    }
    if (!(options.backoff.multiplier >= 1.0))
        throw_invalid_argument("invalid backoff.multiplier " + std::to_string(options.backoff.multiplier) +
                               ": use 1 or more");
    if (!(options.throttle.decrease_factor > 0.0 && options.throttle.decrease_factor <= 1.0)) {
        throw_invalid_argument("invalid throttle.decrease_factor " + std::to_string(options.throttle.decrease_factor) +
                               ": use a number in (0, 1]");
    }
    if (!(options.throttle.recovery_per_second >= 0.0)) {
        throw_invalid_argument("invalid throttle.recovery_per_second " +
                               std::to_string(options.throttle.recovery_per_second) + ": use 0 or more");
    }
    if (options.throttle.min_pause.count() < 0 || options.throttle.max_retry_after.count() < 0 ||
        options.throttle.jitter.count() < 0)
        throw_invalid_argument("invalid throttle durations: min_pause, max_retry_after and jitter must be 0 or more");
}

void check_options(const client_options& options)
{
    if (!options.credentials)
        throw_invalid_argument("no credentials: set client_options::credentials, e.g. make_token_credentials(token)");
    auto check_timeout = [](std::chrono::milliseconds value, const char* name) {
        if (value.count() <= 0)
            throw_invalid_argument(std::string("invalid ") + name + " " + std::to_string(value.count()) + " ms: it must be positive");
    };
    check_timeout(options.timeouts.connect, "timeouts.connect");
    check_timeout(options.timeouts.handshake, "timeouts.handshake");
    check_timeout(options.timeouts.request, "timeouts.request");
    check_timeout(options.timeouts.idle, "timeouts.idle");
    if (options.max_header_bytes < 1024)
        throw_invalid_argument("invalid max_header_bytes " + std::to_string(options.max_header_bytes) + ": use at least 1024");
    if (options.max_body_bytes < 1024)
        throw_invalid_argument("invalid max_body_bytes " + std::to_string(options.max_body_bytes) + ": use at least 1024");
    for (unsigned char c : options.user_agent) {
        if (c < 0x20 || c == 0x7f)
            throw_invalid_argument("invalid user_agent: it contains a control character");
    }
    check_retry_options(options);
}

}  // namespace

boost::asio::awaitable<page> fetch_page_or_throw(std::shared_ptr<client_impl> impl, shared_repositories_request request,
                                                 std::int64_t offset, std::int64_t limit)
{
    namespace asio = boost::asio;
    auto token = asio::as_tuple(asio::use_awaitable);
    error_info info;
    auto [ec, result] = co_await asio::async_initiate<decltype(token), fetch_page_signature>(
        [&](auto handler) { initiate_fetch_page(impl, std::move(handler), request, offset, limit, &info); }, token);
    if (ec)
        throw_error(ec, std::move(info));
    co_return std::move(result);
}

}  // namespace detail

client::client(executor_type executor, client_options options)
{
    detail::check_options(options);
    swr::endpoint endpoint = detail::resolve_endpoint(options);
    impl_ = std::make_shared<detail::client_impl>(std::move(executor), std::move(options), std::move(endpoint));
}

client::client(client&&) noexcept = default;
client& client::operator=(client&&) noexcept = default;
client::~client() = default;

client::executor_type client::get_executor() const noexcept
{
    return impl_->executor;
}

const swr::endpoint& client::endpoint() const noexcept
{
    return impl_->endpoint;
}

boost::asio::awaitable<page> client::fetch_page(shared_repositories_request request, std::int64_t offset,
                                                std::int64_t limit)
{
    // Not a coroutine itself: the returned awaitable owns a reference to the shared state,
    // so it may be awaited after this client was moved or destroyed.
    return detail::fetch_page_or_throw(impl_, std::move(request), offset, limit);
}

page_stream client::scan(const shared_repositories_request& request, scan_options options)
{
    return page_stream(detail::make_scan_state(impl_, request, std::move(options)));
}

client_stats client::stats() const
{
    const auto& counters = impl_->transport.counters();
    return {
        .requests = counters.requests.load(std::memory_order_relaxed),
        .connections_opened = counters.connections_opened.load(std::memory_order_relaxed),
        .connections_closed = counters.connections_closed.load(std::memory_order_relaxed),
        .bytes_sent = counters.bytes_sent.load(std::memory_order_relaxed),
        .bytes_received = counters.bytes_received.load(std::memory_order_relaxed),
        .retries = impl_->retries.load(std::memory_order_relaxed),
        .throttled = impl_->throttled.load(std::memory_order_relaxed),
        .throttle_pauses = impl_->throttle_pauses.load(std::memory_order_relaxed),
        .latency = counters.latency.snapshot(),
    };
}

}  // namespace swr
