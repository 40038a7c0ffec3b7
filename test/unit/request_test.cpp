// Unit tests for swr/request.hpp: enum names, percent-encoding, validation
// and the query string of both wire forms.
//
// Term order fixed by these tests. The filter form writes only the terms that
// are present, in this order:
//   center, name, namespace, limit, offset, order_column, order_type
// and the separate form sends its parameters in the same order:
//   center=..&name=..&namespace=..&limit=..&offset=..&order_column=..&order_type=..
// `order_type` is sent only together with `order_column`.

#define BOOST_TEST_MODULE request
#include <boost/test/unit_test.hpp>

#include <swr/request.hpp>

#include <array>
#include <cstdint>
#include <ostream>
#include <string>
#include <string_view>

namespace swr {

// Lets Boost.Test print the enums in failure messages.
std::ostream& boost_test_print_type(std::ostream& out, center value)
{
    return out << to_string(value);
}

std::ostream& boost_test_print_type(std::ostream& out, order_column value)
{
    return out << to_string(value);
}

std::ostream& boost_test_print_type(std::ostream& out, order_type value)
{
    return out << to_string(value);
}

std::ostream& boost_test_print_type(std::ostream& out, query_form value)
{
    return out << to_string(value);
}

}  // namespace swr

namespace {

bool is_unreserved(unsigned char byte)
{
    return (byte >= 'A' && byte <= 'Z') || (byte >= 'a' && byte <= 'z') ||
           (byte >= '0' && byte <= '9') || byte == '-' || byte == '_' || byte == '.' ||
           byte == '~';
}

// Returns the expected encoding of one byte, computed independently of the
// library: the byte itself when unreserved, otherwise `%XX` in upper-case hex.
std::string expected_encoding(unsigned char byte)
{
    if (is_unreserved(byte)) {
        return std::string(1, static_cast<char>(byte));
    }

    constexpr std::string_view hex = "0123456789ABCDEF";
    std::string encoded = "%";
    encoded += hex[byte >> 4];
    encoded += hex[byte & 0x0F];
    return encoded;
}

swr::shared_repositories_request filter_request(swr::center center)
{
    swr::shared_repositories_request request;
    request.center = center;
    request.form = swr::query_form::filter;
    return request;
}

swr::shared_repositories_request separate_request(swr::center center)
{
    swr::shared_repositories_request request;
    request.center = center;
    request.form = swr::query_form::separate;
    return request;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(enums)

BOOST_AUTO_TEST_CASE(center_to_string)
{
    BOOST_TEST(swr::to_string(swr::center::self) == "self");
    BOOST_TEST(swr::to_string(swr::center::thirdparty) == "thirdparty");
}

BOOST_AUTO_TEST_CASE(order_column_to_string)
{
    BOOST_TEST(swr::to_string(swr::order_column::updated_at) == "updated_at");
    BOOST_TEST(swr::to_string(swr::order_column::name) == "name");
    BOOST_TEST(swr::to_string(swr::order_column::tag_count) == "tag_count");
    BOOST_TEST(swr::to_string(swr::order_column::namespace_name) == "namespace");
    BOOST_TEST(swr::to_string(swr::order_column::domain_name) == "domain_name");
}

BOOST_AUTO_TEST_CASE(order_type_to_string)
{
    BOOST_TEST(swr::to_string(swr::order_type::asc) == "asc");
    BOOST_TEST(swr::to_string(swr::order_type::desc) == "desc");
}

BOOST_AUTO_TEST_CASE(query_form_to_string)
{
    BOOST_TEST(swr::to_string(swr::query_form::filter) == "filter");
    BOOST_TEST(swr::to_string(swr::query_form::separate) == "separate");
}

BOOST_AUTO_TEST_CASE(center_round_trip)
{
    for (const auto value : {swr::center::self, swr::center::thirdparty}) {
        BOOST_TEST_CONTEXT("value " << swr::to_string(value))
        {
            swr::center parsed = value == swr::center::self ? swr::center::thirdparty
                                                            : swr::center::self;

            const bool ok = swr::parse_center(swr::to_string(value), parsed);

            BOOST_TEST(ok);
            BOOST_TEST(parsed == value);
        }
    }
}

BOOST_AUTO_TEST_CASE(order_column_round_trip)
{
    constexpr std::array values = {swr::order_column::updated_at, swr::order_column::name,
                                   swr::order_column::tag_count,
                                   swr::order_column::namespace_name,
                                   swr::order_column::domain_name};

    for (const auto value : values) {
        BOOST_TEST_CONTEXT("value " << swr::to_string(value))
        {
            swr::order_column parsed = value == swr::order_column::name
                                           ? swr::order_column::updated_at
                                           : swr::order_column::name;

            const bool ok = swr::parse_order_column(swr::to_string(value), parsed);

            BOOST_TEST(ok);
            BOOST_TEST(parsed == value);
        }
    }
}

BOOST_AUTO_TEST_CASE(order_type_round_trip)
{
    for (const auto value : {swr::order_type::asc, swr::order_type::desc}) {
        BOOST_TEST_CONTEXT("value " << swr::to_string(value))
        {
            swr::order_type parsed =
                value == swr::order_type::asc ? swr::order_type::desc : swr::order_type::asc;

            const bool ok = swr::parse_order_type(swr::to_string(value), parsed);

            BOOST_TEST(ok);
            BOOST_TEST(parsed == value);
        }
    }
}

BOOST_AUTO_TEST_CASE(query_form_round_trip)
{
    for (const auto value : {swr::query_form::filter, swr::query_form::separate}) {
        BOOST_TEST_CONTEXT("value " << swr::to_string(value))
        {
            swr::query_form parsed = value == swr::query_form::filter
                                         ? swr::query_form::separate
                                         : swr::query_form::filter;

            const bool ok = swr::parse_query_form(swr::to_string(value), parsed);

            BOOST_TEST(ok);
            BOOST_TEST(parsed == value);
        }
    }
}

BOOST_AUTO_TEST_CASE(parse_rejects_unknown)
{
    for (const std::string_view text : {"", "bogus", "self|thirdparty"}) {
        BOOST_TEST_CONTEXT("text '" << text << "'")
        {
            swr::center center_value{};
            swr::order_column column_value{};
            swr::order_type type_value{};
            swr::query_form form_value{};

            BOOST_TEST(!swr::parse_center(text, center_value));
            BOOST_TEST(!swr::parse_order_column(text, column_value));
            BOOST_TEST(!swr::parse_order_type(text, type_value));
            BOOST_TEST(!swr::parse_query_form(text, form_value));
        }
    }
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(percent_encode)

BOOST_AUTO_TEST_CASE(keeps_unreserved)
{
    const std::string unreserved =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.~";

    const std::string encoded = swr::percent_encode(unreserved);

    BOOST_TEST(encoded == unreserved);
}

BOOST_AUTO_TEST_CASE(every_byte)
{
    for (int byte = 0; byte < 256; ++byte) {
        BOOST_TEST_CONTEXT("byte " << byte)
        {
            const std::string input(1, static_cast<char>(byte));

            const std::string encoded = swr::percent_encode(input);

            BOOST_TEST(encoded == expected_encoding(static_cast<unsigned char>(byte)));
        }
    }
}

BOOST_AUTO_TEST_CASE(empty)
{
    BOOST_TEST(swr::percent_encode("") == "");
}

BOOST_AUTO_TEST_CASE(space_is_percent_20)
{
    BOOST_TEST(swr::percent_encode("a b") == "a%20b");
}

BOOST_AUTO_TEST_CASE(plus_is_encoded)
{
    BOOST_TEST(swr::percent_encode("a+b") == "a%2Bb");
}

BOOST_AUTO_TEST_CASE(utf8_byte_by_byte)
{
    // U+955C U+50CF.
    BOOST_TEST(swr::percent_encode("镜像") == "%E9%95%9C%E5%83%8F");
}

BOOST_AUTO_TEST_CASE(embedded_nul)
{
    const std::string_view input("a\0b", 3);

    BOOST_TEST(swr::percent_encode(input) == "a%00b");
}

BOOST_AUTO_TEST_CASE(sub_delims_encoded)
{
    // The Node SDK 3.1.209 leaves `! ' ( ) *` raw on the wire but encodes them
    // when signing. This library encodes them everywhere.
    const std::string encoded = swr::percent_encode("a!b'c(d)e*f~g_h.i-j");

    BOOST_TEST(encoded == "a%21b%27c%28d%29e%2Af~g_h.i-j");
}

BOOST_AUTO_TEST_CASE(matches_sdk_filter_bytes)
{
    // Filter value and its encoding as the official Node SDK 3.1.209 sent them
    // (test/data/sign-vectors.json, official-sdk-node-v2-filter-spaces-specials).
    // The SDK keeps `/` in the name, so this checks percent_encode alone.
    const std::string filter = "center::thirdparty|name::my repo/x+y|limit::2|offset::4";

    const std::string encoded = swr::percent_encode(filter);

    BOOST_TEST(encoded ==
               "center%3A%3Athirdparty%7Cname%3A%3Amy%20repo%2Fx%2By%7Climit%3A%3A2%7C"
               "offset%3A%3A4");
}

BOOST_AUTO_TEST_CASE(matches_sdk_unicode_bytes)
{
    // Name value as the official Node SDK 3.1.209 sent it
    // (test/data/sign-vectors.json, official-sdk-node-v3-separate-params-unicode).
    const std::string encoded = swr::percent_encode("镜像 仓库/ü");

    BOOST_TEST(encoded == "%E9%95%9C%E5%83%8F%20%E4%BB%93%E5%BA%93%2F%C3%BC");
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(build_query_filter)

BOOST_AUTO_TEST_CASE(center_limit_offset)
{
    const auto request = filter_request(swr::center::self);

    const std::string query = swr::build_query(request, 10, 0);

    BOOST_TEST(query == "filter=center%3A%3Aself%7Climit%3A%3A10%7Coffset%3A%3A0");
}

BOOST_AUTO_TEST_CASE(is_default_form)
{
    const swr::shared_repositories_request request;

    const std::string query = swr::build_query(request, 10, 0);

    BOOST_TEST(request.form == swr::query_form::filter);
    BOOST_TEST(query == "filter=center%3A%3Aself%7Climit%3A%3A10%7Coffset%3A%3A0");
}

BOOST_AUTO_TEST_CASE(all_terms_in_order)
{
    auto request = filter_request(swr::center::thirdparty);
    request.name = "nginx";
    request.namespace_name = "library";
    request.order_column = swr::order_column::tag_count;
    request.order_type = swr::order_type::desc;

    const std::string query = swr::build_query(request, 100, 200);

    // center::thirdparty|name::nginx|namespace::library|limit::100|offset::200|
    // order_column::tag_count|order_type::desc
    BOOST_TEST(query ==
               "filter=center%3A%3Athirdparty%7Cname%3A%3Anginx%7Cnamespace%3A%3Alibrary"
               "%7Climit%3A%3A100%7Coffset%3A%3A200%7Corder_column%3A%3Atag_count"
               "%7Corder_type%3A%3Adesc");
}

BOOST_AUTO_TEST_CASE(slash_in_name_as_dollar)
{
    auto request = filter_request(swr::center::self);
    request.name = "base/alpine";

    const std::string query = swr::build_query(request, 10, 0);

    // center::self|name::base$alpine|limit::10|offset::0
    BOOST_TEST(query ==
               "filter=center%3A%3Aself%7Cname%3A%3Abase%24alpine%7Climit%3A%3A10"
               "%7Coffset%3A%3A0");
}

BOOST_AUTO_TEST_CASE(slash_in_namespace_kept)
{
    // Only the repository name travels with `$` in place of `/`.
    auto request = filter_request(swr::center::self);
    request.namespace_name = "a/b";

    const std::string query = swr::build_query(request, 10, 0);

    BOOST_TEST(query ==
               "filter=center%3A%3Aself%7Cnamespace%3A%3Aa%2Fb%7Climit%3A%3A10"
               "%7Coffset%3A%3A0");
}

BOOST_AUTO_TEST_CASE(sdk_vector_with_dollar)
{
    // The SDK's filter vector (name `my repo/x+y`), with `/` sent as `$`.
    auto request = filter_request(swr::center::thirdparty);
    request.name = "my repo/x+y";

    const std::string query = swr::build_query(request, 2, 4);

    BOOST_TEST(query ==
               "filter=center%3A%3Athirdparty%7Cname%3A%3Amy%20repo%24x%2By%7Climit%3A%3A2"
               "%7Coffset%3A%3A4");
}

BOOST_AUTO_TEST_CASE(utf8_name)
{
    auto request = filter_request(swr::center::self);
    request.name = "镜像";

    const std::string query = swr::build_query(request, 10, 0);

    BOOST_TEST(query ==
               "filter=center%3A%3Aself%7Cname%3A%3A%E9%95%9C%E5%83%8F%7Climit%3A%3A10"
               "%7Coffset%3A%3A0");
}

BOOST_AUTO_TEST_CASE(order_type_without_column)
{
    auto request = filter_request(swr::center::self);
    request.order_type = swr::order_type::asc;

    const std::string query = swr::build_query(request, 10, 0);

    BOOST_TEST(query == "filter=center%3A%3Aself%7Climit%3A%3A10%7Coffset%3A%3A0");
}

BOOST_AUTO_TEST_CASE(order_column_without_type)
{
    auto request = filter_request(swr::center::self);
    request.order_column = swr::order_column::namespace_name;

    const std::string query = swr::build_query(request, 10, 0);

    BOOST_TEST(query ==
               "filter=center%3A%3Aself%7Climit%3A%3A10%7Coffset%3A%3A0"
               "%7Corder_column%3A%3Anamespace");
}

BOOST_AUTO_TEST_CASE(large_offset)
{
    const auto request = filter_request(swr::center::self);

    const std::string query = swr::build_query(request, 1000, 9223372036854775807);

    BOOST_TEST(query ==
               "filter=center%3A%3Aself%7Climit%3A%3A1000"
               "%7Coffset%3A%3A9223372036854775807");
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(build_query_separate)

BOOST_AUTO_TEST_CASE(center_limit_offset)
{
    const auto request = separate_request(swr::center::self);

    const std::string query = swr::build_query(request, 10, 0);

    BOOST_TEST(query == "center=self&limit=10&offset=0");
}

BOOST_AUTO_TEST_CASE(all_parameters_in_order)
{
    auto request = separate_request(swr::center::thirdparty);
    request.name = "base/alpine";
    request.namespace_name = "library";
    request.order_column = swr::order_column::updated_at;
    request.order_type = swr::order_type::asc;

    const std::string query = swr::build_query(request, 100, 200);

    BOOST_TEST(query ==
               "center=thirdparty&name=base%24alpine&namespace=library&limit=100&offset=200"
               "&order_column=updated_at&order_type=asc");
}

BOOST_AUTO_TEST_CASE(special_characters_encoded)
{
    // In this form `|` and `::` are ordinary characters of the value.
    auto request = separate_request(swr::center::self);
    request.name = "my repo+x|y::z";
    request.namespace_name = "team one";

    const std::string query = swr::build_query(request, 10, 0);

    BOOST_TEST(query ==
               "center=self&name=my%20repo%2Bx%7Cy%3A%3Az&namespace=team%20one&limit=10"
               "&offset=0");
}

BOOST_AUTO_TEST_CASE(utf8_name)
{
    auto request = separate_request(swr::center::thirdparty);
    request.name = "镜像 仓库/ü";

    const std::string query = swr::build_query(request, 100, 200);

    BOOST_TEST(query ==
               "center=thirdparty&name=%E9%95%9C%E5%83%8F%20%E4%BB%93%E5%BA%93%24%C3%BC"
               "&limit=100&offset=200");
}

BOOST_AUTO_TEST_CASE(order_type_without_column)
{
    auto request = separate_request(swr::center::self);
    request.order_type = swr::order_type::desc;

    const std::string query = swr::build_query(request, 10, 0);

    BOOST_TEST(query == "center=self&limit=10&offset=0");
}

BOOST_AUTO_TEST_CASE(order_column_without_type)
{
    auto request = separate_request(swr::center::self);
    request.order_column = swr::order_column::domain_name;

    const std::string query = swr::build_query(request, 10, 0);

    BOOST_TEST(query == "center=self&limit=10&offset=0&order_column=domain_name");
}

BOOST_AUTO_TEST_CASE(large_offset)
{
    const auto request = separate_request(swr::center::self);

    const std::string query = swr::build_query(request, 1000, 9223372036854775807);

    BOOST_TEST(query == "center=self&limit=1000&offset=9223372036854775807");
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(validate)

BOOST_AUTO_TEST_CASE(default_request_valid)
{
    const swr::shared_repositories_request request;

    BOOST_TEST(swr::validate(request) == "");
}

BOOST_AUTO_TEST_CASE(ordinary_values_valid)
{
    for (const auto form : {swr::query_form::filter, swr::query_form::separate}) {
        BOOST_TEST_CONTEXT("form " << swr::to_string(form))
        {
            swr::shared_repositories_request request;
            request.form = form;
            request.center = swr::center::thirdparty;
            request.name = "base/alpine:3 镜像+x y";
            request.namespace_name = "team-a_b.c~d";
            request.order_column = swr::order_column::name;
            request.order_type = swr::order_type::desc;

            BOOST_TEST(swr::validate(request) == "");
        }
    }
}

BOOST_AUTO_TEST_CASE(filter_rejects_pipe_in_name)
{
    auto request = filter_request(swr::center::self);
    request.name = "a|b";

    const std::string message = swr::validate(request);

    BOOST_TEST(message.find("name") != std::string::npos, "message: " << message);
    BOOST_TEST(message.find("a|b") != std::string::npos, "message: " << message);
}

BOOST_AUTO_TEST_CASE(filter_rejects_double_colon_in_name)
{
    auto request = filter_request(swr::center::self);
    request.name = "a::b";

    const std::string message = swr::validate(request);

    BOOST_TEST(message.find("name") != std::string::npos, "message: " << message);
    BOOST_TEST(message.find("a::b") != std::string::npos, "message: " << message);
}

BOOST_AUTO_TEST_CASE(filter_rejects_pipe_in_namespace)
{
    auto request = filter_request(swr::center::self);
    request.namespace_name = "team|x";

    const std::string message = swr::validate(request);

    BOOST_TEST(message.find("namespace") != std::string::npos, "message: " << message);
    BOOST_TEST(message.find("team|x") != std::string::npos, "message: " << message);
}

BOOST_AUTO_TEST_CASE(filter_rejects_double_colon_in_namespace)
{
    auto request = filter_request(swr::center::self);
    request.namespace_name = "team::x";

    const std::string message = swr::validate(request);

    BOOST_TEST(message.find("namespace") != std::string::npos, "message: " << message);
    BOOST_TEST(message.find("team::x") != std::string::npos, "message: " << message);
}

BOOST_AUTO_TEST_CASE(filter_accepts_single_colon)
{
    // Only `::` separates a key from its value, so one `:` is harmless.
    auto request = filter_request(swr::center::self);
    request.name = "a:b";
    request.namespace_name = "c:d";

    BOOST_TEST(swr::validate(request) == "");
}

BOOST_AUTO_TEST_CASE(separate_accepts_pipe_and_colons)
{
    auto request = separate_request(swr::center::self);
    request.name = "a|b::c";
    request.namespace_name = "d::e|f";

    BOOST_TEST(swr::validate(request) == "");
}

BOOST_AUTO_TEST_CASE(rejects_control_characters)
{
    // C0 controls and DEL, at the start, middle and end of the value.
    const std::string_view controls("\x00\x01\t\n\r\x1b\x1f\x7f", 8);

    for (const auto form : {swr::query_form::filter, swr::query_form::separate}) {
        for (const char control : controls) {
            for (const std::string& value :
                 {std::string(1, control) + "ab", "a" + std::string(1, control) + "b",
                  "ab" + std::string(1, control)}) {
                BOOST_TEST_CONTEXT("form " << swr::to_string(form) << ", byte "
                                           << static_cast<int>(control) << ", position "
                                           << value.find(control))
                {
                    swr::shared_repositories_request in_name;
                    in_name.form = form;
                    in_name.name = value;

                    swr::shared_repositories_request in_namespace;
                    in_namespace.form = form;
                    in_namespace.namespace_name = value;

                    const std::string name_message = swr::validate(in_name);
                    const std::string namespace_message = swr::validate(in_namespace);

                    BOOST_TEST(name_message.find("name") != std::string::npos,
                               "message: " << name_message);
                    BOOST_TEST(namespace_message.find("namespace") != std::string::npos,
                               "message: " << namespace_message);
                }
            }
        }
    }
}

BOOST_AUTO_TEST_SUITE_END()
