#include "client_impl.hpp"
#include "errors.hpp"
#include "response.hpp"
#include "scan_state.hpp"

#include <swr/client.hpp>

namespace swr {
namespace detail {
namespace {

void reject(std::string message)
{
    throw_invalid_argument(std::move(message));
}

swr::endpoint resolve_endpoint(const client_options& options)
{
    std::string url = options.endpoint;
    if (url.empty()) {
        if (options.region.empty())
            reject("no endpoint: set client_options::endpoint (https://HOST[:PORT]) or client_options::region");
        url = region_endpoint_url(options.region);
        if (url.empty()) {
            reject("unknown region '" + options.region +
                   "': use a region of the official SDKs' table (e.g. cn-north-4) or set an endpoint URL");
        }
    }
    swr::endpoint result;
    if (auto error = parse_endpoint(url, result); !error.empty())
        reject(error);
    return result;
}

void check_options(const client_options& options)
{
    if (!options.credentials)
        reject("no credentials: set client_options::credentials, e.g. make_token_credentials(token)");
    auto check_timeout = [](std::chrono::milliseconds value, const char* name) {
        if (value.count() <= 0)
            reject(std::string("invalid ") + name + " " + std::to_string(value.count()) + " ms: it must be positive");
    };
    check_timeout(options.timeouts.connect, "timeouts.connect");
    check_timeout(options.timeouts.handshake, "timeouts.handshake");
    check_timeout(options.timeouts.request, "timeouts.request");
    if (options.max_header_bytes < 1024)
        reject("invalid max_header_bytes " + std::to_string(options.max_header_bytes) + ": use at least 1024");
    if (options.max_body_bytes < 1024)
        reject("invalid max_body_bytes " + std::to_string(options.max_body_bytes) + ": use at least 1024");
    for (unsigned char c : options.user_agent) {
        if (c < 0x20 || c == 0x7f)
            reject("invalid user_agent: it contains a control character");
    }
}

transport_settings make_transport_settings(const client_options& options, const swr::endpoint& endpoint)
{
    return {
        .endpoint = endpoint,
        .tls = options.tls,
        .timeouts = options.timeouts,
        .max_idle_connections = options.max_idle_connections,
        .max_header_bytes = options.max_header_bytes,
        .max_body_bytes = options.max_body_bytes,
    };
}

std::string describe(const fetch_outcome& outcome)
{
    return outcome.ec.message() + (outcome.info.to_string().empty() ? "" : ": " + outcome.info.to_string());
}

}  // namespace

std::optional<std::int64_t> fetch_outcome::total() const
{
    if (page.content_range)
        return page.content_range->total;
    if (!page.items.empty())
        return page.items.front().total_range;
    return std::nullopt;
}

client_impl::client_impl(boost::asio::any_io_executor executor, client_options options, swr::endpoint endpoint)
    : executor(executor),
      options(std::move(options)),
      endpoint(std::move(endpoint)),
      log(this->options.log),
      transport(executor, make_transport_settings(this->options, this->endpoint), log)
{
}

void client_impl::read_error_response(const http_response& response, fetch_outcome& outcome) const
{
    error_body body = parse_error_body(response.body);
    outcome.ec = classify_status(response.status, body.code);
    outcome.info.http_status = response.status;
    outcome.info.service_code = std::move(body.code);
    outcome.info.message = std::move(body.message);
    if (outcome.info.request_id.empty())
        outcome.info.request_id = std::move(body.request_id);
}

void client_impl::read_page(http_response& response, fetch_outcome& outcome) const
{
    page& result = outcome.page;
    result.request_id = response.request_id;
    result.body_bytes = response.body.size();

    parsed_page parsed = parse_repositories(response.body);
    if (!parsed.error.empty()) {
        outcome.ec = errc::bad_response;
        outcome.info.http_status = response.status;
        outcome.info.message = "invalid response body: " + parsed.error;
        return;
    }
    result.items = std::move(parsed.items);

    if (response.content_range.empty())
        return;
    result.content_range = parse_content_range(response.content_range);
    if (!result.content_range) {
        outcome.ec = errc::bad_content_range;
        outcome.info.message =
            "Content-Range '" + response.content_range.substr(0, 100) + "' is not {offset}-{count}/{total}";
        return;
    }
    const content_range& range = *result.content_range;
    auto count = static_cast<std::int64_t>(result.items.size());
    if (range.offset != result.offset || range.count != count) {
        outcome.ec = errc::bad_content_range;
        outcome.info.message = "Content-Range '" + response.content_range + "' does not match the response: " +
                               "requested offset " + std::to_string(result.offset) + ", body holds " +
                               std::to_string(count) + " records";
    }
}

boost::asio::awaitable<fetch_outcome> client_impl::fetch(const shared_repositories_request& request,
                                                         std::int64_t offset, std::int64_t limit)
{
    fetch_outcome outcome;
    outcome.info.offset = offset;
    outcome.page.offset = offset;
    outcome.page.limit = limit;

    outgoing_request message{
        .method = "GET",
        .host = endpoint.host_header(),
        .path = std::string(shared_repositories_path),
        .query = build_query(request, limit, offset),
        .body = {},
        .headers = {},
    };
    message.set_header("Accept", "application/json");
    message.set_header("Content-Type", "application/json");
    message.set_header("User-Agent", options.user_agent);

    try {
        co_await options.credentials->authorize(message);
    } catch (const swr::exception& error) {
        outcome.ec = error.code();
        outcome.info = error.info();
        outcome.info.offset = offset;
        co_return outcome;
    }

    http_response response = co_await transport.send(message);
    outcome.info.request_id = response.request_id;
    if (response.ec) {
        outcome.ec = response.ec;
        outcome.info.message = std::move(response.info.message);
    } else if (response.status < 200 || response.status >= 300) {
        read_error_response(response, outcome);
    } else {
        read_page(response, outcome);
    }

    if (outcome.ec && log.enabled(log_level::warning))
        log.write(log_level::warning, "request failed: " + describe(outcome));
    else if (!outcome.ec && log.enabled(log_level::debug)) {
        log.write(log_level::debug, "GET offset " + std::to_string(offset) + " limit " + std::to_string(limit) +
                                        ": HTTP " + std::to_string(response.status) + ", " +
                                        std::to_string(outcome.page.items.size()) + " items (request id " +
                                        outcome.page.request_id + ")");
    }
    co_return outcome;
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

boost::asio::awaitable<page> client::fetch_page(const shared_repositories_request& request, std::int64_t offset,
                                                std::int64_t limit)
{
    if (auto error = validate(request); !error.empty())
        detail::throw_invalid_argument(error);
    // The upper bound is the server's to enforce (it answers 400), so that a
    // caller can probe a server whose maximum differs from the documented one.
    if (limit < min_page_size)
        detail::throw_invalid_argument("invalid limit " + std::to_string(limit) + ": use 1 or more records per page");
    if (offset < 0)
        detail::throw_invalid_argument("invalid offset " + std::to_string(offset) + ": use 0 or more");

    auto impl = impl_;
    detail::fetch_outcome outcome = co_await impl->fetch(request, offset, limit);
    if (outcome.ec)
        throw_error(outcome.ec, std::move(outcome.info));
    co_return std::move(outcome.page);
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
        .bytes_received = counters.bytes_received.load(std::memory_order_relaxed),
    };
}

}  // namespace swr
