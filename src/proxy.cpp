#include "proxy.hpp"

#include "credential_checks.hpp"
#include "errors.hpp"

#include <boost/url/parse.hpp>
#include <boost/url/url_view.hpp>

#include <openssl/evp.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <cstdlib>
#include <initializer_list>
#include <utility>

namespace swr::detail {
namespace {

namespace ip = boost::asio::ip;

// Written so that redact(), which masks `scheme://user:password@`, leaves it whole.
constexpr std::string_view proxy_url_form = "http://HOST[:PORT], optionally with USER:PASSWORD@ before HOST";

char to_lower(char c) noexcept
{
    return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}

std::string lower_case(std::string_view text)
{
    std::string result(text);
    std::transform(result.begin(), result.end(), result.begin(), to_lower);
    return result;
}

std::string rejected_url(std::string_view url, std::string_view reason)
{
    return "invalid proxy URL '" + mask_url_credentials(url) + "': " + std::string(reason) + "; expected " +
           std::string(proxy_url_form);
}

// Returns the error for a scheme other than http, or an empty string.
std::string check_scheme(std::string_view url, std::string_view scheme)
{
    std::string name = lower_case(scheme);
    if (name == "http")
        return {};
    if (name == "https") {
        return rejected_url(url, "https:// proxies (TLS to the proxy) are not supported, only http:// proxies, "
                                 "which tunnel with CONNECT; the connection to the endpoint is encrypted end "
                                 "to end either way");
    }
    if (name.starts_with("socks"))
        return rejected_url(url, "SOCKS proxies are not supported, only http:// proxies, which tunnel with CONNECT");
    return rejected_url(url, "the scheme '" + name + "' is not supported, only http:// proxies, which tunnel "
                                                     "with CONNECT");
}

bool parse_port(std::string_view digits, std::uint16_t& out) noexcept
{
    unsigned value = 0;
    auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
    if (digits.empty() || ec != std::errc() || end != digits.data() + digits.size() || value == 0 || value > 65535)
        return false;
    out = static_cast<std::uint16_t>(value);
    return true;
}

// Returns the error for credentials that cannot go into a Basic
// `Proxy-Authorization` header (RFC 7617), or an empty string.
std::string check_credentials(std::string_view username, std::string_view password)
{
    if (username.find(':') != std::string_view::npos)
        return "the proxy user name contains ':', which Basic authentication cannot carry";
    if (contains_control_character(username))
        return "the proxy user name contains a control character";
    if (contains_control_character(password))
        return "the proxy password contains a control character";
    if (username.empty() && !password.empty())
        return "a proxy password was given without a user name";
    return {};
}

std::optional<std::string> first_variable(const environment_lookup& environment,
                                          std::initializer_list<std::string_view> names, std::string& source)
{
    for (std::string_view name : names) {
        if (auto value = environment(name)) {
            source = std::string(name);
            return value;
        }
    }
    return std::nullopt;
}

// Whether the first `bits` bits of two addresses of the same family agree.
bool same_prefix(const ip::address& a, const ip::address& b, unsigned bits)
{
    if (a.is_v4() != b.is_v4())
        return false;
    std::array<unsigned char, 16> left{};
    std::array<unsigned char, 16> right{};
    std::size_t size = 16;
    if (a.is_v4()) {
        auto v4a = a.to_v4().to_bytes();
        auto v4b = b.to_v4().to_bytes();
        std::copy(v4a.begin(), v4a.end(), left.begin());
        std::copy(v4b.begin(), v4b.end(), right.begin());
        size = 4;
    } else {
        left = a.to_v6().to_bytes();
        right = b.to_v6().to_bytes();
    }

    bits = std::min<unsigned>(bits, static_cast<unsigned>(size * 8));
    std::size_t whole = bits / 8;
    if (!std::equal(left.begin(), left.begin() + static_cast<std::ptrdiff_t>(whole), right.begin()))
        return false;
    unsigned rest = bits % 8;
    if (rest == 0)
        return true;
    auto mask = static_cast<unsigned char>(0xff << (8 - rest));
    return (left[whole] & mask) == (right[whole] & mask);
}

std::optional<ip::address> parse_address(std::string_view text)
{
    boost::system::error_code ec;
    ip::address address = ip::make_address(std::string(text), ec);
    if (ec)
        return std::nullopt;
    return address;
}

}  // namespace

environment_lookup process_environment()
{
    return [](std::string_view name) -> std::optional<std::string> {
        const char* value = std::getenv(std::string(name).c_str());
        if (value == nullptr || *value == '\0')
            return std::nullopt;
        return std::string(value);
    };
}

std::string proxy_server::url() const
{
    return "http://" + authority_text(address);
}

std::string authority_text(const swr::endpoint& target)
{
    std::string host = target.host.find(':') != std::string::npos ? "[" + target.host + "]" : target.host;
    return host + ":" + std::to_string(target.port);
}

std::string mask_url_credentials(std::string_view url)
{
    auto at = url.rfind('@');
    if (at == std::string_view::npos)
        return std::string(url);
    auto scheme_end = url.find("://");
    std::size_t start = scheme_end != std::string_view::npos && scheme_end < at ? scheme_end + 3 : 0;
    return std::string(url.substr(0, start)) + std::string(redacted_text) + std::string(url.substr(at));
}

std::string parse_proxy_url(std::string_view text, proxy_server& out)
{
    if (text.empty())
        return rejected_url(text, "the URL is empty");

    // A value without a scheme, e.g. `proxy.example:3128`, is an http proxy.
    std::string url(text);
    if (url.find("://") == std::string::npos)
        url = "http://" + url;

    auto parsed = boost::urls::parse_uri(url);
    if (!parsed)
        return rejected_url(text, "not a valid URL");
    boost::urls::url_view view = *parsed;

    if (std::string error = check_scheme(text, view.scheme()); !error.empty())
        return error;
    if (view.has_query() || view.has_fragment())
        return rejected_url(text, "a query or fragment is not allowed");
    if (!view.encoded_path().empty() && view.encoded_path() != "/")
        return rejected_url(text, "a path is not allowed");

    proxy_server result;
    switch (view.host_type()) {
    case boost::urls::host_type::ipv6:
        result.address.host = view.host_address();
        break;
    case boost::urls::host_type::name:
    case boost::urls::host_type::ipv4:
        result.address.host = view.host();
        break;
    default:
        return rejected_url(text, "the host is missing or not supported");
    }
    if (result.address.host.empty())
        return rejected_url(text, "the host is missing");

    if (view.has_port() && !parse_port(view.port(), result.address.port))
        return rejected_url(text, "the port must be a number from 1 to 65535");

    if (view.has_userinfo()) {
        result.username = view.user();
        result.password = view.password();
        if (std::string error = check_credentials(result.username, result.password); !error.empty())
            return rejected_url(text, error);
    }

    out = std::move(result);
    return {};
}

std::optional<no_proxy_list::entry> no_proxy_list::parse_entry(std::string_view text)
{
    entry rule;
    rule.text = std::string(text);
    if (text == "*") {
        rule.any = true;
        return rule;
    }
    std::string value = lower_case(text);
    std::string_view rest = value;

    // `[v6]` or `[v6]:port`.
    if (rest.starts_with('[')) {
        auto close = rest.find(']');
        if (close == std::string_view::npos)
            return std::nullopt;
        std::string_view after = rest.substr(close + 1);
        if (!after.empty()) {
            std::uint16_t port = 0;
            if (!after.starts_with(':') || !parse_port(after.substr(1), port))
                return std::nullopt;
            rule.port = port;
        }
        rule.network = parse_address(rest.substr(1, close - 1));
        if (!rule.network)
            return std::nullopt;
        rule.prefix_length = 128;
        return rule;
    }

    // `address/bits`.
    if (auto slash = rest.find('/'); slash != std::string_view::npos) {
        rule.network = parse_address(rest.substr(0, slash));
        unsigned bits = 0;
        std::string_view digits = rest.substr(slash + 1);
        auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), bits);
        unsigned max_bits = rule.network && rule.network->is_v4() ? 32 : 128;
        if (!rule.network || digits.empty() || ec != std::errc() || end != digits.data() + digits.size() ||
            bits > max_bits)
            return std::nullopt;
        rule.prefix_length = bits;
        return rule;
    }

    // A whole address, which covers IPv6 without brackets.
    if (auto address = parse_address(rest)) {
        rule.network = address;
        rule.prefix_length = 128;
        return rule;
    }

    // `name:port` or `v4:port`.
    if (auto colon = rest.find(':'); colon != std::string_view::npos) {
        std::uint16_t port = 0;
        if (!parse_port(rest.substr(colon + 1), port))
            return std::nullopt;
        rule.port = port;
        rest = rest.substr(0, colon);
        if (auto address = parse_address(rest)) {
            rule.network = address;
            rule.prefix_length = 128;
            return rule;
        }
    }

    // A domain: `example.com`, `.example.com` or `*.example.com`.
    if (rest.starts_with("*."))
        rest.remove_prefix(2);
    else if (rest.starts_with('.'))
        rest.remove_prefix(1);
    while (rest.ends_with('.'))
        rest.remove_suffix(1);
    if (rest.empty() || rest.find_first_of("*/[]") != std::string_view::npos)
        return std::nullopt;
    rule.domain = std::string(rest);
    return rule;
}

no_proxy_list no_proxy_list::parse(std::string_view text)
{
    no_proxy_list list;
    std::size_t at = 0;
    while (at < text.size()) {
        auto end = text.find_first_of(", \t\r\n", at);
        if (end == std::string_view::npos)
            end = text.size();
        std::string_view token = text.substr(at, end - at);
        at = end + 1;
        if (token.empty())
            continue;
        if (auto rule = parse_entry(token))
            list.entries_.push_back(std::move(*rule));
        else
            list.ignored_.emplace_back(token);
    }
    return list;
}

bool no_proxy_list::matches(const entry& rule, std::string_view host, const std::optional<ip::address>& address)
{
    if (rule.any)
        return true;
    if (rule.network)
        return address && same_prefix(*rule.network, *address, rule.prefix_length);
    if (address)
        return false;
    if (host == rule.domain)
        return true;
    return host.size() > rule.domain.size() && host.ends_with(rule.domain) &&
           host[host.size() - rule.domain.size() - 1] == '.';
}

std::optional<std::string> no_proxy_list::match(std::string_view host, std::uint16_t port) const
{
    std::string name = lower_case(host);
    if (name.size() >= 2 && name.front() == '[' && name.back() == ']')
        name = name.substr(1, name.size() - 2);
    while (name.ends_with('.'))
        name.pop_back();
    std::optional<ip::address> address = parse_address(name);

    for (const entry& rule : entries_) {
        if (rule.port && *rule.port != port)
            continue;
        if (matches(rule, name, address))
            return rule.text;
    }
    return std::nullopt;
}

std::string basic_authorization(std::string_view username, std::string_view password)
{
    std::string plain = std::string(username) + ":" + std::string(password);
    std::string encoded(4 * ((plain.size() + 2) / 3) + 1, '\0');
    int length = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(encoded.data()),
                                 reinterpret_cast<const unsigned char*>(plain.data()), static_cast<int>(plain.size()));
    encoded.resize(static_cast<std::size_t>(length));
    return "Basic " + encoded;
}

proxy_choice choose_proxy(const proxy_options& options, const swr::endpoint& target,
                          const environment_lookup& environment)
{
    proxy_choice choice;

    // The URL: the option, else the variables when allowed.
    std::string source = options.url_origin.empty() ? "proxy_options::url" : options.url_origin;
    std::optional<std::string> url;
    if (!options.url.empty())
        url = options.url;
    else if (options.use_environment)
        url = first_variable(environment, {"https_proxy", "HTTPS_PROXY"}, source);

    bool credentials_given = !options.username.empty() || !options.password.empty();
    if (!url) {
        if (credentials_given && !options.use_environment) {
            throw_invalid_argument("proxy_options::username or password is set but proxy_options::url is empty: "
                                   "set the proxy URL, or use_environment to take it from HTTPS_PROXY");
        }
        choice.description = options.use_environment ? "no proxy: https_proxy and HTTPS_PROXY are not set"
                                                     : "no proxy";
        return choice;
    }

    proxy_route route;
    route.source = source;
    if (std::string error = parse_proxy_url(*url, route.server); !error.empty())
        throw_invalid_argument(error + " (" + source + ")");
    if (!options.username.empty())
        route.server.username = options.username;
    if (!options.password.empty())
        route.server.password = options.password;
    if (std::string error = check_credentials(route.server.username, route.server.password); !error.empty())
        throw_invalid_argument("invalid proxy credentials: " + error);

    // NO_PROXY: the option, else the variables when allowed.
    std::string list_source = options.no_proxy_origin.empty() ? "proxy_options::no_proxy" : options.no_proxy_origin;
    std::optional<std::string> list_text = options.no_proxy;
    if (!list_text && options.use_environment)
        list_text = first_variable(environment, {"no_proxy", "NO_PROXY"}, list_source);
    if (list_text) {
        no_proxy_list list = no_proxy_list::parse(*list_text);
        for (const std::string& ignored : list.ignored()) {
            choice.ignored_entries.push_back("entry '" + ignored + "' of " + list_source +
                                             " is ignored: it is not a host name, IP address, address range "
                                             "or host:port");
        }
        if (auto entry = list.match(target.host, target.port)) {
            choice.description = "no proxy for " + authority_text(target) + ": it matches entry '" + *entry +
                                 "' of " + list_source;
            return choice;
        }
    }

    // Ready the credentials and mask them from now on.
    if (!route.server.username.empty()) {
        route.authorization = basic_authorization(route.server.username, route.server.password);
        route.secrets.emplace_back(route.server.password);
        route.secrets.emplace_back(route.authorization.substr(std::string_view("Basic ").size()));
    }
    choice.description = "connections to " + authority_text(target) + " go through proxy " + route.server.url() +
                         " (from " + source + ")" +
                         (route.server.username.empty() ? "" : ", as user " + route.server.username);
    choice.route = std::move(route);
    return choice;
}

std::optional<proxy_route> make_proxy_route(const proxy_options& options, const swr::endpoint& target,
                                            const logger& log)
{
    proxy_choice choice = choose_proxy(options, target, process_environment());
    for (const std::string& ignored : choice.ignored_entries)
        log.write(log_level::warning, ignored);

    // A client that was never given a proxy logs nothing about proxies.
    if (!options.url.empty() || options.use_environment)
        log.write(log_level::info, choice.description);
    return std::move(choice.route);
}

}  // namespace swr::detail
