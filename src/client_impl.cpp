#include "client_impl.hpp"
#include "page_parser.hpp"
#include "response.hpp"

#include <boost/asio/error.hpp>

namespace swr::detail {
namespace {

transport_settings make_transport_settings(const client_options& options, const swr::endpoint& endpoint)
{
    transport_settings settings;
    settings.endpoint = endpoint;
    settings.tls = options.tls;
    settings.timeouts = options.timeouts;
    settings.max_idle_connections = options.max_idle_connections;
    settings.max_header_bytes = options.max_header_bytes;
    settings.max_body_bytes = options.max_body_bytes;
    settings.proxy = options.proxy;
    return settings;
}

std::string describe(const fetch_outcome& outcome)
{
    std::string details = outcome.info.to_string();
    return outcome.ec.message() + (details.empty() ? "" : ": " + details);
}

std::string milliseconds_text(std::chrono::milliseconds value)
{
    return std::to_string(value.count()) + " ms";
}

auth_rejection make_rejection(const fetch_outcome& outcome)
{
    auth_rejection rejection;
    rejection.http_status = outcome.info.http_status;
    rejection.service_code = outcome.info.service_code;
    rejection.message = outcome.info.message;
    rejection.server_date = outcome.server_date;
    rejection.credentials_generation = outcome.credentials_generation;
    return rejection;
}

}  // namespace

std::int64_t fetch_outcome::record_count() const
{
    if (unparsed && page.content_range)
        return page.content_range->count;
    return static_cast<std::int64_t>(page.items.size());
}

std::optional<std::int64_t> fetch_outcome::total() const
{
    if (page.content_range)
        return page.content_range->total;
    if (!page.items.empty())
        return page.items.front().total_range;
    return std::nullopt;
}

void pause_gate::pause_until(std::chrono::steady_clock::time_point until)
{
    std::lock_guard lock(mutex_);
    until_ = std::max(until_, until);
}

std::chrono::steady_clock::time_point pause_gate::paused_until() const
{
    std::lock_guard lock(mutex_);
    return until_;
}

client_impl::client_impl(boost::asio::any_io_executor executor, client_options options, swr::endpoint endpoint)
    : executor(executor),
      options(std::move(options)),
      endpoint(std::move(endpoint)),
      log(this->options.log, this->options.time ? this->options.time : system_time_source()),
      transport(executor, make_transport_settings(this->options, this->endpoint), log),
      time(this->options.time ? this->options.time : system_time_source()),
      budget(this->options.retry_budget)
{
}

boost::asio::awaitable<boost::system::error_code> client_impl::wait_for_pause_end()
{
    // Loop because another request may extend the pause while this one waits.
    for (;;) {
        auto now = time->now();
        auto until = gate.paused_until();
        if (until <= now)
            break;
        if (auto ec = co_await time->sleep(until - now))
            co_return ec;
    }
    co_return boost::system::error_code{};
}

void client_impl::on_throttled(std::chrono::milliseconds pause, rate_limiter* limiter, const fetch_outcome& outcome)
{
    gate.pause_until(time->now() + pause);
    throttle_pauses.fetch_add(1, std::memory_order_relaxed);
    if (limiter)
        limiter->on_throttled(pause, options.throttle.decrease_factor, options.throttle.recovery_per_second);

    if (log.enabled(log_level::warning)) {
        std::string message = "throttling pause: " + describe(outcome) + "; pausing every request of the client for " +
                              milliseconds_text(pause);
        if (limiter)
            message += "; rate limit now " + std::to_string(limiter->rate()) + " requests/s";
        log.write_repeating(log_level::warning, "throttling", message);
    }
}

boost::asio::awaitable<fetch_outcome> client_impl::fetch(const shared_repositories_request& request,
                                                         std::int64_t offset, std::int64_t limit,
                                                         rate_limiter* limiter, std::shared_ptr<cancel_hook> hook,
                                                         body_parsing parsing)
{
    retry_settings settings{options.retry, options.backoff, options.throttle};
    auto started = time->now();
    bool throttled_once = false;
    bool credentials_renewed = false;

    // Attempts that sent the request. One that failed before, because the
    // credentials provider could not authorize it (e.g. no IAM token), is
    // not a request to SWR and is left out of the scan's counts.
    std::size_t sent_requests = 0;

    for (std::size_t attempt = 1;; ++attempt) {
        // The limiter's token is taken by the transport, once the connection is open.
        if (auto ec = co_await wait_for_pause_end()) {
            fetch_outcome cancelled;
            cancelled.ec = ec;
            cancelled.info.offset = offset;
            cancelled.info.message = "cancelled while waiting to send";
            cancelled.attempts = sent_requests;
            cancelled.renewals = credentials_renewed ? 1 : 0;
            co_return cancelled;
        }

        fetch_outcome outcome = co_await fetch_once(request, offset, limit, limiter, hook, parsing);
        sent_requests += outcome.sent ? 1 : 0;
        outcome.attempts = sent_requests;
        outcome.renewals = credentials_renewed ? 1 : 0;
        if (outcome.ec && hook && hook->cancelled()) {
            // The caller aborted the exchange: not a failure to retry or log.
            outcome.ec = boost::asio::error::operation_aborted;
            outcome.info.message = "request cancelled";
            co_return outcome;
        }
        if (!outcome.ec) {
            budget.on_success();
            options.credentials->on_accepted(outcome.credentials_generation);
            outcome.throttled = throttled_once;
            co_return outcome;
        }

        // Rejected credentials are sent again once if the provider renewed
        // them; this is not a retry of a transient failure.
        if (outcome.ec == errc::unauthorized && !credentials_renewed &&
            co_await renew_credentials(outcome)) {
            credentials_renewed = true;
            continue;
        }
        if (outcome.ec == errc::unauthorized) {
            // Final 401: let the provider explain it, e.g. with a measured clock skew.
            std::string note = options.credentials->describe_rejection(make_rejection(outcome));
            if (!note.empty())
                outcome.info.message += "; " + note;
        }

        if (outcome.ec == errc::throttled)
            throttled.fetch_add(1, std::memory_order_relaxed);

        failed_attempt failure;
        failure.kind = classify_failure(outcome.ec, outcome.info.http_status, outcome.info.service_code,
                                        outcome.info.message);
        failure.attempt = attempt;
        failure.elapsed = time->now() - started;
        failure.retry_after = outcome.retry_after;
        failure.wall_now = time->wall_now();
        retry_decision decision = decide_retry(settings, failure, time->uniform(), &budget);
        if (failure.kind == failure_kind::throttled)
            throttled_once = true;

        if (!decision.retry) {
            if (failure.kind != failure_kind::permanent)
                outcome.info.message += "; not retried: " + decision.reason;
            outcome.throttled = throttled_once;
            if (log.enabled(log_level::warning))
                log.write_repeating(log_level::warning, "request failure", "request failed: " + describe(outcome));
            co_return outcome;
        }

        if (failure.kind == failure_kind::throttled)
            on_throttled(decision.delay, limiter, outcome);
        if (outcome.sent)
            retries.fetch_add(1, std::memory_order_relaxed);
        if (log.enabled(log_level::warning)) {
            log.write_repeating(log_level::warning, "retry",
                                "attempt " + std::to_string(attempt) + " failed: " + describe(outcome) +
                                    "; retrying in " + milliseconds_text(decision.delay));
        }
        if (auto ec = co_await time->sleep(decision.delay)) {
            outcome.ec = ec;
            outcome.info.message = "cancelled while waiting to retry after: " + outcome.info.message;
            co_return outcome;
        }
    }
}

boost::asio::awaitable<bool> client_impl::renew_credentials(const fetch_outcome& outcome)
{
    auth_rejection rejection = make_rejection(outcome);
    bool renewed = false;
    try {
        renewed = co_await options.credentials->on_rejected(rejection);
    } catch (const swr::exception& error) {
        // The original 401 stays the reported error; the failed renewal is logged.
        if (log.enabled(log_level::warning))
            log.write(log_level::warning, std::string("renewing credentials failed: ") + error.what());
    }
    if (renewed && log.enabled(log_level::info)) {
        log.write(log_level::info, "credentials renewed after HTTP 401 at offset " +
                                       std::to_string(outcome.info.offset.value_or(-1)) + "; sending again");
    }
    co_return renewed;
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

boost::system::error_code parse_page_body(swr::page& result, const unparsed_body& body, error_info& info)
{
    std::string error = parse_repositories_into(body.text, result.items);
    if (!error.empty()) {
        info.http_status = body.http_status;
        info.message = "invalid response body: " + error;
        return errc::bad_response;
    }
    if (!result.content_range)
        return {};
    auto count = static_cast<std::int64_t>(result.items.size());
    if (result.content_range->offset != result.offset || result.content_range->count != count) {
        info.message = "Content-Range '" + body.content_range + "' does not match the response: " +
                       "requested offset " + std::to_string(result.offset) + ", body holds " +
                       std::to_string(count) + " records";
        return errc::bad_content_range;
    }
    return {};
}

void client_impl::read_page(http_response& response, fetch_outcome& outcome, body_parsing parsing) const
{
    page& result = outcome.page;
    result.request_id = response.request_id;
    result.body_bytes = response.body.size();
    unparsed_body body{std::move(response.body), std::move(response.content_range), response.status};
    if (!body.content_range.empty())
        result.content_range = parse_content_range(body.content_range);

    // Deferred only when Content-Range gives the planner a record count it
    // can trust; parse_page_body checks the count against the body later.
    if (parsing == body_parsing::when_delivered && result.content_range &&
        result.content_range->offset == result.offset) {
        outcome.unparsed = std::move(body);
        return;
    }
    // A bad body is reported before a malformed Content-Range.
    outcome.ec = parse_page_body(result, body, outcome.info);
    if (!outcome.ec && !body.content_range.empty() && !result.content_range) {
        outcome.ec = errc::bad_content_range;
        outcome.info.message =
            "Content-Range '" + body.content_range.substr(0, 100) + "' is not {offset}-{count}/{total}";
    }
}

boost::asio::awaitable<fetch_outcome> client_impl::fetch_once(const shared_repositories_request& request,
                                                              std::int64_t offset, std::int64_t limit,
                                                              rate_limiter* limiter,
                                                              const std::shared_ptr<cancel_hook>& hook,
                                                              body_parsing parsing)
{
    fetch_outcome outcome;
    outcome.info.offset = offset;
    outcome.page.offset = offset;
    outcome.page.limit = limit;

    outgoing_request message;
    message.method = "GET";
    message.host = endpoint.host_header();
    message.path = std::string(shared_repositories_path);
    message.query = build_query(request, limit, offset);
    message.set_header("Accept", "application/json");
    message.set_header("Content-Type", "application/json");
    message.set_header("User-Agent", options.user_agent);

    try {
        co_await options.credentials->authorize(message);
        outcome.credentials_generation = message.credentials_generation;
    } catch (const swr::exception& error) {
        outcome.ec = error.code();
        outcome.info = error.info();
        outcome.info.offset = offset;
        co_return outcome;
    }

    http_response response = co_await transport.send(message, hook, limiter);
    // An attempt counts unless it was cancelled before its request was
    // written, e.g. while it waited for a connection.
    outcome.sent = response.sent || response.ec != boost::asio::error::operation_aborted;
    outcome.info.request_id = response.request_id;
    outcome.retry_after = std::move(response.retry_after);
    outcome.server_date = std::move(response.date);
    if (response.ec) {
        outcome.ec = response.ec;
        outcome.info.http_status = response.info.http_status;  // a proxy's status, or 0
        outcome.info.message = std::move(response.info.message);
    } else if (response.status < 200 || response.status >= 300) {
        read_error_response(response, outcome);
    } else {
        read_page(response, outcome, parsing);
    }

    if (!outcome.ec && log.enabled(log_level::debug)) {
        log.write(log_level::debug, "GET offset " + std::to_string(offset) + " limit " + std::to_string(limit) +
                                        ": HTTP " + std::to_string(response.status) + ", " +
                                        std::to_string(outcome.record_count()) + " items (request id " +
                                        outcome.page.request_id + ")");
    }
    co_return outcome;
}

}  // namespace swr::detail
