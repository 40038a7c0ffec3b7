#include "retry_decision.hpp"

#include <swr/error.hpp>

#include <boost/asio/error.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/http/error.hpp>

#include <algorithm>
#include <cctype>
#include <cmath>

namespace swr::detail {
namespace {

namespace asio = boost::asio;
namespace http = boost::beast::http;

bool is_transient_network_error(boost::system::error_code ec) noexcept
{
    if (ec == asio::error::connection_reset || ec == asio::error::connection_aborted ||
        ec == asio::error::connection_refused || ec == asio::error::broken_pipe || ec == asio::error::eof ||
        ec == asio::error::timed_out || ec == asio::error::network_unreachable ||
        ec == asio::error::network_down || ec == asio::error::network_reset || ec == asio::error::host_unreachable ||
        ec == asio::error::try_again || ec == asio::error::not_connected)
        return true;
    // A TLS peer that closed without close_notify truncated the response.
    if (ec == asio::ssl::error::stream_truncated)
        return true;
    return ec == http::error::partial_message || ec == http::error::end_of_stream ||
           ec == boost::beast::error::timeout;
}

}  // namespace

bool is_quota_exhausted(std::string_view message) noexcept
{
    std::string lower(message);
    std::transform(lower.begin(), lower.end(), lower.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    if (lower.find("quota") != std::string::npos)
        return true;
    // The gateway states the window, e.g. "limit:200,time:1 second"; a
    // window of a day means the daily allowance is spent.
    auto time = lower.find("time:");
    return time != std::string::npos && lower.find("day", time) != std::string::npos;
}

failure_kind classify_failure(boost::system::error_code ec, int http_status, std::string_view service_code,
                              std::string_view message) noexcept
{
    if (ec == errc::throttled) {
        (void)service_code;
        return is_quota_exhausted(message) ? failure_kind::permanent : failure_kind::throttled;
    }
    if (ec == errc::timeout)
        return failure_kind::transient;
    if (ec == errc::server_error) {
        bool retryable_status = http_status == 500 || http_status == 502 || http_status == 503 || http_status == 504;
        return retryable_status ? failure_kind::transient : failure_kind::permanent;
    }
    // A proxy responds 502, 503 or 504 when it cannot reach the endpoint for
    // now. Other rejections (403, 407, ...) are its policy, which a retry
    // does not change.
    if (ec == errc::proxy_error) {
        bool retryable_status = http_status == 502 || http_status == 503 || http_status == 504;
        return retryable_status ? failure_kind::transient : failure_kind::permanent;
    }
    if (ec.category() == swr::category())
        return failure_kind::permanent;
    return is_transient_network_error(ec) ? failure_kind::transient : failure_kind::permanent;
}

std::chrono::milliseconds backoff_ceiling(const backoff_policy& backoff, std::size_t retry_number) noexcept
{
    double multiplier = std::max(1.0, backoff.multiplier);
    double ceiling = static_cast<double>(backoff.initial.count()) *
                     std::pow(multiplier, static_cast<double>(retry_number > 0 ? retry_number - 1 : 0));
    ceiling = std::min(ceiling, static_cast<double>(backoff.max.count()));
    return std::chrono::milliseconds(static_cast<std::int64_t>(ceiling));
}

retry_decision decide_retry(const retry_settings& settings, const failed_attempt& failure, double uniform,
                            retry_budget* budget)
{
    retry_decision decision;
    if (failure.kind == failure_kind::permanent) {
        decision.reason = "not retryable";
        return decision;
    }
    if (failure.attempt >= settings.retry.max_attempts) {
        decision.reason = "gave up after " + std::to_string(failure.attempt) + " attempts";
        return decision;
    }

    auto jittered = [&](std::chrono::milliseconds ceiling) {
        return std::chrono::milliseconds(static_cast<std::int64_t>(static_cast<double>(ceiling.count()) * uniform));
    };
    std::chrono::milliseconds delay = jittered(backoff_ceiling(settings.backoff, failure.attempt));

    if (failure.kind == failure_kind::throttled) {
        auto retry_after = parse_retry_after(failure.retry_after, failure.wall_now);
        if (retry_after)
            delay = std::min(*retry_after, settings.throttle.max_retry_after);
        else
            delay = std::max(delay, settings.throttle.min_pause);
        delay += jittered(settings.throttle.jitter);
    }

    if (failure.elapsed + delay > settings.retry.max_elapsed) {
        decision.reason = "the next attempt would start after the retry time limit of " +
                          std::to_string(settings.retry.max_elapsed.count()) + " ms";
        return decision;
    }
    if (budget && !budget->try_spend()) {
        decision.reason = "the client's retry budget is exhausted (too many recent failures)";
        return decision;
    }
    decision.retry = true;
    decision.delay = delay;
    return decision;
}

}  // namespace swr::detail
