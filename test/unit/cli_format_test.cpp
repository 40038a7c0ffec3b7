// Unit tests for the output formats of swr-shared-repos (src/cli/format.hpp).

#define BOOST_TEST_MODULE cli_format
#include <boost/test/unit_test.hpp>

#include "cli/format.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

#include <cstdint>
#include <limits>
#include <sstream>
#include <string>
#include <vector>

namespace cli = swr::cli;
namespace json = boost::json;

namespace {

swr::repository make_repository(std::string namespace_name, std::string name)
{
    swr::repository item;
    item.namespace_name = std::move(namespace_name);
    item.name = std::move(name);
    item.category = "linux";
    item.description = "plain";
    item.size = 1536;
    item.is_public = true;
    item.num_images = 2;
    item.num_download = 42;
    item.created_at = "2025-01-02T03:04:05Z";
    item.updated_at = "2025-06-07T08:09:10Z";
    item.path = "swr.cn-north-4.myhuaweicloud.com/" + item.namespace_name + "/" + item.name;
    item.internal_path = "10.0.0.1:20202/" + item.namespace_name + "/" + item.name;
    item.domain_name = "acme";
    item.tags = {"latest", "v1"};
    return item;
}

// A repository whose text fields hold every character that needs quoting or
// escaping in CSV and JSON, plus non-ASCII text and 64-bit integers.
swr::repository make_awkward_repository()
{
    swr::repository item = make_repository("team-a", "tools/curl");
    item.description = "line one\nline \"two\", with comma\r\nand \\ backslash, tab\t, 中文";
    item.size = std::numeric_limits<std::int64_t>::max();
    item.num_download = 9007199254740993;  // 2^53 + 1: not exact as a double
    item.tags = {"a", "b,c", "d\"e"};
    item.total_range = 3;
    return item;
}

// Runs `format` over `pages` and returns the whole output.
std::string render(cli::output_format format, const std::vector<std::vector<swr::repository>>& pages,
                   bool finished = true)
{
    std::unique_ptr<cli::formatter> formatter = cli::make_formatter(format);
    std::string out;
    formatter->begin(out);
    for (const auto& page : pages)
        formatter->write_page(page, out);
    if (finished)
        formatter->finish(out);
    return out;
}

std::vector<std::string> split_lines(const std::string& text)
{
    std::vector<std::string> lines;
    std::istringstream stream(text);
    for (std::string line; std::getline(stream, line);)
        lines.push_back(line);
    return lines;
}

// Checks that `object` contains every field of `item` with the same value.
void check_json_matches(const json::object& object, const swr::repository& item)
{
    BOOST_TEST(object.at("name").as_string() == item.name);
    BOOST_TEST(object.at("namespace").as_string() == item.namespace_name);
    BOOST_TEST(object.at("category").as_string() == item.category);
    BOOST_TEST(object.at("description").as_string() == item.description);
    BOOST_TEST(object.at("size").as_int64() == item.size);
    BOOST_TEST(object.at("is_public").as_bool() == item.is_public);
    BOOST_TEST(object.at("num_images").as_int64() == item.num_images);
    BOOST_TEST(object.at("num_download").as_int64() == item.num_download);
    BOOST_TEST(object.at("created_at").as_string() == item.created_at);
    BOOST_TEST(object.at("updated_at").as_string() == item.updated_at);
    BOOST_TEST(object.at("path").as_string() == item.path);
    BOOST_TEST(object.at("internal_path").as_string() == item.internal_path);
    BOOST_TEST(object.at("domain_name").as_string() == item.domain_name);
    BOOST_TEST(object.at("status").as_bool() == item.status);
    const json::array& tags = object.at("tags").as_array();
    BOOST_TEST_REQUIRE(tags.size() == item.tags.size());
    for (std::size_t i = 0; i < tags.size(); ++i)
        BOOST_TEST(tags[i].as_string() == item.tags[i]);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(csv_field)

BOOST_AUTO_TEST_CASE(plain_text_is_not_quoted)
{
    std::string out;

    cli::append_csv_field(out, "platform");

    BOOST_TEST(out == "platform");
}

BOOST_AUTO_TEST_CASE(empty_field_stays_empty)
{
    std::string out;

    cli::append_csv_field(out, "");

    BOOST_TEST(out == "");
}

BOOST_AUTO_TEST_CASE(comma_is_quoted)
{
    std::string out;

    cli::append_csv_field(out, "a,b");

    BOOST_TEST(out == "\"a,b\"");
}

BOOST_AUTO_TEST_CASE(quote_is_doubled)
{
    std::string out;

    cli::append_csv_field(out, "say \"hi\"");

    BOOST_TEST(out == "\"say \"\"hi\"\"\"");
}

BOOST_AUTO_TEST_CASE(line_breaks_are_quoted)
{
    std::string lf;
    std::string crlf;

    cli::append_csv_field(lf, "a\nb");
    cli::append_csv_field(crlf, "a\r\nb");

    BOOST_TEST(lf == "\"a\nb\"");
    BOOST_TEST(crlf == "\"a\r\nb\"");
}

BOOST_AUTO_TEST_CASE(semicolon_and_spaces_are_not_quoted)
{
    std::string out;

    cli::append_csv_field(out, " a;b ");

    BOOST_TEST(out == " a;b ");
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(csv_format)

BOOST_AUTO_TEST_CASE(header_and_row)
{
    swr::repository item = make_repository("platform", "nginx");

    const std::string out = render(cli::output_format::csv, {{item}});

    BOOST_TEST(out ==
               "namespace,name,category,description,size,is_public,num_images,num_download,created_at,updated_at,"
               "logo,url,path,internal_path,domain_name,tags,status,total_range\r\n"
               "platform,nginx,linux,plain,1536,true,2,42,2025-01-02T03:04:05Z,2025-06-07T08:09:10Z,,,"
               "swr.cn-north-4.myhuaweicloud.com/platform/nginx,10.0.0.1:20202/platform/nginx,acme,latest;v1,"
               "false,\r\n");
}

BOOST_AUTO_TEST_CASE(awkward_row_is_quoted)
{
    swr::repository item = make_awkward_repository();

    const std::string out = render(cli::output_format::csv, {{item}});

    const std::string expected_description =
        "\"line one\nline \"\"two\"\", with comma\r\nand \\ backslash, tab\t, 中文\"";
    BOOST_TEST(out.find("," + expected_description + ",9223372036854775807,") != std::string::npos);
    BOOST_TEST(out.find(",\"a;b,c;d\"\"e\",false,3\r\n") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(empty_listing_has_header_only)
{
    const std::string out = render(cli::output_format::csv, {});

    BOOST_TEST(out.starts_with("namespace,name,"));
    BOOST_TEST(out.find("\r\n") == out.size() - 2);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(ndjson_format)

BOOST_AUTO_TEST_CASE(one_valid_object_per_line)
{
    std::vector<swr::repository> first = {make_repository("a", "one"), make_awkward_repository()};
    std::vector<swr::repository> second = {make_repository("b", "two")};

    const std::string out = render(cli::output_format::ndjson, {first, second});

    const std::vector<std::string> lines = split_lines(out);
    BOOST_TEST_REQUIRE(lines.size() == 3u);
    BOOST_TEST(out.back() == '\n');
    const std::vector<swr::repository> expected = {first[0], first[1], second[0]};
    for (std::size_t i = 0; i < lines.size(); ++i) {
        BOOST_TEST_CONTEXT("line " << i)
        {
            boost::system::error_code ec;
            json::value value = json::parse(lines[i], ec);
            BOOST_TEST_REQUIRE(!ec);
            BOOST_TEST_REQUIRE(value.is_object());
            check_json_matches(value.as_object(), expected[i]);
        }
    }
}

BOOST_AUTO_TEST_CASE(empty_listing_writes_nothing)
{
    const std::string out = render(cli::output_format::ndjson, {{}, {}});

    BOOST_TEST(out.empty());
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(json_format)

BOOST_AUTO_TEST_CASE(pages_form_one_valid_array)
{
    std::vector<swr::repository> first = {make_repository("a", "one"), make_awkward_repository()};
    std::vector<swr::repository> second = {};
    std::vector<swr::repository> third = {make_repository("b", "two")};

    const std::string out = render(cli::output_format::json, {first, second, third});

    boost::system::error_code ec;
    json::value value = json::parse(out, ec);
    BOOST_TEST_REQUIRE(!ec, "output is not valid JSON: " << ec.message());
    BOOST_TEST_REQUIRE(value.is_array());
    const json::array& array = value.as_array();
    BOOST_TEST_REQUIRE(array.size() == 3u);
    check_json_matches(array[0].as_object(), first[0]);
    check_json_matches(array[1].as_object(), first[1]);
    check_json_matches(array[2].as_object(), third[0]);
    BOOST_TEST(array[1].as_object().at("total_range").as_int64() == 3);
}

BOOST_AUTO_TEST_CASE(empty_listing_is_empty_array)
{
    const std::string out = render(cli::output_format::json, {});

    boost::system::error_code ec;
    json::value value = json::parse(out, ec);
    BOOST_TEST_REQUIRE(!ec);
    BOOST_TEST(value.is_array());
    BOOST_TEST(value.as_array().empty());
}

BOOST_AUTO_TEST_CASE(unfinished_listing_is_not_valid_json)
{
    const std::string out = render(cli::output_format::json, {{make_repository("a", "one")}}, false);

    boost::system::error_code ec;
    json::parse(out, ec);
    BOOST_TEST(ec.failed());
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(table_format)

BOOST_AUTO_TEST_CASE(columns_are_aligned)
{
    swr::repository short_item = make_repository("a", "x");
    swr::repository long_item = make_repository("platform", "ml-serving");
    long_item.num_download = 123456789;
    long_item.tags = {};

    const std::string out = render(cli::output_format::table, {{short_item, long_item}});

    const std::vector<std::string> lines = split_lines(out);
    BOOST_TEST_REQUIRE(lines.size() == 3u);
    BOOST_TEST(lines[0] == "NAMESPACE  NAME        TAGS             SIZE  DOWNLOADS  UPDATED_AT");
    BOOST_TEST(lines[1] == "a          x           latest,v1     1.5 KiB         42  2025-06-07T08:09:10Z");
    BOOST_TEST(lines[2] == "platform   ml-serving  -             1.5 KiB  123456789  2025-06-07T08:09:10Z");
}

BOOST_AUTO_TEST_CASE(widths_are_fixed_by_first_page)
{
    swr::repository first = make_repository("a", "x");
    swr::repository later = make_repository("a-much-longer-namespace", "x");

    const std::string out = render(cli::output_format::table, {{first}, {later}});

    const std::vector<std::string> lines = split_lines(out);
    BOOST_TEST_REQUIRE(lines.size() == 3u);
    BOOST_TEST(lines[0].starts_with("NAMESPACE  NAME  TAGS"));
    // The longer namespace is printed whole and pushes its row to the right.
    BOOST_TEST(lines[2].starts_with("a-much-longer-namespace  x     latest,v1"));
}

BOOST_AUTO_TEST_CASE(empty_listing_has_header_only)
{
    const std::string out = render(cli::output_format::table, {});

    BOOST_TEST(out == "NAMESPACE  NAME  TAGS        SIZE  DOWNLOADS  UPDATED_AT\n");
}

BOOST_AUTO_TEST_CASE(many_tags_are_summarized)
{
    swr::repository item = make_repository("a", "x");
    item.tags.clear();
    for (int i = 0; i < 30; ++i)
        item.tags.push_back("v1.0." + std::to_string(i));

    const std::string out = render(cli::output_format::table, {{item}});

    const std::vector<std::string> lines = split_lines(out);
    BOOST_TEST_REQUIRE(lines.size() == 2u);
    BOOST_TEST(lines[1].find("v1.0.0,v1.0.1,v1.0.2,v1.0.3,v1.0.4,+25") != std::string::npos);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(table_helpers)

BOOST_AUTO_TEST_CASE(tags_fit_or_are_counted)
{
    const std::vector<std::string> tags = {"latest", "v1", "v2"};

    BOOST_TEST(cli::summarize_tags(tags, 40) == "latest,v1,v2");
    BOOST_TEST(cli::summarize_tags(tags, 12) == "latest,v1,v2");
    BOOST_TEST(cli::summarize_tags(tags, 11) == "latest,+2");
    BOOST_TEST(cli::summarize_tags(tags, 5) == "3 tags");
    BOOST_TEST(cli::summarize_tags(std::vector<std::string>{"a-very-long-tag"}, 5) == "1 tag");
    BOOST_TEST(cli::summarize_tags(std::vector<std::string>{}, 5) == "-");
}

BOOST_AUTO_TEST_CASE(bytes_use_binary_units)
{
    BOOST_TEST(cli::format_bytes(0) == "0 B");
    BOOST_TEST(cli::format_bytes(1023) == "1023 B");
    BOOST_TEST(cli::format_bytes(1024) == "1.0 KiB");
    BOOST_TEST(cli::format_bytes(1536) == "1.5 KiB");
    BOOST_TEST(cli::format_bytes(15829874482) == "14.7 GiB");
    BOOST_TEST(cli::format_bytes(std::numeric_limits<std::uint64_t>::max()) == "16.0 EiB");
}

BOOST_AUTO_TEST_CASE(width_counts_code_points)
{
    BOOST_TEST(cli::display_width("") == 0u);
    BOOST_TEST(cli::display_width("abc") == 3u);
    BOOST_TEST(cli::display_width("中文") == 2u);
    BOOST_TEST(cli::display_width("é") == 1u);
}

BOOST_AUTO_TEST_SUITE_END()
