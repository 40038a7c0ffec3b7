// Unit tests for the AK/SK signer (src/signer.hpp): the published and
// SDK-produced vectors in test/data/sign-vectors.json, byte for byte, and
// the encoding rules behind them.

#define BOOST_TEST_MODULE signer
#include <boost/test/unit_test.hpp>

#include "signer.hpp"

#include <boost/json.hpp>

#include <chrono>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace {

using swr::detail::name_value_list;

boost::json::value load_vectors()
{
    std::ifstream file(SWR_TEST_DATA_DIR "/sign-vectors.json", std::ios::binary);
    BOOST_TEST_REQUIRE(file.good(), "cannot open " SWR_TEST_DATA_DIR "/sign-vectors.json");
    std::stringstream content;
    content << file.rdbuf();
    return boost::json::parse(content.str());
}

std::string text(const boost::json::object& object, std::string_view key)
{
    const boost::json::value* value = object.if_contains(key);
    return value != nullptr ? std::string(value->as_string()) : std::string();
}

name_value_list pairs(const boost::json::value& list)
{
    name_value_list result;
    for (const auto& pair : list.as_array()) {
        const auto& items = pair.as_array();
        result.emplace_back(std::string(items.at(0).as_string()), std::string(items.at(1).as_string()));
    }
    return result;
}

swr::detail::signing_input input_of(const boost::json::object& vector)
{
    swr::detail::signing_input input;
    input.method = text(vector, "method");
    input.path = text(vector, "path");
    input.query = pairs(vector.at("query_params_decoded"));
    for (const auto& [name, value] : vector.at("headers").as_object())
        input.headers.emplace_back(std::string(name), std::string(value.as_string()));
    input.body = text(vector, "body");
    return input;
}

// Third line of a canonical request: the canonical query.
std::string canonical_query_line(const std::string& canonical_request)
{
    std::istringstream lines(canonical_request);
    std::string line;
    for (int i = 0; i < 3; ++i)
        std::getline(lines, line);
    return line;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(vectors)

BOOST_AUTO_TEST_CASE(all_nine_present)
{
    boost::json::value data = load_vectors();

    BOOST_TEST(data.at("vectors").as_array().size() == 9u);
}

BOOST_AUTO_TEST_CASE(canonical_request_matches)
{
    boost::json::value data = load_vectors();
    for (const auto& item : data.at("vectors").as_array()) {
        const auto& vector = item.as_object();
        BOOST_TEST_CONTEXT("vector " << text(vector, "id"))
        {
            auto parts = swr::detail::sign(input_of(vector), text(vector, "x_sdk_date"), text(vector, "sk"));

            BOOST_TEST(parts.canonical_request == text(vector, "canonical_request"));
            BOOST_TEST(parts.signed_headers == text(vector, "signed_headers"));
        }
    }
}

BOOST_AUTO_TEST_CASE(string_to_sign_matches)
{
    boost::json::value data = load_vectors();
    for (const auto& item : data.at("vectors").as_array()) {
        const auto& vector = item.as_object();
        BOOST_TEST_CONTEXT("vector " << text(vector, "id"))
        {
            auto parts = swr::detail::sign(input_of(vector), text(vector, "x_sdk_date"), text(vector, "sk"));

            BOOST_TEST(parts.string_to_sign == text(vector, "string_to_sign"));
        }
    }
}

BOOST_AUTO_TEST_CASE(signature_matches)
{
    boost::json::value data = load_vectors();
    for (const auto& item : data.at("vectors").as_array()) {
        const auto& vector = item.as_object();
        BOOST_TEST_CONTEXT("vector " << text(vector, "id"))
        {
            auto parts = swr::detail::sign(input_of(vector), text(vector, "x_sdk_date"), text(vector, "sk"));

            BOOST_TEST(parts.signature == text(vector, "signature"));
        }
    }
}

BOOST_AUTO_TEST_CASE(authorization_matches)
{
    boost::json::value data = load_vectors();
    for (const auto& item : data.at("vectors").as_array()) {
        const auto& vector = item.as_object();
        BOOST_TEST_CONTEXT("vector " << text(vector, "id"))
        {
            auto parts = swr::detail::sign(input_of(vector), text(vector, "x_sdk_date"), text(vector, "sk"));

            std::string authorization = swr::detail::authorization_value(text(vector, "ak"), parts);

            BOOST_TEST(authorization == text(vector, "expected_authorization"));
        }
    }
}

BOOST_AUTO_TEST_CASE(payload_hash_matches)
{
    boost::json::value data = load_vectors();
    for (const auto& item : data.at("vectors").as_array()) {
        const auto& vector = item.as_object();
        if (!vector.contains("payload_sha256"))
            continue;
        BOOST_TEST_CONTEXT("vector " << text(vector, "id"))
        {
            BOOST_TEST(swr::detail::sha256_hex(text(vector, "body")) == text(vector, "payload_sha256"));
        }
    }
}

BOOST_AUTO_TEST_CASE(wire_query_canonicalised)
{
    // The signer reads the query as sent; decoding it must give the
    // vector's parameters and, re-encoded, its canonical query.
    boost::json::value data = load_vectors();
    int checked = 0;
    for (const auto& item : data.at("vectors").as_array()) {
        const auto& vector = item.as_object();
        if (!vector.contains("wire_query"))
            continue;
        BOOST_TEST_CONTEXT("vector " << text(vector, "id"))
        {
            name_value_list decoded = swr::detail::parse_query(text(vector, "wire_query"));

            BOOST_TEST((decoded == pairs(vector.at("query_params_decoded"))));
            BOOST_TEST(swr::detail::canonical_query(decoded) ==
                       canonical_query_line(text(vector, "canonical_request")));
            ++checked;
        }
    }
    BOOST_TEST(checked == 4);
}

BOOST_AUTO_TEST_CASE(canonical_query_example)
{
    boost::json::value data = load_vectors();
    const auto& example = data.at("canonical_query_example").as_object();

    std::string query = swr::detail::canonical_query(pairs(example.at("params_decoded")));

    BOOST_TEST(query == text(example, "canonical"));
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(encoding)

BOOST_AUTO_TEST_CASE(percent_encode_unreserved_only)
{
    BOOST_TEST(swr::detail::percent_encode("AZaz09-_.~") == "AZaz09-_.~");
    BOOST_TEST(swr::detail::percent_encode("a b+c/d") == "a%20b%2Bc%2Fd");
    BOOST_TEST(swr::detail::percent_encode("!'()*") == "%21%27%28%29%2A");
    BOOST_TEST(swr::detail::percent_encode("\xc3\xbc") == "%C3%BC");
    BOOST_TEST(swr::detail::percent_encode("") == "");
}

BOOST_AUTO_TEST_CASE(percent_decode_forms)
{
    BOOST_TEST(swr::detail::percent_decode("a%20b%2fc", false) == "a b/c");
    BOOST_TEST(swr::detail::percent_decode("a+b", false) == "a+b");
    BOOST_TEST(swr::detail::percent_decode("a+b", true) == "a b");
    // A '%' without two hex digits is kept as it is.
    BOOST_TEST(swr::detail::percent_decode("100%", false) == "100%");
    BOOST_TEST(swr::detail::percent_decode("%zz%4", false) == "%zz%4");
}

BOOST_AUTO_TEST_CASE(canonical_uri_forms)
{
    BOOST_TEST(swr::detail::canonical_uri("") == "/");
    BOOST_TEST(swr::detail::canonical_uri("/") == "/");
    BOOST_TEST(swr::detail::canonical_uri("/path") == "/path/");
    BOOST_TEST(swr::detail::canonical_uri("/path/") == "/path/");
    BOOST_TEST(swr::detail::canonical_uri("/a b/c") == "/a%20b/c/");
    BOOST_TEST(swr::detail::canonical_uri("/a%20b/c") == "/a%20b/c/");
    // An encoded slash stays inside its segment.
    BOOST_TEST(swr::detail::canonical_uri("/ns/a%2Fb") == "/ns/a%2Fb/");
}

BOOST_AUTO_TEST_CASE(parse_query_forms)
{
    name_value_list expected = {{"a", ""}, {"b", ""}, {"c", "1=2"}, {"d e", "f g"}};

    name_value_list parsed = swr::detail::parse_query("a&b=&&c=1%3D2&d+e=f%20g");

    BOOST_TEST((parsed == expected));
}

BOOST_AUTO_TEST_CASE(canonical_query_keeps_equals)
{
    BOOST_TEST(swr::detail::canonical_query({{"b", ""}, {"a", "1"}}) == "a=1&b=");
    BOOST_TEST(swr::detail::canonical_query({}) == "");
}

BOOST_AUTO_TEST_CASE(canonical_query_sorts_values)
{
    name_value_list params = {{"m", "2"}, {"m", "10"}, {"a", "z"}, {"m", "1"}};

    BOOST_TEST(swr::detail::canonical_query(params) == "a=z&m=1&m=10&m=2");
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(signing)

BOOST_AUTO_TEST_CASE(underscore_headers_unsigned)
{
    swr::detail::signing_input input;
    input.method = "GET";
    input.path = "/";
    input.headers = {{"X-Sdk-Date", "20240101T000000Z"}, {"X_Custom", "1"}, {"Host", "h"}};

    auto parts = swr::detail::sign(input, "20240101T000000Z", "key");

    BOOST_TEST(parts.signed_headers == "host;x-sdk-date");
    BOOST_TEST(parts.canonical_request.find("x_custom") == std::string::npos);
}

BOOST_AUTO_TEST_CASE(header_names_lowered_values_trimmed)
{
    swr::detail::signing_input input;
    input.method = "GET";
    input.path = "/p";
    input.headers = {{"X-Sdk-Date", " 20240101T000000Z\t"}, {"Content-Type", "  application/json "}};

    auto parts = swr::detail::sign(input, "20240101T000000Z", "key");

    BOOST_TEST(parts.canonical_request.find("content-type:application/json\nx-sdk-date:20240101T000000Z\n\n") !=
               std::string::npos);
}

BOOST_AUTO_TEST_CASE(hmac_rfc4231_case2)
{
    BOOST_TEST(swr::detail::hmac_sha256_hex("Jefe", "what do ya want for nothing?") ==
               "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

BOOST_AUTO_TEST_CASE(sha256_empty)
{
    BOOST_TEST(swr::detail::sha256_hex("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

BOOST_AUTO_TEST_CASE(sdk_date_format)
{
    using namespace std::chrono;
    sys_days day = year(2024) / May / 1;

    auto time = day + hours(12) + minutes(34) + seconds(56) + milliseconds(789);

    BOOST_TEST(swr::detail::format_sdk_date(time) == "20240501T123456Z");
    BOOST_TEST(swr::detail::format_sdk_date(sys_days(year(1999) / December / 31)) == "19991231T000000Z");
}

BOOST_AUTO_TEST_SUITE_END()
