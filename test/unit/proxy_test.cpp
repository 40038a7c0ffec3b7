// Unit tests for the choice of an HTTP proxy (src/proxy.hpp): proxy URLs,
// NO_PROXY matching, the environment variables, credentials and their
// redaction, the retry class of proxy errors, and the client constructor's
// checks. No sockets: every host name here is only compared, never resolved.

#define BOOST_TEST_MODULE proxy
#include <boost/test/unit_test.hpp>

#include "proxy.hpp"
#include "redact.hpp"
#include "retry_decision.hpp"

#include <swr/client.hpp>
#include <swr/credentials.hpp>
#include <swr/error.hpp>

#include <boost/asio/io_context.hpp>

#include <map>
#include <string>
#include <string_view>

using swr::detail::choose_proxy;
using swr::detail::no_proxy_list;
using swr::detail::parse_proxy_url;
using swr::detail::proxy_choice;
using swr::detail::proxy_server;

namespace {

constexpr std::string_view secret_password = "hunter22-proxy";

swr::endpoint make_target(std::string host, std::uint16_t port = 443)
{
    swr::endpoint target;
    target.host = std::move(host);
    target.port = port;
    return target;
}

// An environment of fixed variables that records which names were read.
struct fake_environment {
    std::map<std::string, std::string, std::less<>> variables;
    std::vector<std::string> reads;

    swr::detail::environment_lookup lookup()
    {
        return [this](std::string_view name) -> std::optional<std::string> {
            reads.emplace_back(name);
            auto found = variables.find(name);
            if (found == variables.end() || found->second.empty())
                return std::nullopt;
            return found->second;
        };
    }
};

// Returns the message of the invalid_argument that `choose_proxy` throws, or
// an empty string when it does not throw.
std::string choice_error(const swr::proxy_options& options, fake_environment& environment)
{
    try {
        choose_proxy(options, make_target("swr.example.invalid"), environment.lookup());
    } catch (const swr::exception& error) {
        BOOST_TEST(error.code() == swr::errc::invalid_argument);
        return error.what();
    }
    return {};
}

}  // namespace

BOOST_AUTO_TEST_SUITE(proxy_url)

BOOST_AUTO_TEST_CASE(host_and_port)
{
    proxy_server server;
    BOOST_TEST(parse_proxy_url("http://127.0.0.1:3128", server) == "");
    BOOST_TEST(server.address.host == "127.0.0.1");
    BOOST_TEST(server.address.port == 3128);
    BOOST_TEST(server.username.empty());
    BOOST_TEST(server.url() == "http://127.0.0.1:3128");
}

BOOST_AUTO_TEST_CASE(port_defaults_to_80)
{
    proxy_server server;
    BOOST_TEST(parse_proxy_url("http://proxy.example.invalid", server) == "");
    BOOST_TEST(server.address.port == 80);
}

BOOST_AUTO_TEST_CASE(scheme_may_be_omitted)
{
    proxy_server server;
    BOOST_TEST(parse_proxy_url("proxy.example.invalid:8080", server) == "");
    BOOST_TEST(server.address.host == "proxy.example.invalid");
    BOOST_TEST(server.address.port == 8080);
}

BOOST_AUTO_TEST_CASE(scheme_case_and_trailing_slash)
{
    proxy_server server;
    BOOST_TEST(parse_proxy_url("HTTP://proxy.example.invalid:3128/", server) == "");
    BOOST_TEST(server.address.port == 3128);
}

BOOST_AUTO_TEST_CASE(ipv6_host)
{
    proxy_server server;
    BOOST_TEST(parse_proxy_url("http://[::1]:3128", server) == "");
    BOOST_TEST(server.address.host == "::1");
    BOOST_TEST(server.url() == "http://[::1]:3128");
}

BOOST_AUTO_TEST_CASE(credentials_percent_decoded)
{
    proxy_server server;
    BOOST_TEST(parse_proxy_url("http://alice%20b:s%40cret%3A1@127.0.0.1:3128", server) == "");
    BOOST_TEST(server.username == "alice b");
    BOOST_TEST(server.password == "s@cret:1");
    BOOST_TEST(server.url() == "http://127.0.0.1:3128");
}

BOOST_AUTO_TEST_CASE(user_without_password)
{
    proxy_server server;
    BOOST_TEST(parse_proxy_url("http://alice@127.0.0.1:3128", server) == "");
    BOOST_TEST(server.username == "alice");
    BOOST_TEST(server.password.empty());
}

BOOST_AUTO_TEST_CASE(https_proxy_rejected)
{
    proxy_server server;
    std::string error = parse_proxy_url("https://proxy.example.invalid:3128", server);
    BOOST_TEST(error.find("only http:// proxies") != std::string::npos, error);
}

BOOST_AUTO_TEST_CASE(socks_proxy_rejected)
{
    proxy_server server;
    for (std::string_view url : {"socks5://127.0.0.1:1080", "socks5h://127.0.0.1:1080", "socks4://127.0.0.1:1080"}) {
        std::string error = parse_proxy_url(url, server);
        BOOST_TEST(error.find("SOCKS proxies are not supported") != std::string::npos, error);
    }
}

BOOST_AUTO_TEST_CASE(other_scheme_rejected)
{
    proxy_server server;
    std::string error = parse_proxy_url("ftp://127.0.0.1:21", server);
    BOOST_TEST(error.find("'ftp' is not supported") != std::string::npos, error);
}

BOOST_AUTO_TEST_CASE(invalid_values_rejected)
{
    proxy_server server;
    for (std::string_view url : {"", "http://", "http://proxy.example.invalid:0", "http://proxy.example.invalid:99999",
                                 "http://proxy.example.invalid:abc", "http://proxy.example.invalid:3128/path",
                                 "http://proxy.example.invalid:3128/?a=b", "http://proxy.example.invalid:3128/#x"}) {
        std::string error = parse_proxy_url(url, server);
        BOOST_TEST(error.starts_with("invalid proxy URL"), "'" << url << "' gave '" << error << "'");
    }
}

BOOST_AUTO_TEST_CASE(unusable_credentials_rejected)
{
    proxy_server server;
    BOOST_TEST(parse_proxy_url("http://al%3Aice:pw@127.0.0.1:3128", server).find("contains ':'") != std::string::npos);
    BOOST_TEST(parse_proxy_url("http://alice:p%0D%0Aw@127.0.0.1:3128", server).find("control character") !=
               std::string::npos);
    BOOST_TEST(parse_proxy_url("http://:pw@127.0.0.1:3128", server).find("without a user name") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(error_never_contains_password)
{
    proxy_server server;
    std::string url = "http://alice:" + std::string(secret_password) + "@proxy.example.invalid:abc";
    std::string error = parse_proxy_url(url, server);
    BOOST_TEST(!error.empty());
    BOOST_TEST(error.find(secret_password) == std::string::npos, error);
    BOOST_TEST(error.find("http://***@proxy.example.invalid:abc") != std::string::npos, error);
}

BOOST_AUTO_TEST_CASE(error_survives_redaction)
{
    proxy_server server;
    std::string error = parse_proxy_url("http://proxy.example.invalid:abc", server);
    BOOST_TEST(swr::detail::redact(error) == error);
}

BOOST_AUTO_TEST_CASE(mask_handles_unparsable_urls)
{
    using swr::detail::mask_url_credentials;
    BOOST_TEST(mask_url_credentials("http://127.0.0.1:3128") == "http://127.0.0.1:3128");
    BOOST_TEST(mask_url_credentials("http://a:b@host:1") == "http://***@host:1");
    BOOST_TEST(mask_url_credentials("a:p/w@d@host:1") == "***@host:1");
    BOOST_TEST(mask_url_credentials("http://a:p w/x@host") == "http://***@host");
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(no_proxy)

BOOST_AUTO_TEST_CASE(star_matches_every_host)
{
    no_proxy_list list = no_proxy_list::parse("*");
    BOOST_TEST(list.match("swr.example.invalid", 443).value_or("") == "*");
    BOOST_TEST(list.match("127.0.0.1", 8443).has_value());
    BOOST_TEST(list.match("::1", 8443).has_value());
}

BOOST_AUTO_TEST_CASE(empty_list_matches_nothing)
{
    for (std::string_view text : {"", " ", ",,", " , "}) {
        no_proxy_list list = no_proxy_list::parse(text);
        BOOST_TEST(!list.match("swr.example.invalid", 443).has_value());
        BOOST_TEST(list.ignored().empty());
    }
}

BOOST_AUTO_TEST_CASE(domain_matches_host_and_subdomains)
{
    no_proxy_list list = no_proxy_list::parse("example.invalid");
    BOOST_TEST(list.match("example.invalid", 443).has_value());
    BOOST_TEST(list.match("swr.example.invalid", 443).has_value());
    BOOST_TEST(list.match("a.b.example.invalid", 8443).has_value());
    BOOST_TEST(!list.match("notexample.invalid", 443).has_value());
    BOOST_TEST(!list.match("example.invalid.other", 443).has_value());
    BOOST_TEST(!list.match("invalid", 443).has_value());
}

BOOST_AUTO_TEST_CASE(leading_dot_and_star_dot)
{
    for (std::string_view text : {".example.invalid", "*.example.invalid"}) {
        no_proxy_list list = no_proxy_list::parse(text);
        BOOST_TEST(list.match("swr.example.invalid", 443).has_value(), text);
        BOOST_TEST(list.match("example.invalid", 443).has_value(), text);
        BOOST_TEST(!list.match("badexample.invalid", 443).has_value(), text);
    }
}

BOOST_AUTO_TEST_CASE(names_compared_without_case_or_final_dot)
{
    no_proxy_list list = no_proxy_list::parse("Example.INVALID.");
    BOOST_TEST(list.match("SWR.example.invalid", 443).has_value());
    BOOST_TEST(list.match("swr.example.invalid.", 443).has_value());
}

BOOST_AUTO_TEST_CASE(port_restricts_entry)
{
    no_proxy_list list = no_proxy_list::parse("example.invalid:8443");
    BOOST_TEST(list.match("swr.example.invalid", 8443).has_value());
    BOOST_TEST(!list.match("swr.example.invalid", 443).has_value());
}

BOOST_AUTO_TEST_CASE(ipv4_address_and_port)
{
    no_proxy_list list = no_proxy_list::parse("127.0.0.1");
    BOOST_TEST(list.match("127.0.0.1", 8443).has_value());
    BOOST_TEST(!list.match("127.0.0.2", 8443).has_value());

    no_proxy_list with_port = no_proxy_list::parse("127.0.0.1:8443");
    BOOST_TEST(with_port.match("127.0.0.1", 8443).has_value());
    BOOST_TEST(!with_port.match("127.0.0.1", 9443).has_value());
}

BOOST_AUTO_TEST_CASE(names_are_not_resolved)
{
    no_proxy_list list = no_proxy_list::parse("localhost");
    BOOST_TEST(list.match("localhost", 443).has_value());
    BOOST_TEST(!list.match("127.0.0.1", 443).has_value());

    // A name entry is never a suffix of an address.
    no_proxy_list suffix = no_proxy_list::parse("0.1");
    BOOST_TEST(!suffix.match("127.0.0.1", 443).has_value());
}

BOOST_AUTO_TEST_CASE(ipv4_ranges)
{
    no_proxy_list list = no_proxy_list::parse("10.0.0.0/8, 192.168.16.0/20");
    BOOST_TEST(list.match("10.200.3.4", 443).value_or("") == "10.0.0.0/8");
    BOOST_TEST(!list.match("11.0.0.1", 443).has_value());
    BOOST_TEST(list.match("192.168.31.255", 443).value_or("") == "192.168.16.0/20");
    BOOST_TEST(!list.match("192.168.32.0", 443).has_value());
    BOOST_TEST(!list.match("swr.example.invalid", 443).has_value());

    BOOST_TEST(no_proxy_list::parse("0.0.0.0/0").match("203.0.113.9", 443).has_value());
    BOOST_TEST(!no_proxy_list::parse("0.0.0.0/0").match("::1", 443).has_value());
}

BOOST_AUTO_TEST_CASE(ipv6_forms)
{
    for (std::string_view text : {"::1", "[::1]", "[::1]:8443", "::1/128", "::/0"}) {
        no_proxy_list list = no_proxy_list::parse(text);
        BOOST_TEST(list.match("::1", 8443).has_value(), text);
        BOOST_TEST(list.match("[::1]", 8443).has_value(), text);
        BOOST_TEST(!list.match("127.0.0.1", 8443).has_value(), text);
        BOOST_TEST(list.ignored().empty(), text);
    }
    BOOST_TEST(!no_proxy_list::parse("[::1]:8443").match("::1", 443).has_value());

    no_proxy_list range = no_proxy_list::parse("fd00::/8");
    BOOST_TEST(range.match("fd12:3456::1", 443).has_value());
    BOOST_TEST(!range.match("fe80::1", 443).has_value());
}

BOOST_AUTO_TEST_CASE(separators_commas_and_blanks)
{
    no_proxy_list list = no_proxy_list::parse(" a.invalid ,b.invalid\tc.invalid,,d.invalid ");
    for (std::string_view host : {"a.invalid", "b.invalid", "c.invalid", "d.invalid"})
        BOOST_TEST(list.match(host, 443).has_value(), host);
    BOOST_TEST(!list.match("e.invalid", 443).has_value());
}

BOOST_AUTO_TEST_CASE(first_matching_entry_reported)
{
    no_proxy_list list = no_proxy_list::parse("other.invalid,.example.invalid,swr.example.invalid");
    BOOST_TEST(list.match("swr.example.invalid", 443).value_or("") == ".example.invalid");
}

BOOST_AUTO_TEST_CASE(unusable_entries_ignored)
{
    no_proxy_list list =
        no_proxy_list::parse("10.0.0.0/99,host.invalid:abc,[::1,a*b.invalid,example.invalid:0,::1/129,ok.invalid");
    std::vector<std::string> expected = {"10.0.0.0/99", "host.invalid:abc", "[::1",
                                         "a*b.invalid", "example.invalid:0", "::1/129"};
    BOOST_TEST(list.ignored() == expected, boost::test_tools::per_element());
    BOOST_TEST(list.match("ok.invalid", 443).has_value());
    BOOST_TEST(!list.match("host.invalid", 443).has_value());
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(choice)

BOOST_AUTO_TEST_CASE(nothing_set_reads_no_variable)
{
    fake_environment environment;
    environment.variables["HTTPS_PROXY"] = "http://127.0.0.1:3128";

    proxy_choice choice = choose_proxy({}, make_target("swr.example.invalid"), environment.lookup());

    BOOST_TEST(!choice.route.has_value());
    BOOST_TEST(environment.reads.empty());
}

BOOST_AUTO_TEST_CASE(explicit_url_used)
{
    fake_environment environment;
    swr::proxy_options options;
    options.url = "http://127.0.0.1:3128";

    proxy_choice choice = choose_proxy(options, make_target("swr.example.invalid"), environment.lookup());

    BOOST_TEST_REQUIRE(choice.route.has_value());
    BOOST_TEST(choice.route->server.url() == "http://127.0.0.1:3128");
    BOOST_TEST(choice.route->source == "proxy_options::url");
    BOOST_TEST(choice.route->authorization.empty());
    BOOST_TEST(environment.reads.empty());
}

BOOST_AUTO_TEST_CASE(origins_name_url_and_no_proxy)
{
    fake_environment environment;
    swr::proxy_options options;
    options.url = "http://127.0.0.1:3128";
    options.url_origin = "--proxy";
    options.no_proxy = "10.0.0.0/99";
    options.no_proxy_origin = "--no-proxy";

    proxy_choice choice = choose_proxy(options, make_target("swr.example.invalid"), environment.lookup());

    BOOST_TEST_REQUIRE(choice.route.has_value());
    BOOST_TEST(choice.route->source == "--proxy");
    BOOST_TEST(choice.description.find("(from --proxy)") != std::string::npos, choice.description);
    BOOST_TEST_REQUIRE(choice.ignored_entries.size() == 1u);
    BOOST_TEST(choice.ignored_entries[0].find("of --no-proxy") != std::string::npos, choice.ignored_entries[0]);
}

BOOST_AUTO_TEST_CASE(lower_case_variable_first)
{
    fake_environment environment;
    environment.variables["https_proxy"] = "http://127.0.0.1:1111";
    environment.variables["HTTPS_PROXY"] = "http://127.0.0.1:2222";
    swr::proxy_options options;
    options.use_environment = true;

    proxy_choice choice = choose_proxy(options, make_target("swr.example.invalid"), environment.lookup());

    BOOST_TEST_REQUIRE(choice.route.has_value());
    BOOST_TEST(choice.route->server.address.port == 1111);
    BOOST_TEST(choice.route->source == "https_proxy");
}

BOOST_AUTO_TEST_CASE(upper_case_variable_and_empty_lower_case)
{
    fake_environment environment;
    environment.variables["https_proxy"] = "";
    environment.variables["HTTPS_PROXY"] = "127.0.0.1:2222";
    swr::proxy_options options;
    options.use_environment = true;

    proxy_choice choice = choose_proxy(options, make_target("swr.example.invalid"), environment.lookup());

    BOOST_TEST_REQUIRE(choice.route.has_value());
    BOOST_TEST(choice.route->server.address.port == 2222);
    BOOST_TEST(choice.route->source == "HTTPS_PROXY");
}

BOOST_AUTO_TEST_CASE(http_and_all_proxy_not_read)
{
    fake_environment environment;
    environment.variables["http_proxy"] = "http://127.0.0.1:1111";
    environment.variables["HTTP_PROXY"] = "http://127.0.0.1:1111";
    environment.variables["ALL_PROXY"] = "socks5://127.0.0.1:1080";
    environment.variables["all_proxy"] = "socks5://127.0.0.1:1080";
    swr::proxy_options options;
    options.use_environment = true;

    proxy_choice choice = choose_proxy(options, make_target("swr.example.invalid"), environment.lookup());

    BOOST_TEST(!choice.route.has_value());
    BOOST_TEST(choice.description.find("not set") != std::string::npos, choice.description);
}

BOOST_AUTO_TEST_CASE(explicit_url_beats_variable)
{
    fake_environment environment;
    environment.variables["HTTPS_PROXY"] = "http://127.0.0.1:2222";
    swr::proxy_options options;
    options.url = "http://127.0.0.1:1111";
    options.use_environment = true;

    proxy_choice choice = choose_proxy(options, make_target("swr.example.invalid"), environment.lookup());

    BOOST_TEST_REQUIRE(choice.route.has_value());
    BOOST_TEST(choice.route->server.address.port == 1111);
}

BOOST_AUTO_TEST_CASE(no_proxy_variable_exempts_target)
{
    fake_environment environment;
    environment.variables["HTTPS_PROXY"] = "http://127.0.0.1:3128";
    environment.variables["NO_PROXY"] = "localhost,.example.invalid";
    swr::proxy_options options;
    options.use_environment = true;

    proxy_choice choice = choose_proxy(options, make_target("swr.example.invalid"), environment.lookup());

    BOOST_TEST(!choice.route.has_value());
    BOOST_TEST(choice.description.find("'.example.invalid' of NO_PROXY") != std::string::npos, choice.description);

    proxy_choice other = choose_proxy(options, make_target("swr.other.invalid"), environment.lookup());
    BOOST_TEST(other.route.has_value());
}

BOOST_AUTO_TEST_CASE(lower_case_no_proxy_first)
{
    fake_environment environment;
    environment.variables["HTTPS_PROXY"] = "http://127.0.0.1:3128";
    environment.variables["no_proxy"] = "other.invalid";
    environment.variables["NO_PROXY"] = "*";
    swr::proxy_options options;
    options.use_environment = true;

    proxy_choice choice = choose_proxy(options, make_target("swr.example.invalid"), environment.lookup());

    BOOST_TEST(choice.route.has_value());
}

BOOST_AUTO_TEST_CASE(no_proxy_option_beats_variable)
{
    fake_environment environment;
    environment.variables["HTTPS_PROXY"] = "http://127.0.0.1:3128";
    environment.variables["NO_PROXY"] = "*";
    swr::proxy_options options;
    options.use_environment = true;
    options.no_proxy = "";

    proxy_choice choice = choose_proxy(options, make_target("swr.example.invalid"), environment.lookup());

    BOOST_TEST(choice.route.has_value());
}

BOOST_AUTO_TEST_CASE(no_proxy_variable_applies_to_explicit_url)
{
    fake_environment environment;
    environment.variables["NO_PROXY"] = "swr.example.invalid";
    swr::proxy_options options;
    options.url = "http://127.0.0.1:3128";
    options.use_environment = true;

    proxy_choice choice = choose_proxy(options, make_target("swr.example.invalid"), environment.lookup());

    BOOST_TEST(!choice.route.has_value());
}

BOOST_AUTO_TEST_CASE(ignored_entries_reported)
{
    fake_environment environment;
    swr::proxy_options options;
    options.url = "http://127.0.0.1:3128";
    options.no_proxy = "10.0.0.0/64";

    proxy_choice choice = choose_proxy(options, make_target("swr.example.invalid"), environment.lookup());

    BOOST_TEST_REQUIRE(choice.ignored_entries.size() == 1u);
    BOOST_TEST(choice.ignored_entries[0].find("'10.0.0.0/64' of proxy_options::no_proxy is ignored") !=
               std::string::npos);
}

BOOST_AUTO_TEST_CASE(url_checked_even_when_exempt)
{
    fake_environment environment;
    swr::proxy_options options;
    options.url = "socks5://127.0.0.1:1080";
    options.no_proxy = "*";

    std::string error = choice_error(options, environment);

    BOOST_TEST(error.find("SOCKS proxies are not supported") != std::string::npos, error);
}

BOOST_AUTO_TEST_CASE(invalid_variable_named)
{
    fake_environment environment;
    environment.variables["HTTPS_PROXY"] = "http://alice:" + std::string(secret_password) + "@127.0.0.1:http";
    swr::proxy_options options;
    options.use_environment = true;

    std::string error = choice_error(options, environment);

    BOOST_TEST(error.find("(HTTPS_PROXY)") != std::string::npos, error);
    BOOST_TEST(error.find(secret_password) == std::string::npos, error);
}

BOOST_AUTO_TEST_CASE(credentials_from_url)
{
    fake_environment environment;
    swr::proxy_options options;
    options.url = "http://Aladdin:open%20sesame@127.0.0.1:3128";

    proxy_choice choice = choose_proxy(options, make_target("swr.example.invalid"), environment.lookup());

    BOOST_TEST_REQUIRE(choice.route.has_value());
    // The example of RFC 7617, section 2.
    BOOST_TEST(choice.route->authorization == "Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==");
    BOOST_TEST(choice.description.find("as user Aladdin") != std::string::npos, choice.description);
    BOOST_TEST(choice.description.find("sesame") == std::string::npos, choice.description);
}

BOOST_AUTO_TEST_CASE(credential_fields_replace_url)
{
    fake_environment environment;
    swr::proxy_options options;
    options.url = "http://bob:old@127.0.0.1:3128";
    options.username = "Aladdin";
    options.password = "open sesame";

    proxy_choice choice = choose_proxy(options, make_target("swr.example.invalid"), environment.lookup());

    BOOST_TEST_REQUIRE(choice.route.has_value());
    BOOST_TEST(choice.route->authorization == "Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==");
}

BOOST_AUTO_TEST_CASE(password_field_with_user_from_variable)
{
    fake_environment environment;
    environment.variables["HTTPS_PROXY"] = "http://Aladdin@127.0.0.1:3128";
    swr::proxy_options options;
    options.use_environment = true;
    options.password = "open sesame";

    proxy_choice choice = choose_proxy(options, make_target("swr.example.invalid"), environment.lookup());

    BOOST_TEST_REQUIRE(choice.route.has_value());
    BOOST_TEST(choice.route->authorization == "Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==");
}

BOOST_AUTO_TEST_CASE(invalid_credential_fields)
{
    fake_environment environment;
    swr::proxy_options options;
    options.url = "http://127.0.0.1:3128";
    options.password = std::string(secret_password);
    std::string error = choice_error(options, environment);
    BOOST_TEST(error.find("without a user name") != std::string::npos, error);
    BOOST_TEST(error.find(secret_password) == std::string::npos, error);

    options.username = "a:b";
    error = choice_error(options, environment);
    BOOST_TEST(error.find("contains ':'") != std::string::npos, error);
}

BOOST_AUTO_TEST_CASE(credentials_without_url)
{
    fake_environment environment;
    swr::proxy_options options;
    options.username = "alice";

    std::string error = choice_error(options, environment);

    BOOST_TEST(error.find("proxy_options::url is empty") != std::string::npos, error);
}

BOOST_AUTO_TEST_CASE(ipv6_target_authority)
{
    BOOST_TEST(swr::detail::authority_text(make_target("::1", 8443)) == "[::1]:8443");
    BOOST_TEST(swr::detail::authority_text(make_target("swr.example.invalid")) == "swr.example.invalid:443");
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(redaction)

BOOST_AUTO_TEST_CASE(route_masks_password_and_authorization)
{
    fake_environment environment;
    swr::proxy_options options;
    options.url = "http://alice:" + std::string(secret_password) + "@127.0.0.1:3128";
    std::string text = "failed with " + std::string(secret_password);
    std::string encoded;
    {
        proxy_choice choice = choose_proxy(options, make_target("swr.example.invalid"), environment.lookup());
        BOOST_TEST_REQUIRE(choice.route.has_value());
        encoded = choice.route->authorization.substr(6);

        BOOST_TEST(swr::detail::redact(text) == "failed with ***");
        BOOST_TEST(swr::detail::redact("token " + encoded) == "token ***");
    }
    // The registration ends with the route.
    BOOST_TEST(swr::detail::redact(text) == text);
}

BOOST_AUTO_TEST_CASE(proxy_authorization_header_masked)
{
    using swr::detail::redact;
    BOOST_TEST(redact("Proxy-Authorization: Basic YWxpY2U6cHc=\r\nHost: a") == "Proxy-Authorization: ***\r\nHost: a");
    BOOST_TEST(redact("proxy-authorization=Basic YWxpY2U6cHc=") == "proxy-authorization=***");
}

BOOST_AUTO_TEST_CASE(url_password_masked)
{
    using swr::detail::redact;
    BOOST_TEST(redact("HTTPS_PROXY=http://alice:pw@127.0.0.1:3128 is set") ==
               "HTTPS_PROXY=http://alice:***@127.0.0.1:3128 is set");
    BOOST_TEST(redact("'http://alice:p@w/x@127.0.0.1:3128'") == "'http://alice:***@127.0.0.1:3128'");
    BOOST_TEST(redact("http://a:1@h and https://b:2@k") == "http://a:***@h and https://b:***@k");
}

BOOST_AUTO_TEST_CASE(urls_without_password_unchanged)
{
    using swr::detail::redact;
    for (std::string_view text : {"https://127.0.0.1:8443", "http://alice@127.0.0.1:3128",
                                  "proxy http://127.0.0.1:3128 rejected CONNECT localhost:8443: 403 Forbidden"}) {
        BOOST_TEST(redact(text) == text);
    }
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(errors)

BOOST_AUTO_TEST_CASE(proxy_statuses_classified)
{
    using swr::detail::classify_failure;
    using swr::detail::failure_kind;
    for (int status : {502, 503, 504})
        BOOST_TEST((classify_failure(swr::errc::proxy_error, status, "", "") == failure_kind::transient), status);
    for (int status : {0, 400, 403, 404, 500, 501})
        BOOST_TEST((classify_failure(swr::errc::proxy_error, status, "", "") == failure_kind::permanent), status);
    BOOST_TEST((classify_failure(swr::errc::proxy_auth_required, 407, "", "") == failure_kind::permanent));
}

BOOST_AUTO_TEST_CASE(messages_name_the_proxy)
{
    BOOST_TEST(make_error_code(swr::errc::proxy_error).message().find("proxy") != std::string::npos);
    BOOST_TEST(make_error_code(swr::errc::proxy_auth_required).message().find("407") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(client_constructor_rejects_socks)
{
    boost::asio::io_context io;
    swr::client_options options;
    options.endpoint = "https://127.0.0.1:8443";
    options.credentials = swr::make_token_credentials("token-for-proxy-test");
    options.proxy.url = "socks5://alice:" + std::string(secret_password) + "@127.0.0.1:1080";

    try {
        swr::client client(io.get_executor(), options);
        BOOST_FAIL("the client accepted a SOCKS proxy");
    } catch (const swr::exception& error) {
        std::string text = error.what();
        BOOST_TEST(error.code() == swr::errc::invalid_argument);
        BOOST_TEST(text.find("only http:// proxies") != std::string::npos, text);
        BOOST_TEST(text.find(secret_password) == std::string::npos, text);
    }
}

BOOST_AUTO_TEST_SUITE_END()
