// Network and TLS faults against the real emulator over TLS on 127.0.0.1.
// The faults are connections reset or closed mid-response, truncated bodies,
// stalls and trickles against the idle and request timeouts, keep-alive
// connections the server closed, oversized bodies and certificates that must
// be rejected.
// Retry delays are recorded by the client's time source (every jitter draw
// is 0.5), not waited for; the timeouts are real and scaled by
// SWR_TEST_TIMEOUT_SCALE.

#define BOOST_TEST_MODULE fault_transport
#include "support/fault_harness.hpp"

#include <swr/client.hpp>
#include <swr/emulator.hpp>

#include <boost/asio/ssl/error.hpp>
#include <boost/asio/steady_timer.hpp>
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
using swr::test::on_request;
using swr::test::recording_time_source;
using swr::test::run_scan;
using swr::test::scaled;
using swr::test::scan_report;
using swr::test::scan_with;

namespace {

constexpr std::int64_t repository_count = 25;
constexpr double jitter_draw = 0.5;

// The first backoff delay: 0.5 x the default initial 200 ms.
constexpr std::int64_t first_backoff_ms = 100;

using delays = std::vector<std::int64_t>;

// An emulator with 25 repositories, a recording time source, the client's
// warnings and a client built on demand, destroyed before its io_context.
struct transport_fixture {
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

std::string milliseconds_text(std::chrono::milliseconds value)
{
    return std::to_string(value.count()) + " ms";
}

std::string joined(const std::vector<std::string>& lines)
{
    std::string text;
    for (const auto& line : lines)
        text += "\n  " + line;
    return text;
}

// Checks that `fault` on the first response is retried once after the first
// backoff, on a new connection, and that the single-page scan then delivers
// every repository once. `reason` is part of the logged first failure.
void check_recovers_on_new_connection(transport_fixture& f, swr::fault_action fault, const std::string& reason)
{
    f.server.script({on_request(1, std::move(fault))});

    scan_report report = run_scan(f.start_client(), f.io, scan_with(100, 1));

    for (const auto& line : f.log.lines())
        BOOST_TEST_MESSAGE("client warning: " << line);
    BOOST_TEST(!report.error, report.what);
    BOOST_TEST(report.keys == f.server.reference(), boost::test_tools::per_element());
    BOOST_TEST(report.summary.requests == 2);
    BOOST_TEST(report.summary.retries == 1);
    BOOST_TEST(report.summary.complete);
    BOOST_TEST(f.client->stats().retries == 1u);
    BOOST_TEST(f.client->stats().connections_opened == 2u);
    BOOST_TEST(f.server.get().stats().requests == 2u);
    BOOST_TEST(f.server.get().stats().faults == 1u);
    BOOST_TEST(f.time->delays_ms() == delays{first_backoff_ms}, boost::test_tools::per_element());
    BOOST_TEST(f.log.count("attempt 1 failed") == 1u);
    BOOST_TEST(f.log.count(reason) == 1u, "no warning contains '" << reason << "'");
}

// Checks that a TLS handshake failure ends the scan at once: no retry, no
// request, and a message that names what to fix.
void check_handshake_rejected(transport_fixture& f, const std::string& message_start, const std::string& advice)
{
    scan_report report = run_scan(f.start_client(), f.io, scan_with(100, 1));

    BOOST_TEST((report.error.category() == asio::error::get_ssl_category()),
               "error " << report.error << ": " << report.error.message());
    BOOST_TEST(report.info.message.rfind(message_start, 0) == 0u, "message: " << report.info.message);
    BOOST_TEST(contains(report.info.message, advice), report.info.message);
    BOOST_TEST(!contains(report.info.message, "not retried"), report.info.message);
    BOOST_TEST(report.info.offset.value_or(-1) == 0);
    BOOST_TEST(report.keys.empty());
    BOOST_TEST(f.client->stats().connections_opened == 0u);
    BOOST_TEST(f.client->stats().retries == 0u);
    BOOST_TEST(f.time->delays_ms().empty());
    BOOST_TEST(f.server.get().stats().connections == 1u);
    // The emulator counts the failed handshake on its own thread, possibly
    // after the client has given up.
    BOOST_TEST(swr::test::eventually([&] { return f.server.get().stats().tls_failures == 1u; }));
    BOOST_TEST(f.server.get().stats().requests == 0u);
}

}  // namespace

BOOST_FIXTURE_TEST_CASE(reset_mid_headers_retried, transport_fixture)
{
    check_recovers_on_new_connection(*this, swr::reset_mid_headers_fault{}, "request failed: ");
    BOOST_TEST(server.get().stats().faults_by_action.reset_mid_headers == 1u);
}

BOOST_FIXTURE_TEST_CASE(reset_mid_body_retried, transport_fixture)
{
    check_recovers_on_new_connection(*this, swr::reset_mid_body_fault{}, "request failed: ");
    BOOST_TEST(server.get().stats().faults_by_action.reset_mid_body == 1u);
}

BOOST_FIXTURE_TEST_CASE(short_body_retried, transport_fixture)
{
    // Beast's name for a body that ends before Content-Length.
    check_recovers_on_new_connection(*this, swr::short_body_fault{}, "partial message");
    BOOST_TEST(server.get().stats().faults_by_action.short_body == 1u);
}

BOOST_FIXTURE_TEST_CASE(close_without_notify_retried, transport_fixture)
{
    // Asio's name for a TLS stream that ends without close_notify.
    check_recovers_on_new_connection(*this, swr::close_without_notify_fault{}, "stream truncated");
    BOOST_TEST(server.get().stats().faults_by_action.close_without_notify == 1u);
}

BOOST_FIXTURE_TEST_CASE(stall_after_headers_idle_timeout, transport_fixture)
{
    options.timeouts.idle = scaled(300ms);
    check_recovers_on_new_connection(*this, swr::stall_after_headers_fault{},
                                     "no response data for " + milliseconds_text(options.timeouts.idle) +
                                         " (idle read timeout)");
    BOOST_TEST(server.get().stats().faults_by_action.stall_after_headers == 1u);
}

BOOST_FIXTURE_TEST_CASE(stall_mid_body_idle_timeout, transport_fixture)
{
    options.timeouts.idle = scaled(300ms);
    check_recovers_on_new_connection(*this, swr::stall_mid_body_fault{},
                                     "no response data for " + milliseconds_text(options.timeouts.idle) +
                                         " (idle read timeout)");
    BOOST_TEST(server.get().stats().faults_by_action.stall_mid_body == 1u);
}

BOOST_FIXTURE_TEST_CASE(trickle_hits_request_timeout, transport_fixture)
{
    // 16 bytes every 10 ms never leaves the connection idle for 300 ms, but
    // a page of 25 repositories (several KB) takes seconds, so the request
    // timeout ends it.
    options.timeouts.idle = scaled(300ms);
    options.timeouts.request = scaled(600ms);
    swr::trickle_fault trickle;
    trickle.chunk_bytes = 16;
    trickle.interval = 10ms;
    check_recovers_on_new_connection(*this, trickle,
                                     "request timed out after " + milliseconds_text(options.timeouts.request));
    BOOST_TEST(log.count("idle read timeout") == 0u);
    BOOST_TEST(server.get().stats().faults_by_action.trickle == 1u);
}

BOOST_FIXTURE_TEST_CASE(slow_trickle_within_limits, transport_fixture)
{
    // About 40 writes 2 ms apart: slow, but within both timeouts.
    options.timeouts.idle = scaled(1s);
    options.timeouts.request = scaled(5s);
    swr::trickle_fault trickle;
    trickle.chunk_bytes = 512;
    trickle.interval = 2ms;
    server.script({on_request(1, trickle)});

    scan_report report = run_scan(start_client(), io, scan_with(100, 1));

    BOOST_TEST(!report.error, report.what);
    BOOST_TEST(report.keys == server.reference(), boost::test_tools::per_element());
    BOOST_TEST(report.summary.requests == 1);
    BOOST_TEST(client->stats().retries == 0u);
    BOOST_TEST(server.get().stats().requests == 1u);
    BOOST_TEST(server.get().stats().faults_by_action.trickle == 1u);
    BOOST_TEST(time->delays_ms().empty());
    // A scan that succeeded has nothing to warn about, also when its stream is destroyed.
    BOOST_TEST(log.lines().empty(), "warnings: " << joined(log.lines()));
}

BOOST_FIXTURE_TEST_CASE(idle_close_found_before_sending, transport_fixture)
{
    // The server closes the first connection right after its response. The
    // second request finds the pooled connection closed before writing to
    // it and goes out on a new connection, which is not a retry of a
    // failed request.
    server.script({on_request(1, swr::idle_close_fault{})});
    swr::client& client = start_client();
    swr::test::fetch_report first;
    swr::test::fetch_report second;

    swr::test::run_until_done(io, [&]() -> asio::awaitable<void> {
        co_await swr::test::fetch_into(client, 0, 10, first);

        // The emulator sends close_notify as soon as the response is
        // written, so a short pause lets it do so before the second request.
        // Its open_connections drops only after it has waited 2 s for the
        // client's own close_notify, which is too long to poll for.
        asio::steady_timer pause(io, scaled(100ms));
        co_await pause.async_wait(asio::use_awaitable);

        co_await swr::test::fetch_into(client, 10, 10, second);
    }());

    BOOST_TEST(!first.error, first.what);
    BOOST_TEST(!second.error, second.what);
    BOOST_TEST(first.keys == swr::test::slice(server.reference(), 0, 10), boost::test_tools::per_element());
    BOOST_TEST(second.keys == swr::test::slice(server.reference(), 10, 20), boost::test_tools::per_element());
    BOOST_TEST(client.stats().retries == 0u);
    BOOST_TEST(client.stats().connections_opened == 2u);
    // Nothing was written to the closed connection.
    BOOST_TEST(client.stats().requests == 2u);
    BOOST_TEST(server.get().stats().requests == 2u);
    BOOST_TEST(server.get().stats().connections == 2u);
    BOOST_TEST(server.get().stats().faults_by_action.idle_close == 1u);
    BOOST_TEST(time->delays_ms().empty());
    BOOST_TEST(log.lines().empty(), "warnings: " << joined(log.lines()));
}

BOOST_FIXTURE_TEST_CASE(body_over_limit_not_retried, transport_fixture)
{
    // A page of 25 repositories is several KB.
    options.max_body_bytes = 1024;
    server.script({});

    scan_report report = run_scan(start_client(), io, scan_with(100, 1));

    BOOST_TEST(report.error == swr::errc::response_too_large);
    BOOST_TEST(report.info.message.rfind("response body exceeds 1024 bytes; raise client_options::max_body_bytes", 0) ==
                   0u,
               "message: " << report.info.message);
    BOOST_TEST(report.info.offset.value_or(-1) == 0);
    BOOST_TEST(report.keys.empty());
    BOOST_TEST(report.summary.requests == 1);
    BOOST_TEST(client->stats().retries == 0u);
    BOOST_TEST(server.get().stats().requests == 1u);
    BOOST_TEST(time->delays_ms().empty());
}

BOOST_FIXTURE_TEST_CASE(unknown_ca_rejected, transport_fixture)
{
    // Trust the CA of another emulator, which did not sign this one's certificate.
    swr::test::temp_dir other_dir;
    swr::emulator_thread other(swr::test::emulator_defaults(other_dir));
    options.tls.ca_file = other.get().ca_file();
    server.script({});

    check_handshake_rejected(*this, "TLS certificate verification failed for 127.0.0.1: ",
                             "check tls_options::ca_file");
}

BOOST_FIXTURE_TEST_CASE(wrong_host_name_rejected, transport_fixture)
{
    // The certificate names localhost, 127.0.0.1 and ::1. The connection
    // still goes to the endpoint 127.0.0.1, and only the name checked changes.
    options.tls.server_name = "swr-api.not-in-certificate.test";
    server.script({});

    check_handshake_rejected(*this, "TLS certificate is not valid for host name swr-api.not-in-certificate.test",
                             "check the endpoint or tls_options::server_name");
}
