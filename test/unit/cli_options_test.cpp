// Unit tests for the command-line parsing of swr-shared-repos (src/cli/options.hpp).

#define BOOST_TEST_MODULE cli_options
#include <boost/test/unit_test.hpp>

#include "cli/options.hpp"

#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

namespace cli = swr::cli;

namespace {

constexpr std::string_view endpoint = "https://127.0.0.1:8443";

cli::parse_result parse(std::initializer_list<std::string_view> args)
{
    std::vector<std::string_view> list(args);
    return cli::parse_options(list);
}

// Parses the minimal valid command line followed by `extra`.
cli::parse_result parse_with(std::initializer_list<std::string_view> extra)
{
    std::vector<std::string_view> list = {"--endpoint", endpoint, "--center", "self"};
    list.insert(list.end(), extra.begin(), extra.end());
    return cli::parse_options(list);
}

bool contains(const std::string& text, std::string_view part)
{
    return text.find(part) != std::string::npos;
}

// One rejected value: the arguments after the minimal command line and the
// words the error message must contain.
struct rejected_case {
    std::vector<std::string_view> args;
    std::vector<std::string_view> expected_words;
};

}  // namespace

BOOST_AUTO_TEST_SUITE(parse_options)

BOOST_AUTO_TEST_CASE(minimal_command_uses_defaults)
{
    const cli::parse_result result = parse({"--endpoint", endpoint, "--center", "thirdparty"});

    BOOST_TEST_REQUIRE(result.error == "");
    BOOST_TEST_REQUIRE((result.action == cli::command::run));
    const cli::options& options = result.options;
    BOOST_TEST(options.endpoint == endpoint);
    BOOST_TEST(options.region.empty());
    BOOST_TEST((options.request.center == swr::center::thirdparty));
    BOOST_TEST(options.request.name.empty());
    BOOST_TEST(options.request.namespace_name.empty());
    BOOST_TEST(!options.request.order_column.has_value());
    BOOST_TEST(!options.request.order_type.has_value());
    BOOST_TEST((options.request.form == swr::query_form::filter));
    BOOST_TEST(options.page_size == 100);
    BOOST_TEST(options.concurrency == 4u);
    BOOST_TEST(!options.rate.has_value());
    BOOST_TEST(options.burst == 1.0);
    BOOST_TEST(options.start_offset == 0);
    BOOST_TEST(options.max_attempts == 5u);
    BOOST_TEST(options.connect_timeout.count() == 10'000);
    BOOST_TEST(options.request_timeout.count() == 30'000);
    BOOST_TEST((options.format == cli::output_format::table));
    BOOST_TEST((options.log == swr::log_level::off));
    BOOST_TEST(options.token_file.empty());
    BOOST_TEST(options.ca_file.empty());
}

BOOST_AUTO_TEST_CASE(every_option_is_stored)
{
    const cli::parse_result result = parse({
        "--region", "cn-north-4",
        "--ca-file", "/tmp/ca.pem",
        "--token-file", "/tmp/token",
        "--center", "self",
        "--name", "base/ubuntu",
        "--namespace", "platform",
        "--order-column", "tag_count",
        "--order-type", "desc",
        "--query-form", "separate",
        "--page-size", "1000",
        "--concurrency", "8",
        "--rate", "200.5",
        "--burst", "20",
        "--start-offset", "1200",
        "--max-attempts", "1",
        "--connect-timeout-ms", "1500",
        "--request-timeout-ms", "2500",
        "--format", "csv",
        "--log-level", "debug",
    });

    BOOST_TEST_REQUIRE(result.error == "");
    BOOST_TEST_REQUIRE((result.action == cli::command::run));
    const cli::options& options = result.options;
    BOOST_TEST(options.endpoint.empty());
    BOOST_TEST(options.region == "cn-north-4");
    BOOST_TEST(options.ca_file == "/tmp/ca.pem");
    BOOST_TEST(options.token_file == "/tmp/token");
    BOOST_TEST((options.request.center == swr::center::self));
    BOOST_TEST(options.request.name == "base/ubuntu");
    BOOST_TEST(options.request.namespace_name == "platform");
    BOOST_TEST_REQUIRE(options.request.order_column.has_value());
    BOOST_TEST((*options.request.order_column == swr::order_column::tag_count));
    BOOST_TEST_REQUIRE(options.request.order_type.has_value());
    BOOST_TEST((*options.request.order_type == swr::order_type::desc));
    BOOST_TEST((options.request.form == swr::query_form::separate));
    BOOST_TEST(options.page_size == 1000);
    BOOST_TEST(options.concurrency == 8u);
    BOOST_TEST_REQUIRE(options.rate.has_value());
    BOOST_TEST(*options.rate == 200.5);
    BOOST_TEST(options.burst == 20.0);
    BOOST_TEST(options.start_offset == 1200);
    BOOST_TEST(options.max_attempts == 1u);
    BOOST_TEST(options.connect_timeout.count() == 1500);
    BOOST_TEST(options.request_timeout.count() == 2500);
    BOOST_TEST((options.format == cli::output_format::csv));
    BOOST_TEST((options.log == swr::log_level::debug));
}

BOOST_AUTO_TEST_CASE(equals_form_is_accepted)
{
    const cli::parse_result result =
        parse({"--endpoint=https://[::1]:9443", "--center=self", "--page-size=7", "--name=--odd", "--format=json"});

    BOOST_TEST_REQUIRE(result.error == "");
    BOOST_TEST(result.options.endpoint == "https://[::1]:9443");
    BOOST_TEST(result.options.page_size == 7);
    BOOST_TEST(result.options.request.name == "--odd");
    BOOST_TEST((result.options.format == cli::output_format::json));
}

BOOST_AUTO_TEST_CASE(last_repeated_option_wins)
{
    const cli::parse_result result = parse_with({"--page-size", "10", "--page-size", "20"});

    BOOST_TEST_REQUIRE(result.error == "");
    BOOST_TEST(result.options.page_size == 20);
}

BOOST_AUTO_TEST_CASE(order_column_namespace_maps_to_enum)
{
    const cli::parse_result result = parse_with({"--order-column", "namespace", "--order-type", "asc"});

    BOOST_TEST_REQUIRE(result.error == "");
    BOOST_TEST((*result.options.request.order_column == swr::order_column::namespace_name));
    BOOST_TEST((*result.options.request.order_type == swr::order_type::asc));
}

BOOST_AUTO_TEST_CASE(empty_name_means_no_filter)
{
    const cli::parse_result result = parse_with({"--name="});

    BOOST_TEST_REQUIRE(result.error == "");
    BOOST_TEST(result.options.request.name.empty());
}

BOOST_AUTO_TEST_CASE(help_wins_over_errors)
{
    for (auto args : {std::vector<std::string_view>{"--help"}, std::vector<std::string_view>{"-h"},
                      std::vector<std::string_view>{"--page-size", "0", "--help"},
                      std::vector<std::string_view>{"--bogus", "-h"}}) {
        const cli::parse_result result = cli::parse_options(args);

        BOOST_TEST((result.action == cli::command::help));
    }
}

BOOST_AUTO_TEST_CASE(version_is_recognized)
{
    const cli::parse_result result = parse({"--version"});

    BOOST_TEST((result.action == cli::command::version));
}

BOOST_AUTO_TEST_CASE(bad_values_name_option_value_and_range)
{
    const std::vector<rejected_case> cases = {
        {{"--page-size", "0"}, {"--page-size", "'0'", "1 to 1000"}},
        {{"--page-size", "1001"}, {"--page-size", "'1001'", "1 to 1000"}},
        {{"--page-size", "ten"}, {"--page-size", "'ten'", "1 to 1000"}},
        {{"--page-size", "10x"}, {"--page-size", "'10x'"}},
        {{"--page-size", " 10"}, {"--page-size", "' 10'"}},
        {{"--page-size", "+10"}, {"--page-size", "'+10'"}},
        {{"--concurrency", "0"}, {"--concurrency", "'0'", "1 to 256"}},
        {{"--concurrency", "257"}, {"--concurrency", "'257'", "1 to 256"}},
        {{"--rate", "-1"}, {"--rate", "'-1'", "greater than 0"}},
        {{"--rate", "0"}, {"--rate", "'0'", "greater than 0"}},
        {{"--rate", "nan"}, {"--rate", "'nan'"}},
        {{"--rate", "inf"}, {"--rate", "'inf'"}},
        {{"--rate", "100001"}, {"--rate", "'100001'", "100000"}},
        {{"--rate", "5", "--burst", "0.5"}, {"--burst", "'0.5'", "1 to 100000"}},
        {{"--start-offset", "-1"}, {"--start-offset", "'-1'", "0 to"}},
        {{"--max-attempts", "0"}, {"--max-attempts", "'0'", "1 to 100"}},
        {{"--start-offset", "9223372036854775808"}, {"--start-offset", "'9223372036854775808'"}},
        {{"--connect-timeout-ms", "0"}, {"--connect-timeout-ms", "'0'", "1 to 600000"}},
        {{"--request-timeout-ms", "3600001"}, {"--request-timeout-ms", "'3600001'", "1 to 3600000"}},
        {{"--format", "xml"}, {"--format", "'xml'", "table, ndjson, json or csv"}},
        {{"--center", "both"}, {"--center", "'both'", "self or thirdparty"}},
        {{"--order-column", "size"}, {"--order-column", "'size'", "updated_at"}},
        {{"--order-type", "up"}, {"--order-type", "'up'", "asc or desc"}},
        {{"--query-form", "json"}, {"--query-form", "'json'", "filter or separate"}},
        {{"--log-level", "loud"}, {"--log-level", "'loud'", "warning"}},
        {{"--ca-file", ""}, {"--ca-file"}},
        {{"--token-file", ""}, {"--token-file"}},
    };

    for (const rejected_case& test : cases) {
        std::vector<std::string_view> args = {"--endpoint", endpoint, "--center", "self"};
        args.insert(args.end(), test.args.begin(), test.args.end());
        BOOST_TEST_CONTEXT("arguments: " << test.args[0] << " " << (test.args.size() > 1 ? test.args[1] : ""))
        {
            const cli::parse_result result = cli::parse_options(args);

            BOOST_TEST((result.action == cli::command::invalid));
            for (std::string_view word : test.expected_words)
                BOOST_TEST(contains(result.error, word), "message '" << result.error << "' lacks '" << word << "'");
        }
    }
}

BOOST_AUTO_TEST_CASE(unknown_option_is_named)
{
    const cli::parse_result result = parse_with({"--colour", "red"});

    BOOST_TEST((result.action == cli::command::invalid));
    BOOST_TEST(contains(result.error, "unknown option '--colour'"));
}

BOOST_AUTO_TEST_CASE(unknown_option_with_equals_is_named)
{
    const cli::parse_result result = parse_with({"--colour=red"});

    BOOST_TEST((result.action == cli::command::invalid));
    BOOST_TEST(contains(result.error, "'--colour'"));
}

BOOST_AUTO_TEST_CASE(missing_value_at_end)
{
    const cli::parse_result result = parse_with({"--page-size"});

    BOOST_TEST((result.action == cli::command::invalid));
    BOOST_TEST(contains(result.error, "missing value for --page-size"));
}

BOOST_AUTO_TEST_CASE(missing_value_before_next_option)
{
    const cli::parse_result result = parse({"--endpoint", endpoint, "--name", "--center", "self"});

    BOOST_TEST((result.action == cli::command::invalid));
    BOOST_TEST(contains(result.error, "missing value for --name"));
}

BOOST_AUTO_TEST_CASE(positional_argument_is_rejected)
{
    const cli::parse_result result = parse_with({"extra"});

    BOOST_TEST((result.action == cli::command::invalid));
    BOOST_TEST(contains(result.error, "'extra'"));
}

BOOST_AUTO_TEST_CASE(token_argument_is_rejected_without_echo)
{
    const cli::parse_result result = parse_with({"--token", "s3cret-value"});

    BOOST_TEST((result.action == cli::command::invalid));
    BOOST_TEST(contains(result.error, "SWR_AUTH_TOKEN"));
    BOOST_TEST(!contains(result.error, "s3cret-value"));
}

BOOST_AUTO_TEST_CASE(token_argument_with_equals_is_rejected_without_echo)
{
    const cli::parse_result result = parse_with({"--token=s3cret-value"});

    BOOST_TEST((result.action == cli::command::invalid));
    BOOST_TEST(!contains(result.error, "s3cret-value"));
}

BOOST_AUTO_TEST_CASE(endpoint_or_region_is_required)
{
    const cli::parse_result result = parse({"--center", "self"});

    BOOST_TEST((result.action == cli::command::invalid));
    BOOST_TEST(contains(result.error, "--endpoint"));
    BOOST_TEST(contains(result.error, "--region"));
}

BOOST_AUTO_TEST_CASE(endpoint_and_region_together_are_rejected)
{
    const cli::parse_result result = parse_with({"--region", "cn-north-4"});

    BOOST_TEST((result.action == cli::command::invalid));
    BOOST_TEST(contains(result.error, "both"));
}

BOOST_AUTO_TEST_CASE(center_is_required)
{
    const cli::parse_result result = parse({"--endpoint", endpoint});

    BOOST_TEST((result.action == cli::command::invalid));
    BOOST_TEST(contains(result.error, "missing --center"));
}

BOOST_AUTO_TEST_CASE(plain_http_endpoint_is_rejected)
{
    const cli::parse_result result = parse({"--endpoint", "http://127.0.0.1:8080", "--center", "self"});

    BOOST_TEST((result.action == cli::command::invalid));
    BOOST_TEST(contains(result.error, "--endpoint"));
    BOOST_TEST(contains(result.error, "http://127.0.0.1:8080"));
}

BOOST_AUTO_TEST_CASE(unknown_region_lists_known_ones)
{
    const cli::parse_result result = parse({"--region", "mars-1", "--center", "self"});

    BOOST_TEST((result.action == cli::command::invalid));
    BOOST_TEST(contains(result.error, "'mars-1'"));
    BOOST_TEST(contains(result.error, "cn-north-4"));
}

BOOST_AUTO_TEST_CASE(order_type_requires_order_column)
{
    const cli::parse_result result = parse_with({"--order-type", "asc"});

    BOOST_TEST((result.action == cli::command::invalid));
    BOOST_TEST(contains(result.error, "--order-column"));
}

BOOST_AUTO_TEST_CASE(burst_requires_rate)
{
    const cli::parse_result result = parse_with({"--burst", "5"});

    BOOST_TEST((result.action == cli::command::invalid));
    BOOST_TEST(contains(result.error, "--burst requires --rate"));
}

BOOST_AUTO_TEST_CASE(filter_separator_in_name_needs_separate_form)
{
    const cli::parse_result filter = parse_with({"--name", "a|b"});
    const cli::parse_result separate = parse_with({"--name", "a|b", "--query-form", "separate"});

    BOOST_TEST((filter.action == cli::command::invalid));
    BOOST_TEST(contains(filter.error, "a|b"));
    BOOST_TEST(separate.error == "");
    BOOST_TEST((separate.action == cli::command::run));
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(help_text)

BOOST_AUTO_TEST_CASE(lists_every_option)
{
    const std::string text = cli::help_text();

    for (std::string_view option :
         {"--endpoint", "--region", "--ca-file", "--token-file", "--center", "--name", "--namespace",
          "--order-column", "--order-type", "--query-form", "--page-size", "--concurrency", "--rate", "--burst",
          "--start-offset", "--max-attempts", "--connect-timeout-ms", "--request-timeout-ms", "--format", "--log-level", "--help",
          "--version"}) {
        BOOST_TEST(contains(text, option), "help lacks " << option);
    }
}

BOOST_AUTO_TEST_CASE(explains_token_and_exit_statuses)
{
    const std::string text = cli::help_text();

    BOOST_TEST(contains(text, "SWR_AUTH_TOKEN"));
    BOOST_TEST(contains(text, "the file wins"));
    for (std::string_view status : {"\n  0 ", "\n  1 ", "\n  2 ", "\n  3 ", "\n  4 ", "\n  130 "})
        BOOST_TEST(contains(text, status), "help lacks exit status" << status);
}

BOOST_AUTO_TEST_SUITE_END()
