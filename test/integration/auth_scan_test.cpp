// Scans through the TLS emulator on 127.0.0.1 with each way of
// authenticating that can fail mid-scan: AK/SK signatures (a full scan, a
// wrong secret key, a skewed clock) and IAM tokens that expire while
// requests are in flight. Request counts come from the emulator's stats, so
// every retry and every re-signed or re-sent request is visible.

#define BOOST_TEST_MODULE auth_scan
#include "support/fixture.hpp"

#include "emulator/dataset.hpp"

#include <swr/client.hpp>
#include <swr/credentials.hpp>
#include <swr/emulator.hpp>
#include <swr/error.hpp>
#include <swr/iam_credentials.hpp>
#include <swr/retry.hpp>

#include <boost/test/unit_test.hpp>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <optional>
#include <regex>
#include <string>
#include <stop_token>
#include <thread>
#include <vector>

namespace asio = boost::asio;
using namespace std::chrono_literals;
using swr::test::run_until_done;
using swr::test::scaled;
using swr::test::temp_dir;
using swr::test::self_request;
using swr::test::scan_with;

namespace {

constexpr const char* access_key = "AKAUTHSCANTEST0001";
constexpr const char* secret_key = "SKauthScanSecretKey0123456789abcdefABCDEF";
constexpr const char* project_id = "a1b2c3d4e5f60718293a4b5c6d7e8f90";
constexpr const char* iam_user = "scan-user";
constexpr const char* iam_password = "scan-user-password-4Kq9";
constexpr const char* iam_domain = "scan-domain";

// Collects the library's log lines; the sink runs on the client's thread.
struct log_capture {
    std::mutex mutex;
    std::vector<std::string> lines;

    swr::log_options options(swr::log_level level)
    {
        swr::log_options result;
        result.level = level;
        result.sink = [this](swr::log_level, std::string_view message) {
            std::lock_guard lock(mutex);
            lines.emplace_back(message);
        };
        return result;
    }

    // Number of lines that contain `part`.
    std::size_t count(std::string_view part)
    {
        std::lock_guard lock(mutex);
        std::size_t found = 0;
        for (const std::string& line : lines)
            found += line.find(part) != std::string::npos ? 1 : 0;
        return found;
    }

    std::string all()
    {
        std::lock_guard lock(mutex);
        std::string text;
        for (const std::string& line : lines)
            text += line + "\n";
        return text;
    }
};

// Emulator options that accept only the test's key pair and IAM user.
swr::emulator_options auth_emulator_options(const temp_dir& dir, std::int64_t repositories)
{
    swr::emulator_options options;
    options.tls_dir = (dir.path() / "tls").string();
    options.repositories = repositories;
    options.access_key = access_key;
    options.secret_key = secret_key;
    options.project_id = project_id;
    options.iam_users = {{iam_user, iam_password, iam_domain}};
    return options;
}

swr::client_options client_options_for(const swr::emulator& server,
                                       std::shared_ptr<swr::credentials_provider> credentials, log_capture& log)
{
    swr::client_options options;
    options.endpoint = server.endpoint_url();
    options.tls.ca_file = server.ca_file();
    options.credentials = std::move(credentials);
    options.log = log.options(swr::log_level::debug);
    return options;
}

swr::iam_password_options iam_options_for(const swr::emulator& server, log_capture& log)
{
    swr::iam_password_options options;
    options.endpoint = server.endpoint_url();
    options.user_name = iam_user;
    options.password = iam_password;
    options.domain_name = iam_domain;
    options.project_name = "cn-north-4";
    options.tls.ca_file = server.ca_file();
    options.log = log.options(swr::log_level::debug);
    return options;
}

// Items of a scan, its summary, and the error that ended it, if any.
struct scan_result {
    std::vector<swr::repository> items;
    swr::scan_summary summary;
    std::optional<boost::system::error_code> error;
    swr::error_info info;
    std::string error_text;
};

asio::awaitable<void> collect(swr::client& client, swr::scan_options options, scan_result& out)
{
    swr::page_stream stream = client.scan(self_request(), std::move(options));
    try {
        while (std::optional<swr::page> page = co_await stream.next()) {
            for (swr::repository& item : page->items)
                out.items.push_back(std::move(item));
        }
    } catch (const swr::exception& error) {
        out.error = error.code();
        out.info = error.info();
        out.error_text = error.what();
    }
    out.summary = stream.summary();
}

// Returns the counters once no request is in flight: the emulator counts a
// response after writing it, so the client can finish first.
swr::emulator_stats settled_stats(const swr::emulator& server)
{
    auto deadline = std::chrono::steady_clock::now() + scaled(5s);
    while (server.stats().in_flight != 0 && std::chrono::steady_clock::now() < deadline)
        std::this_thread::sleep_for(1ms);
    swr::emulator_stats stats = server.stats();
    BOOST_TEST_REQUIRE(stats.in_flight == 0u, "a request is still in flight after 5 s");
    return stats;
}

// Checks that `items` are the generated repositories of `self`, each once
// and in listing order.
void check_generated_listing(const std::vector<swr::repository>& items, std::int64_t count)
{
    std::vector<swr::emulator_detail::repository_record> expected =
        swr::emulator_detail::generate_repositories(swr::emulator_detail::sharing_center::self, count);
    BOOST_TEST_REQUIRE(items.size() == expected.size());
    for (std::size_t i = 0; i < items.size(); ++i) {
        BOOST_TEST_CONTEXT("item " << i)
        {
            BOOST_TEST(items[i].namespace_name == expected[i].namespace_name);
            BOOST_TEST(items[i].name == expected[i].name);
            BOOST_TEST(items[i].size == expected[i].size);
            BOOST_TEST(items[i].num_download == expected[i].num_download);
            BOOST_TEST(items[i].tags == expected[i].tags, boost::test_tools::per_element());
            BOOST_TEST(items[i].total_range.value_or(-1) == count);
        }
    }
}

// Returns the integers that follow `prefix` in `text`, e.g. the seconds in
// "clock is +2400 s".
std::vector<long> numbers_after(const std::string& text, const std::string& prefix)
{
    std::vector<long> numbers;
    std::regex pattern(prefix + "([+-]?[0-9]+) s");
    for (auto match = std::sregex_iterator(text.begin(), text.end(), pattern); match != std::sregex_iterator();
         ++match)
        numbers.push_back(std::stol((*match)[1].str()));
    return numbers;
}

// The real clocks, except that from the third wall-clock reading on, the
// wall clock runs `drift` behind: a host clock that jumps after the AK/SK
// provider has measured the skew (reading 1 signs, reading 2 measures).
class drifting_clock final : public swr::time_source {
public:
    explicit drifting_clock(std::chrono::seconds drift) : drift_(drift) {}

    std::chrono::steady_clock::time_point now() override { return real_->now(); }

    std::chrono::system_clock::time_point wall_now() override
    {
        auto reading = ++readings_;
        return real_->wall_now() - (reading >= 3 ? drift_ : std::chrono::seconds(0));
    }

    asio::awaitable<boost::system::error_code> sleep(std::chrono::nanoseconds delay) override
    {
        co_return co_await real_->sleep(delay);
    }

    double uniform() override { return real_->uniform(); }

private:
    std::shared_ptr<swr::time_source> real_ = swr::system_time_source();
    std::chrono::seconds drift_;
    std::atomic<int> readings_{0};
};

}  // namespace

BOOST_AUTO_TEST_CASE(aksk_scan_lists_every_repository_once)
{
    // 1234 repositories in pages of 50: 25 requests, the last one short.
    temp_dir dir;
    swr::emulator_options options = auth_emulator_options(dir, 1234);
    options.latency = 20ms;
    swr::emulator_thread server(options, 2);
    asio::io_context io;
    log_capture log;
    swr::client client(io.get_executor(),
                       client_options_for(server.get(),
                                          swr::make_aksk_credentials(access_key, secret_key, project_id), log));

    scan_result result;
    run_until_done(io, collect(client, scan_with(50, 8), result));

    BOOST_TEST_REQUIRE(!result.error.has_value(), result.error_text);
    check_generated_listing(result.items, 1234);
    BOOST_TEST(result.summary.complete);
    BOOST_TEST(result.summary.pages == 25);
    BOOST_TEST(result.summary.requests == 25);

    // The emulator accepts no token here, so every 200 is a verified signature.
    swr::emulator_stats stats = settled_stats(server.get());
    BOOST_TEST(stats.requests == 25u);
    BOOST_TEST(stats.ok == 25u);
    BOOST_TEST(stats.unauthorized == 0u);
    BOOST_TEST(stats.token_requests == 0u);
    BOOST_TEST(stats.items == 1234u);
    BOOST_TEST(stats.max_in_flight <= 8u);
    BOOST_TEST(stats.max_in_flight >= 2u, "the scan never had two requests in flight");
    BOOST_TEST(client.stats().retries == 0u);
}

BOOST_AUTO_TEST_CASE(wrong_secret_key_fails_after_one_request)
{
    temp_dir dir;
    swr::emulator_thread server(auth_emulator_options(dir, 500));
    asio::io_context io;
    log_capture log;
    const std::string wrong_secret_key = "SKwrongSecretKeyZZZZ9876543210zyxwvuts";
    swr::client client(io.get_executor(),
                       client_options_for(server.get(),
                                          swr::make_aksk_credentials(access_key, wrong_secret_key, project_id), log));

    scan_result result;
    run_until_done(io, collect(client, scan_with(50, 8), result));

    BOOST_TEST_REQUIRE(result.error.has_value());
    BOOST_TEST((*result.error == swr::errc::unauthorized));
    BOOST_TEST(result.info.http_status == 401);
    BOOST_TEST(result.info.service_code == "APIG.0301");
    BOOST_TEST(result.info.message.find("verify aksk signature fail") != std::string::npos, result.info.message);
    BOOST_TEST(result.info.message.find("locks an access key") != std::string::npos, result.info.message);
    BOOST_TEST(result.error_text.find("APIG.0301") != std::string::npos, result.error_text);
    BOOST_TEST(result.error_text.find(wrong_secret_key) == std::string::npos);
    BOOST_TEST(log.all().find(wrong_secret_key) == std::string::npos);
    BOOST_TEST(result.items.empty());
    BOOST_TEST(result.summary.requests == 1);
    BOOST_TEST(client.stats().requests == 1u);
    BOOST_TEST(client.stats().retries == 0u);

    swr::emulator_stats stats = settled_stats(server.get());
    BOOST_TEST(stats.requests == 1u);
    BOOST_TEST(stats.unauthorized == 1u);
}

BOOST_AUTO_TEST_CASE(clock_skew_is_corrected_once_per_scan)
{
    // The first request learns the total alone, so it is the only one signed
    // with the skewed date: 10 pages take 11 requests.
    for (std::chrono::seconds skew : {20min, -20min}) {
        BOOST_TEST_CONTEXT("emulator clock skew " << skew.count() << " s")
        {
            temp_dir dir;
            swr::emulator_options options = auth_emulator_options(dir, 500);
            options.clock_skew = skew;
            options.latency = 5ms;
            swr::emulator_thread server(options, 2);
            asio::io_context io;
            log_capture log;
            swr::client client(io.get_executor(),
                               client_options_for(server.get(),
                                                  swr::make_aksk_credentials(access_key, secret_key, project_id),
                                                  log));

            scan_result result;
            run_until_done(io, collect(client, scan_with(50, 8), result));

            BOOST_TEST_REQUIRE(!result.error.has_value(), result.error_text);
            check_generated_listing(result.items, 500);
            BOOST_TEST(log.count("credentials renewed after HTTP 401 at offset 0; sending again") == 1u, log.all());
            swr::emulator_stats stats = settled_stats(server.get());
            BOOST_TEST(stats.requests == 11u);
            BOOST_TEST(stats.unauthorized == 1u);
            BOOST_TEST(stats.ok == 10u);
            BOOST_TEST(client.stats().retries == 0u);
            // The re-signed request is counted as a request, not as a retry.
            BOOST_TEST(result.summary.requests == 11);
            BOOST_TEST(result.summary.retries == 0);
        }
    }
}

BOOST_AUTO_TEST_CASE(clock_skew_error_names_measured_skew)
{
    // The emulator runs 20 minutes ahead. The provider corrects by that,
    // then the local clock falls another 20 minutes behind, so the re-signed
    // request is rejected too. It is not signed a third time.
    temp_dir dir;
    swr::emulator_options options = auth_emulator_options(dir, 100);
    options.clock_skew = 20min;
    swr::emulator_thread server(options);
    asio::io_context io;
    log_capture log;
    auto clock = std::make_shared<drifting_clock>(20min);
    swr::client client(io.get_executor(),
                       client_options_for(server.get(),
                                          swr::make_aksk_credentials(access_key, secret_key, project_id, {}, clock),
                                          log));

    scan_result result;
    run_until_done(io, collect(client, scan_with(50, 8), result));

    BOOST_TEST_REQUIRE(result.error.has_value());
    BOOST_TEST((*result.error == swr::errc::unauthorized));
    BOOST_TEST(result.info.service_code == "APIG.0301");
    const std::string& message = result.info.message;
    BOOST_TEST(message.find("clock skew measured from the response's Date header") != std::string::npos, message);

    // The Date header has whole seconds and the exchange takes time, so each
    // figure may be a second off.
    std::vector<long> measured = numbers_after(message, "the server's clock is ");
    BOOST_TEST_REQUIRE(measured.size() == 1u, message);
    BOOST_TEST(measured[0] >= 2399);
    BOOST_TEST(measured[0] <= 2401);
    std::vector<long> corrected = numbers_after(message, "already corrected by ");
    BOOST_TEST_REQUIRE(corrected.size() == 1u, message);
    BOOST_TEST(corrected[0] >= 1199);
    BOOST_TEST(corrected[0] <= 1201);

    // The failed request and the failed scan are logged with the same explanation.
    BOOST_TEST(log.count("request failed:") == 1u, log.all());
    BOOST_TEST(log.count("scan failed:") == 1u, log.all());
    BOOST_TEST(log.count("clock skew measured from the response's Date header") == 2u, log.all());

    swr::emulator_stats stats = settled_stats(server.get());
    BOOST_TEST(stats.requests == 2u);
    BOOST_TEST(stats.unauthorized == 2u);
    BOOST_TEST(client.stats().requests == 2u);
}

BOOST_AUTO_TEST_CASE(token_expiry_mid_scan_shares_one_token_request)
{
    // 2000 repositories in pages of 50 with 4 in flight and 100 ms per
    // response: the scan runs for about 10 rounds, so the expiry lands mid-scan.
    constexpr std::int64_t total = 2000;
    constexpr std::size_t max_in_flight = 4;
    temp_dir dir;
    swr::emulator_options options = auth_emulator_options(dir, total);
    options.latency = 100ms;
    swr::emulator_thread server(options, 2);
    asio::io_context io;
    log_capture log;
    auto credentials = swr::make_iam_password_credentials(io.get_executor(), iam_options_for(server.get(), log));
    swr::client client(io.get_executor(), client_options_for(server.get(), credentials, log));

    // Once the first page is done (a token request and one listing) and four
    // listings are in flight, every token issued so far expires. The four
    // were accepted on arrival; the requests sent after them are rejected.
    std::atomic<bool> expired{false};
    std::jthread watcher([&](std::stop_token stop) {
        auto deadline = std::chrono::steady_clock::now() + scaled(60s);
        while (!stop.stop_requested() && std::chrono::steady_clock::now() < deadline) {
            swr::emulator_stats stats = server.get().stats();
            if (stats.requests >= 6 && stats.in_flight >= max_in_flight) {
                server.get().expire_tokens();
                expired = true;
                return;
            }
            std::this_thread::sleep_for(1ms);
        }
    });

    // The jthread also stops and joins the watcher if the scan throws.
    scan_result result;
    run_until_done(io, collect(client, scan_with(50, max_in_flight), result));
    watcher.request_stop();
    watcher.join();

    BOOST_TEST_REQUIRE(expired.load(), "the tokens were never expired while four requests were in flight");
    BOOST_TEST_REQUIRE(!result.error.has_value(), result.error_text);
    check_generated_listing(result.items, total);
    BOOST_TEST(result.summary.complete);

    // At least one listing was rejected, so the expiry came mid-scan, and
    // at most the four sent before the new token arrived.
    swr::emulator_stats stats = settled_stats(server.get());
    BOOST_TEST_MESSAGE("listings rejected after the expiry: " << stats.unauthorized);
    BOOST_TEST(stats.token_requests == 2u);
    BOOST_TEST(stats.unauthorized >= 1u);
    BOOST_TEST(stats.unauthorized <= max_in_flight);
    BOOST_TEST(stats.requests == stats.token_requests + 40u + stats.unauthorized);
    BOOST_TEST(stats.ok == 40u);
    BOOST_TEST(log.count("obtained a token from IAM at") == 2u, log.all());
    BOOST_TEST(log.count("credentials renewed after HTTP 401") == stats.unauthorized, log.all());
}

BOOST_AUTO_TEST_CASE(token_expiring_three_times_renewed_each_time)
{
    // Every token expires three times during the scan, each time with
    // requests in flight. A token obtained after a rejection must be
    // renewed like any other once it has worked, so the scan needs exactly
    // one token request per expiry and loses nothing.
    constexpr std::int64_t total = 4000;
    constexpr std::size_t max_in_flight = 8;
    temp_dir dir;
    swr::emulator_options options = auth_emulator_options(dir, total);
    options.latency = 50ms;
    swr::emulator_thread server(options, 2);
    asio::io_context io;
    log_capture log;
    auto credentials = swr::make_iam_password_credentials(io.get_executor(), iam_options_for(server.get(), log));
    swr::client client(io.get_executor(), client_options_for(server.get(), credentials, log));

    std::atomic<int> expiries{0};
    std::jthread watcher([&](std::stop_token stop) {
        auto deadline = std::chrono::steady_clock::now() + scaled(60s);
        // An expiry waits until the token that replaced the previous one
        // has served a full round of requests: two expiries that one
        // renewal covers would need only one token request.
        std::uint64_t settled_at_ok = 0;
        for (std::uint64_t threshold : {10u, 25u, 40u}) {
            while (!stop.stop_requested() && std::chrono::steady_clock::now() < deadline) {
                swr::emulator_stats stats = server.get().stats();
                auto done = static_cast<std::uint64_t>(expiries.load());
                if (done > 0 && settled_at_ok == 0 && stats.token_requests == done + 1)
                    settled_at_ok = stats.ok + max_in_flight;
                bool settled = done == 0 || (settled_at_ok != 0 && stats.ok >= settled_at_ok);
                if (stats.ok >= threshold && stats.in_flight >= 2 && settled) {
                    server.get().expire_tokens();
                    ++expiries;
                    settled_at_ok = 0;
                    break;
                }
                std::this_thread::sleep_for(1ms);
            }
        }
    });

    // The jthread also stops and joins the watcher if the scan throws.
    scan_result result;
    run_until_done(io, collect(client, scan_with(50, max_in_flight), result));
    watcher.request_stop();
    watcher.join();

    BOOST_TEST_REQUIRE(expiries.load() == 3, "the tokens expired " << expiries.load() << " times, not 3; "
                                                << server.get().stats().token_requests << " token requests");
    BOOST_TEST_REQUIRE(!result.error.has_value(), result.error_text);
    check_generated_listing(result.items, total);
    BOOST_TEST(result.summary.complete);

    swr::emulator_stats stats = settled_stats(server.get());
    BOOST_TEST_MESSAGE("listings rejected after the expiries: " << stats.unauthorized);
    BOOST_TEST(stats.token_requests == 4u);
    BOOST_TEST(stats.unauthorized >= 3u);
    BOOST_TEST(stats.ok == 80u);
    BOOST_TEST(result.summary.retries == 0);
    BOOST_TEST(log.count("obtained a token from IAM at") == 4u, log.all());
}

BOOST_AUTO_TEST_CASE(replacement_token_rejected_fails_scan)
{
    // Request 1 obtains a token and request 2, the first listing, is
    // rejected. Request 3 obtains a new token, and request 4, the same
    // listing with it, is rejected too: the scan ends there.
    temp_dir dir;
    swr::emulator_options options = auth_emulator_options(dir, 100);
    for (std::uint64_t number : {2u, 4u}) {
        swr::status_fault rejection;
        rejection.status = 401;
        swr::fault_rule rule;
        rule.request = number;
        rule.action = rejection;
        options.faults.push_back(rule);
    }
    swr::emulator_thread server(options);
    asio::io_context io;
    log_capture log;
    auto credentials = swr::make_iam_password_credentials(io.get_executor(), iam_options_for(server.get(), log));
    swr::client client(io.get_executor(), client_options_for(server.get(), credentials, log));

    scan_result result;
    run_until_done(io, collect(client, scan_with(50, 4), result));

    BOOST_TEST_REQUIRE(result.error.has_value());
    BOOST_TEST((*result.error == swr::errc::unauthorized));
    BOOST_TEST(result.info.http_status == 401);
    BOOST_TEST(result.info.service_code == "APIG.0301");
    BOOST_TEST(result.info.message.find("replaced the rejected one and was rejected too") != std::string::npos,
               result.info.message);
    BOOST_TEST(result.items.empty());

    swr::emulator_stats stats = settled_stats(server.get());
    BOOST_TEST(stats.requests == 4u);
    BOOST_TEST(stats.token_requests == 2u);
    BOOST_TEST(stats.faults == 2u);
    BOOST_TEST(log.all().find(iam_password) == std::string::npos);
}

BOOST_AUTO_TEST_CASE(failed_logins_not_counted_as_requests)
{
    // Every token request gets 503, so no listing request is ever sent. The
    // failed logins must not appear as listing requests or retries.
    temp_dir dir;
    swr::emulator_options options = auth_emulator_options(dir, 100);
    swr::fault_rule unavailable;
    swr::status_fault status;
    status.status = 503;
    unavailable.times = 0;
    unavailable.action = status;
    options.faults.push_back(unavailable);
    swr::emulator_thread server(options);
    asio::io_context io;
    log_capture log;
    auto credentials = swr::make_iam_password_credentials(io.get_executor(), iam_options_for(server.get(), log));
    swr::client_options client_options = client_options_for(server.get(), credentials, log);
    client_options.retry.max_attempts = 3;
    swr::client client(io.get_executor(), std::move(client_options));

    scan_result result;
    run_until_done(io, collect(client, scan_with(50, 1), result));

    BOOST_TEST_REQUIRE(result.error.has_value());
    swr::emulator_stats stats = settled_stats(server.get());
    BOOST_TEST(stats.token_requests >= 1u);
    BOOST_TEST(stats.requests == stats.token_requests, "a listing request reached the emulator");
    BOOST_TEST(result.summary.requests == 0);
    BOOST_TEST(result.summary.retries == 0);
    BOOST_TEST(client.stats().requests == 0u);
    BOOST_TEST(client.stats().retries == 0u);
}

BOOST_AUTO_TEST_CASE(failed_login_then_scan_counts_listings)
{
    // The first token request gets 503 and the second succeeds: the summary
    // counts the two listing requests only, and no retry.
    temp_dir dir;
    swr::emulator_options options = auth_emulator_options(dir, 100);
    swr::fault_rule unavailable;
    swr::status_fault status;
    status.status = 503;
    unavailable.request = 1;
    unavailable.action = status;
    options.faults.push_back(unavailable);
    swr::emulator_thread server(options);
    asio::io_context io;
    log_capture log;
    auto credentials = swr::make_iam_password_credentials(io.get_executor(), iam_options_for(server.get(), log));
    swr::client client(io.get_executor(), client_options_for(server.get(), credentials, log));

    scan_result result;
    run_until_done(io, collect(client, scan_with(50, 1), result));

    BOOST_TEST_REQUIRE(!result.error.has_value(), result.error_text);
    check_generated_listing(result.items, 100);
    swr::emulator_stats stats = settled_stats(server.get());
    BOOST_TEST(stats.token_requests == 2u);
    BOOST_TEST(stats.requests - stats.token_requests == 2u);
    BOOST_TEST(result.summary.requests == 2);
    BOOST_TEST(result.summary.retries == 0);
    BOOST_TEST(client.stats().retries == 0u);
}
