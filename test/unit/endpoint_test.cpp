// Unit tests for swr/endpoint.hpp: parsing an HTTPS origin, the Host header
// and the region table.

#define BOOST_TEST_MODULE endpoint
#include <boost/test/unit_test.hpp>

#include <swr/endpoint.hpp>

#include <initializer_list>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace {

// Checks that `url` is rejected with a message containing each of `needles`.
void check_rejected(std::string_view url, std::initializer_list<std::string_view> needles)
{
    BOOST_TEST_CONTEXT("url '" << url << "'")
    {
        swr::endpoint out;

        const std::string message = swr::parse_endpoint(url, out);

        BOOST_TEST(!message.empty());
        for (const std::string_view needle : needles) {
            BOOST_TEST(message.find(needle) != std::string::npos,
                       "message '" << message << "' should contain '" << needle << "'");
        }
    }
}

}  // namespace

BOOST_AUTO_TEST_SUITE(parse_endpoint)

BOOST_AUTO_TEST_CASE(https_without_port)
{
    swr::endpoint out;

    const std::string message =
        swr::parse_endpoint("https://swr-api.cn-north-4.myhuaweicloud.com", out);

    BOOST_TEST(message == "");
    BOOST_TEST(out.host == "swr-api.cn-north-4.myhuaweicloud.com");
    BOOST_TEST(out.port == 443);
}

BOOST_AUTO_TEST_CASE(https_with_port)
{
    swr::endpoint out;

    const std::string message = swr::parse_endpoint("https://127.0.0.1:8443", out);

    BOOST_TEST(message == "");
    BOOST_TEST(out.host == "127.0.0.1");
    BOOST_TEST(out.port == 8443);
}

BOOST_AUTO_TEST_CASE(explicit_port_443)
{
    swr::endpoint out;

    const std::string message = swr::parse_endpoint("https://example.com:443", out);

    BOOST_TEST(message == "");
    BOOST_TEST(out.host == "example.com");
    BOOST_TEST(out.port == 443);
}

BOOST_AUTO_TEST_CASE(port_65535)
{
    swr::endpoint out;

    const std::string message = swr::parse_endpoint("https://example.com:65535", out);

    BOOST_TEST(message == "");
    BOOST_TEST(out.port == 65535);
}

BOOST_AUTO_TEST_CASE(ipv6_with_port)
{
    swr::endpoint out;

    const std::string message = swr::parse_endpoint("https://[::1]:8443", out);

    BOOST_TEST(message == "");
    BOOST_TEST(out.host == "::1");
    BOOST_TEST(out.port == 8443);
}

BOOST_AUTO_TEST_CASE(ipv6_without_port)
{
    swr::endpoint out;

    const std::string message = swr::parse_endpoint("https://[2001:db8::7]", out);

    BOOST_TEST(message == "");
    BOOST_TEST(out.host == "2001:db8::7");
    BOOST_TEST(out.port == 443);
}

BOOST_AUTO_TEST_CASE(trailing_slash)
{
    swr::endpoint plain;
    swr::endpoint with_port;
    swr::endpoint ipv6;

    const std::string plain_message = swr::parse_endpoint("https://example.com/", plain);
    const std::string port_message = swr::parse_endpoint("https://example.com:8443/", with_port);
    const std::string ipv6_message = swr::parse_endpoint("https://[::1]:8443/", ipv6);

    BOOST_TEST(plain_message == "");
    BOOST_TEST(plain.host == "example.com");
    BOOST_TEST(plain.port == 443);
    BOOST_TEST(port_message == "");
    BOOST_TEST(with_port.host == "example.com");
    BOOST_TEST(with_port.port == 8443);
    BOOST_TEST(ipv6_message == "");
    BOOST_TEST(ipv6.host == "::1");
    BOOST_TEST(ipv6.port == 8443);
}

BOOST_AUTO_TEST_CASE(rejects_http)
{
    check_rejected("http://example.com", {"http://example.com"});
    check_rejected("http://127.0.0.1:8080", {"http://127.0.0.1:8080"});
}

BOOST_AUTO_TEST_CASE(rejects_missing_scheme)
{
    check_rejected("example.com", {"example.com"});
    check_rejected("example.com:443", {"example.com:443"});
    check_rejected("//example.com", {});
    check_rejected("ftp://example.com", {});
}

BOOST_AUTO_TEST_CASE(rejects_path)
{
    check_rejected("https://example.com/v2", {});
    check_rejected("https://example.com/v2/manage/shared-repositories", {});
    check_rejected("https://example.com:8443/api/", {});
    check_rejected("https://example.com//", {});
}

BOOST_AUTO_TEST_CASE(rejects_query_and_fragment)
{
    check_rejected("https://example.com?x=1", {});
    check_rejected("https://example.com/?x=1", {});
    check_rejected("https://example.com#top", {});
    check_rejected("https://example.com/#top", {});
}

BOOST_AUTO_TEST_CASE(rejects_userinfo)
{
    check_rejected("https://user@example.com", {});
    check_rejected("https://user:secret@example.com:8443", {});
}

BOOST_AUTO_TEST_CASE(rejects_empty_host)
{
    check_rejected("https://", {});
    check_rejected("https:///", {});
    check_rejected("https://:8443", {});
    check_rejected("https://[]:8443", {});
}

BOOST_AUTO_TEST_CASE(rejects_empty_input)
{
    check_rejected("", {});
}

BOOST_AUTO_TEST_CASE(rejects_bad_port)
{
    // Each message must name the port as the problem and contain it as written.
    check_rejected("https://example.com:65536", {"port", "65536"});
    check_rejected("https://example.com:99999", {"port", "99999"});
    check_rejected("https://example.com:4294967739", {"port", "4294967739"});
    check_rejected("https://example.com:0", {"port", ":0"});
    check_rejected("https://example.com:-1", {"port", "-1"});
    check_rejected("https://example.com:http", {"port", ":http"});
    check_rejected("https://example.com:84x3", {"port", "84x3"});
    check_rejected("https://[::1]:70000", {"port", "70000"});
}

BOOST_AUTO_TEST_CASE(rejects_unbracketed_ipv6)
{
    check_rejected("https://::1:8443", {});
}

BOOST_AUTO_TEST_CASE(round_trip_through_url)
{
    for (const std::string_view url :
         {"https://127.0.0.1:8443", "https://[::1]:8443", "https://example.com"}) {
        BOOST_TEST_CONTEXT("url '" << url << "'")
        {
            swr::endpoint first;
            swr::endpoint second;
            BOOST_TEST_REQUIRE(swr::parse_endpoint(url, first) == "");

            const std::string message = swr::parse_endpoint(first.url(), second);

            BOOST_TEST(message == "");
            BOOST_TEST(second.host == first.host);
            BOOST_TEST(second.port == first.port);
        }
    }
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(endpoint)

BOOST_AUTO_TEST_CASE(host_header_drops_443)
{
    const swr::endpoint target{.host = "swr-api.cn-north-4.myhuaweicloud.com", .port = 443};

    BOOST_TEST(target.host_header() == "swr-api.cn-north-4.myhuaweicloud.com");
}

BOOST_AUTO_TEST_CASE(host_header_keeps_other_port)
{
    const swr::endpoint target{.host = "127.0.0.1", .port = 8443};

    BOOST_TEST(target.host_header() == "127.0.0.1:8443");
}

BOOST_AUTO_TEST_CASE(host_header_brackets_ipv6)
{
    const swr::endpoint with_port{.host = "::1", .port = 8443};
    const swr::endpoint default_port{.host = "::1", .port = 443};

    BOOST_TEST(with_port.host_header() == "[::1]:8443");
    BOOST_TEST(default_port.host_header() == "[::1]");
}

BOOST_AUTO_TEST_CASE(url_with_port)
{
    const swr::endpoint target{.host = "127.0.0.1", .port = 8443};

    BOOST_TEST(target.url() == "https://127.0.0.1:8443");
}

BOOST_AUTO_TEST_CASE(url_brackets_ipv6)
{
    const swr::endpoint target{.host = "::1", .port = 8443};

    BOOST_TEST(target.url() == "https://[::1]:8443");
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(regions)

BOOST_AUTO_TEST_CASE(cn_north_4)
{
    BOOST_TEST(swr::region_endpoint_url("cn-north-4") ==
               "https://swr-api.cn-north-4.myhuaweicloud.com");
}

BOOST_AUTO_TEST_CASE(eu_west_101_exception)
{
    BOOST_TEST(swr::region_endpoint_url("eu-west-101") ==
               "https://swr-api.eu-west-101.myhuaweicloud.eu");
}

BOOST_AUTO_TEST_CASE(unknown_region_empty)
{
    BOOST_TEST(swr::region_endpoint_url("xx-nowhere-1") == "");
    BOOST_TEST(swr::region_endpoint_url("") == "");
    BOOST_TEST(swr::region_endpoint_url("cn-north-4 ") == "");
    BOOST_TEST(swr::region_endpoint_url("cn-north-4.evil.example") == "");
}

BOOST_AUTO_TEST_CASE(known_regions_match_sdk_table)
{
    // Regions in the SWR endpoint tables of the official SDKs (Go 0.1.188,
    // Python 3.1.211, Java 3.1.212, Node 3.1.209).
    const std::set<std::string> expected = {
        "af-south-1",       "af-north-1",     "ap-southeast-1", "ap-southeast-2",
        "ap-southeast-3",   "ap-southeast-4", "ap-southeast-5", "cn-east-2",
        "cn-east-3",        "cn-east-4",      "cn-east-5",      "cn-north-1",
        "cn-north-2",       "cn-north-4",     "cn-north-9",     "cn-north-11",
        "cn-north-12",      "cn-south-1",     "cn-south-2",     "cn-south-4",
        "cn-southwest-2",   "cn-southwest-3", "ru-northwest-2", "ru-moscow-1",
        "la-south-2",       "la-north-2",     "sa-brazil-1",    "sa-peru-1",
        "na-mexico-1",      "tr-west-1",      "ae-ad-1",        "my-kualalumpur-1",
        "me-east-1",        "eu-west-0",      "eu-west-101",
    };

    const std::vector<std::string_view> regions = swr::known_regions();

    const std::set<std::string> actual(regions.begin(), regions.end());
    BOOST_TEST(regions.size() == actual.size(), "known_regions() has duplicates");
    BOOST_TEST(actual == expected, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(every_known_region_has_url)
{
    for (const std::string_view region : swr::known_regions()) {
        BOOST_TEST_CONTEXT("region " << region)
        {
            const std::string expected =
                region == "eu-west-101"
                    ? "https://swr-api.eu-west-101.myhuaweicloud.eu"
                    : "https://swr-api." + std::string(region) + ".myhuaweicloud.com";

            BOOST_TEST(swr::region_endpoint_url(region) == expected);
        }
    }
}

BOOST_AUTO_TEST_CASE(region_url_parses)
{
    for (const std::string_view region : swr::known_regions()) {
        BOOST_TEST_CONTEXT("region " << region)
        {
            swr::endpoint out;

            const std::string message = swr::parse_endpoint(swr::region_endpoint_url(region), out);

            BOOST_TEST(message == "");
            BOOST_TEST(out.port == 443);
        }
    }
}

BOOST_AUTO_TEST_SUITE_END()
