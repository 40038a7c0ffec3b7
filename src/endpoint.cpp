#include <swr/endpoint.hpp>

#include <boost/url/parse.hpp>
#include <boost/url/url_view.hpp>

#include <algorithm>
#include <iterator>
#include <charconv>
#include <string>

namespace swr {
namespace {

// Region names of the SWR endpoint table in the official SDKs
// (huaweicloud-sdk-go-v3 0.1.188 and its siblings). All but eu-west-101 live
// under myhuaweicloud.com.
constexpr std::string_view region_names[] = {
    "af-south-1",     "af-north-1",     "ap-southeast-1", "ap-southeast-2",   "ap-southeast-3",
    "ap-southeast-4", "ap-southeast-5", "cn-east-2",      "cn-east-3",        "cn-east-4",
    "cn-east-5",      "cn-north-1",     "cn-north-2",     "cn-north-4",       "cn-north-9",
    "cn-north-11",    "cn-north-12",    "cn-south-1",     "cn-south-2",       "cn-south-4",
    "cn-southwest-2", "cn-southwest-3", "ru-northwest-2", "ru-moscow-1",      "la-south-2",
    "la-north-2",     "sa-brazil-1",    "sa-peru-1",      "na-mexico-1",      "tr-west-1",
    "ae-ad-1",        "my-kualalumpur-1", "me-east-1",    "eu-west-0",        "eu-west-101",
};

bool iequals(std::string_view a, std::string_view b) noexcept
{
    if (a.size() != b.size())
        return false;
    for (std::size_t i = 0; i < a.size(); ++i) {
        char x = a[i] >= 'A' && a[i] <= 'Z' ? static_cast<char>(a[i] - 'A' + 'a') : a[i];
        char y = b[i] >= 'A' && b[i] <= 'Z' ? static_cast<char>(b[i] - 'A' + 'a') : b[i];
        if (x != y)
            return false;
    }
    return true;
}

std::string rejected(std::string_view url, std::string_view reason)
{
    return "invalid endpoint '" + std::string(url) + "': " + std::string(reason) +
           "; expected https://HOST[:PORT], e.g. https://127.0.0.1:8443";
}

}  // namespace

std::string endpoint::host_header() const
{
    std::string value = host.find(':') != std::string::npos ? "[" + host + "]" : host;
    if (port != 443)
        value += ":" + std::to_string(port);
    return value;
}

std::string endpoint::url() const
{
    std::string value = "https://";
    value += host.find(':') != std::string::npos ? "[" + host + "]" : host;
    value += ":" + std::to_string(port);
    return value;
}

namespace {

// Returns the text after the host's ':' in the authority, or an empty view
// when there is no port. Boost.URL reads "host:http" as a path, so a
// non-numeric port is found here to name it in the message.
std::string_view port_text(std::string_view url) noexcept
{
    auto scheme_end = url.find("://");
    if (scheme_end == std::string_view::npos)
        return {};
    std::string_view authority = url.substr(scheme_end + 3);
    authority = authority.substr(0, std::min(authority.find_first_of("/?#"), authority.size()));
    if (auto at = authority.rfind('@'); at != std::string_view::npos)
        authority.remove_prefix(at + 1);
    if (!authority.empty() && authority.front() == '[') {
        auto close = authority.find(']');
        if (close == std::string_view::npos)
            return {};
        authority.remove_prefix(close + 1);
        return authority.empty() || authority.front() != ':' ? std::string_view{} : authority.substr(1);
    }
    auto colon = authority.rfind(':');
    return colon == std::string_view::npos ? std::string_view{} : authority.substr(colon + 1);
}

bool all_digits(std::string_view text) noexcept
{
    return !text.empty() && std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
}

}  // namespace

std::string parse_endpoint(std::string_view url, endpoint& out)
{
    if (std::string_view port = port_text(url); !port.empty() && !all_digits(port))
        return rejected(url, "the port '" + std::string(port) + "' must be a number from 1 to 65535");

    auto parsed = boost::urls::parse_uri(url);
    if (!parsed)
        return rejected(url, "not a valid URL");
    boost::urls::url_view view = *parsed;

    if (!iequals(view.scheme(), "https"))
        return rejected(url, "the scheme must be https");
    if (view.has_userinfo())
        return rejected(url, "user information is not allowed");
    if (view.has_query() || view.has_fragment())
        return rejected(url, "a query or fragment is not allowed");
    if (!view.encoded_path().empty() && view.encoded_path() != "/")
        return rejected(url, "a path is not allowed");

    endpoint result;
    switch (view.host_type()) {
    case boost::urls::host_type::ipv6:
        result.host = view.host_address();
        break;
    case boost::urls::host_type::name:
    case boost::urls::host_type::ipv4:
        result.host = view.host();
        break;
    default:
        return rejected(url, "the host is missing or not supported");
    }
    if (result.host.empty())
        return rejected(url, "the host is missing");

    if (view.has_port()) {
        std::string_view digits = view.port();
        unsigned value = 0;
        auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
        if (digits.empty() || ec != std::errc() || end != digits.data() + digits.size() || value == 0 ||
            value > 65535)
            return rejected(url, "the port must be a number from 1 to 65535");
        result.port = static_cast<std::uint16_t>(value);
    }

    out = std::move(result);
    return {};
}

std::string region_endpoint_url(std::string_view region)
{
    for (std::string_view name : region_names) {
        if (name != region)
            continue;
        if (name == "eu-west-101")
            return "https://swr-api.eu-west-101.myhuaweicloud.eu";
        return "https://swr-api." + std::string(name) + ".myhuaweicloud.com";
    }
    return {};
}

std::vector<std::string_view> known_regions()
{
    return {std::begin(region_names), std::end(region_names)};
}

}  // namespace swr
