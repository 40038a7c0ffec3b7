// Fault injection seen on the wire. A Beast TLS client in this file verifies
// the emulator's CA and host name and checks that each fault reaches it
// exactly as scripted: statuses and headers, resets, short and truncated
// bodies, stalls, idle closes, trickled bytes, capped and changing pages, and
// wrong Content-Range. It also checks that random faults repeat by seed.
//
// Time limits are multiplied by the environment variable
// SWR_TEST_TIMEOUT_SCALE (default 1), for valgrind and sanitizers.

#define BOOST_TEST_MODULE emulator_fault_server_test
#include <boost/test/unit_test.hpp>

#include <swr/emulator.hpp>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

#include <openssl/ssl.h>

#include <array>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace json = boost::json;
namespace ssl = asio::ssl;
namespace fs = std::filesystem;
using tcp = asio::ip::tcp;
using namespace std::chrono_literals;

namespace {

constexpr std::int64_t repositories_per_center = 237;

std::chrono::milliseconds scaled(std::chrono::milliseconds limit)
{
    const char* text = std::getenv("SWR_TEST_TIMEOUT_SCALE");
    double scale = text != nullptr ? std::atof(text) : 1.0;
    if (scale <= 0) {
        scale = 1.0;
    }
    return std::chrono::milliseconds(static_cast<std::int64_t>(static_cast<double>(limit.count()) * scale));
}

struct temporary_directory {
    temporary_directory()
    {
        std::string pattern = (fs::temp_directory_path() / "swr-emulator-faults-XXXXXX").string();
        if (::mkdtemp(pattern.data()) == nullptr) {
            throw std::runtime_error("mkdtemp failed for " + pattern);
        }
        path = pattern;
    }
    ~temporary_directory()
    {
        std::error_code ignored;
        fs::remove_all(path, ignored);
    }
    fs::path path;
};

// Waits until `condition` holds, failing the test after `limit`.
template <typename Condition>
void wait_until(Condition condition, std::chrono::milliseconds limit, const char* what)
{
    auto deadline = std::chrono::steady_clock::now() + scaled(limit);
    while (!condition()) {
        if (std::chrono::steady_clock::now() > deadline) {
            BOOST_FAIL("timed out waiting for " << what);
        }
        std::this_thread::sleep_for(5ms);
    }
}

// What a client read: the error that ended the read, and as much of the
// response as arrived before it.
struct client_response {
    beast::error_code error;
    bool header_done = false;
    unsigned status = 0;
    std::map<std::string, std::string> headers;  // lower-case names
    std::string body;

    std::string header(const std::string& name) const
    {
        auto found = headers.find(name);
        return found == headers.end() ? std::string("(absent)") : found->second;
    }

    std::size_t content_length() const { return std::stoul(header("content-length")); }
};

// One TLS connection to the emulator, driven step by step. Each operation
// runs on a private io_context with a tcp_stream time limit, and fails the
// test if it does not finish well after that limit.
class tls_client {
public:
    explicit tls_client(const swr::emulator& server)
        : tls_(ssl::context::tls_client), stream_(context_.get_executor(), tls_)
    {
        tls_.set_verify_mode(ssl::verify_peer);
        tls_.load_verify_file(server.ca_file());
        stream_.set_verify_callback(ssl::host_name_verification("localhost"));
        SSL_set_tlsext_host_name(stream_.native_handle(), "localhost");

        tcp::endpoint endpoint(asio::ip::make_address("127.0.0.1"), server.port());
        auto& socket = beast::get_lowest_layer(stream_);
        socket.expires_after(scaled(10s));
        beast::error_code error = perform(
            [&](auto done) { socket.async_connect(endpoint, [done](beast::error_code e) { done(e); }); }, "connect");
        BOOST_REQUIRE_MESSAGE(!error, "connect failed: " << error.message());

        socket.expires_after(scaled(10s));
        error = perform(
            [&](auto done) {
                stream_.async_handshake(ssl::stream_base::client, [done](beast::error_code e) { done(e); });
            },
            "TLS handshake");
        BOOST_REQUIRE_MESSAGE(!error, "TLS handshake failed: " << error.message());
    }

    beast::error_code send(const std::string& target)
    {
        request_ = std::make_unique<http::request<http::empty_body>>(http::verb::get, target, 11);
        request_->set(http::field::host, "localhost");
        beast::get_lowest_layer(stream_).expires_after(scaled(10s));
        return perform(
            [&](auto done) {
                http::async_write(stream_, *request_, [done](beast::error_code e, std::size_t) { done(e); });
            },
            "writing a request");
    }

    // Reads one response; a response that does not arrive within `limit`
    // ends with beast::error::timeout, as in a real client.
    client_response receive(std::chrono::milliseconds limit = 10s)
    {
        http::response_parser<http::string_body> parser;
        parser.body_limit(16 * 1024 * 1024);
        beast::get_lowest_layer(stream_).expires_after(scaled(limit));

        client_response response;
        response.error = perform(
            [&](auto done) {
                http::async_read(stream_, buffer_, parser, [done](beast::error_code e, std::size_t) { done(e); });
            },
            "reading a response");
        response.header_done = parser.is_header_done();
        if (response.header_done) {
            response.status = parser.get().result_int();
            for (const auto& field : parser.get()) {
                std::string name(field.name_string());
                for (char& c : name) {
                    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
                }
                response.headers[name] = std::string(field.value());
            }
            response.body = parser.get().body();
        }
        return response;
    }

    client_response fetch(const std::string& target, std::chrono::milliseconds limit = 10s)
    {
        beast::error_code error = send(target);
        BOOST_REQUIRE_MESSAGE(!error, "sending " << target << " failed: " << error.message());
        return receive(limit);
    }

    // Reads raw bytes until one whole response has arrived; returns them and
    // the number of reads it took.
    std::pair<std::string, int> receive_counting_reads(std::chrono::milliseconds limit = 10s)
    {
        std::string raw;
        int reads = 0;
        auto deadline = std::chrono::steady_clock::now() + scaled(limit);
        while (!holds_whole_response(raw)) {
            std::array<char, 65536> piece;
            std::size_t received = 0;
            beast::get_lowest_layer(stream_).expires_at(deadline);
            beast::error_code error = perform(
                [&](auto done) {
                    stream_.async_read_some(asio::buffer(piece), [done, &received](beast::error_code e, std::size_t n) {
                        received = n;
                        done(e);
                    });
                },
                "reading raw bytes");
            BOOST_REQUIRE_MESSAGE(!error, "raw read failed after " << raw.size() << " bytes: " << error.message());
            raw.append(piece.data(), received);
            ++reads;
        }
        return {raw, reads};
    }

    void close() { beast::get_lowest_layer(stream_).close(); }

private:
    // Whether `raw` contains a head and as many body bytes as its Content-Length gives.
    static bool holds_whole_response(const std::string& raw)
    {
        std::size_t head_end = raw.find("\r\n\r\n");
        if (head_end == std::string::npos) {
            return false;
        }
        std::size_t field = raw.find("Content-Length: ");
        BOOST_REQUIRE(field != std::string::npos && field < head_end);
        std::size_t length = std::stoul(raw.substr(field + 16));
        return raw.size() >= head_end + 4 + length;
    }

    // Starts an operation with a completion callback and runs the context
    // until it completes.
    template <typename Start>
    beast::error_code perform(Start start, const char* what)
    {
        auto result = std::make_shared<std::optional<beast::error_code>>();
        start([result](beast::error_code error) { *result = error; });
        context_.restart();
        context_.run_for(scaled(60s));
        if (!*result) {
            close();
            context_.restart();
            context_.run_for(scaled(5s));
            BOOST_FAIL(what << " did not complete, although the stream has a time limit");
        }
        return **result;
    }

    asio::io_context context_;
    ssl::context tls_;
    ssl::stream<beast::tcp_stream> stream_;
    beast::flat_buffer buffer_;
    std::unique_ptr<http::request<http::empty_body>> request_;
};

swr::emulator_options base_options(const temporary_directory& directory)
{
    swr::emulator_options options;
    options.tls_dir = (directory.path / "tls").string();
    options.repositories = repositories_per_center;
    return options;
}

// One emulator with 237 generated repositories per center and no token; each
// test sets its own rules with set_faults().
struct emulator_fixture {
    emulator_fixture() : server(base_options(directory)) {}

    swr::emulator& emulator() { return server.get(); }

    temporary_directory directory;
    swr::emulator_thread server;
};

swr::fault_rule on_request(std::uint64_t number, swr::fault_action action)
{
    swr::fault_rule rule;
    rule.request = number;
    rule.action = std::move(action);
    return rule;
}

std::string page(std::int64_t offset, std::int64_t limit, const char* center = "self")
{
    return "/v2/manage/shared-repositories?center=" + std::string(center) + "&limit=" + std::to_string(limit) +
           "&offset=" + std::to_string(offset);
}

json::value parse_body(const client_response& response)
{
    return json::parse(response.body);
}

// How one request ended, as a short word for comparing runs.
std::string outcome_of(const client_response& response)
{
    if (response.error == asio::error::connection_reset) {
        return "reset";
    }
    if (response.error == http::error::partial_message) {
        return "short";
    }
    if (response.error == ssl::error::stream_truncated) {
        return "truncated";
    }
    if (response.error) {
        return "error:" + response.error.message();
    }
    if (response.status == 200 && response.body.size() == response.content_length()) {
        return "200";
    }
    return std::to_string(response.status) + (response.status == 429 ? "/" + response.header("retry-after") : "");
}

}  // namespace

BOOST_FIXTURE_TEST_SUITE(scripted_faults, emulator_fixture)

BOOST_AUTO_TEST_CASE(status_sequence_then_success)
{
    emulator().set_faults({on_request(1, swr::status_fault{429, std::nullopt, {{"Retry-After", "3"}}}),
                           on_request(2, swr::status_fault{503, std::nullopt, {}}),
                           on_request(3, swr::status_fault{500, std::nullopt, {}}),
                           on_request(4, swr::status_fault{403, std::nullopt, {}})});

    // All on one keep-alive connection: a status fault does not close it.
    tls_client client(emulator());
    client_response throttled = client.fetch(page(0, 10));
    BOOST_TEST(!throttled.error);
    BOOST_TEST(throttled.status == 429u);
    BOOST_TEST(throttled.header("retry-after") == "3");
    BOOST_TEST(throttled.header("content-type") == "application/json");
    BOOST_TEST(parse_body(throttled).at("error_code").as_string() == "APIG.0308");
    BOOST_TEST(parse_body(throttled).at("request_id").as_string() == throttled.header("x-request-id"));

    client_response unavailable = client.fetch(page(0, 10));
    BOOST_TEST(unavailable.status == 503u);
    BOOST_TEST(unavailable.header("retry-after") == "(absent)");
    BOOST_TEST(parse_body(unavailable).at("error_code").as_string() == "APIG.0202");

    client_response failed = client.fetch(page(0, 10));
    BOOST_TEST(failed.status == 500u);
    BOOST_TEST(failed.header("content-type") == "application/json;charset=utf8");
    BOOST_TEST(parse_body(failed).at("error_code").as_string() == "SVCSTG.SWR.5000008");

    client_response swr_throttled = client.fetch(page(0, 10));
    BOOST_TEST(swr_throttled.status == 403u);
    BOOST_TEST(parse_body(swr_throttled).at("errors").at(0).at("errorCode").as_string() == "SVCSTG.SWR.4031032");

    client_response ok = client.fetch(page(0, 10));
    BOOST_TEST(ok.status == 200u);
    BOOST_TEST(ok.header("content-range") == "0-10/237");

    wait_until([&] { return emulator().stats().in_flight == 0; }, 5s, "the last request to be counted");
    swr::emulator_stats stats = emulator().stats();
    BOOST_TEST(stats.faults == 4u);
    BOOST_TEST(stats.faults_by_action.status == 4u);
    BOOST_TEST(stats.random_faults == 0u);
    BOOST_TEST(stats.throttled == 1u);
    BOOST_TEST(stats.ok == 1u);
    BOOST_TEST(stats.connections == 1u);
}

BOOST_AUTO_TEST_CASE(retry_after_values_sent_verbatim)
{
    const std::vector<std::string> values = {"Sun, 06 Nov 1994 08:49:37 GMT", "-1", "soon", "3, 4"};
    std::vector<swr::fault_rule> rules;
    for (std::size_t i = 0; i < values.size(); ++i) {
        rules.push_back(on_request(i + 1, swr::status_fault{429, std::nullopt, {{"Retry-After", values[i]}}}));
    }
    emulator().set_faults(rules);

    tls_client client(emulator());
    for (const std::string& value : values) {
        client_response response = client.fetch(page(0, 1));
        BOOST_TEST(response.status == 429u);
        BOOST_TEST(response.header("retry-after") == value);
    }
}

BOOST_AUTO_TEST_CASE(latency_delays_one_response)
{
    emulator().set_faults({on_request(1, swr::latency_fault{300ms})});
    tls_client client(emulator());

    auto started = std::chrono::steady_clock::now();
    BOOST_TEST(client.fetch(page(0, 1)).status == 200u);
    BOOST_TEST((std::chrono::steady_clock::now() - started >= 300ms));

    // The second response is not delayed; the bound is loose for slow machines.
    started = std::chrono::steady_clock::now();
    BOOST_TEST(client.fetch(page(1, 1)).status == 200u);
    BOOST_TEST((std::chrono::steady_clock::now() - started < scaled(250ms)));
}

BOOST_AUTO_TEST_CASE(stall_after_headers_times_out_client)
{
    emulator().set_faults({on_request(1, swr::stall_after_headers_fault{})});
    {
        tls_client client(emulator());
        client_response stalled = client.fetch(page(0, 10), 400ms);
        BOOST_TEST((stalled.error == beast::error::timeout), stalled.error.message());
        BOOST_TEST(stalled.header_done);
        BOOST_TEST(stalled.status == 200u);
        BOOST_TEST(stalled.header("content-range") == "0-10/237");
        BOOST_TEST(stalled.body.empty());
    }

    // The server keeps the request in flight until the client has gone.
    wait_until([&] { return emulator().stats().open_connections == 0; }, 5s, "the stalled connection to end");
    BOOST_TEST(emulator().stats().in_flight == 0u);
    BOOST_TEST(emulator().stats().faults_by_action.stall_after_headers == 1u);
}

BOOST_AUTO_TEST_CASE(finite_stall_then_whole_response)
{
    emulator().set_faults({on_request(1, swr::stall_after_headers_fault{250ms}),
                           on_request(2, swr::stall_mid_body_fault{250ms, std::nullopt})});
    tls_client client(emulator());
    for (int request = 1; request <= 2; ++request) {
        auto started = std::chrono::steady_clock::now();
        client_response response = client.fetch(page(0, 10));
        BOOST_TEST(!response.error, response.error.message());
        BOOST_TEST(response.body.size() == response.content_length());
        BOOST_TEST(parse_body(response).as_array().size() == 10u);
        BOOST_TEST((std::chrono::steady_clock::now() - started >= 250ms), "request " << request);
    }
}

BOOST_AUTO_TEST_CASE(stall_mid_body_leaves_half)
{
    emulator().set_faults({on_request(1, swr::stall_mid_body_fault{})});
    tls_client client(emulator());
    client_response stalled = client.fetch(page(0, 10), 400ms);
    BOOST_TEST((stalled.error == beast::error::timeout), stalled.error.message());
    BOOST_TEST(stalled.header_done);
    BOOST_TEST(stalled.body.size() == stalled.content_length() / 2);
}

BOOST_AUTO_TEST_CASE(reset_mid_headers_is_connection_reset)
{
    emulator().set_faults({on_request(1, swr::reset_mid_headers_fault{})});
    tls_client client(emulator());
    client_response reset = client.fetch(page(0, 10));
    BOOST_TEST((reset.error == asio::error::connection_reset), reset.error.message());
    BOOST_TEST(!reset.header_done);
}

BOOST_AUTO_TEST_CASE(reset_mid_body_is_connection_reset)
{
    emulator().set_faults({on_request(1, swr::reset_mid_body_fault{100})});
    tls_client client(emulator());
    client_response reset = client.fetch(page(0, 10));
    BOOST_TEST((reset.error == asio::error::connection_reset), reset.error.message());
    BOOST_TEST(reset.header_done);
    BOOST_TEST(reset.body.size() == 100u);
    BOOST_TEST(reset.content_length() > 100u);
}

BOOST_AUTO_TEST_CASE(short_body_is_partial_message)
{
    emulator().set_faults({on_request(1, swr::short_body_fault{})});
    tls_client client(emulator());
    client_response short_body = client.fetch(page(0, 10));
    BOOST_TEST((short_body.error == http::error::partial_message), short_body.error.message());
    BOOST_TEST(short_body.header_done);
    BOOST_TEST(short_body.body.size() == short_body.content_length() / 2);

    // Items are counted only for a response written in full.
    client.close();
    wait_until([&] { return emulator().stats().in_flight == 0; }, 5s, "the request to be counted");
    BOOST_TEST(emulator().stats().ok == 1u);
    BOOST_TEST(emulator().stats().items == 0u);
}

BOOST_AUTO_TEST_CASE(close_without_notify_is_stream_truncated)
{
    emulator().set_faults({on_request(1, swr::close_without_notify_fault{})});
    tls_client client(emulator());
    client_response truncated = client.fetch(page(0, 10));
    BOOST_TEST((truncated.error == ssl::error::stream_truncated), truncated.error.message());
    BOOST_TEST(truncated.header_done);
    BOOST_TEST(truncated.body.size() == truncated.content_length() / 2);
}

BOOST_AUTO_TEST_CASE(idle_close_at_once)
{
    emulator().set_faults({on_request(1, swr::idle_close_fault{0ms})});
    tls_client client(emulator());
    client_response first = client.fetch(page(0, 5));
    BOOST_TEST(first.status == 200u);
    BOOST_TEST(first.header("connection") == "(absent)");

    // The next request on the same connection finds it closed.
    beast::error_code sent = client.send(page(5, 5));
    client_response second = client.receive();
    beast::error_code error = sent ? sent : second.error;
    BOOST_TEST((error == http::error::end_of_stream || error == asio::error::broken_pipe), error.message());
    BOOST_TEST(!second.header_done);
}

BOOST_AUTO_TEST_CASE(idle_close_after_quiet_period)
{
    emulator().set_faults({on_request(1, swr::idle_close_fault{150ms}), on_request(2, swr::idle_close_fault{150ms})});
    tls_client client(emulator());

    // A request within the idle period is served on the same connection.
    BOOST_TEST(client.fetch(page(0, 5)).status == 200u);
    BOOST_TEST(client.fetch(page(5, 5)).status == 200u);

    // After a longer silence the server has closed it cleanly.
    std::this_thread::sleep_for(scaled(600ms));
    client_response closed = client.receive();
    BOOST_TEST((closed.error == http::error::end_of_stream), closed.error.message());
    BOOST_TEST(emulator().stats().connections == 1u);
    BOOST_TEST(emulator().stats().faults_by_action.idle_close == 2u);
}

BOOST_AUTO_TEST_CASE(trickle_arrives_in_many_reads)
{
    tls_client reference(emulator());
    client_response whole = reference.fetch(page(0, 2));
    BOOST_TEST_REQUIRE(whole.status == 200u);

    emulator().set_faults({on_request(1, swr::trickle_fault{64, 2ms})});
    tls_client client(emulator());
    BOOST_TEST_REQUIRE(!client.send(page(0, 2)));
    auto [raw, reads] = client.receive_counting_reads();

    // A page of two repositories in 64-byte writes, each its own TLS record.
    BOOST_TEST(reads >= 10, reads << " reads");
    std::size_t head_end = raw.find("\r\n\r\n");
    BOOST_TEST(raw.substr(head_end + 4) == whole.body);
    BOOST_TEST(raw.rfind("HTTP/1.1 200 OK\r\n", 0) == 0u);
}

BOOST_AUTO_TEST_CASE(page_size_cap_serves_fewer)
{
    emulator().set_faults({on_request(1, swr::page_size_cap_fault{7})});
    tls_client client(emulator());
    client_response capped = client.fetch(page(0, 100));
    BOOST_TEST(capped.header("content-range") == "0-7/237");
    BOOST_TEST(parse_body(capped).as_array().size() == 7u);

    client_response next = client.fetch(page(7, 100));
    BOOST_TEST(next.header("content-range") == "7-100/237");
}

BOOST_AUTO_TEST_CASE(mutate_shifts_next_page)
{
    tls_client client(emulator());
    client_response first = client.fetch(page(0, 100));
    BOOST_TEST(first.header("content-range") == "0-100/237");
    std::string name_95(parse_body(first).at(95).at("name").as_string());

    // Five new repositories at the front before page 2 is built: its total
    // grows and its first five records repeat the end of page 1.
    emulator().set_faults({on_request(1, swr::mutate_fault{0, 5, 0})});
    client_response second = client.fetch(page(100, 100));
    BOOST_TEST(second.header("content-range") == "100-100/242");
    json::value items = parse_body(second);
    BOOST_TEST(items.at(0).at("name").as_string() == name_95);
    BOOST_TEST(items.at(0).at("total_range").as_int64() == 242);

    client_response other_center = client.fetch(page(0, 1, "thirdparty"));
    BOOST_TEST(other_center.header("content-range") == "0-1/237");
}

BOOST_AUTO_TEST_CASE(content_range_wrong_or_missing)
{
    emulator().set_faults({on_request(1, swr::content_range_fault{"5-10/100"}), on_request(2, swr::content_range_fault{})});
    tls_client client(emulator());
    client_response wrong = client.fetch(page(0, 10));
    BOOST_TEST(wrong.header("content-range") == "5-10/100");
    BOOST_TEST(parse_body(wrong).as_array().size() == 10u);

    client_response missing = client.fetch(page(10, 10));
    BOOST_TEST(missing.header("content-range") == "(absent)");
    BOOST_TEST(parse_body(missing).as_array().size() == 10u);
}

BOOST_AUTO_TEST_CASE(offset_rule_every_time)
{
    swr::fault_rule rule;
    rule.offset = 20;
    rule.center = "self";
    rule.times = 0;
    rule.action = swr::status_fault{502, std::nullopt, {}};
    emulator().set_faults({rule});

    tls_client client(emulator());
    BOOST_TEST(client.fetch(page(0, 20)).status == 200u);
    BOOST_TEST(client.fetch(page(20, 20)).status == 502u);
    BOOST_TEST(client.fetch(page(20, 20)).status == 502u);
    BOOST_TEST(client.fetch(page(20, 20, "thirdparty")).status == 200u);
}

BOOST_AUTO_TEST_CASE(stats_endpoint_reports_faults)
{
    emulator().set_faults({on_request(1, swr::status_fault{503, std::nullopt, {}}), on_request(2, swr::page_size_cap_fault{1})});
    tls_client client(emulator());
    client.fetch(page(0, 5));
    client.fetch(page(0, 5));

    // /emulator/stats is not numbered, so the rule for request 3 would be next.
    json::value counters = parse_body(client.fetch("/emulator/stats"));
    BOOST_TEST(counters.at("faults").as_int64() == 2);
    BOOST_TEST(counters.at("faults_by_action").at("status").as_int64() == 1);
    BOOST_TEST(counters.at("faults_by_action").at("page_size_cap").as_int64() == 1);
}

BOOST_AUTO_TEST_CASE(invalid_rules_rejected_while_running)
{
    emulator().set_faults({on_request(1, swr::status_fault{503, std::nullopt, {}})});
    BOOST_CHECK_THROW(emulator().set_faults({on_request(1, swr::trickle_fault{0, 1ms})}), std::invalid_argument);

    // The rules in force are unchanged.
    tls_client client(emulator());
    BOOST_TEST(client.fetch(page(0, 1)).status == 503u);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(random_faults)

BOOST_AUTO_TEST_CASE(same_seed_same_outcomes)
{
    temporary_directory directory;
    swr::emulator_options options = base_options(directory);
    options.fault_probability = 0.5;
    options.fault_seed = 77;
    swr::emulator_thread server(options);

    // A new connection per request, because some faults end it.
    auto run = [&] {
        std::vector<std::string> outcomes;
        for (int i = 0; i < 30; ++i) {
            tls_client client(server.get());
            outcomes.push_back(outcome_of(client.fetch(page(0, 20))));
        }
        return outcomes;
    };
    std::vector<std::string> first = run();
    wait_until([&] { return server.get().stats().in_flight == 0; }, 5s, "every request to be counted");
    swr::emulator_stats stats = server.get().stats();

    int faulted = 0;
    for (const std::string& outcome : first) {
        bool known = outcome == "200" || outcome == "500" || outcome == "502" || outcome == "503" ||
                     outcome == "504" || outcome == "429/0" || outcome == "reset" || outcome == "short" ||
                     outcome == "truncated";
        BOOST_TEST(known, outcome);
        faulted += outcome == "200" ? 0 : 1;
    }
    BOOST_TEST(faulted > 0);
    BOOST_TEST(faulted < 30);
    BOOST_TEST(stats.faults == static_cast<std::uint64_t>(faulted));
    BOOST_TEST(stats.random_faults == static_cast<std::uint64_t>(faulted));

    // Restarting the numbering replays the same faults.
    server.get().set_faults({});
    BOOST_TEST((run() == first));
}

BOOST_AUTO_TEST_SUITE_END()
