// Unit tests for the proxy options of swr-shared-repos: --proxy,
// --proxy-password-file and --no-proxy (src/cli/options.cpp,
// src/cli/proxy.hpp) and the exit status of proxy errors.

#define BOOST_TEST_MODULE cli_proxy
#include <boost/test/unit_test.hpp>

#include "cli/options.hpp"
#include "cli/proxy.hpp"
#include "cli/report.hpp"

#include "support/fixture.hpp"

#include <swr/client.hpp>
#include <swr/credentials.hpp>
#include <swr/error.hpp>

#include <boost/asio/io_context.hpp>

#include <fstream>
#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

namespace cli = swr::cli;

namespace {

constexpr std::string_view secret_password = "cli-proxy-pass-61f0";

// Parses the minimal valid command line followed by `extra`.
cli::parse_result parse_with(std::initializer_list<std::string_view> extra)
{
    std::vector<std::string_view> list = {"--endpoint", "https://127.0.0.1:8443", "--center", "self"};
    list.insert(list.end(), extra.begin(), extra.end());
    return cli::parse_options(list);
}

bool contains(const std::string& text, std::string_view part)
{
    return text.find(part) != std::string::npos;
}

// Returns the message of the invalid_argument that make_proxy_options throws.
std::string proxy_options_error(const cli::options& options)
{
    try {
        cli::make_proxy_options(options);
    } catch (const swr::exception& error) {
        BOOST_TEST(error.code() == swr::errc::invalid_argument);
        return error.what();
    }
    BOOST_FAIL("make_proxy_options accepted the options");
    return {};
}

}  // namespace

BOOST_AUTO_TEST_SUITE(parse_options)

BOOST_AUTO_TEST_CASE(defaults_leave_proxy_to_environment)
{
    cli::parse_result result = parse_with({});

    BOOST_TEST_REQUIRE((result.action == cli::command::run));
    BOOST_TEST(result.options.proxy.empty());
    BOOST_TEST(result.options.proxy_password_file.empty());
    BOOST_TEST(!result.options.no_proxy.has_value());
}

BOOST_AUTO_TEST_CASE(proxy_with_user_accepted)
{
    cli::parse_result result =
        parse_with({"--proxy", "http://alice@127.0.0.1:3128", "--proxy-password-file", "/run/proxy-password"});

    BOOST_TEST_REQUIRE(result.error == "");
    BOOST_TEST(result.options.proxy == "http://alice@127.0.0.1:3128");
    BOOST_TEST(result.options.proxy_password_file == "/run/proxy-password");
}

BOOST_AUTO_TEST_CASE(proxy_without_scheme_accepted)
{
    cli::parse_result result = parse_with({"--proxy=127.0.0.1:3128"});

    BOOST_TEST_REQUIRE(result.error == "");
    BOOST_TEST(result.options.proxy == "127.0.0.1:3128");
}

BOOST_AUTO_TEST_CASE(password_in_proxy_rejected)
{
    std::string url = "http://alice:" + std::string(secret_password) + "@127.0.0.1:3128";
    cli::parse_result result = parse_with({"--proxy", url});

    BOOST_TEST_REQUIRE((result.action == cli::command::invalid));
    BOOST_TEST(contains(result.error, "--proxy must not contain a password"), result.error);
    BOOST_TEST(contains(result.error, "--proxy-password-file"), result.error);
    BOOST_TEST(!contains(result.error, secret_password), result.error);
}

BOOST_AUTO_TEST_CASE(other_schemes_rejected)
{
    for (std::string_view url : {"https://127.0.0.1:3128", "socks5://127.0.0.1:1080", "SOCKS5H://127.0.0.1:1080"}) {
        cli::parse_result result = parse_with({"--proxy", url});
        BOOST_TEST_REQUIRE((result.action == cli::command::invalid));
        BOOST_TEST(contains(result.error, "only http:// proxies"), result.error);
    }
}

BOOST_AUTO_TEST_CASE(empty_proxy_rejected)
{
    cli::parse_result result = parse_with({"--proxy="});

    BOOST_TEST_REQUIRE((result.action == cli::command::invalid));
    BOOST_TEST(contains(result.error, "--proxy"), result.error);
}

BOOST_AUTO_TEST_CASE(proxy_password_option_rejected)
{
    cli::parse_result result = parse_with({"--proxy-password", "x"});

    BOOST_TEST_REQUIRE((result.action == cli::command::invalid));
    BOOST_TEST(contains(result.error, "use --proxy-password-file FILE"), result.error);
}

BOOST_AUTO_TEST_CASE(no_proxy_list_kept)
{
    cli::parse_result result = parse_with({"--no-proxy", "localhost,10.0.0.0/8"});

    BOOST_TEST_REQUIRE(result.error == "");
    BOOST_TEST(result.options.no_proxy.value_or("") == "localhost,10.0.0.0/8");
}

BOOST_AUTO_TEST_CASE(empty_no_proxy_kept)
{
    cli::parse_result result = parse_with({"--no-proxy="});

    BOOST_TEST_REQUIRE(result.error == "");
    BOOST_TEST_REQUIRE(result.options.no_proxy.has_value());
    BOOST_TEST(result.options.no_proxy->empty());
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(proxy_settings)

BOOST_AUTO_TEST_CASE(environment_honoured)
{
    cli::options options;
    options.proxy = "http://alice@127.0.0.1:3128";
    options.no_proxy = "";

    swr::proxy_options settings = cli::make_proxy_options(options);

    BOOST_TEST(settings.use_environment);
    BOOST_TEST(settings.url == "http://alice@127.0.0.1:3128");
    BOOST_TEST(settings.no_proxy.value_or("unset") == "");
    BOOST_TEST(settings.password.empty());
}

BOOST_AUTO_TEST_CASE(password_file_read_without_line_ending)
{
    swr::test::temp_dir dir;
    auto path = dir.path() / "password";
    std::ofstream(path, std::ios::binary) << "pass word \r\n";
    cli::options options;
    options.proxy_password_file = path.string();

    swr::proxy_options settings = cli::make_proxy_options(options);

    BOOST_TEST(settings.password == "pass word ");
}

BOOST_AUTO_TEST_CASE(log_names_proxy_option)
{
    // The client logs its proxy choice when it is constructed, before any I/O.
    cli::options options;
    options.proxy = "http://127.0.0.1:3128";
    options.no_proxy = "";
    std::vector<std::string> lines;
    boost::asio::io_context io;
    swr::client_options settings;
    settings.endpoint = "https://127.0.0.1:8443";
    settings.credentials = swr::make_token_credentials("cli-proxy-token");
    settings.proxy = cli::make_proxy_options(options);
    settings.log.level = swr::log_level::info;
    settings.log.sink = [&lines](swr::log_level, std::string_view line) { lines.emplace_back(line); };

    swr::client client(io.get_executor(), std::move(settings));

    std::string all;
    for (const std::string& line : lines)
        all += line + "\n";
    BOOST_TEST(contains(all, "go through proxy http://127.0.0.1:3128 (from --proxy)"), all);
    BOOST_TEST(!contains(all, "proxy_options::"), all);
}

BOOST_AUTO_TEST_CASE(password_file_errors_name_file)
{
    swr::test::temp_dir dir;
    cli::options options;

    options.proxy_password_file = (dir.path() / "missing").string();
    std::string error = proxy_options_error(options);
    BOOST_TEST(contains(error, "cannot read '" + options.proxy_password_file + "' (--proxy-password-file)"), error);

    auto empty = dir.path() / "empty";
    std::ofstream(empty) << "\n";
    options.proxy_password_file = empty.string();
    error = proxy_options_error(options);
    BOOST_TEST(contains(error, "is empty"), error);

    auto blank = dir.path() / "blank";
    std::ofstream(blank) << " \t \n";
    options.proxy_password_file = blank.string();
    error = proxy_options_error(options);
    BOOST_TEST(contains(error, "contains only spaces or tabs"), error);

    auto two_lines = dir.path() / "two-lines";
    std::ofstream(two_lines) << secret_password << "\nsecond\n";
    options.proxy_password_file = two_lines.string();
    error = proxy_options_error(options);
    BOOST_TEST(contains(error, "control character"), error);
    BOOST_TEST(!contains(error, secret_password), error);

    options.proxy_password_file = dir.path().string();
    error = proxy_options_error(options);
    BOOST_TEST(contains(error, "is a directory"), error);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(exit_status)

BOOST_AUTO_TEST_CASE(proxy_authentication_is_auth_failure)
{
    BOOST_TEST(cli::exit_status_for(swr::errc::proxy_auth_required, false) == cli::exit_auth_failed);
}

BOOST_AUTO_TEST_CASE(proxy_rejection_is_scan_failure)
{
    BOOST_TEST(cli::exit_status_for(swr::errc::proxy_error, false) == cli::exit_scan_failed);
}

BOOST_AUTO_TEST_SUITE_END()
