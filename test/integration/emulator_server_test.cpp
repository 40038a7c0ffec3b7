// The emulator over real TLS on 127.0.0.1: a Beast client in this file,
// verifying the emulator's CA and host name, checks pages, errors,
// authentication, throttling, keep-alive, counters and shutdown.
//
// Time limits are multiplied by the environment variable
// SWR_TEST_TIMEOUT_SCALE (default 1), for valgrind and sanitizers.

#define BOOST_TEST_MODULE emulator_server_test
#include <boost/test/unit_test.hpp>

#include <swr/emulator.hpp>

#include "emulator/dataset.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/use_future.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

#include <openssl/ssl.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <future>
#include <limits>
#include <map>
#include <memory>
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
using swr::emulator_detail::sharing_center;

namespace {

constexpr const char* test_token = "integration-token-0123456789";

double timeout_scale()
{
    const char* text = std::getenv("SWR_TEST_TIMEOUT_SCALE");
    double scale = text != nullptr ? std::atof(text) : 1.0;
    return scale > 0 ? scale : 1.0;
}

std::chrono::milliseconds scaled(std::chrono::milliseconds limit)
{
    return std::chrono::milliseconds(static_cast<std::int64_t>(static_cast<double>(limit.count()) * timeout_scale()));
}

struct temporary_directory {
    temporary_directory()
    {
        std::string pattern = (fs::temp_directory_path() / "swr-emulator-it-XXXXXX").string();
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

struct client_request {
    std::string target;
    std::vector<std::pair<std::string, std::string>> headers;
    std::string method = "GET";
};

struct client_reply {
    unsigned status = 0;
    std::map<std::string, std::string> headers;  // lower-case names
    std::string body;

    std::string header(const std::string& name) const
    {
        auto found = headers.find(name);
        return found == headers.end() ? std::string("(absent)") : found->second;
    }
};

// Where to connect and which name the certificate must carry.
struct tls_target {
    std::string address = "127.0.0.1";
    std::uint16_t port = 0;
    std::string ca_file;
    std::string verify_name = "localhost";
};

tls_target target_of(const swr::emulator& server)
{
    return {server.options().bind_address, server.port(), server.ca_file(), "localhost"};
}

client_request get(std::string target, std::vector<std::pair<std::string, std::string>> headers = {})
{
    return {std::move(target), std::move(headers), "GET"};
}

client_request authorized(std::string target)
{
    return get(std::move(target), {{"X-Auth-Token", test_token}});
}

// g++ 12 at -O2 reports -Wmismatched-new-delete for this coroutine's frame,
// because it inlines the aligned_alloc() of Asio's frame operator new but does
// not follow Asio's operator delete to the matching free().
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
#endif

// Sends `requests` one after another on one TLS connection and reads each reply.
asio::awaitable<std::vector<client_reply>> exchange(tls_target target, std::vector<client_request> requests)
{
    auto executor = co_await asio::this_coro::executor;

    ssl::context context(ssl::context::tls_client);
    context.set_verify_mode(ssl::verify_peer);
    context.load_verify_file(target.ca_file);

    ssl::stream<beast::tcp_stream> stream(executor, context);
    stream.set_verify_callback(ssl::host_name_verification(target.verify_name));
    if (target.verify_name.find_first_not_of("0123456789.:") != std::string::npos) {
        SSL_set_tlsext_host_name(stream.native_handle(), target.verify_name.c_str());
    }

    tcp::endpoint endpoint(asio::ip::make_address(target.address), target.port);
    co_await beast::get_lowest_layer(stream).async_connect(endpoint, asio::use_awaitable);
    co_await stream.async_handshake(ssl::stream_base::client, asio::use_awaitable);

    std::vector<client_reply> replies;
    beast::flat_buffer buffer;
    for (const client_request& request : requests) {
        http::request<http::string_body> message{http::string_to_verb(request.method), request.target, 11};
        message.set(http::field::host, target.verify_name);
        for (const auto& [name, value] : request.headers) {
            message.set(name, value);
        }
        co_await http::async_write(stream, message, asio::use_awaitable);

        http::response_parser<http::string_body> parser;
        parser.body_limit(16 * 1024 * 1024);
        co_await http::async_read(stream, buffer, parser, asio::use_awaitable);

        client_reply reply;
        reply.status = parser.get().result_int();
        for (const auto& field : parser.get()) {
            std::string name(field.name_string());
            for (char& c : name) {
                c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
            }
            reply.headers[name] = std::string(field.value());
        }
        reply.body = parser.get().body();
        replies.push_back(std::move(reply));
    }

    beast::error_code ignored;
    beast::get_lowest_layer(stream).socket().shutdown(tcp::socket::shutdown_both, ignored);
    co_return replies;
}

#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif

// Runs `exchange` on a private io_context, failing the test after `limit`.
std::vector<client_reply> exchange_now(const tls_target& target, std::vector<client_request> requests,
                                       std::chrono::milliseconds limit = 10s)
{
    asio::io_context context;
    auto result = asio::co_spawn(context, exchange(target, std::move(requests)), asio::use_future);
    context.run_for(scaled(limit));
    if (result.wait_for(0s) != std::future_status::ready) {
        BOOST_FAIL("the exchange with the emulator did not finish within " << scaled(limit).count() << " ms");
    }
    return result.get();
}

client_reply fetch(const swr::emulator& server, client_request request)
{
    std::vector<client_request> requests;
    requests.push_back(std::move(request));
    return exchange_now(target_of(server), std::move(requests)).at(0);
}

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

swr::emulator_options base_options(const temporary_directory& directory)
{
    swr::emulator_options options;
    options.bind_address = "127.0.0.1";
    options.port = 0;
    options.tls_dir = (directory.path / "tls").string();
    options.repositories = 2537;
    options.token = test_token;
    return options;
}

// One emulator with 2537 generated repositories per center and a token.
struct emulator_fixture {
    emulator_fixture() : server(base_options(directory)) {}

    swr::emulator& emulator() { return server.get(); }

    temporary_directory directory;
    swr::emulator_thread server;
};

bool is_hex_id(const std::string& text)
{
    return text.size() == 32 && text.find_first_not_of("0123456789abcdef") == std::string::npos;
}

}  // namespace

BOOST_FIXTURE_TEST_SUITE(listing, emulator_fixture)

BOOST_AUTO_TEST_CASE(endpoint_and_ca_file)
{
    BOOST_TEST(emulator().port() != 0);
    BOOST_TEST(emulator().endpoint_url() == "https://127.0.0.1:" + std::to_string(emulator().port()));
    BOOST_TEST(emulator().ca_file() == (directory.path / "tls" / "ca.pem").string());
    BOOST_TEST(fs::exists(emulator().ca_file()));
}

BOOST_AUTO_TEST_CASE(last_page_items_exact)
{
    client_reply reply = fetch(
        emulator(), authorized("/v2/manage/shared-repositories?filter=center%3A%3Aself%7Climit%3A%3A100%7Coffset%3A%3A2500"));

    BOOST_TEST(reply.status == 200u);
    BOOST_TEST(reply.header("content-type") == "application/json;charset=utf8");
    BOOST_TEST(reply.header("content-range") == "2500-37/2537");
    BOOST_TEST(is_hex_id(reply.header("x-request-id")), reply.header("x-request-id"));

    // Every field of every item equals the generated record.
    auto expected = swr::emulator_detail::generate_repositories(sharing_center::self, 2537);
    json::value body = json::parse(reply.body);
    BOOST_TEST_REQUIRE(body.is_array());
    const json::array& items = body.as_array();
    BOOST_TEST_REQUIRE(items.size() == 37u);
    for (std::size_t i = 0; i < items.size(); ++i) {
        const auto& record = expected[2500 + i];
        const json::object& item = items[i].as_object();
        BOOST_TEST(item.at("name").as_string() == record.name);
        BOOST_TEST(item.at("category").as_string() == record.category);
        BOOST_TEST(item.at("description").as_string() == record.description);
        BOOST_TEST(item.at("size").as_int64() == record.size);
        BOOST_TEST(item.at("is_public").as_bool() == record.is_public);
        BOOST_TEST(item.at("num_images").as_int64() == record.num_images);
        BOOST_TEST(item.at("num_download").as_int64() == record.num_download);
        BOOST_TEST(item.at("created_at").as_string() == record.created_at);
        BOOST_TEST(item.at("updated_at").as_string() == record.updated_at);
        BOOST_TEST(item.at("logo").as_string() == record.logo);
        BOOST_TEST(item.at("url").as_string() == record.url);
        BOOST_TEST(item.at("path").as_string() == record.path);
        BOOST_TEST(item.at("internal_path").as_string() == record.internal_path);
        BOOST_TEST(item.at("domain_name").as_string() == record.domain_name);
        BOOST_TEST(item.at("namespace").as_string() == record.namespace_name);
        BOOST_TEST(item.at("tags").as_array().size() == record.tags.size());
        BOOST_TEST(item.at("status").as_bool() == record.status);
        BOOST_TEST(item.at("total_range").as_int64() == 2537);
        BOOST_TEST(item.size() == 18u);
    }
}

BOOST_AUTO_TEST_CASE(counts_above_2_53_exact)
{
    client_reply reply = fetch(emulator(), authorized("/v2/manage/shared-repositories?center=thirdparty&limit=3&offset=2003"));
    BOOST_TEST(reply.status == 200u);
    BOOST_TEST(reply.header("content-range") == "2003-3/2537");

    auto expected = swr::emulator_detail::generate_repositories(sharing_center::thirdparty, 2006);
    json::value body = json::parse(reply.body);
    const json::array& items = body.as_array();
    BOOST_TEST_REQUIRE(items.size() == 3u);
    BOOST_TEST(items[0].at("num_download").as_int64() == expected[2003].num_download);
    BOOST_TEST(expected[2003].num_download > (std::int64_t{1} << 53));
    BOOST_TEST(items[2].at("num_download").as_int64() == std::numeric_limits<std::int64_t>::max());
}

BOOST_AUTO_TEST_CASE(limit_above_1000_rejected)
{
    client_reply reply = fetch(emulator(), authorized("/v2/manage/shared-repositories?center=self&limit=1001&offset=0"));
    BOOST_TEST(reply.status == 400u);
    BOOST_TEST(is_hex_id(reply.header("x-request-id")));

    json::value body = json::parse(reply.body);
    BOOST_TEST(body.at("error_code").as_string() == "SVCSTG.SWR.4000056");
    BOOST_TEST(body.at("errors").at(0).at("errorCode").as_string() == "SVCSTG.SWR.4000056");
    BOOST_TEST(body.at("details").at(0).at("error_code").as_string() == "SVCSTG.SWR.4000056");
}

BOOST_AUTO_TEST_CASE(missing_center_rejected)
{
    client_reply reply = fetch(emulator(), authorized("/v2/manage/shared-repositories?limit=10"));
    BOOST_TEST(reply.status == 400u);
    BOOST_TEST(json::parse(reply.body).at("error_code").as_string() == "SVCSTG.SWR.4001036");
}

BOOST_AUTO_TEST_CASE(wrong_token_rejected_without_echo)
{
    const std::string wrong = "wrong-token-abcdef";
    client_reply reply = fetch(emulator(), get("/v2/manage/shared-repositories?center=self", {{"X-Auth-Token", wrong}}));
    BOOST_TEST(reply.status == 401u);
    json::value body = json::parse(reply.body);
    BOOST_TEST(body.at("error_code").as_string() == "APIG.0301");
    BOOST_TEST(body.at("request_id").as_string() == reply.header("x-request-id"));
    BOOST_TEST(reply.body.find(wrong) == std::string::npos);
    BOOST_TEST(reply.body.find(test_token) == std::string::npos);

    client_reply missing = fetch(emulator(), get("/v2/manage/shared-repositories?center=self"));
    BOOST_TEST(missing.status == 401u);
    BOOST_TEST(json::parse(missing.body).at("error_code").as_string() == "APIG.0301");
}

BOOST_AUTO_TEST_CASE(long_token_header_accepted)
{
    // Real IAM tokens are several KB, above Beast's default 8 KiB header limit.
    std::string long_token(20000, 'x');
    client_reply reply = fetch(emulator(), get("/v2/manage/shared-repositories?center=self&limit=1",
                                               {{"X-Auth-Token", long_token}}));
    BOOST_TEST(reply.status == 401u);

    // Beast caps one field value below 64 KiB, so two fields exceed the limit.
    std::string padding(40000, 'y');
    client_reply rejected = fetch(emulator(), get("/v2/manage/shared-repositories?center=self&limit=1",
                                                  {{"X-Padding-1", padding}, {"X-Padding-2", padding}}));
    BOOST_TEST(rejected.status == 431u);
}

BOOST_AUTO_TEST_CASE(unknown_path_and_method)
{
    BOOST_TEST(fetch(emulator(), authorized("/v2/manage/repos?center=self")).status == 404u);
    client_request post = authorized("/v2/manage/shared-repositories?center=self");
    post.method = "POST";
    client_reply reply = fetch(emulator(), post);
    BOOST_TEST(reply.status == 405u);
    BOOST_TEST(reply.header("allow") == "GET");
}

BOOST_AUTO_TEST_CASE(stats_count_each_outcome)
{
    emulator().reset_stats();

    // One connection, keep-alive: two pages, one bad request, one bad token.
    std::vector<client_request> requests = {
        authorized("/v2/manage/shared-repositories?center=self&limit=10&offset=0"),
        authorized("/v2/manage/shared-repositories?center=self&limit=10&offset=10"),
        authorized("/v2/manage/shared-repositories?center=self&limit=abc"),
        get("/v2/manage/shared-repositories?center=self", {{"X-Auth-Token", "nope"}}),
    };
    std::vector<client_reply> replies = exchange_now(target_of(emulator()), requests);
    BOOST_TEST_REQUIRE(replies.size() == 4u);
    BOOST_TEST(replies[0].header("content-range") == "0-10/2537");
    BOOST_TEST(replies[1].header("content-range") == "10-10/2537");
    BOOST_TEST(replies[0].header("x-request-id") != replies[1].header("x-request-id"));

    // The server counts the end of a request after writing it; wait for the last one.
    wait_until([&] { return emulator().stats().in_flight == 0; }, 5s, "in_flight to drop to 0");
    swr::emulator_stats stats = emulator().stats();
    BOOST_TEST(stats.requests == 4u);
    BOOST_TEST(stats.connections == 1u);
    BOOST_TEST(stats.ok == 2u);
    BOOST_TEST(stats.items == 20u);
    BOOST_TEST(stats.bad_requests == 1u);
    BOOST_TEST(stats.unauthorized == 1u);
    BOOST_TEST(stats.throttled == 0u);
    BOOST_TEST(stats.max_in_flight == 1u);
    BOOST_TEST(emulator().request_times().size() == 4u);

    // The stats endpoint needs no token and is not counted itself.
    client_reply endpoint = fetch(emulator(), get("/emulator/stats"));
    BOOST_TEST(endpoint.status == 200u);
    json::value counters = json::parse(endpoint.body);
    BOOST_TEST(counters.at("requests").as_int64() == 4);
    BOOST_TEST(counters.at("ok").as_int64() == 2);
    BOOST_TEST(counters.at("unauthorized").as_int64() == 1);
    BOOST_TEST(counters.at("connections").as_int64() == 2);
    BOOST_TEST(emulator().stats().requests == 4u);
}

BOOST_AUTO_TEST_CASE(wrong_host_name_fails_handshake)
{
    emulator().reset_stats();
    tls_target target = target_of(emulator());
    target.verify_name = "example.com";
    BOOST_CHECK_THROW(exchange_now(target, {get("/emulator/stats")}), boost::system::system_error);
    wait_until([&] { return emulator().stats().tls_failures == 1; }, 5s, "the TLS failure to be counted");

    // The address in the subjectAltName verifies too.
    target.verify_name = "127.0.0.1";
    BOOST_TEST(exchange_now(target, {get("/emulator/stats")}).at(0).status == 200u);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(behaviour)

BOOST_AUTO_TEST_CASE(rate_limit_throttles)
{
    temporary_directory directory;
    swr::emulator_options options = base_options(directory);
    options.token.clear();
    options.rate_limit = 0.5;
    options.rate_burst = 2;
    swr::emulator_thread server(options);

    std::vector<client_reply> replies = exchange_now(
        target_of(server.get()), {get("/v2/manage/shared-repositories?center=self&limit=1"),
                                  get("/v2/manage/shared-repositories?center=self&limit=1"),
                                  get("/v2/manage/shared-repositories?center=self&limit=1")});
    BOOST_TEST(replies.at(0).status == 200u);
    BOOST_TEST(replies.at(1).status == 200u);
    BOOST_TEST(replies.at(2).status == 429u);
    json::value body = json::parse(replies.at(2).body);
    BOOST_TEST(body.at("error_code").as_string() == "APIG.0308");
    BOOST_TEST(body.at("error_msg").as_string() == "policy user over ratelimit,limit:0.5,time:1 second");
    wait_until([&] { return server.get().stats().throttled == 1; }, 5s, "the throttled request to be counted");
}

BOOST_AUTO_TEST_CASE(concurrent_requests_counted_in_flight)
{
    temporary_directory directory;
    swr::emulator_options options = base_options(directory);
    options.latency = scaled(300ms);
    swr::emulator_thread server(options, 2);

    // Four connections at once; the latency keeps all four in flight together.
    asio::io_context context;
    std::vector<std::future<std::vector<client_reply>>> results;
    for (int i = 0; i < 4; ++i) {
        results.push_back(asio::co_spawn(
            context, exchange(target_of(server.get()), {authorized("/v2/manage/shared-repositories?center=self&limit=5")}),
            asio::use_future));
    }
    auto started = std::chrono::steady_clock::now();
    context.run_for(scaled(20s));
    auto elapsed = std::chrono::steady_clock::now() - started;

    for (auto& result : results) {
        BOOST_TEST_REQUIRE((result.wait_for(0s) == std::future_status::ready));
        BOOST_TEST(result.get().at(0).status == 200u);
    }
    BOOST_TEST(elapsed >= options.latency);
    wait_until([&] { return server.get().stats().in_flight == 0; }, 5s, "in_flight to drop to 0");
    BOOST_TEST(server.get().stats().max_in_flight == 4u);
    BOOST_TEST(server.get().stats().connections == 4u);
    BOOST_TEST(server.get().stats().requests == 4u);
}

BOOST_AUTO_TEST_CASE(data_file_served)
{
    temporary_directory directory;
    swr::emulator_options options = base_options(directory);
    options.repositories = 0;
    options.data_file = SWR_TEST_DATA_DIR "/shared-repositories.json";
    options.token.clear();
    swr::emulator_thread server(options);

    client_reply reply = fetch(server.get(), get("/v2/manage/shared-repositories?center=self&limit=1&offset=0"));
    BOOST_TEST(reply.status == 200u);
    BOOST_TEST(reply.header("content-range") == "0-1/700");
    json::value body = json::parse(reply.body);
    BOOST_TEST(body.at(0).at("name").as_string() == "nginx");
    BOOST_TEST(body.at(0).at("description").as_string() == "内部使用的基础镜像");
    BOOST_TEST(body.at(0).at("total_range").as_int64() == 700);

    client_reply thirdparty = fetch(server.get(), get("/v2/manage/shared-repositories?center=thirdparty"));
    BOOST_TEST(thirdparty.header("content-range") == "(absent)");
    BOOST_TEST(json::parse(thirdparty.body).as_array().size() == 537u);
}

BOOST_AUTO_TEST_CASE(stop_closes_idle_connections)
{
    temporary_directory directory;
    auto server = std::make_unique<swr::emulator_thread>(base_options(directory));
    tls_target target = target_of(server->get());

    // Leave a keep-alive connection open and idle, then stop.
    asio::io_context context;
    ssl::context tls(ssl::context::tls_client);
    tls.set_verify_mode(ssl::verify_peer);
    tls.load_verify_file(target.ca_file);
    ssl::stream<beast::tcp_stream> stream(context, tls);
    stream.set_verify_callback(ssl::host_name_verification("localhost"));
    beast::get_lowest_layer(stream).connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), target.port));
    stream.handshake(ssl::stream_base::client);
    wait_until([&] { return server->get().stats().open_connections == 1; }, 5s, "the connection to be accepted");

    auto started = std::chrono::steady_clock::now();
    server.reset();
    auto elapsed = std::chrono::steady_clock::now() - started;
    BOOST_TEST(elapsed < 4s, "stopping took " << std::chrono::duration_cast<std::chrono::milliseconds>(elapsed).count()
                                              << " ms");

    // The idle connection was closed by the server.
    beast::flat_buffer buffer;
    http::response<http::string_body> response;
    beast::error_code error;
    http::read(stream, buffer, response, error);
    BOOST_TEST(error.failed());
}

BOOST_AUTO_TEST_CASE(ipv6_loopback)
{
    temporary_directory directory;
    swr::emulator_options options = base_options(directory);
    options.bind_address = "::1";
    options.token.clear();

    std::unique_ptr<swr::emulator_thread> server;
    try {
        server = std::make_unique<swr::emulator_thread>(options);
    } catch (const std::runtime_error& e) {
        BOOST_TEST_MESSAGE("skipped: IPv6 loopback is not available here: " << e.what());
        return;
    }
    BOOST_TEST(server->get().endpoint_url() == "https://[::1]:" + std::to_string(server->get().port()));
    client_reply reply = fetch(server->get(), get("/v2/manage/shared-repositories?center=self&limit=2"));
    BOOST_TEST(reply.status == 200u);
    BOOST_TEST(reply.header("content-range") == "0-2/2537");
}

BOOST_AUTO_TEST_CASE(invalid_options_rejected)
{
    swr::emulator_options options;
    options.tls_dir = "/tmp/unused";
    options.bind_address = "0.0.0.0";
    BOOST_CHECK_THROW(swr::emulator_thread server(options), std::invalid_argument);
}

BOOST_AUTO_TEST_SUITE_END()
