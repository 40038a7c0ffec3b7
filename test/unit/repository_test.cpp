// Unit tests for swr/repository.hpp: parsing a shared-repositories response
// body and serializing one item back to JSON.

#define BOOST_TEST_MODULE repository
#include <boost/test/unit_test.hpp>

#include <swr/repository.hpp>

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

#include <cstdint>
#include <initializer_list>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

namespace {

// One item with a distinct, non-default value in every field.
constexpr std::string_view full_item = R"({
  "name": "base/alpine",
  "category": "linux",
  "description": "Alpine \"base\" image",
  "size": 123456789,
  "is_public": true,
  "num_images": 7,
  "num_download": 4242,
  "created_at": "2018-03-21T12:22:37Z",
  "updated_at": "2024-05-01T08:00:00Z",
  "logo": "https://example.com/logo.png",
  "url": "reserved-url",
  "path": "swr.cn-north-4.myhuaweicloud.com/library/base/alpine",
  "internal_path": "10.0.0.1:20202/library/base/alpine",
  "domain_name": "acme_corp",
  "namespace": "library",
  "tags": ["3.19", "latest"],
  "status": true,
  "total_range": 42
})";

// The same item as a struct.
swr::repository full_repository()
{
    swr::repository item;
    item.name = "base/alpine";
    item.category = "linux";
    item.description = "Alpine \"base\" image";
    item.size = 123456789;
    item.is_public = true;
    item.num_images = 7;
    item.num_download = 4242;
    item.created_at = "2018-03-21T12:22:37Z";
    item.updated_at = "2024-05-01T08:00:00Z";
    item.logo = "https://example.com/logo.png";
    item.url = "reserved-url";
    item.path = "swr.cn-north-4.myhuaweicloud.com/library/base/alpine";
    item.internal_path = "10.0.0.1:20202/library/base/alpine";
    item.domain_name = "acme_corp";
    item.namespace_name = "library";
    item.tags = {"3.19", "latest"};
    item.status = true;
    item.total_range = 42;
    return item;
}

// Compares field by field so that a failure names the field.
void check_equal(const swr::repository& actual, const swr::repository& expected)
{
    BOOST_TEST(actual.name == expected.name);
    BOOST_TEST(actual.category == expected.category);
    BOOST_TEST(actual.description == expected.description);
    BOOST_TEST(actual.size == expected.size);
    BOOST_TEST(actual.is_public == expected.is_public);
    BOOST_TEST(actual.num_images == expected.num_images);
    BOOST_TEST(actual.num_download == expected.num_download);
    BOOST_TEST(actual.created_at == expected.created_at);
    BOOST_TEST(actual.updated_at == expected.updated_at);
    BOOST_TEST(actual.logo == expected.logo);
    BOOST_TEST(actual.url == expected.url);
    BOOST_TEST(actual.path == expected.path);
    BOOST_TEST(actual.internal_path == expected.internal_path);
    BOOST_TEST(actual.domain_name == expected.domain_name);
    BOOST_TEST(actual.namespace_name == expected.namespace_name);
    BOOST_TEST(actual.tags == expected.tags, boost::test_tools::per_element());
    BOOST_TEST(actual.status == expected.status);
    BOOST_TEST(actual.total_range.has_value() == expected.total_range.has_value());
    if (actual.total_range && expected.total_range) {
        BOOST_TEST(*actual.total_range == *expected.total_range);
    }
}

// Checks that `body` fails to parse with an error containing each of `needles`.
void check_error(std::string_view body, std::initializer_list<std::string_view> needles)
{
    BOOST_TEST_CONTEXT("body " << body)
    {
        const swr::parsed_page page = swr::parse_repositories(body);

        BOOST_TEST(!page.error.empty());
        for (const std::string_view needle : needles) {
            BOOST_TEST(page.error.find(needle) != std::string::npos,
                       "error '" << page.error << "' should contain '" << needle << "'");
        }
    }
}

}  // namespace

BOOST_AUTO_TEST_SUITE(parse_repositories)

BOOST_AUTO_TEST_CASE(every_field)
{
    const std::string body = "[" + std::string(full_item) + "]";

    const swr::parsed_page page = swr::parse_repositories(body);

    BOOST_TEST(page.error == "");
    BOOST_TEST_REQUIRE(page.items.size() == 1u);
    check_equal(page.items[0], full_repository());
}

BOOST_AUTO_TEST_CASE(several_items_in_order)
{
    const std::string body = R"([{"name":"a"},{"name":"b"},{"name":"c"}])";

    const swr::parsed_page page = swr::parse_repositories(body);

    BOOST_TEST(page.error == "");
    BOOST_TEST_REQUIRE(page.items.size() == 3u);
    BOOST_TEST(page.items[0].name == "a");
    BOOST_TEST(page.items[1].name == "b");
    BOOST_TEST(page.items[2].name == "c");
}

BOOST_AUTO_TEST_CASE(empty_array)
{
    const swr::parsed_page page = swr::parse_repositories(" [ ] ");

    BOOST_TEST(page.error == "");
    BOOST_TEST(page.items.empty());
}

BOOST_AUTO_TEST_CASE(integers_above_2_pow_53)
{
    // 2^53 + 1 and its neighbours cannot be represented by a double.
    const std::string body = R"([{"name":"big","size":9007199254740993,)"
                             R"("num_images":9007199254740995,"num_download":9007199254740997,)"
                             R"("total_range":18014398509481985}])";

    const swr::parsed_page page = swr::parse_repositories(body);

    BOOST_TEST(page.error == "");
    BOOST_TEST_REQUIRE(page.items.size() == 1u);
    BOOST_TEST(page.items[0].size == 9007199254740993);
    BOOST_TEST(page.items[0].num_images == 9007199254740995);
    BOOST_TEST(page.items[0].num_download == 9007199254740997);
    BOOST_TEST_REQUIRE(page.items[0].total_range.has_value());
    BOOST_TEST(*page.items[0].total_range == 18014398509481985);
}

BOOST_AUTO_TEST_CASE(int64_max)
{
    const std::string body = R"([{"name":"max","size":9223372036854775807,)"
                             R"("num_images":9223372036854775807,)"
                             R"("num_download":9223372036854775807,)"
                             R"("total_range":9223372036854775807}])";
    constexpr std::int64_t max = std::numeric_limits<std::int64_t>::max();

    const swr::parsed_page page = swr::parse_repositories(body);

    BOOST_TEST(page.error == "");
    BOOST_TEST_REQUIRE(page.items.size() == 1u);
    BOOST_TEST(page.items[0].size == max);
    BOOST_TEST(page.items[0].num_images == max);
    BOOST_TEST(page.items[0].num_download == max);
    BOOST_TEST_REQUIRE(page.items[0].total_range.has_value());
    BOOST_TEST(*page.items[0].total_range == max);
}

BOOST_AUTO_TEST_CASE(out_of_range_integer)
{
    // int64 max + 1, uint64 max, uint64 max + 1, int64 min - 1, and a huge exponent.
    check_error(R"([{"name":"a","size":9223372036854775808}])", {"size"});
    check_error(R"([{"name":"a","num_images":18446744073709551615}])", {"num_images"});
    check_error(R"([{"name":"a","num_download":18446744073709551616}])", {"num_download"});
    check_error(R"([{"name":"a","total_range":-9223372036854775809}])", {"total_range"});
    check_error(R"([{"name":"a","size":1e30}])", {"size"});
}

BOOST_AUTO_TEST_CASE(missing_fields_defaulted)
{
    const swr::parsed_page page = swr::parse_repositories(R"([{"name":"only-name"}])");

    swr::repository expected;
    expected.name = "only-name";
    BOOST_TEST(page.error == "");
    BOOST_TEST_REQUIRE(page.items.size() == 1u);
    check_equal(page.items[0], expected);
}

BOOST_AUTO_TEST_CASE(null_fields_defaulted)
{
    const std::string body = R"([{"name":"n","category":null,"description":null,"size":null,)"
                             R"("is_public":null,"num_images":null,"num_download":null,)"
                             R"("created_at":null,"updated_at":null,"logo":null,"url":null,)"
                             R"("path":null,"internal_path":null,"domain_name":null,)"
                             R"("namespace":null,"tags":null,"status":null,"total_range":null}])";

    const swr::parsed_page page = swr::parse_repositories(body);

    swr::repository expected;
    expected.name = "n";
    BOOST_TEST(page.error == "");
    BOOST_TEST_REQUIRE(page.items.size() == 1u);
    check_equal(page.items[0], expected);
}

BOOST_AUTO_TEST_CASE(unknown_fields_ignored)
{
    const std::string body = R"([{"extra":{"nested":[1,2.5,null]},"name":"u","size":5,)"
                             R"("future_flag":true,"big":18446744073709551616}])";

    const swr::parsed_page page = swr::parse_repositories(body);

    BOOST_TEST(page.error == "");
    BOOST_TEST_REQUIRE(page.items.size() == 1u);
    BOOST_TEST(page.items[0].name == "u");
    BOOST_TEST(page.items[0].size == 5);
}

BOOST_AUTO_TEST_CASE(trailing_comma_in_object)
{
    // The API reference's own example ends an object this way.
    const swr::parsed_page page = swr::parse_repositories(R"([{"name":"t","size":3,}])");

    BOOST_TEST(page.error == "");
    BOOST_TEST_REQUIRE(page.items.size() == 1u);
    BOOST_TEST(page.items[0].name == "t");
    BOOST_TEST(page.items[0].size == 3);
}

BOOST_AUTO_TEST_CASE(trailing_comma_in_arrays)
{
    const swr::parsed_page page =
        swr::parse_repositories(R"([{"name":"t","tags":["a","b",]},])");

    BOOST_TEST(page.error == "");
    BOOST_TEST_REQUIRE(page.items.size() == 1u);
    BOOST_TEST(page.items[0].name == "t");
    BOOST_TEST(page.items[0].tags == (std::vector<std::string>{"a", "b"}),
               boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(wrong_type_names_index_and_field)
{
    // Each bad value sits in the fourth item (index 3), after three valid ones.
    struct bad_field {
        std::string_view field;
        std::string_view value;
    };
    const bad_field cases[] = {
        {"name", "5"},
        {"category", "1"},
        {"description", "true"},
        {"size", R"("10")"},
        {"size", "1.5"},
        {"size", "true"},
        {"is_public", R"("true")"},
        {"is_public", "1"},
        {"num_images", "[]"},
        {"num_download", "{}"},
        {"created_at", "0"},
        {"updated_at", "false"},
        {"logo", "[]"},
        {"url", "1"},
        {"path", "2"},
        {"internal_path", "3"},
        {"domain_name", "4"},
        {"namespace", "{}"},
        {"tags", R"("latest")"},
        {"tags", "[1]"},
        {"tags", R"({"a":"b"})"},
        {"status", R"("false")"},
        {"status", "0"},
        {"total_range", R"("42")"},
        {"total_range", "4.2"},
    };

    for (const bad_field& bad : cases) {
        std::string item = R"({"name":"bad")";
        if (bad.field == "name") {
            item = "{";
        } else {
            item += ",";
        }
        item += "\"" + std::string(bad.field) + "\":" + std::string(bad.value) + "}";
        const std::string body = R"([{"name":"a"},{"name":"b"},{"name":"c"},)" + item + "]";

        check_error(body, {bad.field, "3"});
    }
}

BOOST_AUTO_TEST_CASE(missing_name)
{
    check_error(R"([{"name":"a"},{"size":1,"namespace":"ns"}])", {"name", "1"});
}

BOOST_AUTO_TEST_CASE(not_an_array)
{
    check_error(R"({"name":"a"})", {});
    check_error(R"("text")", {});
    check_error("42", {});
    check_error("null", {});
    check_error("", {});
}

BOOST_AUTO_TEST_CASE(item_not_an_object)
{
    check_error("[1]", {});
    check_error(R"([{"name":"a"},"b"])", {});
    check_error(R"([{"name":"a"},null])", {});
    check_error(R"([{"name":"a"},[]])", {});
}

BOOST_AUTO_TEST_CASE(invalid_json)
{
    check_error(R"([{"name":"a"})", {});
    check_error(R"([{"name":"a"}] [])", {});
    check_error(R"([{"name":"a" "size":1}])", {});
    check_error(R"([{name:"a"}])", {});
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(to_json)

BOOST_AUTO_TEST_CASE(round_trip_full)
{
    const swr::repository original = full_repository();

    const std::string json = swr::to_json(original);
    const swr::parsed_page page = swr::parse_repositories("[" + json + "]");

    BOOST_TEST(page.error == "", "json: " << json);
    BOOST_TEST_REQUIRE(page.items.size() == 1u);
    check_equal(page.items[0], original);
}

BOOST_AUTO_TEST_CASE(round_trip_defaults)
{
    swr::repository original;
    original.name = "defaults";

    const std::string json = swr::to_json(original);
    const swr::parsed_page page = swr::parse_repositories("[" + json + "]");

    BOOST_TEST(page.error == "", "json: " << json);
    BOOST_TEST_REQUIRE(page.items.size() == 1u);
    check_equal(page.items[0], original);
}

BOOST_AUTO_TEST_CASE(round_trip_large_integers)
{
    swr::repository original;
    original.name = "big";
    original.size = std::numeric_limits<std::int64_t>::max();
    original.num_images = 9007199254740993;
    original.num_download = 9007199254740995;
    original.total_range = std::numeric_limits<std::int64_t>::max();

    const std::string json = swr::to_json(original);
    const swr::parsed_page page = swr::parse_repositories("[" + json + "]");

    BOOST_TEST(page.error == "", "json: " << json);
    BOOST_TEST_REQUIRE(page.items.size() == 1u);
    check_equal(page.items[0], original);
}

BOOST_AUTO_TEST_CASE(round_trip_escapes)
{
    swr::repository original;
    original.name = "a/b \"q\" \\ 镜像 🐳";
    original.description = std::string("line\nbreak\ttab\x01\x1f\x7f nul:") + '\0' + "end";
    original.tags = {"", "\"", "\\", "\n", "ü"};

    const std::string json = swr::to_json(original);
    const swr::parsed_page page = swr::parse_repositories("[" + json + "]");

    BOOST_TEST(page.error == "", "json: " << json);
    BOOST_TEST_REQUIRE(page.items.size() == 1u);
    check_equal(page.items[0], original);
}

BOOST_AUTO_TEST_CASE(fields_in_api_order)
{
    const std::vector<std::string> expected = {
        "name",       "category",   "description", "size",          "is_public",
        "num_images", "num_download", "created_at", "updated_at",   "logo",
        "url",        "path",       "internal_path", "domain_name", "namespace",
        "tags",       "status",     "total_range",
    };

    const std::string json = swr::to_json(full_repository());
    const boost::json::value value = boost::json::parse(json);

    BOOST_TEST_REQUIRE(value.is_object(), "json: " << json);
    std::vector<std::string> keys;
    for (const auto& member : value.as_object()) {
        keys.emplace_back(member.key());
    }
    BOOST_TEST(keys == expected, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_SUITE_END()
