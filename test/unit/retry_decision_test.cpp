// Unit tests for the private retry decisions in src/retry_decision.hpp: how a
// failed attempt is classified, the backoff ceiling, and whether and after
// how long a request is sent again.
//
// Unless a test sets its own, the settings are the documented defaults:
// 5 attempts, 2 minutes in all, backoff from 200 ms doubling up to 30 s, and
// on throttling a 2 s minimum pause, Retry-After capped at 60 s and up to
// 250 ms of extra jitter. The random draws are chosen so that every expected
// delay is a whole number of milliseconds.

#define BOOST_TEST_MODULE retry_decision
#include <boost/test/unit_test.hpp>

#include "retry_decision.hpp"

#include <swr/error.hpp>
#include <swr/retry.hpp>

#include <boost/asio/error.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/system/error_code.hpp>

#include <openssl/err.h>
#include <openssl/ssl.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <memory>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

namespace {

std::string_view kind_name(swr::detail::failure_kind kind)
{
    switch (kind) {
    case swr::detail::failure_kind::permanent:
        return "permanent";
    case swr::detail::failure_kind::transient:
        return "transient";
    case swr::detail::failure_kind::throttled:
        return "throttled";
    }
    return "unknown failure_kind";
}

}  // namespace

namespace swr::detail {

// Lets BOOST_TEST print a failure kind when a comparison fails.
std::ostream& boost_test_print_type(std::ostream& out, failure_kind kind)
{
    return out << kind_name(kind);
}

}  // namespace swr::detail

namespace {

namespace asio = boost::asio;
namespace http = boost::beast::http;

using namespace std::chrono_literals;
using boost::system::error_code;
using swr::detail::failed_attempt;
using swr::detail::failure_kind;
using swr::detail::retry_settings;

failure_kind classify(error_code ec, int http_status = 0, std::string_view service_code = {},
                      std::string_view message = {})
{
    return swr::detail::classify_failure(ec, http_status, service_code, message);
}

// Returns the error that Asio reports when OpenSSL rejects the server's
// certificate during the handshake.
error_code certificate_verify_failed()
{
    const auto value = ERR_PACK(ERR_LIB_SSL, 0, SSL_R_CERTIFICATE_VERIFY_FAILED);
    return {static_cast<int>(value), asio::error::get_ssl_category()};
}

std::int64_t ceiling_ms(const swr::backoff_policy& backoff, std::size_t retry_number)
{
    return swr::detail::backoff_ceiling(backoff, retry_number).count();
}

swr::retry_budget make_budget(double capacity)
{
    return swr::retry_budget(swr::retry_budget_options{.capacity = capacity, .refund_per_success = 0.25});
}

failed_attempt transient_failure(std::size_t attempt)
{
    failed_attempt failure;
    failure.kind = failure_kind::transient;
    failure.attempt = attempt;
    return failure;
}

failed_attempt throttled_failure(std::size_t attempt, std::string_view retry_after = {})
{
    failed_attempt failure;
    failure.kind = failure_kind::throttled;
    failure.attempt = attempt;
    failure.retry_after = retry_after;
    return failure;
}

// Returns the delay in milliseconds that the default settings choose for a
// throttled first attempt with `retry_after`.
std::int64_t throttled_delay_ms(std::string_view retry_after, double uniform)
{
    const auto decision = swr::detail::decide_retry(retry_settings{}, throttled_failure(1, retry_after), uniform,
                                                    nullptr);
    return decision.delay.count();
}

const double half_draw = 0.5;

// Budget states for the exhaustive reason check.
enum class budget_state {
    none,       ///< No budget passed.
    disabled,   ///< Capacity 0.
    full,       ///< Capacity 20, untouched.
    exhausted,  ///< Capacity 2 after its only retry.
};

std::unique_ptr<swr::retry_budget> make_budget_in(budget_state state)
{
    switch (state) {
    case budget_state::none:
        return nullptr;
    case budget_state::disabled:
        return std::make_unique<swr::retry_budget>(swr::retry_budget_options{.capacity = 0});
    case budget_state::full:
        return std::make_unique<swr::retry_budget>(swr::retry_budget_options{.capacity = 20});
    case budget_state::exhausted:
        break;
    }
    auto budget = std::make_unique<swr::retry_budget>(swr::retry_budget_options{.capacity = 2});
    budget->try_spend();
    return budget;
}

// Builds failed attempts of every kind, on both sides of the attempt and
// time limits, with usable, unusable and over-long Retry-After values.
std::vector<failed_attempt> sample_failures()
{
    const std::vector<failure_kind> kinds = {failure_kind::permanent, failure_kind::transient,
                                             failure_kind::throttled};
    const std::vector<std::chrono::nanoseconds> elapsed_times = {0s, 100s, 119s, 130s};
    const std::vector<std::string_view> retry_after_values = {"", "5", "soon", "-1", "999"};

    std::vector<failed_attempt> failures;
    for (auto kind : kinds) {
        for (std::size_t attempt = 1; attempt <= 6; ++attempt) {
            for (auto elapsed : elapsed_times) {
                for (auto retry_after : retry_after_values) {
                    failed_attempt failure;
                    failure.kind = kind;
                    failure.attempt = attempt;
                    failure.elapsed = elapsed;
                    failure.retry_after = retry_after;
                    failures.push_back(failure);
                }
            }
        }
    }
    return failures;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(classify_failure)

BOOST_AUTO_TEST_CASE(network_errors_transient)
{
    const std::vector<error_code> errors = {
        asio::error::connection_reset,
        asio::error::eof,
        asio::error::broken_pipe,
        asio::error::connection_refused,
        asio::error::timed_out,
        asio::error::connection_aborted,
    };

    for (const auto& ec : errors) {
        BOOST_TEST_CONTEXT(ec.message())
        {
            BOOST_TEST(classify(ec) == failure_kind::transient);
        }
    }
}

BOOST_AUTO_TEST_CASE(tls_truncation_transient)
{
    const error_code ec = asio::ssl::error::stream_truncated;

    BOOST_TEST(classify(ec) == failure_kind::transient);
}

BOOST_AUTO_TEST_CASE(http_partial_message_transient)
{
    const error_code ec = http::error::partial_message;

    BOOST_TEST(classify(ec) == failure_kind::transient);
}

BOOST_AUTO_TEST_CASE(http_end_of_stream_transient)
{
    const error_code ec = http::error::end_of_stream;

    BOOST_TEST(classify(ec) == failure_kind::transient);
}

BOOST_AUTO_TEST_CASE(timeouts_transient)
{
    const error_code library_timeout = swr::errc::timeout;
    const error_code beast_timeout = boost::beast::error::timeout;

    BOOST_TEST(classify(library_timeout) == failure_kind::transient);
    BOOST_TEST(classify(beast_timeout) == failure_kind::transient);
}

BOOST_AUTO_TEST_CASE(retryable_server_errors_transient)
{
    const error_code ec = swr::errc::server_error;

    BOOST_TEST(classify(ec, 500, "SVCSTG.SWR.5000008", "Failed to list shared repositories") ==
               failure_kind::transient);
    BOOST_TEST(classify(ec, 502, "APIG.0202", "Backend unavailable") == failure_kind::transient);
    BOOST_TEST(classify(ec, 503) == failure_kind::transient);
    BOOST_TEST(classify(ec, 504, "APIG.0203", "Backend timeout") == failure_kind::transient);
}

BOOST_AUTO_TEST_CASE(unsupported_server_errors_permanent)
{
    const error_code ec = swr::errc::server_error;

    BOOST_TEST(classify(ec, 501) == failure_kind::permanent);
    BOOST_TEST(classify(ec, 505) == failure_kind::permanent);
}

BOOST_AUTO_TEST_CASE(gateway_rate_limit_throttled)
{
    const error_code ec = swr::errc::throttled;

    BOOST_TEST(classify(ec, 429, "APIG.0308", "policy user over ratelimit,limit:200,time:1 second") ==
               failure_kind::throttled);
    BOOST_TEST(classify(ec, 429, "APIG.0308", "policy ip over ratelimit,limit:1000,time:1 minute") ==
               failure_kind::throttled);
    BOOST_TEST(classify(ec, 429, "APIG.0308", "") == failure_kind::throttled);
}

BOOST_AUTO_TEST_CASE(swr_too_many_requests_throttled)
{
    const error_code ec = swr::errc::throttled;

    BOOST_TEST(classify(ec, 403, "SVCSTG.SWR.4031032", "Too many requests") == failure_kind::throttled);
    BOOST_TEST(classify(ec, 403, "SVCSTG.SWR.4031042", "Too many requests") == failure_kind::throttled);
}

BOOST_AUTO_TEST_CASE(daily_quota_permanent)
{
    const error_code ec = swr::errc::throttled;

    BOOST_TEST(classify(ec, 429, "APIG.0308", "policy user over ratelimit,limit:1000,time:1 day") ==
               failure_kind::permanent);
}

BOOST_AUTO_TEST_CASE(quota_message_permanent)
{
    const error_code ec = swr::errc::throttled;

    BOOST_TEST(classify(ec, 429, "APIG.0308", "the request quota of the account is used up") ==
               failure_kind::permanent);
}

BOOST_AUTO_TEST_CASE(client_errors_permanent)
{
    const error_code bad_request = swr::errc::bad_request;
    const error_code not_found = swr::errc::not_found;

    BOOST_TEST(classify(bad_request, 400, "SVCSTG.SWR.4000014", "Invalid parameters") == failure_kind::permanent);
    BOOST_TEST(classify(not_found, 404) == failure_kind::permanent);
}

BOOST_AUTO_TEST_CASE(signature_failure_permanent)
{
    // More than 5 consecutive AK/SK signature failures lock the key for 5
    // minutes, so a signature failure must not be retried.
    const error_code ec = swr::errc::unauthorized;

    BOOST_TEST(classify(ec, 401, "APIG.0301", "Incorrect IAM authentication information: verify aksk signature fail") ==
               failure_kind::permanent);
    BOOST_TEST(classify(ec, 401, "APIG.0301", "Incorrect IAM authentication information: token expires") ==
               failure_kind::permanent);
}

BOOST_AUTO_TEST_CASE(forbidden_permanent)
{
    const error_code ec = swr::errc::forbidden;

    BOOST_TEST(classify(ec, 403, "SVCSTG.SWR.4030170", "No permission") == failure_kind::permanent);
}

BOOST_AUTO_TEST_CASE(response_errors_permanent)
{
    const error_code too_large = swr::errc::response_too_large;
    const error_code bad_response = swr::errc::bad_response;

    BOOST_TEST(classify(too_large, 200) == failure_kind::permanent);
    BOOST_TEST(classify(bad_response, 200) == failure_kind::permanent);
}

BOOST_AUTO_TEST_CASE(invalid_argument_permanent)
{
    const error_code ec = swr::errc::invalid_argument;

    BOOST_TEST(classify(ec) == failure_kind::permanent);
}

BOOST_AUTO_TEST_CASE(cancellation_permanent)
{
    const error_code aborted = asio::error::operation_aborted;
    const error_code cancelled = swr::errc::cancelled;

    BOOST_TEST(classify(aborted) == failure_kind::permanent);
    BOOST_TEST(classify(cancelled) == failure_kind::permanent);
}

BOOST_AUTO_TEST_CASE(certificate_failure_permanent)
{
    BOOST_TEST(classify(certificate_verify_failed()) == failure_kind::permanent);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(backoff_ceiling)

BOOST_AUTO_TEST_CASE(default_policy_doubles_to_cap)
{
    const swr::backoff_policy backoff;
    const std::vector<std::int64_t> expected = {200, 400, 800, 1600, 3200, 6400, 12800, 25600, 30000, 30000};

    for (std::size_t retry = 1; retry <= expected.size(); ++retry) {
        BOOST_TEST_CONTEXT("retry " << retry)
        {
            BOOST_TEST(ceiling_ms(backoff, retry) == expected[retry - 1]);
        }
    }
}

BOOST_AUTO_TEST_CASE(multiplier_three)
{
    const swr::backoff_policy backoff{.initial = 100ms, .multiplier = 3, .max = 10s};
    const std::vector<std::int64_t> expected = {100, 300, 900, 2700, 8100, 10000};

    for (std::size_t retry = 1; retry <= expected.size(); ++retry) {
        BOOST_TEST_CONTEXT("retry " << retry)
        {
            BOOST_TEST(ceiling_ms(backoff, retry) == expected[retry - 1]);
        }
    }
}

BOOST_AUTO_TEST_CASE(multiplier_one_constant)
{
    const swr::backoff_policy backoff{.initial = 500ms, .multiplier = 1, .max = 30s};

    for (std::size_t retry = 1; retry <= 10; ++retry) {
        BOOST_TEST_CONTEXT("retry " << retry)
        {
            BOOST_TEST(ceiling_ms(backoff, retry) == 500);
        }
    }
}

BOOST_AUTO_TEST_CASE(initial_above_max_capped)
{
    const swr::backoff_policy backoff{.initial = 45s, .multiplier = 2, .max = 30s};

    BOOST_TEST(ceiling_ms(backoff, 1) == 30000);
}

BOOST_AUTO_TEST_CASE(many_retries_stay_at_cap)
{
    const swr::backoff_policy backoff;

    BOOST_TEST(ceiling_ms(backoff, 64) == 30000);
    BOOST_TEST(ceiling_ms(backoff, 1000) == 30000);
    BOOST_TEST(ceiling_ms(backoff, 100000) == 30000);
    BOOST_TEST(ceiling_ms(backoff, std::numeric_limits<std::size_t>::max()) == 30000);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(decide_retry)

BOOST_AUTO_TEST_CASE(permanent_not_retried)
{
    failed_attempt failure;
    failure.kind = failure_kind::permanent;
    auto budget = make_budget(20);

    const auto decision = swr::detail::decide_retry(retry_settings{}, failure, half_draw, &budget);

    BOOST_TEST(!decision.retry);
    BOOST_TEST(!decision.reason.empty());
    BOOST_TEST(budget.balance() == 20);
}

BOOST_AUTO_TEST_CASE(transient_zero_draw)
{
    const auto decision = swr::detail::decide_retry(retry_settings{}, transient_failure(1), 0.0, nullptr);

    BOOST_TEST(decision.retry);
    BOOST_TEST(decision.delay.count() == 0);
    BOOST_TEST(decision.reason.empty());
}

BOOST_AUTO_TEST_CASE(transient_half_draw)
{
    const auto decision = swr::detail::decide_retry(retry_settings{}, transient_failure(1), half_draw, nullptr);

    BOOST_TEST(decision.retry);
    BOOST_TEST(decision.delay.count() == 100);
    BOOST_TEST(decision.reason.empty());
}

BOOST_AUTO_TEST_CASE(transient_delay_grows)
{
    // Ceilings 800 ms before retry 3 and 1600 ms before retry 4.
    const auto third = swr::detail::decide_retry(retry_settings{}, transient_failure(3), half_draw, nullptr);
    const auto fourth = swr::detail::decide_retry(retry_settings{}, transient_failure(4), half_draw, nullptr);

    BOOST_TEST(third.delay.count() == 400);
    BOOST_TEST(fourth.delay.count() == 800);
}

BOOST_AUTO_TEST_CASE(transient_draw_near_one)
{
    retry_settings settings;
    settings.backoff.initial = 1s;
    settings.retry.max_attempts = 10;

    const auto first = swr::detail::decide_retry(settings, transient_failure(1), 0.999, nullptr);
    const auto capped = swr::detail::decide_retry(settings, transient_failure(9), 0.999, nullptr);

    BOOST_TEST(first.delay.count() == 999);
    BOOST_TEST(capped.delay.count() == 29970);
}

BOOST_AUTO_TEST_CASE(transient_ignores_retry_after)
{
    // Retry-After and the minimum pause belong to throttling only.
    auto failure = transient_failure(1);
    failure.retry_after = "30";

    const auto decision = swr::detail::decide_retry(retry_settings{}, failure, half_draw, nullptr);

    BOOST_TEST(decision.delay.count() == 100);
}

BOOST_AUTO_TEST_CASE(last_attempt_not_retried)
{
    auto budget = make_budget(20);

    const auto decision = swr::detail::decide_retry(retry_settings{}, transient_failure(5), half_draw, &budget);

    BOOST_TEST(!decision.retry);
    BOOST_TEST(!decision.reason.empty());
    BOOST_TEST(budget.balance() == 20);
}

BOOST_AUTO_TEST_CASE(attempt_before_last_retried)
{
    const auto decision = swr::detail::decide_retry(retry_settings{}, transient_failure(4), half_draw, nullptr);

    BOOST_TEST(decision.retry);
}

BOOST_AUTO_TEST_CASE(single_attempt_disables)
{
    retry_settings settings;
    settings.retry.max_attempts = 1;

    const auto transient = swr::detail::decide_retry(settings, transient_failure(1), half_draw, nullptr);
    const auto throttled = swr::detail::decide_retry(settings, throttled_failure(1, "1"), half_draw, nullptr);

    BOOST_TEST(!transient.retry);
    BOOST_TEST(!transient.reason.empty());
    BOOST_TEST(!throttled.retry);
    BOOST_TEST(!throttled.reason.empty());
}

BOOST_AUTO_TEST_CASE(throttled_retry_after_seconds)
{
    BOOST_TEST(throttled_delay_ms("3", 0.0) == 3000);
    BOOST_TEST(throttled_delay_ms("3", half_draw) == 3125);
}

BOOST_AUTO_TEST_CASE(throttled_retry_after_overrides_backoff)
{
    // Neither the 800 ms backoff ceiling nor the 2 s minimum pause applies.
    const auto decision = swr::detail::decide_retry(retry_settings{}, throttled_failure(4, "1"), half_draw, nullptr);

    BOOST_TEST(decision.retry);
    BOOST_TEST(decision.delay.count() == 1125);
}

BOOST_AUTO_TEST_CASE(throttled_retry_after_zero)
{
    BOOST_TEST(throttled_delay_ms("0", half_draw) == 125);
}

BOOST_AUTO_TEST_CASE(throttled_retry_after_capped)
{
    BOOST_TEST(throttled_delay_ms("60", half_draw) == 60125);
    BOOST_TEST(throttled_delay_ms("120", half_draw) == 60125);
    BOOST_TEST(throttled_delay_ms("4294967296", half_draw) == 60125);
}

BOOST_AUTO_TEST_CASE(throttled_custom_cap_and_jitter)
{
    retry_settings settings;
    settings.throttle.max_retry_after = 10s;
    settings.throttle.jitter = 1s;

    const auto decision = swr::detail::decide_retry(settings, throttled_failure(1, "30"), 0.999, nullptr);

    BOOST_TEST(decision.delay.count() == 10999);
}

BOOST_AUTO_TEST_CASE(throttled_retry_after_date)
{
    auto failure = throttled_failure(1, "Fri, 01 Mar 2024 12:00:10 GMT");
    failure.wall_now = std::chrono::sys_days{std::chrono::year(2024) / 3 / 1} + 12h + 250ms;

    const auto decision = swr::detail::decide_retry(retry_settings{}, failure, half_draw, nullptr);

    BOOST_TEST(decision.retry);
    BOOST_TEST(decision.delay.count() == 9875);
}

BOOST_AUTO_TEST_CASE(throttled_retry_after_date_capped)
{
    auto failure = throttled_failure(1, "Fri, 01 Mar 2024 13:00:00 GMT");
    failure.wall_now = std::chrono::sys_days{std::chrono::year(2024) / 3 / 1} + 12h;

    const auto decision = swr::detail::decide_retry(retry_settings{}, failure, half_draw, nullptr);

    BOOST_TEST(decision.delay.count() == 60125);
}

BOOST_AUTO_TEST_CASE(throttled_retry_after_past_date)
{
    auto failure = throttled_failure(1, "Fri, 01 Mar 2024 11:59:00 GMT");
    failure.wall_now = std::chrono::sys_days{std::chrono::year(2024) / 3 / 1} + 12h;

    const auto decision = swr::detail::decide_retry(retry_settings{}, failure, half_draw, nullptr);

    BOOST_TEST(decision.delay.count() == 125);
}

BOOST_AUTO_TEST_CASE(throttled_without_retry_after)
{
    // The 100 ms backoff delay is shorter than the 2 s minimum pause.
    BOOST_TEST(throttled_delay_ms("", 0.0) == 2000);
    BOOST_TEST(throttled_delay_ms("", half_draw) == 2125);
}

BOOST_AUTO_TEST_CASE(throttled_backoff_above_min_pause)
{
    // Before retry 8 the ceiling is 25.6 s, so the delay is 12.8 s.
    retry_settings settings;
    settings.retry.max_attempts = 10;

    const auto decision = swr::detail::decide_retry(settings, throttled_failure(8), half_draw, nullptr);

    BOOST_TEST(decision.retry);
    BOOST_TEST(decision.delay.count() == 12925);
}

BOOST_AUTO_TEST_CASE(throttled_unusable_retry_after)
{
    const std::vector<std::string_view> values = {
        "soon", "1.5", "-5", "99999999999999999999", "Fri, 30 Feb 2024 12:00:10 GMT",
    };

    for (auto value : values) {
        BOOST_TEST_CONTEXT("Retry-After: " << value)
        {
            BOOST_TEST(throttled_delay_ms(value, half_draw) == 2125);
        }
    }
}

BOOST_AUTO_TEST_CASE(elapsed_limit_reached_exactly)
{
    // The next attempt would start exactly 2 minutes after the first one.
    auto failure = throttled_failure(1);
    failure.elapsed = 120s - 2125ms;

    const auto decision = swr::detail::decide_retry(retry_settings{}, failure, half_draw, nullptr);

    BOOST_TEST(decision.retry);
    BOOST_TEST(decision.delay.count() == 2125);
}

BOOST_AUTO_TEST_CASE(elapsed_limit_exceeded)
{
    auto failure = throttled_failure(1);
    failure.elapsed = 120s - 2125ms + 1ns;
    auto budget = make_budget(20);

    const auto decision = swr::detail::decide_retry(retry_settings{}, failure, half_draw, &budget);

    BOOST_TEST(!decision.retry);
    BOOST_TEST(!decision.reason.empty());
    BOOST_TEST(budget.balance() == 20);
}

BOOST_AUTO_TEST_CASE(elapsed_limit_counts_retry_after)
{
    // 60 s elapsed plus 60.125 s of pause passes the 2-minute limit.
    auto failure = throttled_failure(1, "60");
    failure.elapsed = 60s;

    const auto decision = swr::detail::decide_retry(retry_settings{}, failure, half_draw, nullptr);

    BOOST_TEST(!decision.retry);
    BOOST_TEST(!decision.reason.empty());
}

BOOST_AUTO_TEST_CASE(elapsed_limit_already_passed)
{
    auto failure = transient_failure(1);
    failure.elapsed = 121s;

    const auto decision = swr::detail::decide_retry(retry_settings{}, failure, 0.0, nullptr);

    BOOST_TEST(!decision.retry);
    BOOST_TEST(!decision.reason.empty());
}

BOOST_AUTO_TEST_CASE(retry_spends_one_token)
{
    auto budget = make_budget(20);

    const auto transient = swr::detail::decide_retry(retry_settings{}, transient_failure(1), half_draw, &budget);
    const double after_transient = budget.balance();
    const auto throttled = swr::detail::decide_retry(retry_settings{}, throttled_failure(1), half_draw, &budget);

    BOOST_TEST(transient.retry);
    BOOST_TEST(after_transient == 19);
    BOOST_TEST(throttled.retry);
    BOOST_TEST(budget.balance() == 18);
}

BOOST_AUTO_TEST_CASE(budget_exhausted)
{
    // Capacity 2 allows one retry, which leaves the balance at half.
    auto budget = make_budget(2);

    const auto first = swr::detail::decide_retry(retry_settings{}, transient_failure(1), half_draw, &budget);
    const auto second = swr::detail::decide_retry(retry_settings{}, transient_failure(1), half_draw, &budget);

    BOOST_TEST(first.retry);
    BOOST_TEST(!second.retry);
    BOOST_TEST(!second.reason.empty());
    BOOST_TEST(budget.balance() == 1);
}

BOOST_AUTO_TEST_CASE(zero_capacity_budget_disabled)
{
    auto budget = make_budget(0);
    std::size_t retried = 0;

    for (int i = 0; i < 100; ++i) {
        if (swr::detail::decide_retry(retry_settings{}, transient_failure(1), half_draw, &budget).retry)
            ++retried;
    }

    BOOST_TEST(retried == 100u);
}

BOOST_AUTO_TEST_CASE(reason_set_exactly_when_not_retried)
{
    // Every combination of failure, draw and budget state: a refusal always
    // has a reason, a retry never does.
    const std::vector<double> draws = {0.0, 0.5, 0.999};
    const std::vector<budget_state> budget_states = {budget_state::none, budget_state::disabled, budget_state::full,
                                                     budget_state::exhausted};

    for (const auto& failure : sample_failures()) {
        for (double draw : draws) {
            for (auto state : budget_states) {
                auto budget = make_budget_in(state);

                const auto decision = swr::detail::decide_retry(retry_settings{}, failure, draw, budget.get());

                BOOST_TEST_CONTEXT("kind " << kind_name(failure.kind) << ", attempt " << failure.attempt << ", elapsed "
                                           << failure.elapsed.count() << " ns, Retry-After '" << failure.retry_after
                                           << "', draw " << draw << ", budget state " << static_cast<int>(state))
                {
                    BOOST_TEST(decision.reason.empty() == decision.retry);
                }
            }
        }
    }
}

BOOST_AUTO_TEST_SUITE_END()
