// Log lines and metrics of a client against the emulator over TLS on
// 127.0.0.1: connections opened and closed, retries and throttling pauses
// with their offset and request id, repeats counted instead of written, and
// client::stats() read while a scan runs.
#define BOOST_TEST_MODULE observability
#include "support/fault_harness.hpp"

#include <swr/client.hpp>
#include <swr/emulator.hpp>

#include <boost/test/unit_test.hpp>

#include <chrono>
#include <memory>
#include <mutex>
#include <optional>
#include <regex>
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

namespace {

constexpr std::int64_t repository_count = 40;

// Every message at `level` and above, with its level.
class capture {
public:
    swr::log_options options(swr::log_level level, std::size_t repeat_limit = 10) const
    {
        swr::log_options result;
        result.level = level;
        result.repeat_limit = repeat_limit;
        result.sink = [state = state_](swr::log_level at, std::string_view message) {
            std::lock_guard lock(state->mutex);
            state->lines.push_back({at, std::string(message)});
        };
        return result;
    }

    std::size_t count(std::string_view text) const
    {
        std::lock_guard lock(state_->mutex);
        std::size_t result = 0;
        for (const auto& line : state_->lines)
            result += line.text.find(text) != std::string::npos ? 1 : 0;
        return result;
    }

    std::size_t count_matching(const std::regex& pattern) const
    {
        std::lock_guard lock(state_->mutex);
        std::size_t result = 0;
        for (const auto& line : state_->lines)
            result += std::regex_search(line.text, pattern) ? 1 : 0;
        return result;
    }

    std::optional<std::string> first(std::string_view text) const
    {
        std::lock_guard lock(state_->mutex);
        for (const auto& line : state_->lines) {
            if (line.text.find(text) != std::string::npos)
                return line.text;
        }
        return std::nullopt;
    }

    std::size_t size() const
    {
        std::lock_guard lock(state_->mutex);
        return state_->lines.size();
    }

    std::size_t below(swr::log_level level) const
    {
        std::lock_guard lock(state_->mutex);
        std::size_t result = 0;
        for (const auto& line : state_->lines)
            result += line.level < level ? 1 : 0;
        return result;
    }

private:
    struct line {
        swr::log_level level;
        std::string text;
    };
    struct state {
        std::mutex mutex;
        std::vector<line> lines;
    };
    std::shared_ptr<state> state_ = std::make_shared<state>();
};

struct fixture {
    fault_server server{repository_count};
    std::shared_ptr<recording_time_source> time = std::make_shared<recording_time_source>(0.5);
    capture log;
    asio::io_context io;
    std::optional<swr::client> client;

    swr::client& start_client(swr::log_level level, std::size_t repeat_limit = 10)
    {
        auto options = swr::test::fault_client_options(server.get(), time);
        options.log = log.options(level, repeat_limit);
        client.emplace(io.get_executor(), options);
        return *client;
    }
};

swr::status_fault status_with(unsigned status, std::string request_id,
                              std::vector<std::pair<std::string, std::string>> headers = {})
{
    swr::status_fault fault;
    fault.status = status;
    fault.headers = std::move(headers);
    fault.headers.emplace_back("X-Request-Id", std::move(request_id));
    return fault;
}

}  // namespace

BOOST_AUTO_TEST_CASE(connection_opened_and_closed_lines)
{
    fixture f;
    f.server.script({on_request(2, swr::idle_close_fault{})});
    swr::client& client = f.start_client(swr::log_level::debug);

    scan_report report = run_scan(client, f.io, scan_with(10, 1));
    BOOST_TEST_REQUIRE(!report.error, report.what);

    std::regex opened(R"(connection \d+ opened to https://127\.0\.0\.1:\d+ \(TLSv1\.[23]\))");
    BOOST_TEST(f.log.count_matching(opened) == client.stats().connections_opened);
    BOOST_TEST(client.stats().connections_opened == 2u);

    // The emulator closes the first connection after the second response,
    // so the client reports it closed once it notices.
    BOOST_TEST(f.log.count_matching(std::regex(R"(connection 1 closed after \d+ requests: )")) == 1u);
    BOOST_TEST(client.stats().connections_closed == 1u);

    // The idle connection left in the pool closes with the client.
    f.client.reset();
    BOOST_TEST(f.log.count_matching(std::regex(R"(connection 2 closed after \d+ requests: client destroyed)")) == 1u);
}

BOOST_AUTO_TEST_CASE(retry_line_names_offset_and_request_id)
{
    fixture f;
    f.server.script({on_offset(20, status_with(503, "req-503-at-20"))});
    swr::client& client = f.start_client(swr::log_level::warning);

    scan_report report = run_scan(client, f.io, scan_with(10, 1));
    BOOST_TEST_REQUIRE(!report.error, report.what);

    auto line = f.log.first("attempt 1 failed");
    BOOST_TEST_REQUIRE(line.has_value());
    BOOST_TEST(contains(*line, "HTTP 503"), *line);
    BOOST_TEST(contains(*line, "request id req-503-at-20"), *line);
    BOOST_TEST(contains(*line, "offset 20"), *line);
    BOOST_TEST(contains(*line, "retrying in 100 ms"), *line);
    BOOST_TEST(f.log.below(swr::log_level::warning) == 0u);
}

BOOST_AUTO_TEST_CASE(throttling_pause_line_and_counter)
{
    fixture f;
    f.server.script({on_offset(10, status_with(429, "req-429-at-10", {{"Retry-After", "3"}}))});
    swr::client& client = f.start_client(swr::log_level::warning);

    scan_report report = run_scan(client, f.io, scan_with(10, 1));
    BOOST_TEST_REQUIRE(!report.error, report.what);

    auto line = f.log.first("throttling pause: ");
    BOOST_TEST_REQUIRE(line.has_value());
    BOOST_TEST(contains(*line, "HTTP 429 APIG.0308"), *line);
    BOOST_TEST(contains(*line, "request id req-429-at-10"), *line);
    BOOST_TEST(contains(*line, "offset 10"), *line);
    // Retry-After 3 s plus half of the 250 ms jitter.
    BOOST_TEST(contains(*line, "pausing every request of the client for 3125 ms"), *line);
    BOOST_TEST(client.stats().throttle_pauses == 1u);
    BOOST_TEST(client.stats().throttled == 1u);
}

BOOST_AUTO_TEST_CASE(repeated_retries_are_counted)
{
    fixture f;
    // Each of the 4 pages fails twice with 503, so 8 retries are logged at
    // recorded times 0, 100, 300, 400, 600, 700, 900 and 1000 ms (backoffs
    // of 100 and 200 ms). With 3 messages a second, the first three are
    // written, the next four are counted, and the one at 1000 ms opens a new
    // window and carries the count.
    f.server.script({
        on_request(1, status_with(503, "r1")), on_request(2, status_with(503, "r2")),
        on_request(4, status_with(503, "r4")), on_request(5, status_with(503, "r5")),
        on_request(7, status_with(503, "r7")), on_request(8, status_with(503, "r8")),
        on_request(10, status_with(503, "r10")), on_request(11, status_with(503, "r11")),
    });
    swr::client& client = f.start_client(swr::log_level::warning, 3);

    scan_report report = run_scan(client, f.io, scan_with(10, 1));
    BOOST_TEST_REQUIRE(!report.error, report.what);
    BOOST_TEST(client.stats().retries == 8u);
    BOOST_TEST(f.time->delays_ms() == (std::vector<std::int64_t>{100, 200, 100, 200, 100, 200, 100, 200}),
               boost::test_tools::per_element());

    BOOST_TEST(f.log.count("retrying in") == 4u);
    BOOST_TEST(f.log.count("request id r1,") == 1u);
    BOOST_TEST(f.log.count("request id r11") == 1u);
    BOOST_TEST(f.log.count("request id r7") == 0u);
    auto last = f.log.first("request id r11");
    BOOST_TEST_REQUIRE(last.has_value());
    BOOST_TEST(contains(*last, "(4 more retry messages suppressed before this one)"), *last);
}

BOOST_AUTO_TEST_CASE(repeat_limit_zero_writes_every_line)
{
    fixture f;
    f.server.script({
        on_request(1, status_with(503, "r1")), on_request(3, status_with(503, "r3")),
        on_request(5, status_with(503, "r5")), on_request(7, status_with(503, "r7")),
    });
    swr::client& client = f.start_client(swr::log_level::warning, 0);

    scan_report report = run_scan(client, f.io, scan_with(10, 1));
    BOOST_TEST_REQUIRE(!report.error, report.what);
    BOOST_TEST(client.stats().retries == 4u);
    BOOST_TEST(f.log.count("retrying in") == 4u);
    BOOST_TEST(f.log.count("suppressed") == 0u);
}

BOOST_AUTO_TEST_CASE(nothing_below_level_reaches_sink)
{
    fixture f;
    f.server.script({on_offset(20, status_with(503, "req-quiet"))});
    swr::client& client = f.start_client(swr::log_level::error);

    scan_report report = run_scan(client, f.io, scan_with(10, 2));
    BOOST_TEST_REQUIRE(!report.error, report.what);
    BOOST_TEST(client.stats().retries == 1u);
    // The retry is a warning and connections are debug messages: none of
    // them reaches an error-level sink.
    BOOST_TEST(f.log.size() == 0u);
}

BOOST_AUTO_TEST_CASE(stats_readable_during_scan)
{
    fixture f;
    swr::client& client = f.start_client(swr::log_level::off);
    f.server.get().reset_stats();

    std::optional<swr::client_stats> after_first_page;
    std::size_t pages = 0;
    swr::test::run_until_done(f.io, [&]() -> asio::awaitable<void> {
        auto stream = client.scan(swr::test::self_listing(), scan_with(10, 1));
        while (auto page = co_await stream.next()) {
            if (++pages == 1)
                after_first_page = client.stats();
        }
    }());

    BOOST_TEST_REQUIRE(after_first_page.has_value());
    BOOST_TEST(after_first_page->requests >= 1u);
    BOOST_TEST(after_first_page->latency.count >= 1u);
    BOOST_TEST(after_first_page->bytes_received > 0u);

    swr::client_stats final_stats = client.stats();
    BOOST_TEST(pages == 4u);
    BOOST_TEST(final_stats.requests == f.server.get().stats().requests);
    BOOST_TEST(final_stats.requests > after_first_page->requests);
    BOOST_TEST(final_stats.latency.count == final_stats.requests);
    BOOST_TEST(final_stats.bytes_sent > 0u);
    BOOST_TEST(final_stats.bytes_received > after_first_page->bytes_received);
}

BOOST_AUTO_TEST_CASE(latency_reflects_emulator_delay)
{
    swr::test::temp_dir dir;
    auto options = swr::test::emulator_defaults(dir);
    options.repositories = 20;
    options.latency = 60ms;
    swr::emulator_thread server(options);

    asio::io_context io;
    swr::client client(io.get_executor(), swr::test::client_defaults(server.get()));
    scan_report report = run_scan(client, io, scan_with(5, 2));
    BOOST_TEST_REQUIRE(!report.error, report.what);

    swr::latency_histogram latency = client.stats().latency;
    BOOST_TEST(latency.count == 4u);
    // Every response waited 60 ms in the emulator, so no latency is lower.
    BOOST_TEST(latency.quantile(0.0).count() >= 50'000);
    BOOST_TEST(latency.mean() >= 60ms);
    BOOST_TEST(latency.max >= 60ms);
    BOOST_TEST(latency.counts[0] == 0u);
    BOOST_TEST(latency.quantile(0.5) <= latency.max);
}
