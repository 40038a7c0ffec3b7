// HTTPS through an HTTP CONNECT proxy: the library against a small proxy
// written here, which tunnels to the emulator, all on 127.0.0.1.
//
// The proxy records each CONNECT request and the SNI of the ClientHello sent
// through the tunnel, can require Basic credentials, reject, close or never
// respond, and always tunnels to a fixed loopback port, whatever host the
// request names. Host names such as `swr.proxy-test.invalid` are therefore
// only sent to the proxy and never resolved: `.invalid` cannot resolve
// (RFC 6761), so a client that bypassed the proxy would fail.

#define BOOST_TEST_MODULE proxy_tunnel
#include "support/fixture.hpp"

#include <swr/client.hpp>
#include <swr/emulator.hpp>
#include <swr/iam_credentials.hpp>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/test/unit_test.hpp>

#include <openssl/evp.h>

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <initializer_list>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using namespace std::chrono_literals;
using swr::test::client_defaults;
using swr::test::emulator_defaults;
using swr::test::run_until_done;
using swr::test::temp_dir;
using swr::test::self_request;

namespace {

constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);
constexpr std::int64_t repository_count = 120;
constexpr std::string_view proxy_password = "tunnel-pass-5e8d";

std::string base64(std::string_view plain)
{
    std::string encoded(4 * ((plain.size() + 2) / 3) + 1, '\0');
    int length = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(encoded.data()),
                                 reinterpret_cast<const unsigned char*>(plain.data()), static_cast<int>(plain.size()));
    encoded.resize(static_cast<std::size_t>(length));
    return encoded;
}

bool contains(const std::string& text, std::string_view part)
{
    return text.find(part) != std::string::npos;
}

// Returns the server name of a TLS ClientHello record, or an empty string
// when it has none or the bytes are not a ClientHello.
std::string server_name_indication(std::string_view record)
{
    auto byte = [&](std::size_t at) -> std::size_t {
        return at < record.size() ? static_cast<unsigned char>(record[at]) : 0;
    };
    auto two = [&](std::size_t at) { return byte(at) << 8 | byte(at + 1); };
    if (byte(0) != 0x16 || byte(5) != 0x01)
        return {};

    // Record header 5, handshake header 4, version 2, random 32.
    std::size_t at = 5 + 4 + 2 + 32;
    at += 1 + byte(at);  // session id
    at += 2 + two(at);   // cipher suites
    at += 1 + byte(at);  // compression methods
    std::size_t end = std::min(record.size(), at + 2 + two(at));
    at += 2;
    while (at + 4 <= end) {
        std::size_t type = two(at);
        std::size_t length = two(at + 2);
        if (type == 0) {
            // server_name: list length 2, name type 1, name length 2, name.
            std::size_t name_length = two(at + 4 + 3);
            return std::string(record.substr(at + 4 + 5, name_length));
        }
        at += 4 + length;
    }
    return {};
}

// A CONNECT proxy on 127.0.0.1 with its own thread.
class connect_proxy {
public:
    struct settings {
        std::uint16_t tunnel_port = 0;       // every tunnel goes to 127.0.0.1 on this port
        std::string required_authorization;  // expected Proxy-Authorization; empty: none required
        int reject_status = 0;               // respond to every CONNECT with this status; 0: tunnel
        std::size_t close_first = 0;         // close this many connections without a response
        bool never_respond = false;           // read CONNECT and then wait until destroyed
    };

    struct record {
        std::string request_line;
        std::string host;
        std::string authorization;
        std::string server_name;  // SNI of the ClientHello sent through the tunnel
    };

    explicit connect_proxy(settings options)
        : options_(std::move(options)), acceptor_(io_, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0))
    {
        asio::co_spawn(io_, accept_loop(), asio::detached);
        thread_ = std::thread([this] { io_.run(); });
    }

    ~connect_proxy()
    {
        io_.stop();
        thread_.join();
    }

    connect_proxy(const connect_proxy&) = delete;
    connect_proxy& operator=(const connect_proxy&) = delete;

    std::string url() const { return "http://127.0.0.1:" + std::to_string(acceptor_.local_endpoint().port()); }

    std::vector<record> records() const
    {
        std::lock_guard lock(mutex_);
        return records_;
    }

    std::size_t connects() const
    {
        std::lock_guard lock(mutex_);
        return records_.size();
    }

private:
    asio::awaitable<void> accept_loop()
    {
        for (;;) {
            auto [ec, socket] = co_await acceptor_.async_accept(use_tuple);
            if (ec)
                co_return;
            asio::co_spawn(io_, serve(std::make_shared<tcp::socket>(std::move(socket))), asio::detached);
        }
    }

    static record parse_request(std::string_view head)
    {
        record result;
        result.request_line = std::string(head.substr(0, head.find("\r\n")));
        std::size_t at = head.find("\r\n") + 2;
        while (at < head.size()) {
            std::size_t end = head.find("\r\n", at);
            std::string_view line = head.substr(at, end - at);
            at = end + 2;
            auto colon = line.find(':');
            if (colon == std::string_view::npos)
                continue;
            std::string name(line.substr(0, colon));
            std::string value(line.substr(line.find_first_not_of(' ', colon + 1)));
            for (char& c : name)
                c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
            if (name == "host")
                result.host = value;
            if (name == "proxy-authorization")
                result.authorization = value;
        }
        return result;
    }

    std::size_t add_record(record value)
    {
        std::lock_guard lock(mutex_);
        records_.push_back(std::move(value));
        return records_.size();
    }

    static std::string reason(int status)
    {
        switch (status) {
        case 403: return "Forbidden";
        case 407: return "Proxy Authentication Required";
        case 502: return "Bad Gateway";
        case 503: return "Service Unavailable";
        default: return "Error";
        }
    }

    asio::awaitable<void> serve(std::shared_ptr<tcp::socket> client)
    {
        std::string buffer;
        auto [read_ec, head_size] =
            co_await asio::async_read_until(*client, asio::dynamic_buffer(buffer, 16 * 1024), "\r\n\r\n", use_tuple);
        if (read_ec)
            co_return;
        std::size_t number = add_record(parse_request(std::string_view(buffer).substr(0, head_size)));
        buffer.erase(0, head_size);

        if (number <= options_.close_first) {
            client->close();
            co_return;
        }
        if (options_.never_respond) {
            asio::steady_timer forever(io_, std::chrono::hours(1));
            co_await forever.async_wait(use_tuple);
            co_return;
        }

        int status = options_.reject_status;
        if (status == 0 && !options_.required_authorization.empty() &&
            records()[number - 1].authorization != options_.required_authorization)
            status = 407;
        if (status != 0) {
            std::string response = "HTTP/1.1 " + std::to_string(status) + " " + reason(status) + "\r\n";
            if (status == 407)
                response += "Proxy-Authenticate: Basic realm=\"swr-test\"\r\n";
            response += "Content-Length: 0\r\nConnection: close\r\n\r\n";
            co_await asio::async_write(*client, asio::buffer(response), use_tuple);
            client->close();
            co_return;
        }
        co_await tunnel(client, std::move(buffer), number);
    }

    asio::awaitable<void> tunnel(std::shared_ptr<tcp::socket> client, std::string buffer, std::size_t number)
    {
        auto upstream = std::make_shared<tcp::socket>(io_);
        auto [connect_ec] = co_await upstream->async_connect(
            tcp::endpoint(asio::ip::make_address("127.0.0.1"), options_.tunnel_port), use_tuple);
        if (connect_ec) {
            std::string response = "HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n";
            co_await asio::async_write(*client, asio::buffer(response), use_tuple);
            co_return;
        }
        std::string established = "HTTP/1.1 200 Connection established\r\n\r\n";
        auto [write_ec, written] = co_await asio::async_write(*client, asio::buffer(established), use_tuple);
        if (write_ec)
            co_return;

        // Read the whole first TLS record, the ClientHello, to see its SNI.
        auto record_complete = [&] {
            if (buffer.size() < 5)
                return false;
            std::size_t length = static_cast<unsigned char>(buffer[3]) << 8 | static_cast<unsigned char>(buffer[4]);
            return buffer.size() >= 5 + length;
        };
        while (!record_complete()) {
            char chunk[4096];
            auto [ec, size] = co_await client->async_read_some(asio::buffer(chunk), use_tuple);
            if (ec)
                co_return;
            buffer.append(chunk, size);
        }
        {
            std::lock_guard lock(mutex_);
            records_[number - 1].server_name = server_name_indication(buffer);
        }
        co_await asio::async_write(*upstream, asio::buffer(buffer), use_tuple);

        asio::co_spawn(io_, pump(upstream, client), asio::detached);
        co_await pump(client, upstream);
    }

    // Copies bytes from `from` to `to` until either side fails, then closes both.
    static asio::awaitable<void> pump(std::shared_ptr<tcp::socket> from, std::shared_ptr<tcp::socket> to)
    {
        char chunk[16 * 1024];
        for (;;) {
            auto [read_ec, size] = co_await from->async_read_some(asio::buffer(chunk), use_tuple);
            if (read_ec)
                break;
            auto [write_ec, written] = co_await asio::async_write(*to, asio::buffer(chunk, size), use_tuple);
            if (write_ec)
                break;
        }
        boost::system::error_code ignored;
        from->close(ignored);
        to->close(ignored);
    }

    settings options_;
    asio::io_context io_;
    tcp::acceptor acceptor_;
    std::thread thread_;
    mutable std::mutex mutex_;
    std::vector<record> records_;
};

// Settings of a proxy that tunnels to 127.0.0.1:`port` and requires nothing.
connect_proxy::settings tunnel_to(std::uint16_t port)
{
    connect_proxy::settings settings;
    settings.tunnel_port = port;
    return settings;
}

struct served_emulator {
    explicit served_emulator(std::int64_t repositories = repository_count)
        : server([&] {
              auto options = emulator_defaults(dir);
              options.repositories = repositories;
              return options;
          }())
    {
    }

    std::uint16_t port() const { return server.get().port(); }

    temp_dir dir;
    swr::emulator_thread server;
};

// Client options for the emulator through `proxy`, with short retry delays.
swr::client_options proxied_options(const served_emulator& emulator, const connect_proxy& proxy)
{
    swr::client_options options = client_defaults(emulator.server.get());
    options.proxy.url = proxy.url();
    options.backoff.initial = 1ms;
    options.backoff.max = 5ms;
    return options;
}

struct scan_result {
    std::multiset<std::string> keys;
    swr::scan_summary summary;
};

scan_result scan_all(swr::client_options options)
{
    asio::io_context io;
    swr::client client(io.get_executor(), std::move(options));
    scan_result result;
    run_until_done(io, [&]() -> asio::awaitable<void> {
        swr::scan_options scan;
        scan.page_size = 25;
        scan.max_in_flight = 3;
        auto stream = client.scan(self_request(), scan);
        while (auto page = co_await stream.next()) {
            for (const auto& item : page->items)
                result.keys.insert(item.namespace_name + "/" + item.name);
        }
        result.summary = stream.summary();
    }());
    return result;
}

void check_complete(const scan_result& result)
{
    BOOST_TEST(result.summary.complete);
    BOOST_TEST(result.summary.items == repository_count);
    BOOST_TEST(result.keys.size() == static_cast<std::size_t>(repository_count));
    std::set<std::string> unique(result.keys.begin(), result.keys.end());
    BOOST_TEST(unique.size() == result.keys.size(), "an item arrived more than once");
}

// The outcome of one page request that is expected to fail.
struct failure {
    boost::system::error_code ec;
    swr::error_info info;
    std::string error_text;
};

failure fetch_failure(swr::client_options options)
{
    asio::io_context io;
    swr::client client(io.get_executor(), std::move(options));
    failure result;
    run_until_done(io, [&]() -> asio::awaitable<void> {
        try {
            co_await client.fetch_page(self_request(), 0, 10);
        } catch (const swr::exception& error) {
            result.ec = error.code();
            result.info = error.info();
            result.error_text = error.what();
        }
    }());
    BOOST_TEST_REQUIRE(result.ec.failed(), "the request through the proxy succeeded");
    return result;
}

// Sets environment variables for a scope and restores the old values.
class scoped_environment {
public:
    scoped_environment(std::initializer_list<std::pair<std::string, std::optional<std::string>>> values)
    {
        for (const auto& [name, value] : values) {
            const char* old = std::getenv(name.c_str());
            saved_.emplace_back(name, old ? std::optional<std::string>(old) : std::nullopt);
            if (value)
                ::setenv(name.c_str(), value->c_str(), 1);
            else
                ::unsetenv(name.c_str());
        }
    }

    ~scoped_environment()
    {
        for (const auto& [name, value] : saved_) {
            if (value)
                ::setenv(name.c_str(), value->c_str(), 1);
            else
                ::unsetenv(name.c_str());
        }
    }

    scoped_environment(const scoped_environment&) = delete;
    scoped_environment& operator=(const scoped_environment&) = delete;

private:
    std::vector<std::pair<std::string, std::optional<std::string>>> saved_;
};

// Outcome of one swr-shared-repos run.
struct cli_run {
    int exit_status = -1;
    std::string output;
    std::string errors;
};

std::string read_file(const std::filesystem::path& path)
{
    std::ifstream file(path, std::ios::binary);
    std::ostringstream content;
    content << file.rdbuf();
    return content.str();
}

// Runs swr-shared-repos (SWR_CLI_PATH) with `arguments`, in this process's
// environment without any proxy variable, plus `variables`. Kills it after 120 s.
cli_run run_cli(const temp_dir& dir, std::vector<std::string> arguments,
                const std::map<std::string, std::string>& variables)
{
    static int counter = 0;
    ++counter;
    auto out_path = dir.path() / ("cli-" + std::to_string(counter) + ".out");
    auto err_path = dir.path() / ("cli-" + std::to_string(counter) + ".err");

    std::vector<std::string> environment;
    for (char** entry = environ; *entry != nullptr; ++entry) {
        std::string text = *entry;
        std::string name = text.substr(0, text.find('='));
        std::string lower = name;
        std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
        if (!lower.ends_with("_proxy") && !variables.contains(name))
            environment.push_back(text);
    }
    for (const auto& [name, value] : variables)
        environment.push_back(name + "=" + value);

    arguments.insert(arguments.begin(), SWR_CLI_PATH);
    std::vector<char*> argv;
    for (std::string& argument : arguments)
        argv.push_back(argument.data());
    argv.push_back(nullptr);
    std::vector<char*> envp;
    for (std::string& variable : environment)
        envp.push_back(variable.data());
    envp.push_back(nullptr);

    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    pid_t pid = -1;
    int error = ::posix_spawn(&pid, argv[0], &actions, nullptr, argv.data(), envp.data());
    posix_spawn_file_actions_destroy(&actions);
    BOOST_TEST_REQUIRE(error == 0, "cannot start " << argv[0] << ": " << std::strerror(error));

    int status = 0;
    bool exited = false;
    auto deadline = std::chrono::steady_clock::now() + swr::test::scaled(120s);
    while (!exited && std::chrono::steady_clock::now() < deadline) {
        exited = ::waitpid(pid, &status, WNOHANG) == pid;
        if (!exited)
            std::this_thread::sleep_for(10ms);
    }
    if (!exited) {
        ::kill(pid, SIGKILL);
        ::waitpid(pid, &status, 0);
    }

    cli_run run;
    run.output = read_file(out_path);
    run.errors = read_file(err_path);
    BOOST_TEST_REQUIRE(exited, "swr-shared-repos did not exit in time; stderr:\n" << run.errors);
    run.exit_status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    return run;
}

// Arguments of a listing of the emulator's own repositories as NDJSON.
std::vector<std::string> cli_arguments(const served_emulator& emulator)
{
    return {"--endpoint", emulator.server.get().endpoint_url(), "--ca-file", emulator.server.get().ca_file(),
            "--center",   "self",                               "--format",  "ndjson",
            "--page-size", "25",                                "--log-level", "debug"};
}

}  // namespace

BOOST_AUTO_TEST_SUITE(tunnel)

BOOST_AUTO_TEST_CASE(scan_delivers_every_item_once)
{
    served_emulator emulator;
    connect_proxy proxy(tunnel_to(emulator.port()));

    scan_result result = scan_all(proxied_options(emulator, proxy));

    check_complete(result);
    std::string authority = "127.0.0.1:" + std::to_string(emulator.port());
    auto records = proxy.records();
    BOOST_TEST_REQUIRE(!records.empty());
    for (const auto& record : records) {
        BOOST_TEST(record.request_line == "CONNECT " + authority + " HTTP/1.1");
        BOOST_TEST(record.host == authority);
        BOOST_TEST(record.authorization.empty());
        BOOST_TEST(record.server_name.empty(), "SNI is not sent for an IP address");
    }
    BOOST_TEST(emulator.server.get().stats().connections == records.size());
}

BOOST_AUTO_TEST_CASE(sni_names_endpoint_not_proxy)
{
    served_emulator emulator;
    connect_proxy proxy(tunnel_to(emulator.port()));
    swr::client_options options = proxied_options(emulator, proxy);
    options.endpoint = "https://localhost:" + std::to_string(emulator.port());

    scan_result result = scan_all(options);

    check_complete(result);
    auto records = proxy.records();
    BOOST_TEST_REQUIRE(!records.empty());
    BOOST_TEST(records[0].request_line == "CONNECT localhost:" + std::to_string(emulator.port()) + " HTTP/1.1");
    BOOST_TEST(records[0].server_name == "localhost");
}

BOOST_AUTO_TEST_CASE(endpoint_name_resolved_by_proxy)
{
    served_emulator emulator;
    connect_proxy proxy(tunnel_to(emulator.port()));
    swr::client_options options = proxied_options(emulator, proxy);
    options.endpoint = "https://swr.proxy-test.invalid:" + std::to_string(emulator.port());
    options.tls.server_name = "localhost";

    scan_result result = scan_all(options);

    check_complete(result);
    auto records = proxy.records();
    BOOST_TEST_REQUIRE(!records.empty());
    BOOST_TEST(records[0].host == "swr.proxy-test.invalid:" + std::to_string(emulator.port()));
    BOOST_TEST(records[0].server_name == "localhost");
}

BOOST_AUTO_TEST_CASE(ipv6_endpoint_authority_bracketed)
{
    served_emulator emulator;
    connect_proxy proxy(tunnel_to(emulator.port()));
    swr::client_options options = proxied_options(emulator, proxy);
    options.endpoint = "https://[::1]:" + std::to_string(emulator.port());
    options.tls.server_name = "127.0.0.1";

    scan_result result = scan_all(options);

    check_complete(result);
    auto records = proxy.records();
    BOOST_TEST_REQUIRE(!records.empty());
    BOOST_TEST(records[0].request_line == "CONNECT [::1]:" + std::to_string(emulator.port()) + " HTTP/1.1");
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(certificates)

BOOST_AUTO_TEST_CASE(certificate_checked_against_endpoint_name)
{
    served_emulator emulator;
    connect_proxy proxy(tunnel_to(emulator.port()));
    swr::client_options options = proxied_options(emulator, proxy);
    options.endpoint = "https://swr.proxy-test.invalid:" + std::to_string(emulator.port());

    failure result = fetch_failure(options);

    BOOST_TEST((result.ec.category() != swr::category()), result.ec.message());
    BOOST_TEST(contains(result.error_text, "not valid for host name swr.proxy-test.invalid"), result.error_text);
    BOOST_TEST(proxy.connects() == 1u, "a certificate failure is not retried");
    BOOST_TEST(proxy.records()[0].server_name == "swr.proxy-test.invalid");
}

BOOST_AUTO_TEST_CASE(tunnel_to_other_server_fails_verification)
{
    served_emulator emulator;
    served_emulator impostor;  // its own throwaway CA, which the client does not trust
    connect_proxy proxy(tunnel_to(impostor.port()));
    swr::client_options options = proxied_options(emulator, proxy);
    options.endpoint = "https://localhost:" + std::to_string(emulator.port());

    failure result = fetch_failure(options);

    BOOST_TEST((result.ec.category() != swr::category()), result.ec.message());
    BOOST_TEST(contains(result.error_text, "TLS certificate verification failed for localhost"), result.error_text);
    BOOST_TEST(impostor.server.get().stats().requests == 0u);
    BOOST_TEST(emulator.server.get().stats().connections == 0u);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(authentication)

BOOST_AUTO_TEST_CASE(basic_credentials_accepted)
{
    served_emulator emulator;
    std::string expected = "Basic " + base64("alice:" + std::string(proxy_password));
    connect_proxy::settings proxy_settings = tunnel_to(emulator.port());
    proxy_settings.required_authorization = expected;
    connect_proxy proxy(proxy_settings);
    swr::client_options options = proxied_options(emulator, proxy);
    options.proxy.url = "http://alice:" + std::string(proxy_password) + "@" + proxy.url().substr(7);

    scan_result result = scan_all(options);

    check_complete(result);
    for (const auto& record : proxy.records())
        BOOST_TEST(record.authorization == expected);
}

BOOST_AUTO_TEST_CASE(credential_fields_accepted)
{
    served_emulator emulator;
    std::string expected = "Basic " + base64("alice:" + std::string(proxy_password));
    connect_proxy::settings proxy_settings = tunnel_to(emulator.port());
    proxy_settings.required_authorization = expected;
    connect_proxy proxy(proxy_settings);
    swr::client_options options = proxied_options(emulator, proxy);
    options.proxy.username = "alice";
    options.proxy.password = std::string(proxy_password);

    scan_result result = scan_all(options);

    check_complete(result);
}

BOOST_AUTO_TEST_CASE(wrong_password_fails_once)
{
    served_emulator emulator;
    connect_proxy::settings proxy_settings = tunnel_to(emulator.port());
    proxy_settings.required_authorization = "Basic " + base64("alice:" + std::string(proxy_password));
    connect_proxy proxy(proxy_settings);
    swr::client_options options = proxied_options(emulator, proxy);
    std::string wrong_password = "wrong-pass-77c1";
    options.proxy.username = "alice";
    options.proxy.password = wrong_password;
    std::vector<std::string> log_lines;
    options.log.level = swr::log_level::trace;
    options.log.sink = [&](swr::log_level, std::string_view line) { log_lines.emplace_back(line); };

    failure result = fetch_failure(options);

    BOOST_TEST(result.ec == swr::errc::proxy_auth_required);
    BOOST_TEST(result.info.http_status == 407);
    BOOST_TEST(contains(result.error_text, "rejected the credentials of user 'alice'"), result.error_text);
    BOOST_TEST(contains(result.error_text, proxy.url()), result.error_text);
    BOOST_TEST(proxy.connects() == 1u, "a 407 is not retried");
    BOOST_TEST(emulator.server.get().stats().connections == 0u);

    std::string encoded = base64("alice:" + wrong_password);
    BOOST_TEST(!contains(result.error_text, wrong_password), result.error_text);
    BOOST_TEST(!contains(result.error_text, encoded), result.error_text);
    BOOST_TEST(!log_lines.empty());
    for (const std::string& line : log_lines) {
        BOOST_TEST(!contains(line, wrong_password), line);
        BOOST_TEST(!contains(line, encoded), line);
    }
}

BOOST_AUTO_TEST_CASE(missing_credentials_named)
{
    served_emulator emulator;
    connect_proxy::settings proxy_settings = tunnel_to(emulator.port());
    proxy_settings.required_authorization = "Basic " + base64("alice:x");
    connect_proxy proxy(proxy_settings);

    failure result = fetch_failure(proxied_options(emulator, proxy));

    BOOST_TEST(result.ec == swr::errc::proxy_auth_required);
    BOOST_TEST(contains(result.error_text, "no credentials were given"), result.error_text);
    BOOST_TEST(proxy.records()[0].authorization.empty());
    BOOST_TEST(proxy.connects() == 1u);
}

BOOST_AUTO_TEST_CASE(iam_tokens_through_proxy)
{
    temp_dir dir;
    swr::emulator_options emulator_options = emulator_defaults(dir);
    emulator_options.repositories = repository_count;
    emulator_options.token.clear();
    emulator_options.iam_users = {{"iam-user", "iam-pass-0c4e", "iam-domain"}};
    swr::emulator_thread server(emulator_options);
    connect_proxy proxy(tunnel_to(server.get().port()));

    asio::io_context io;
    swr::iam_password_options iam;
    iam.endpoint = "https://swr.proxy-test.invalid:" + std::to_string(server.get().port());
    iam.user_name = "iam-user";
    iam.password = "iam-pass-0c4e";
    iam.domain_name = "iam-domain";
    iam.project_name = "cn-north-4";
    iam.tls.ca_file = server.get().ca_file();
    iam.tls.server_name = "localhost";
    iam.proxy.url = proxy.url();
    swr::client_options options;
    options.endpoint = server.get().endpoint_url();
    options.tls.ca_file = server.get().ca_file();
    options.credentials = swr::make_iam_password_credentials(io.get_executor(), iam);
    swr::client client(io.get_executor(), options);

    std::size_t items = 0;
    run_until_done(io, [&]() -> asio::awaitable<void> {
        swr::page page = co_await client.fetch_page(self_request(), 0, 10);
        items = page.items.size();
    }());

    BOOST_TEST(items == 10u);
    BOOST_TEST(server.get().stats().token_requests == 1u);
    auto records = proxy.records();
    BOOST_TEST_REQUIRE(records.size() == 1u, "only the IAM connection goes through the proxy");
    BOOST_TEST(records[0].host == "swr.proxy-test.invalid:" + std::to_string(server.get().port()));
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(proxy_failures)

BOOST_AUTO_TEST_CASE(forbidden_is_proxy_error)
{
    served_emulator emulator;
    connect_proxy::settings proxy_settings = tunnel_to(emulator.port());
    proxy_settings.reject_status = 403;
    connect_proxy proxy(proxy_settings);

    failure result = fetch_failure(proxied_options(emulator, proxy));

    BOOST_TEST(result.ec == swr::errc::proxy_error);
    BOOST_TEST(result.info.http_status == 403);
    std::string expected = "proxy " + proxy.url() + " rejected CONNECT 127.0.0.1:" +
                           std::to_string(emulator.port()) + ": 403 Forbidden";
    BOOST_TEST(contains(result.error_text, expected), result.error_text);
    BOOST_TEST(!contains(result.error_text, "TLS"), result.error_text);
    BOOST_TEST(proxy.connects() == 1u, "a 403 from the proxy is not retried");
}

BOOST_AUTO_TEST_CASE(bad_gateway_is_retried)
{
    served_emulator emulator;
    connect_proxy::settings proxy_settings = tunnel_to(emulator.port());
    proxy_settings.reject_status = 502;
    connect_proxy proxy(proxy_settings);
    swr::client_options options = proxied_options(emulator, proxy);
    options.retry.max_attempts = 3;

    failure result = fetch_failure(options);

    BOOST_TEST(result.ec == swr::errc::proxy_error);
    BOOST_TEST(result.info.http_status == 502);
    BOOST_TEST(contains(result.error_text, "gave up after 3 attempts"), result.error_text);
    BOOST_TEST(proxy.connects() == 3u);
}

BOOST_AUTO_TEST_CASE(closed_connection_is_retried)
{
    served_emulator emulator;
    connect_proxy::settings proxy_settings = tunnel_to(emulator.port());
    proxy_settings.close_first = 2;
    connect_proxy proxy(proxy_settings);
    swr::client_options options = proxied_options(emulator, proxy);

    asio::io_context io;
    swr::client client(io.get_executor(), options);
    std::size_t items = 0;
    run_until_done(io, [&]() -> asio::awaitable<void> {
        swr::page page = co_await client.fetch_page(self_request(), 0, 10);
        items = page.items.size();
    }());

    BOOST_TEST(items == 10u);
    BOOST_TEST(client.stats().retries == 2u);
    BOOST_TEST(proxy.connects() == 3u);
}

BOOST_AUTO_TEST_CASE(closed_connection_reported)
{
    served_emulator emulator;
    connect_proxy::settings proxy_settings = tunnel_to(emulator.port());
    proxy_settings.close_first = 100;
    connect_proxy proxy(proxy_settings);
    swr::client_options options = proxied_options(emulator, proxy);
    options.retry.max_attempts = 2;

    failure result = fetch_failure(options);

    BOOST_TEST((result.ec.category() != swr::category()), result.ec.message());
    std::string expected = "proxy " + proxy.url() + " closed the connection before responding to CONNECT";
    BOOST_TEST(contains(result.error_text, expected), result.error_text);
    BOOST_TEST(contains(result.error_text, "gave up after 2 attempts"), result.error_text);
    BOOST_TEST(proxy.connects() == 2u);
}

BOOST_AUTO_TEST_CASE(unreachable_proxy_is_retried)
{
    // A port that was just free: bind, read it, close.
    std::uint16_t port = 0;
    {
        asio::io_context io;
        tcp::acceptor acceptor(io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
        port = acceptor.local_endpoint().port();
    }
    served_emulator emulator;
    swr::client_options options = client_defaults(emulator.server.get());
    options.proxy.url = "http://127.0.0.1:" + std::to_string(port);
    options.retry.max_attempts = 2;
    options.backoff.initial = 1ms;
    options.backoff.max = 5ms;

    failure result = fetch_failure(options);

    BOOST_TEST(result.ec == asio::error::connection_refused);
    std::string expected = "cannot connect to proxy http://127.0.0.1:" + std::to_string(port);
    BOOST_TEST(contains(result.error_text, expected), result.error_text);
    BOOST_TEST(contains(result.error_text, "gave up after 2 attempts"), result.error_text);
}

BOOST_AUTO_TEST_CASE(silent_proxy_times_out)
{
    served_emulator emulator;
    connect_proxy::settings proxy_settings = tunnel_to(emulator.port());
    proxy_settings.never_respond = true;
    connect_proxy proxy(proxy_settings);
    swr::client_options options = proxied_options(emulator, proxy);
    options.timeouts.connect = 200ms;
    options.retry.max_attempts = 1;

    failure result = fetch_failure(options);

    BOOST_TEST(result.ec == swr::errc::timeout);
    BOOST_TEST(contains(result.error_text, "no response within the connect timeout of 200 ms"), result.error_text);
    BOOST_TEST(proxy.connects() == 1u);
}

BOOST_AUTO_TEST_CASE(cancel_while_waiting_for_proxy)
{
    served_emulator emulator;
    connect_proxy::settings proxy_settings = tunnel_to(emulator.port());
    proxy_settings.never_respond = true;
    connect_proxy proxy(proxy_settings);
    asio::io_context io;
    swr::client client(io.get_executor(), proxied_options(emulator, proxy));
    asio::cancellation_signal signal;
    boost::system::error_code result;

    run_until_done(io, [&]() -> asio::awaitable<void> {
        auto handler = [&](boost::system::error_code ec, swr::page) { result = ec; };
        client.async_fetch_page(self_request(), 0, 10, asio::bind_cancellation_slot(signal.slot(), handler));

        // Cancel once the proxy has received the CONNECT request.
        asio::steady_timer timer(co_await asio::this_coro::executor);
        while (proxy.connects() == 0) {
            timer.expires_after(5ms);
            co_await timer.async_wait(asio::use_awaitable);
        }
        signal.emit(asio::cancellation_type::terminal);
    }(), 10s);

    BOOST_TEST(result == asio::error::operation_aborted);
    BOOST_TEST(proxy.connects() == 1u);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(environment)

BOOST_AUTO_TEST_CASE(https_proxy_variable_used)
{
    served_emulator emulator;
    connect_proxy proxy(tunnel_to(emulator.port()));
    scoped_environment variables({{"https_proxy", std::nullopt},
                                  {"HTTPS_PROXY", proxy.url()},
                                  {"no_proxy", std::nullopt},
                                  {"NO_PROXY", "other.invalid"}});
    swr::client_options options = client_defaults(emulator.server.get());
    options.proxy.use_environment = true;

    scan_result result = scan_all(options);

    check_complete(result);
    BOOST_TEST(proxy.connects() >= 1u);
}

BOOST_AUTO_TEST_CASE(no_proxy_variable_bypasses_proxy)
{
    served_emulator emulator;
    connect_proxy proxy(tunnel_to(emulator.port()));
    scoped_environment variables({{"https_proxy", proxy.url()},
                                  {"HTTPS_PROXY", std::nullopt},
                                  {"no_proxy", "localhost, 127.0.0.0/8"},
                                  {"NO_PROXY", std::nullopt}});
    swr::client_options options = client_defaults(emulator.server.get());
    options.proxy.use_environment = true;

    scan_result result = scan_all(options);

    check_complete(result);
    BOOST_TEST(proxy.connects() == 0u);
}

BOOST_AUTO_TEST_CASE(variables_ignored_by_default)
{
    served_emulator emulator;
    connect_proxy proxy(tunnel_to(emulator.port()));
    scoped_environment variables({{"https_proxy", proxy.url()}, {"HTTPS_PROXY", proxy.url()}});

    scan_result result = scan_all(client_defaults(emulator.server.get()));

    check_complete(result);
    BOOST_TEST(proxy.connects() == 0u);
}

BOOST_AUTO_TEST_CASE(invalid_variable_rejected_by_constructor)
{
    served_emulator emulator;
    std::string url = "socks5://alice:" + std::string(proxy_password) + "@127.0.0.1:1080";
    scoped_environment variables({{"https_proxy", std::nullopt}, {"HTTPS_PROXY", url}});
    swr::client_options options = client_defaults(emulator.server.get());
    options.proxy.use_environment = true;
    asio::io_context io;

    try {
        swr::client client(io.get_executor(), options);
        BOOST_FAIL("the client accepted a SOCKS proxy from HTTPS_PROXY");
    } catch (const swr::exception& error) {
        std::string text = error.what();
        BOOST_TEST(error.code() == swr::errc::invalid_argument);
        BOOST_TEST(contains(text, "HTTPS_PROXY"), text);
        BOOST_TEST(!contains(text, proxy_password), text);
    }
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(command_line)

BOOST_AUTO_TEST_CASE(https_proxy_variable_with_password)
{
    served_emulator emulator;
    std::string credentials = "alice:" + std::string(proxy_password);
    connect_proxy::settings proxy_settings = tunnel_to(emulator.port());
    proxy_settings.required_authorization = "Basic " + base64(credentials);
    connect_proxy proxy(proxy_settings);

    cli_run run = run_cli(emulator.dir, cli_arguments(emulator),
                          {{"SWR_AUTH_TOKEN", swr::test::test_token},
                           {"HTTPS_PROXY", "http://" + credentials + "@" + proxy.url().substr(7)}});

    BOOST_TEST(run.exit_status == 0, run.errors);
    BOOST_TEST(std::count(run.output.begin(), run.output.end(), '\n') == repository_count);
    BOOST_TEST(proxy.connects() >= 1u);
    BOOST_TEST(contains(run.errors, "through proxy " + proxy.url()), run.errors);
    BOOST_TEST(!contains(run.errors, proxy_password), run.errors);
    BOOST_TEST(!contains(run.errors, base64(credentials)), run.errors);
}

BOOST_AUTO_TEST_CASE(password_file_rejected_by_proxy)
{
    served_emulator emulator;
    connect_proxy::settings proxy_settings = tunnel_to(emulator.port());
    proxy_settings.required_authorization = "Basic " + base64("alice:" + std::string(proxy_password));
    connect_proxy proxy(proxy_settings);
    std::string wrong_password = "wrong-file-pass-3b9a";
    auto password_file = emulator.dir.path() / "proxy-password";
    std::ofstream(password_file) << wrong_password << "\n";
    std::vector<std::string> arguments = cli_arguments(emulator);
    arguments.insert(arguments.end(), {"--proxy", "http://alice@" + proxy.url().substr(7), "--proxy-password-file",
                                       password_file.string()});

    cli_run run = run_cli(emulator.dir, arguments, {{"SWR_AUTH_TOKEN", swr::test::test_token}});

    BOOST_TEST(run.exit_status == 3, run.errors);
    BOOST_TEST(contains(run.errors, "rejected the credentials of user 'alice'"), run.errors);
    BOOST_TEST(!contains(run.errors, wrong_password), run.errors);
    BOOST_TEST(proxy.connects() == 1u);
}

BOOST_AUTO_TEST_CASE(no_proxy_option_beats_variable)
{
    served_emulator emulator;
    connect_proxy proxy(tunnel_to(emulator.port()));
    std::vector<std::string> arguments = cli_arguments(emulator);
    arguments.insert(arguments.end(), {"--no-proxy", "127.0.0.1"});

    cli_run run = run_cli(emulator.dir, arguments,
                          {{"SWR_AUTH_TOKEN", swr::test::test_token}, {"https_proxy", proxy.url()}, {"NO_PROXY", ""}});

    BOOST_TEST(run.exit_status == 0, run.errors);
    BOOST_TEST(proxy.connects() == 0u);
}

BOOST_AUTO_TEST_CASE(password_in_argument_rejected)
{
    served_emulator emulator;
    std::vector<std::string> arguments = cli_arguments(emulator);
    arguments.insert(arguments.end(), {"--proxy", "http://alice:" + std::string(proxy_password) + "@127.0.0.1:9"});

    cli_run run = run_cli(emulator.dir, arguments, {{"SWR_AUTH_TOKEN", swr::test::test_token}});

    BOOST_TEST(run.exit_status == 2);
    BOOST_TEST(contains(run.errors, "--proxy must not contain a password"), run.errors);
    BOOST_TEST(!contains(run.errors, proxy_password), run.errors);
    BOOST_TEST(emulator.server.get().stats().connections == 0u);
}

BOOST_AUTO_TEST_CASE(socks_variable_is_usage_error)
{
    served_emulator emulator;

    cli_run run = run_cli(emulator.dir, cli_arguments(emulator),
                          {{"SWR_AUTH_TOKEN", swr::test::test_token}, {"HTTPS_PROXY", "socks5h://127.0.0.1:9"}});

    BOOST_TEST(run.exit_status == 2);
    BOOST_TEST(contains(run.errors, "SOCKS proxies are not supported"), run.errors);
    BOOST_TEST(contains(run.errors, "(HTTPS_PROXY)"), run.errors);
    BOOST_TEST(emulator.server.get().stats().connections == 0u);
}

BOOST_AUTO_TEST_SUITE_END()
