// Unit tests for swr/content_range.hpp: SWR's `{offset}-{count}/{total}` header.

#define BOOST_TEST_MODULE content_range
#include <boost/test/unit_test.hpp>

#include <swr/content_range.hpp>

#include <initializer_list>
#include <optional>
#include <string_view>

namespace {

// Checks that every value in `inputs` is rejected, naming the input on failure.
void check_rejected(std::initializer_list<std::string_view> inputs)
{
    for (const std::string_view input : inputs) {
        BOOST_TEST_CONTEXT("input '" << input << "'")
        {
            const std::optional<swr::content_range> range = swr::parse_content_range(input);

            BOOST_TEST(!range.has_value());
        }
    }
}

}  // namespace

BOOST_AUTO_TEST_SUITE(parse_content_range)

BOOST_AUTO_TEST_CASE(valid)
{
    const auto range = swr::parse_content_range("0-10/25");

    BOOST_TEST_REQUIRE(range.has_value());
    BOOST_TEST(range->offset == 0);
    BOOST_TEST(range->count == 10);
    BOOST_TEST(range->total == 25);
}

BOOST_AUTO_TEST_CASE(second_number_is_count)
{
    // Offset 200 with 50 records: the second number is not an end index.
    const auto range = swr::parse_content_range("200-50/1234");

    BOOST_TEST_REQUIRE(range.has_value());
    BOOST_TEST(range->offset == 200);
    BOOST_TEST(range->count == 50);
    BOOST_TEST(range->total == 1234);
}

BOOST_AUTO_TEST_CASE(empty_page)
{
    const auto range = swr::parse_content_range("300-0/300");

    BOOST_TEST_REQUIRE(range.has_value());
    BOOST_TEST(range->offset == 300);
    BOOST_TEST(range->count == 0);
    BOOST_TEST(range->total == 300);
}

BOOST_AUTO_TEST_CASE(surrounding_spaces)
{
    const auto range = swr::parse_content_range("  5-10/25   ");

    BOOST_TEST_REQUIRE(range.has_value());
    BOOST_TEST(range->offset == 5);
    BOOST_TEST(range->count == 10);
    BOOST_TEST(range->total == 25);
}

BOOST_AUTO_TEST_CASE(int64_max)
{
    const auto range =
        swr::parse_content_range("9223372036854775807-9223372036854775807/9223372036854775807");

    BOOST_TEST_REQUIRE(range.has_value());
    BOOST_TEST(range->offset == 9223372036854775807);
    BOOST_TEST(range->count == 9223372036854775807);
    BOOST_TEST(range->total == 9223372036854775807);
}

BOOST_AUTO_TEST_CASE(above_2_pow_53_exact)
{
    const auto range = swr::parse_content_range("9007199254740993-1/9007199254740995");

    BOOST_TEST_REQUIRE(range.has_value());
    BOOST_TEST(range->offset == 9007199254740993);
    BOOST_TEST(range->count == 1);
    BOOST_TEST(range->total == 9007199254740995);
}

BOOST_AUTO_TEST_CASE(equality)
{
    const swr::content_range expected{.offset = 1, .count = 2, .total = 3};

    const auto range = swr::parse_content_range("1-2/3");

    BOOST_TEST_REQUIRE(range.has_value());
    BOOST_TEST((*range == expected));
}

BOOST_AUTO_TEST_CASE(rejects_overflow)
{
    check_rejected({
        "9223372036854775808-0/1",
        "0-9223372036854775808/1",
        "0-0/9223372036854775808",
        "18446744073709551616-0/1",
        "0-0/99999999999999999999999999",
    });
}

BOOST_AUTO_TEST_CASE(rejects_negative)
{
    check_rejected({
        "-1-10/25",
        "0--1/25",
        "0-10/-25",
    });
}

BOOST_AUTO_TEST_CASE(rejects_missing_parts)
{
    check_rejected({
        "",
        "   ",
        "0-10",
        "0-10/",
        "-10/25",
        "0-/25",
        "/25",
        "0/25",
        "10/25",
        "-/",
    });
}

BOOST_AUTO_TEST_CASE(rejects_malformed)
{
    check_rejected({
        "a-10/25",
        "0-b/25",
        "0-10/c",
        "0-10/25x",
        "x0-10/25",
        "0 - 10 / 25",
        "0-10 /25",
        "0-10/25/3",
        "0-10-25",
        "1.5-10/25",
        "0x1-10/25",
        "bytes 0-10/25",
        "0-10/*",
        "0-10/25,0-10/25",
    });
}

BOOST_AUTO_TEST_CASE(rejects_embedded_nul)
{
    const std::string_view input("0-10/25\0", 8);

    const auto range = swr::parse_content_range(input);

    BOOST_TEST(!range.has_value());
}

BOOST_AUTO_TEST_SUITE_END()
