// Retry rules against the real emulator over TLS on 127.0.0.1: which HTTP
// failures are sent again, after exactly which delay, and what a request that
// is not retried reports. The emulator scripts each failure. The client's
// time source records every delay instead of waiting and draws 0.5 for all
// jitter, so the expected delays below are exact.

#define BOOST_TEST_MODULE fault_retry
#include "support/fault_harness.hpp"

#include <swr/client.hpp>
#include <swr/emulator.hpp>
#include <swr/rate_limiter.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/test/unit_test.hpp>

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace asio = boost::asio;
using namespace std::chrono_literals;
using swr::test::contains;
using swr::test::fault_server;
using swr::test::on_every_request;
using swr::test::on_offset;
using swr::test::on_request;
using swr::test::recording_time_source;
using swr::test::run_scan;
using swr::test::scan_report;
using swr::test::scan_with;
using swr::test::slice;

namespace {

constexpr std::int64_t repository_count = 25;

// Every jitter draw of the recording time source.
constexpr double jitter_draw = 0.5;

// Delays that follow from the default policies and a draw of 0.5, in ms.
constexpr std::int64_t first_backoff_ms = 100;    // 0.5 x initial 200 ms
constexpr std::int64_t second_backoff_ms = 200;   // 0.5 x 400 ms
constexpr std::int64_t throttle_jitter_ms = 125;  // 0.5 x jitter 250 ms
constexpr std::int64_t min_pause_ms = 2000;       // throttle_policy::min_pause

using delays = std::vector<std::int64_t>;

// An emulator with 25 repositories, a recording time source and a client
// built on demand. The client is destroyed before the io_context it uses.
struct retry_fixture {
    fault_server server{repository_count};
    std::shared_ptr<recording_time_source> time = std::make_shared<recording_time_source>(jitter_draw);
    swr::test::log_capture log;
    asio::io_context io;
    swr::client_options options = with_log(swr::test::fault_client_options(server.get(), time), log);
    std::optional<swr::client> client;

    swr::client& start_client()
    {
        client.emplace(io.get_executor(), options);
        return *client;
    }

    static swr::client_options with_log(swr::client_options options, const swr::test::log_capture& capture)
    {
        options.log = capture.options();
        return options;
    }
};

swr::status_fault status_with(unsigned status, std::vector<std::pair<std::string, std::string>> headers = {})
{
    swr::status_fault fault;
    fault.status = status;
    fault.headers = std::move(headers);
    return fault;
}

swr::status_fault status_with_body(unsigned status, std::string body, std::string request_id)
{
    swr::status_fault fault;
    fault.status = status;
    fault.body = std::move(body);
    fault.headers = {{"X-Request-Id", std::move(request_id)}};
    return fault;
}

// One scan of the whole listing in a single page.
scan_report scan_in_one_page(retry_fixture& f)
{
    return run_scan(f.start_client(), f.io, scan_with(100, 1));
}

// Checks that a single `status` response is retried once after the first
// backoff delay and the scan then delivers every repository once.
void check_retried_once(retry_fixture& f, unsigned status, const std::string& service_code)
{
    f.server.script({on_request(1, status_with(status))});

    scan_report report = scan_in_one_page(f);

    BOOST_TEST(!report.error, report.what);
    BOOST_TEST(report.keys == f.server.reference(), boost::test_tools::per_element());
    BOOST_TEST(report.summary.requests == 2);
    BOOST_TEST(report.summary.retries == 1);
    BOOST_TEST(report.summary.complete);
    BOOST_TEST(f.client->stats().retries == 1u);
    BOOST_TEST(f.client->stats().throttled == 0u);
    BOOST_TEST(f.server.get().stats().requests == 2u);
    BOOST_TEST(f.server.get().stats().faults_by_action.status == 1u);
    BOOST_TEST(f.time->delays_ms() == delays{first_backoff_ms}, boost::test_tools::per_element());
    std::string failed = "HTTP " + std::to_string(status) + " " + service_code;
    BOOST_TEST(f.log.count(failed) == 1u, "no warning names " << failed);
    BOOST_TEST(f.log.count("retrying in 100 ms") == 1u);
}

// Checks that one throttled response is retried after exactly `expected_ms`
// and that the client and scan count it as throttling.
void check_throttle_delay(retry_fixture& f, swr::status_fault fault, std::int64_t expected_ms)
{
    f.server.script({on_request(1, std::move(fault))});

    scan_report report = scan_in_one_page(f);

    BOOST_TEST(!report.error, report.what);
    BOOST_TEST(report.keys == f.server.reference(), boost::test_tools::per_element());
    BOOST_TEST(report.summary.requests == 2);
    BOOST_TEST(report.summary.throttled == 1);
    BOOST_TEST(f.client->stats().throttled == 1u);
    BOOST_TEST(f.client->stats().retries == 1u);
    BOOST_TEST(f.server.get().stats().requests == 2u);
    BOOST_TEST(f.time->delays_ms() == delays{expected_ms}, boost::test_tools::per_element());
}

// Checks that a 4xx response to the page at offset 10 ends a sequential scan
// after one request for that page, with every detail of the response.
void check_not_retried(retry_fixture& f, swr::status_fault fault, swr::errc expected, const std::string& code,
                       const std::string& message)
{
    unsigned status = fault.status;
    f.server.script({on_offset(10, std::move(fault))});

    scan_report report = run_scan(f.start_client(), f.io, scan_with(10, 1));

    BOOST_TEST(report.error == expected);
    BOOST_TEST(report.info.http_status == static_cast<int>(status));
    BOOST_TEST(report.info.service_code == code);
    BOOST_TEST(report.info.message.rfind(message, 0) == 0u, "message: " << report.info.message);
    BOOST_TEST(!contains(report.info.message, "not retried"), report.info.message);
    BOOST_TEST(report.info.request_id == "fault-" + std::to_string(status));
    BOOST_TEST(report.info.offset.value_or(-1) == 10);
    BOOST_TEST(report.keys == slice(f.server.reference(), 0, 10), boost::test_tools::per_element());
    BOOST_TEST(report.summary.next_offset == 10);
    BOOST_TEST(report.summary.requests == 2);
    BOOST_TEST(!report.summary.complete);
    BOOST_TEST(f.server.get().stats().requests == 2u);
    BOOST_TEST(f.client->stats().retries == 0u);
    BOOST_TEST(f.time->delays_ms().empty());
}

}  // namespace

BOOST_FIXTURE_TEST_CASE(status_500_retried_once, retry_fixture)
{
    check_retried_once(*this, 500, "SVCSTG.SWR.5000008");
}

BOOST_FIXTURE_TEST_CASE(status_502_retried_once, retry_fixture)
{
    check_retried_once(*this, 502, "APIG.0202");
}

BOOST_FIXTURE_TEST_CASE(status_503_retried_once, retry_fixture)
{
    check_retried_once(*this, 503, "APIG.0202");
}

BOOST_FIXTURE_TEST_CASE(status_504_retried_once, retry_fixture)
{
    check_retried_once(*this, 504, "APIG.0203");
}

BOOST_FIXTURE_TEST_CASE(status_501_not_retried, retry_fixture)
{
    server.script({on_request(1, status_with(501))});

    scan_report report = scan_in_one_page(*this);

    BOOST_TEST(report.error == swr::errc::server_error);
    BOOST_TEST(report.info.http_status == 501);
    BOOST_TEST(report.info.service_code == "SVCSTG.SWR.5000008");
    BOOST_TEST(report.info.offset.value_or(-1) == 0);
    BOOST_TEST(report.keys.empty());
    BOOST_TEST(report.summary.requests == 1);
    BOOST_TEST(server.get().stats().requests == 1u);
    BOOST_TEST(client->stats().retries == 0u);
    BOOST_TEST(time->delays_ms().empty());
}

BOOST_FIXTURE_TEST_CASE(retry_after_seconds_waited, retry_fixture)
{
    check_throttle_delay(*this, status_with(429, {{"Retry-After", "3"}}), 3000 + throttle_jitter_ms);
}

BOOST_FIXTURE_TEST_CASE(retry_after_http_date_waited, retry_fixture)
{
    // Seven seconds after the time source's wall clock.
    check_throttle_delay(*this, status_with(429, {{"Retry-After", "Wed, 01 May 2024 12:00:07 GMT"}}),
                         7000 + throttle_jitter_ms);
}

BOOST_FIXTURE_TEST_CASE(retry_after_malformed_uses_min_pause, retry_fixture)
{
    // The first backoff (100 ms) is shorter than min_pause, which wins.
    check_throttle_delay(*this, status_with(429, {{"Retry-After", "soon"}}), min_pause_ms + throttle_jitter_ms);
}

BOOST_FIXTURE_TEST_CASE(retry_after_negative_uses_backoff, retry_fixture)
{
    // The first backoff, 0.5 x 1000 ms, is longer than min_pause, which loses.
    options.backoff.initial = 1000ms;
    options.throttle.min_pause = 50ms;
    check_throttle_delay(*this, status_with(429, {{"Retry-After", "-5"}}), 500 + throttle_jitter_ms);
}

BOOST_FIXTURE_TEST_CASE(retry_after_huge_capped, retry_fixture)
{
    options.throttle.max_retry_after = 10s;
    check_throttle_delay(*this, status_with(429, {{"Retry-After", "864000000"}}), 10'000 + throttle_jitter_ms);
}

BOOST_FIXTURE_TEST_CASE(swr_403_throttling_retried, retry_fixture)
{
    // The emulator's default 403 body carries SVCSTG.SWR.4031032, SWR's own
    // "too many requests". Without Retry-After the pause is min_pause.
    check_throttle_delay(*this, status_with(403), min_pause_ms + throttle_jitter_ms);
    // One line for the throttling pause, one for the retry.
    BOOST_TEST(log.count("HTTP 403 SVCSTG.SWR.4031032") == 2u);
    BOOST_TEST(log.count("pausing every request of the client") == 1u);
}

BOOST_FIXTURE_TEST_CASE(daily_quota_not_retried, retry_fixture)
{
    const std::string message = "policy user over ratelimit,limit:10000,time:1 day";
    server.script({on_request(1, status_with_body(429,
                                                  R"({"error_code":"APIG.0308","error_msg":")" + message +
                                                      R"(","request_id":"fault-429"})",
                                                  "fault-429"))});

    scan_report report = scan_in_one_page(*this);

    BOOST_TEST(report.error == swr::errc::throttled);
    BOOST_TEST(report.info.http_status == 429);
    BOOST_TEST(report.info.service_code == "APIG.0308");
    BOOST_TEST(report.info.message.rfind(message, 0) == 0u, "message: " << report.info.message);
    BOOST_TEST(report.info.request_id == "fault-429");
    BOOST_TEST(report.summary.requests == 1);
    BOOST_TEST(server.get().stats().requests == 1u);
    BOOST_TEST(client->stats().retries == 0u);
    BOOST_TEST(time->delays_ms().empty());
    // client_stats::throttled counts throttled responses, 429 included,
    // whether or not they were retried.
    BOOST_TEST(client->stats().throttled == 1u);
}

BOOST_FIXTURE_TEST_CASE(status_400_not_retried, retry_fixture)
{
    check_not_retried(*this, status_with(400, {{"X-Request-Id", "fault-400"}}), swr::errc::bad_request,
                      "SVCSTG.SWR.4000014", "Invalid request parameters");
}

BOOST_FIXTURE_TEST_CASE(status_401_not_retried, retry_fixture)
{
    check_not_retried(*this, status_with(401, {{"X-Request-Id", "fault-401"}}), swr::errc::unauthorized,
                      "APIG.0301", "Incorrect IAM authentication information: token expires");
}

BOOST_FIXTURE_TEST_CASE(status_403_permission_not_retried, retry_fixture)
{
    const std::string body =
        R"({"errors":[{"errorCode":"SVCSTG.SWR.4030170","errorMessage":"No permission to list shared repositories","detail":""}],)"
        R"("error_code":"SVCSTG.SWR.4030170","error_msg":"No permission to list shared repositories"})";
    check_not_retried(*this, status_with_body(403, body, "fault-403"), swr::errc::forbidden, "SVCSTG.SWR.4030170",
                      "No permission to list shared repositories");
}

BOOST_FIXTURE_TEST_CASE(max_attempts_exhausted, retry_fixture)
{
    options.retry.max_attempts = 3;
    server.script({on_every_request(status_with(503))});

    scan_report report = scan_in_one_page(*this);

    BOOST_TEST(report.error == swr::errc::server_error);
    BOOST_TEST(report.info.http_status == 503);
    BOOST_TEST(report.info.service_code == "APIG.0202");
    BOOST_TEST(contains(report.info.message, "not retried: gave up after 3 attempts"), report.info.message);
    BOOST_TEST(report.summary.requests == 3);
    BOOST_TEST(report.summary.retries == 2);
    BOOST_TEST(server.get().stats().requests == 3u);
    BOOST_TEST(client->stats().retries == 2u);
    BOOST_TEST(time->delays_ms() == (delays{first_backoff_ms, second_backoff_ms}), boost::test_tools::per_element());
}

BOOST_FIXTURE_TEST_CASE(retry_budget_fails_fast, retry_fixture)
{
    // Retries stop once the balance falls to half the capacity: 3 retries
    // from a full budget of 6. Without the budget, four requests of three
    // attempts each would send 12.
    options.retry.max_attempts = 3;
    options.retry_budget.capacity = 6;
    options.retry_budget.refund_per_success = 0.1;
    server.script({on_every_request(status_with(503))});
    swr::client& client = start_client();

    std::vector<swr::test::fetch_report> reports(4);
    std::vector<std::uint64_t> requests_after;
    swr::test::run_until_done(io, [&]() -> asio::awaitable<void> {
        for (auto& report : reports) {
            co_await swr::test::fetch_into(client, 0, 10, report);
            requests_after.push_back(server.get().stats().requests);
        }
    }());

    BOOST_TEST(requests_after == (std::vector<std::uint64_t>{3, 5, 6, 7}), boost::test_tools::per_element());
    BOOST_TEST(contains(reports[0].info.message, "gave up after 3 attempts"), reports[0].info.message);
    for (std::size_t i = 1; i < reports.size(); ++i) {
        BOOST_TEST_CONTEXT("request " << i + 1)
        {
            BOOST_TEST(reports[i].error == swr::errc::server_error);
            BOOST_TEST(contains(reports[i].info.message, "retry budget is exhausted"), reports[i].info.message);
        }
    }
    BOOST_TEST(client.stats().retries == 3u);
    BOOST_TEST(time->delays_ms() == (delays{first_backoff_ms, second_backoff_ms, first_backoff_ms}),
               boost::test_tools::per_element());
}

BOOST_FIXTURE_TEST_CASE(throttle_pauses_whole_client, retry_fixture)
{
    // The page at offset 10 of a scan is throttled for 3 s. While the scan
    // waits, another request of the same client starts. It must wait for
    // the rest of the pause, which is all of it (3 s plus 125 ms of jitter)
    // because the clock has not moved.
    server.script({on_offset(10, status_with(429, {{"Retry-After", "3"}}))});
    swr::client& client = start_client();
    swr::test::fetch_report other;
    bool other_started = false;
    time->set_sleep_hook([&](std::chrono::nanoseconds) {
        if (other_started)
            return;
        other_started = true;
        asio::co_spawn(io, swr::test::fetch_into(client, 20, 5, other), asio::detached);
    });

    scan_report report = run_scan(client, io, scan_with(10, 1));

    BOOST_TEST_REQUIRE(other_started);
    BOOST_TEST(!report.error, report.what);
    BOOST_TEST(report.keys == server.reference(), boost::test_tools::per_element());
    BOOST_TEST(!other.error, other.what);
    BOOST_TEST(other.keys == slice(server.reference(), 20, 25), boost::test_tools::per_element());
    BOOST_TEST(time->delays_ms() == (delays{3125, 3125}), boost::test_tools::per_element());
    BOOST_TEST(report.summary.throttled == 1);
    BOOST_TEST(client.stats().throttled == 1u);
    BOOST_TEST(client.stats().retries == 1u);
    // Three pages, one retry, and the other request.
    BOOST_TEST(server.get().stats().requests == 5u);
}

BOOST_FIXTURE_TEST_CASE(throttle_cuts_shared_limiter_rate, retry_fixture)
{
    // The limiter reads the same stopped clock as the client, so the pause
    // it starts ends exactly when the retry's delay does.
    auto limiter = std::make_shared<swr::rate_limiter>(100.0, 100.0, [clock = time] { return clock->now(); });
    server.script({on_offset(10, status_with(429, {{"Retry-After", "1"}}))});
    auto scan = scan_with(10, 1);
    scan.limiter = limiter;

    scan_report report = run_scan(start_client(), io, scan);

    BOOST_TEST(!report.error, report.what);
    BOOST_TEST(report.keys == server.reference(), boost::test_tools::per_element());
    BOOST_TEST(time->delays_ms() == delays{1000 + throttle_jitter_ms}, boost::test_tools::per_element());
    BOOST_TEST(limiter->throttled() == 1u);
    // 100 requests/s times the default decrease_factor of 0.5. No time
    // passes after the pause, so none of the rate has recovered.
    BOOST_TEST(limiter->rate() == 50.0);
    // Pages 0, 10 (throttled), 10 again, 20.
    BOOST_TEST(limiter->granted() == 4u);
    BOOST_TEST(server.get().stats().requests == 4u);
    BOOST_TEST(report.summary.throttled == 1);
}

BOOST_FIXTURE_TEST_CASE(throttled_last_attempt_counted, retry_fixture)
{
    // Both attempts are throttled and the second is not retried.
    // client_stats counts throttled responses, so both count.
    options.retry.max_attempts = 2;
    server.script({on_every_request(status_with(429, {{"Retry-After", "1"}}))});

    scan_report report = scan_in_one_page(*this);

    BOOST_TEST(report.error == swr::errc::throttled);
    BOOST_TEST(report.info.http_status == 429);
    BOOST_TEST(contains(report.info.message, "gave up after 2 attempts"), report.info.message);
    BOOST_TEST(server.get().stats().requests == 2u);
    BOOST_TEST(time->delays_ms() == delays{1000 + throttle_jitter_ms}, boost::test_tools::per_element());
    BOOST_TEST(report.summary.throttled == 1);
    BOOST_TEST(client->stats().throttled == 2u);
}
