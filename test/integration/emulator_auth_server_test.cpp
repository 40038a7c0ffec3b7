// The emulator's authentication over real TLS on 127.0.0.1: a Beast client in
// this file signs listings with its own small SDK-HMAC-SHA256 helper, requests
// IAM tokens, and checks what the emulator accepts and the 401s it sends.
// The last cases run the library's own AK/SK and IAM providers against it, so
// that the two independent implementations check each other.
//
// Time limits are multiplied by the environment variable
// SWR_TEST_TIMEOUT_SCALE (default 1), for valgrind and sanitizers.

#define BOOST_TEST_MODULE emulator_auth_server_test
#include <boost/test/unit_test.hpp>

#include <swr/client.hpp>
#include <swr/credentials.hpp>
#include <swr/emulator.hpp>
#include <swr/iam_credentials.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/use_future.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

#include <openssl/hmac.h>
#include <openssl/sha.h>
#include <openssl/ssl.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <future>
#include <map>
#include <mutex>
#include <stdexcept>
#include <string>
#include <string_view>
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

constexpr const char* test_access_key = "AKINTEGRATIONTEST001";
constexpr const char* test_secret_key = "SKintegrationSKintegrationSKintegration0";
constexpr const char* test_project_id = "0123456789abcdef0123456789abcdef";
constexpr const char* listing_target = "/v2/manage/shared-repositories?center=self&limit=10&offset=0";

double timeout_scale()
{
    const char* text = std::getenv("SWR_TEST_TIMEOUT_SCALE");
    double scale = text != nullptr ? std::atof(text) : 1.0;
    return scale > 0 ? scale : 1.0;
}

struct temporary_directory {
    temporary_directory()
    {
        std::string pattern = (fs::temp_directory_path() / "swr-emulator-auth-XXXXXX").string();
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
    std::string method = "GET";
    std::string target;
    std::vector<std::pair<std::string, std::string>> headers;
    std::string body;
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

std::string hex(const unsigned char* bytes, std::size_t size)
{
    std::string text;
    char pair[3];
    for (std::size_t i = 0; i < size; ++i) {
        std::snprintf(pair, sizeof pair, "%02x", bytes[i]);
        text += pair;
    }
    return text;
}

std::string sha256_hex(const std::string& data)
{
    unsigned char digest[SHA256_DIGEST_LENGTH];
    SHA256(reinterpret_cast<const unsigned char*>(data.data()), data.size(), digest);
    return hex(digest, sizeof digest);
}

std::string hmac_hex(const std::string& key, const std::string& data)
{
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int size = 0;
    HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()), reinterpret_cast<const unsigned char*>(data.data()),
         data.size(), digest, &size);
    return hex(digest, size);
}

std::string sdk_date(std::chrono::system_clock::time_point time)
{
    std::time_t seconds = std::chrono::system_clock::to_time_t(time);
    std::tm utc{};
    gmtime_r(&seconds, &utc);
    char text[20];
    std::strftime(text, sizeof text, "%Y%m%dT%H%M%SZ", &utc);
    return text;
}

// Signs a GET of `listing_target`, whose query is already in canonical form
// (sorted, unreserved characters only), so the canonical request is built by
// hand here rather than with either implementation under test.
client_request signed_listing(const std::string& host, const std::string& secret_key,
                              std::chrono::system_clock::time_point time = std::chrono::system_clock::now(),
                              const std::string& project_id = test_project_id)
{
    std::string date = sdk_date(time);
    std::string canonical = "GET\n/v2/manage/shared-repositories/\ncenter=self&limit=10&offset=0\n"
                            "host:" + host + "\nx-project-id:" + project_id + "\nx-sdk-date:" + date +
                            "\n\nhost;x-project-id;x-sdk-date\n" + sha256_hex("");
    std::string signature = hmac_hex(secret_key, "SDK-HMAC-SHA256\n" + date + "\n" + sha256_hex(canonical));

    client_request request;
    request.target = listing_target;
    request.headers = {
        {"Host", host},
        {"X-Project-Id", project_id},
        {"X-Sdk-Date", date},
        {"Authorization", std::string("SDK-HMAC-SHA256 Access=") + test_access_key +
                              ", SignedHeaders=host;x-project-id;x-sdk-date, Signature=" + signature},
    };
    return request;
}

client_request token_request(const std::string& password)
{
    client_request request;
    request.method = "POST";
    request.target = "/v3/auth/tokens";
    request.headers = {{"Content-Type", "application/json;charset=utf8"}};
    request.body = R"({"auth":{"identity":{"methods":["password"],"password":{"user":{"name":"alice","password":")" +
                   password + R"(","domain":{"name":"acme"}}}},"scope":{"project":{"name":"cn-north-4"}}}})";
    return request;
}

client_request with_token(const std::string& token)
{
    client_request request;
    request.target = listing_target;
    request.headers = {{"X-Auth-Token", token}};
    return request;
}

// g++ 12 at -O2 reports -Wmismatched-new-delete for this coroutine's frame,
// because it inlines the aligned_alloc() of Asio's frame operator new but does
// not follow Asio's operator delete to the matching free().
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
#endif

// Sends one request on a new TLS connection that verifies the emulator's CA and name.
asio::awaitable<client_reply> exchange(const swr::emulator& server, client_request request)
{
    auto executor = co_await asio::this_coro::executor;
    ssl::context context(ssl::context::tls_client);
    context.set_verify_mode(ssl::verify_peer);
    context.load_verify_file(server.ca_file());
    ssl::stream<beast::tcp_stream> stream(executor, context);
    stream.set_verify_callback(ssl::host_name_verification("localhost"));
    SSL_set_tlsext_host_name(stream.native_handle(), "localhost");

    tcp::endpoint endpoint(asio::ip::make_address(server.options().bind_address), server.port());
    co_await beast::get_lowest_layer(stream).async_connect(endpoint, asio::use_awaitable);
    co_await stream.async_handshake(ssl::stream_base::client, asio::use_awaitable);

    http::request<http::string_body> message{http::string_to_verb(request.method), request.target, 11};
    message.set(http::field::host, "127.0.0.1:" + std::to_string(server.port()));
    for (const auto& [name, value] : request.headers) {
        message.set(name, value);
    }
    message.body() = request.body;
    message.prepare_payload();
    co_await http::async_write(stream, message, asio::use_awaitable);

    beast::flat_buffer buffer;
    http::response_parser<http::string_body> parser;
    parser.header_limit(64 * 1024);
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

    beast::error_code ignored;
    beast::get_lowest_layer(stream).socket().shutdown(tcp::socket::shutdown_both, ignored);
    co_return reply;
}

#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif

client_reply fetch(const swr::emulator& server, client_request request)
{
    asio::io_context context;
    auto result = asio::co_spawn(context, exchange(server, std::move(request)), asio::use_future);
    auto limit = std::chrono::milliseconds(static_cast<std::int64_t>(10'000 * timeout_scale()));
    context.run_for(limit);
    if (result.wait_for(0s) != std::future_status::ready) {
        BOOST_FAIL("the exchange with the emulator did not finish within " << limit.count() << " ms");
    }
    return result.get();
}

// The server counts a response after writing it, so a client can read it first;
// returns the counters once no request is in flight.
swr::emulator_stats settled_stats(const swr::emulator& server)
{
    auto limit = std::chrono::milliseconds(static_cast<std::int64_t>(5'000 * timeout_scale()));
    auto deadline = std::chrono::steady_clock::now() + limit;
    while (server.stats().in_flight != 0 && std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(1ms);
    }
    swr::emulator_stats stats = server.stats();
    BOOST_TEST_REQUIRE(stats.in_flight == 0u, "a request is still in flight after 5 s");
    return stats;
}

std::string host_of(const swr::emulator& server)
{
    return "127.0.0.1:" + std::to_string(server.port());
}

std::string error_message(const client_reply& reply)
{
    return std::string(json::parse(reply.body).at("error_msg").as_string());
}

struct auth_emulator {
    explicit auth_emulator(std::chrono::seconds clock_skew = 0s) : server(make_options(clock_skew)) {}

    swr::emulator_options make_options(std::chrono::seconds clock_skew)
    {
        swr::emulator_options options;
        options.tls_dir = (directory.path / "tls").string();
        options.repositories = 25;
        options.access_key = test_access_key;
        options.secret_key = test_secret_key;
        options.project_id = test_project_id;
        options.clock_skew = clock_skew;
        options.iam_users = {{"alice", "alice-password", "acme"}};
        options.log = [this](std::string_view line) {
            std::lock_guard lock(log_mutex);
            log_lines.emplace_back(line);
        };
        return options;
    }

    // Whether any log line so far contains `secret`.
    bool logged(const std::string& secret)
    {
        std::lock_guard lock(log_mutex);
        for (const std::string& line : log_lines) {
            if (line.find(secret) != std::string::npos) {
                return true;
            }
        }
        return false;
    }

    std::size_t log_size()
    {
        std::lock_guard lock(log_mutex);
        return log_lines.size();
    }

    swr::emulator& get() { return server.get(); }

    std::mutex log_mutex;
    std::vector<std::string> log_lines;
    temporary_directory directory;
    swr::emulator_thread server;
};

}  // namespace

BOOST_AUTO_TEST_CASE(signed_listing_accepted)
{
    auth_emulator emulator;
    client_reply reply = fetch(emulator.get(), signed_listing(host_of(emulator.get()), test_secret_key));
    BOOST_TEST(reply.status == 200u);
    BOOST_TEST(reply.header("content-range") == "0-10/25");
}

BOOST_AUTO_TEST_CASE(wrong_secret_key_gets_verify_fail)
{
    auth_emulator emulator;
    client_reply reply = fetch(emulator.get(), signed_listing(host_of(emulator.get()), "not-the-secret-key"));
    BOOST_TEST(reply.status == 401u);
    json::value body = json::parse(reply.body);
    BOOST_TEST(body.at("error_code").as_string() == "APIG.0301");
    BOOST_TEST(body.at("error_msg").as_string() ==
               "Incorrect IAM authentication information: verify aksk signature fail");
    BOOST_TEST(!body.at("request_id").as_string().empty());
    BOOST_TEST(reply.body.find(test_secret_key) == std::string::npos);
    BOOST_TEST(emulator.log_size() > 0u);
    BOOST_TEST(!emulator.logged(test_secret_key));
    BOOST_TEST(settled_stats(emulator.get()).unauthorized == 1u);
}

BOOST_AUTO_TEST_CASE(wrong_project_rejected)
{
    auth_emulator emulator;
    // A valid signature over another project's id.
    client_request request = signed_listing(host_of(emulator.get()), test_secret_key, std::chrono::system_clock::now(),
                                            "ffffffffffffffffffffffffffffffff");
    client_reply reply = fetch(emulator.get(), request);
    BOOST_TEST(reply.status == 401u);
    BOOST_TEST(error_message(reply).find("X-Project-Id") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(skewed_clock_gets_signature_expired)
{
    // The emulator runs 20 minutes ahead, beyond the 15 allowed.
    auth_emulator emulator(20min);
    client_reply reply = fetch(emulator.get(), signed_listing(host_of(emulator.get()), test_secret_key));
    BOOST_TEST(reply.status == 401u);
    BOOST_TEST(json::parse(reply.body).at("error_code").as_string() == "APIG.0301");
    std::string message = error_message(reply);
    BOOST_TEST(message.find("signature") != std::string::npos);
    BOOST_TEST(message.find("expire") != std::string::npos);
    BOOST_TEST(reply.header("date") != "(absent)");
    BOOST_TEST(reply.header("date").ends_with(" GMT"));
}

BOOST_AUTO_TEST_CASE(skew_within_window_accepted)
{
    auth_emulator emulator(-10min);
    client_reply reply = fetch(emulator.get(), signed_listing(host_of(emulator.get()), test_secret_key));
    BOOST_TEST(reply.status == 200u);
}

BOOST_AUTO_TEST_CASE(issued_token_lists)
{
    auth_emulator emulator;
    client_reply issued = fetch(emulator.get(), token_request("alice-password"));
    BOOST_TEST_REQUIRE(issued.status == 201u);
    std::string token = issued.header("x-subject-token");
    BOOST_TEST(token.size() >= 4096u);
    BOOST_TEST(issued.header("date") != "(absent)");
    std::string expires_at(json::parse(issued.body).at("token").at("expires_at").as_string());
    BOOST_TEST(expires_at.size() == 27u);
    BOOST_TEST(expires_at.ends_with(".000000Z"));
    BOOST_TEST(issued.body.find(token) == std::string::npos);
    BOOST_TEST(issued.body.find("alice-password") == std::string::npos);

    client_reply listed = fetch(emulator.get(), with_token(token));
    BOOST_TEST(listed.status == 200u);
    BOOST_TEST(!emulator.logged(token));
    BOOST_TEST(!emulator.logged("alice-password"));
    BOOST_TEST(settled_stats(emulator.get()).token_requests == 1u);
}

BOOST_AUTO_TEST_CASE(wrong_password_gets_401)
{
    auth_emulator emulator;
    client_reply reply = fetch(emulator.get(), token_request("wrong-password"));
    BOOST_TEST(reply.status == 401u);
    BOOST_TEST(reply.header("x-subject-token") == "(absent)");
    json::value body = json::parse(reply.body);
    BOOST_TEST(body.at("error").at("code").as_int64() == 401);
    BOOST_TEST(reply.body.find("wrong-password") == std::string::npos);
    BOOST_TEST(emulator.logged("IAM token request rejected"));
    BOOST_TEST(!emulator.logged("wrong-password"));
    BOOST_TEST(settled_stats(emulator.get()).token_requests == 1u);
    BOOST_TEST(settled_stats(emulator.get()).unauthorized == 1u);
}

BOOST_AUTO_TEST_CASE(expired_tokens_get_token_expires)
{
    auth_emulator emulator;
    client_reply issued = fetch(emulator.get(), token_request("alice-password"));
    BOOST_TEST_REQUIRE(issued.status == 201u);
    std::string old_token = issued.header("x-subject-token");

    emulator.get().expire_tokens();
    client_reply rejected = fetch(emulator.get(), with_token(old_token));
    BOOST_TEST(rejected.status == 401u);
    BOOST_TEST(json::parse(rejected.body).at("error_code").as_string() == "APIG.0301");
    BOOST_TEST(error_message(rejected).find("token expires") != std::string::npos);

    // A token issued after the expiry works.
    client_reply renewed = fetch(emulator.get(), token_request("alice-password"));
    BOOST_TEST_REQUIRE(renewed.status == 201u);
    BOOST_TEST(fetch(emulator.get(), with_token(renewed.header("x-subject-token"))).status == 200u);
    BOOST_TEST(settled_stats(emulator.get()).token_requests == 2u);
}

BOOST_AUTO_TEST_CASE(unknown_token_rejected)
{
    auth_emulator emulator;
    client_reply reply = fetch(emulator.get(), with_token("never-issued"));
    BOOST_TEST(reply.status == 401u);
    BOOST_TEST(error_message(reply).find("not valid") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(missing_credentials_rejected)
{
    auth_emulator emulator;
    client_request request;
    request.target = listing_target;
    client_reply reply = fetch(emulator.get(), request);
    BOOST_TEST(reply.status == 401u);
}

namespace {

swr::client_options library_options(const swr::emulator& server,
                                    std::shared_ptr<swr::credentials_provider> credentials)
{
    swr::client_options options;
    options.endpoint = server.endpoint_url();
    options.tls.ca_file = server.ca_file();
    options.credentials = std::move(credentials);
    return options;
}

swr::shared_repositories_request self_listing()
{
    swr::shared_repositories_request request;
    request.center = swr::center::self;
    return request;
}

// Fetches the first page of `self` with `client`, failing the test after 20 s.
swr::page fetch_with(asio::io_context& io, swr::client& client)
{
    // fetch_page keeps a reference to the request, so it must outlive the coroutine.
    swr::shared_repositories_request request = self_listing();
    auto result = asio::co_spawn(io, client.fetch_page(request, 0, 10), asio::use_future);
    io.restart();
    io.run_for(std::chrono::milliseconds(static_cast<std::int64_t>(20'000 * timeout_scale())));
    if (result.wait_for(0s) != std::future_status::ready) {
        BOOST_FAIL("the library's fetch_page did not finish within 20 s");
    }
    return result.get();
}

swr::iam_password_options iam_options(const swr::emulator& server)
{
    swr::iam_password_options options;
    options.endpoint = server.endpoint_url();
    options.region = "cn-north-4";
    options.user_name = "alice";
    options.password = "alice-password";
    options.domain_name = "acme";
    options.tls.ca_file = server.ca_file();
    return options;
}

}  // namespace

BOOST_AUTO_TEST_CASE(library_aksk_client_accepted)
{
    auth_emulator emulator;
    asio::io_context io;
    swr::client client(io.get_executor(),
                       library_options(emulator.get(),
                                       swr::make_aksk_credentials(test_access_key, test_secret_key, test_project_id)));
    swr::page page = fetch_with(io, client);
    BOOST_TEST(page.items.size() == 10u);
    BOOST_TEST(settled_stats(emulator.get()).unauthorized == 0u);
}

BOOST_AUTO_TEST_CASE(library_aksk_client_corrects_skew)
{
    // The library measures the skew from the 401's Date header and signs once more.
    auth_emulator emulator(20min);
    asio::io_context io;
    swr::client client(io.get_executor(),
                       library_options(emulator.get(),
                                       swr::make_aksk_credentials(test_access_key, test_secret_key, test_project_id)));
    swr::page page = fetch_with(io, client);
    BOOST_TEST(page.items.size() == 10u);
    BOOST_TEST(settled_stats(emulator.get()).unauthorized == 1u);
}

BOOST_AUTO_TEST_CASE(library_iam_client_refreshes_expired_token)
{
    auth_emulator emulator;
    asio::io_context io;
    auto credentials = swr::make_iam_password_credentials(io.get_executor(), iam_options(emulator.get()));
    swr::client client(io.get_executor(), library_options(emulator.get(), credentials));
    BOOST_TEST(fetch_with(io, client).items.size() == 10u);
    BOOST_TEST(settled_stats(emulator.get()).token_requests == 1u);

    // After the expiry the next listing gets "token expires", and the library
    // fetches a new token and repeats the listing.
    emulator.get().expire_tokens();
    BOOST_TEST(fetch_with(io, client).items.size() == 10u);
    swr::emulator_stats stats = settled_stats(emulator.get());
    BOOST_TEST(stats.token_requests == 2u);
    BOOST_TEST(stats.unauthorized == 1u);
}
