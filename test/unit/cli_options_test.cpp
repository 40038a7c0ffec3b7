// Unit tests for the command-line parsing of swr-shared-repos (src/cli/options.hpp).

#define BOOST_TEST_MODULE cli_options
#include <boost/test/unit_test.hpp>

#include "cli/options.hpp"

#include <algorithm>
#include <cctype>
#include <initializer_list>
#include <map>
#include <sstream>
#include <string>
#include <string_view>
#include <utility>
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
        "--speculative-pages", "7",
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
    BOOST_TEST(options.speculative_pages == 7u);
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
        {{"--speculative-pages", "-1"}, {"--speculative-pages", "'-1'", "0 to 255"}},
        {{"--speculative-pages", "256"}, {"--speculative-pages", "'256'", "0 to 255"}},
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

BOOST_AUTO_TEST_CASE(secret_arguments_are_rejected_without_echo)
{
    const std::vector<std::pair<std::string_view, std::string_view>> cases = {
        {"--sk", "--sk-file"},
        {"--secret-key", "--sk-file"},
        {"--security-token", "--security-token-file"},
        {"--password", "--iam-password-file"},
        {"--iam-password", "--iam-password-file"},
    };

    for (const auto& [option, hint] : cases) {
        for (const cli::parse_result& result :
             {parse_with({option, "s3cret-value"}), parse_with({std::string(option) + "=s3cret-value"})}) {
            BOOST_TEST_CONTEXT(option << ": " << result.error)
            {
                BOOST_TEST((result.action == cli::command::invalid));
                BOOST_TEST(contains(result.error, "visible to other users"));
                BOOST_TEST(contains(result.error, hint));
                BOOST_TEST(!contains(result.error, "s3cret-value"));
            }
        }
    }
}

BOOST_AUTO_TEST_CASE(credential_options_are_stored)
{
    const cli::parse_result aksk = parse_with({"--ak", "AKVALUE1", "--sk-file", "/run/sk", "--security-token-file",
                                               "/run/st", "--project-id", "p1"});
    const cli::parse_result iam = parse_with({"--iam-user", "alice", "--iam-domain", "acme", "--iam-project",
                                              "cn-north-4", "--iam-endpoint", "https://127.0.0.1:9443",
                                              "--iam-password-file", "/run/password"});

    BOOST_TEST_REQUIRE(aksk.error == "");
    BOOST_TEST(aksk.options.access_key == "AKVALUE1");
    BOOST_TEST(aksk.options.secret_key_file == "/run/sk");
    BOOST_TEST(aksk.options.security_token_file == "/run/st");
    BOOST_TEST(aksk.options.project_id == "p1");
    BOOST_TEST_REQUIRE(iam.error == "");
    BOOST_TEST(iam.options.iam_user == "alice");
    BOOST_TEST(iam.options.iam_domain == "acme");
    BOOST_TEST(iam.options.iam_project == "cn-north-4");
    BOOST_TEST(iam.options.iam_endpoint == "https://127.0.0.1:9443");
    BOOST_TEST(iam.options.iam_password_file == "/run/password");
}

BOOST_AUTO_TEST_CASE(credential_option_combinations_are_checked)
{
    const std::vector<rejected_case> cases = {
        {{"--token-file", "/t", "--ak", "A", "--sk-file", "/s"}, {"--token-file and --ak", "use one of"}},
        {{"--ak", "A", "--sk-file", "/s", "--iam-user", "u", "--iam-domain", "d"}, {"--ak and --iam-user"}},
        {{"--token-file", "/t", "--iam-user", "u"}, {"--token-file and --iam-user"}},
        {{"--ak", "A"}, {"--ak requires --sk-file"}},
        {{"--sk-file", "/s"}, {"--sk-file requires --ak"}},
        {{"--security-token-file", "/st"}, {"--security-token-file requires --ak"}},
        {{"--iam-domain", "d"}, {"--iam-domain requires --iam-user"}},
        {{"--iam-project", "p"}, {"--iam-project requires --iam-user"}},
        {{"--iam-endpoint", "https://127.0.0.1:9443"}, {"--iam-endpoint requires --iam-user"}},
        {{"--iam-password-file", "/p"}, {"--iam-password-file requires --iam-user"}},
        {{"--iam-user", "u"}, {"--iam-user requires --iam-domain"}},
        {{"--iam-user", "u", "--iam-domain", "d", "--project-id", "p1"}, {"--iam-endpoint URL"}},
        {{"--iam-user", "u", "--iam-domain", "d", "--iam-endpoint", "https://127.0.0.1:9443", "--iam-project", "x",
          "--project-id", "p1"},
         {"--iam-project and --project-id"}},
        {{"--token-file", "/t", "--project-id", "p1"}, {"--project-id is not used with --token-file"}},
        {{"--iam-endpoint", "http://127.0.0.1:9443", "--iam-user", "u"}, {"--iam-endpoint", "http://127.0.0.1:9443"}},
        {{"--ak", ""}, {"--ak", "access key"}},
        {{"--sk-file", ""}, {"--sk-file"}},
        {{"--project-id", ""}, {"--project-id"}},
        {{"--iam-user", ""}, {"--iam-user"}},
    };

    for (const rejected_case& rejected : cases) {
        std::vector<std::string_view> args = {"--endpoint", endpoint, "--center", "self"};
        args.insert(args.end(), rejected.args.begin(), rejected.args.end());
        const cli::parse_result result = cli::parse_options(args);

        BOOST_TEST_CONTEXT("arguments: " << args.size() << " starting " << rejected.args.front() << ": "
                                         << result.error)
        {
            BOOST_TEST((result.action == cli::command::invalid));
            for (std::string_view word : rejected.expected_words)
                BOOST_TEST(contains(result.error, word), "error lacks " << word);
        }
    }
}

BOOST_AUTO_TEST_CASE(iam_scope_checked_after_parsing)
{
    // HUAWEICLOUD_SDK_PROJECT_ID may give the scope, so plan_credentials checks it.
    const cli::parse_result result =
        parse_with({"--iam-user", "u", "--iam-domain", "d", "--iam-endpoint", "https://127.0.0.1:9443"});

    BOOST_TEST(result.error == "");
    BOOST_TEST((result.action == cli::command::run));
}

BOOST_AUTO_TEST_CASE(names_with_control_characters_rejected)
{
    for (std::string_view option : {"--ak", "--project-id", "--iam-user", "--iam-domain", "--iam-project"}) {
        for (std::string_view value : {std::string_view("p1\nX-Evil: 1"), std::string_view("eve\rFAKE"),
                                       std::string_view("a\x1b[2Jb"), std::string_view("a\0b", 3)}) {
            std::vector<std::string_view> args = {"--endpoint", endpoint, "--center", "self", option, value};
            if (option.starts_with("--iam-") && option != "--iam-user")
                args.insert(args.end(), {"--iam-user", "u"});
            const cli::parse_result result = cli::parse_options(args);

            BOOST_TEST_CONTEXT(option << " " << value.size() << " bytes: " << result.error)
            {
                BOOST_TEST((result.action == cli::command::invalid));
                BOOST_TEST(contains(result.error, option));
                bool raw_control = std::any_of(result.error.begin(), result.error.end(), [](char c) {
                    return static_cast<unsigned char>(c) < 0x20 || c == 0x7f;
                });
                BOOST_TEST(!raw_control);
            }
        }
    }

    const cli::parse_result newline = parse_with({"--project-id", "p1\nX-Evil: 1"});
    BOOST_TEST(contains(newline.error, "'p1\\nX-Evil: 1'"), newline.error);
    BOOST_TEST(contains(newline.error, "control character"), newline.error);
}

BOOST_AUTO_TEST_CASE(access_key_must_be_printable_ascii)
{
    for (std::string_view value : {"AK\xc3\xbc\xe4\xb8\xad", "AK 1", "AK\x7f"}) {
        const cli::parse_result result = parse_with({"--ak", value, "--sk-file", "/run/sk"});

        BOOST_TEST_CONTEXT(result.error)
        {
            BOOST_TEST((result.action == cli::command::invalid));
            BOOST_TEST(contains(result.error, "--ak"));
            BOOST_TEST(contains(result.error, "printable ASCII"));
        }
    }
    BOOST_TEST(parse_with({"--ak", "AK1-_.~", "--sk-file", "/run/sk"}).error == "");
}

BOOST_AUTO_TEST_CASE(iam_with_region_needs_no_endpoint_or_scope)
{
    const cli::parse_result result =
        parse({"--region", "cn-north-4", "--center", "self", "--iam-user", "u", "--iam-domain", "d"});

    BOOST_TEST(result.error == "");
    BOOST_TEST((result.action == cli::command::run));
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

BOOST_AUTO_TEST_CASE(speculative_pages_stay_below_concurrency)
{
    const cli::parse_result result = parse_with({"--concurrency", "4", "--speculative-pages", "4"});

    BOOST_TEST((result.action == cli::command::invalid));
    BOOST_TEST(contains(result.error, "--speculative-pages 4 needs a --concurrency above it (now 4)"), result.error);
    BOOST_TEST(parse_with({"--concurrency", "4", "--speculative-pages", "3"}).error == "");
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
         {"--endpoint", "--region", "--ca-file", "--token-file", "--ak", "--sk-file", "--security-token-file",
          "--project-id", "--iam-user", "--iam-domain", "--iam-password-file", "--iam-project", "--iam-endpoint",
          "--center", "--name", "--namespace",
          "--order-column", "--order-type", "--query-form", "--page-size", "--concurrency", "--speculative-pages", "--rate", "--burst",
          "--start-offset", "--max-attempts", "--connect-timeout-ms", "--request-timeout-ms", "--format", "--log-level", "--help",
          "--version"}) {
        BOOST_TEST(contains(text, option), "help lacks " << option);
    }
}

BOOST_AUTO_TEST_CASE(explains_credentials_and_exit_statuses)
{
    const std::string text = cli::help_text();

    for (std::string_view variable : {"SWR_AUTH_TOKEN", "HUAWEICLOUD_SDK_AK", "HUAWEICLOUD_SDK_SK",
                                      "HUAWEICLOUD_SDK_PROJECT_ID", "HUAWEICLOUD_SDK_SECURITY_TOKEN",
                                      "SWR_IAM_PASSWORD"})
        BOOST_TEST(contains(text, variable), "help lacks " << variable);
    BOOST_TEST(contains(text, "--token-file beats SWR_AUTH_TOKEN"));
    BOOST_TEST(contains(text, "HUAWEICLOUD_SDK_AK beats SWR_AUTH_TOKEN"));
    BOOST_TEST(contains(text, "--iam-password-file beats SWR_IAM_PASSWORD"));
    for (std::string_view status : {"\n  0 ", "\n  1 ", "\n  2 ", "\n  3 ", "\n  4 ", "\n  130 "})
        BOOST_TEST(contains(text, status), "help lacks exit status" << status);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(output_and_progress_options)

BOOST_AUTO_TEST_CASE(defaults_write_to_standard_output)
{
    cli::parse_result result = parse_with({});

    BOOST_TEST_REQUIRE((result.action == cli::command::run), result.error);
    BOOST_TEST(result.options.output_path == "-");
    BOOST_TEST((result.options.progress == cli::progress_mode::automatic));
    BOOST_TEST(!result.options.quiet);
}

BOOST_AUTO_TEST_CASE(values_are_stored)
{
    cli::parse_result result = parse_with({"--output", "out/list.csv", "--progress=always", "--quiet"});

    BOOST_TEST_REQUIRE((result.action == cli::command::run), result.error);
    BOOST_TEST(result.options.output_path == "out/list.csv");
    BOOST_TEST((result.options.progress == cli::progress_mode::always));
    BOOST_TEST(result.options.quiet);
}

BOOST_AUTO_TEST_CASE(short_quiet_and_dash_output)
{
    cli::parse_result result = parse_with({"-q", "--output", "-", "--progress", "never"});

    BOOST_TEST_REQUIRE((result.action == cli::command::run), result.error);
    BOOST_TEST(result.options.quiet);
    BOOST_TEST(result.options.output_path == "-");
    BOOST_TEST((result.options.progress == cli::progress_mode::never));
}

BOOST_AUTO_TEST_CASE(bad_values_are_rejected)
{
    const std::vector<rejected_case> cases = {
        {{"--progress", "sometimes"}, {"'sometimes'", "--progress", "auto, always or never"}},
        {{"--output="}, {"--output", "a file path, or - for standard output"}},
        {{"--output"}, {"missing value for --output"}},
        {{"--quiet=yes"}, {"--quiet takes no value"}},
    };

    for (const rejected_case& bad : cases) {
        cli::parse_result result = cli::parse_options([&] {
            std::vector<std::string_view> list = {"--endpoint", endpoint, "--center", "self"};
            list.insert(list.end(), bad.args.begin(), bad.args.end());
            return list;
        }());

        BOOST_TEST_CONTEXT("arguments " << bad.args.front())
        {
            BOOST_TEST((result.action == cli::command::invalid));
            for (std::string_view word : bad.expected_words)
                BOOST_TEST(contains(result.error, word), "error: " << result.error << "; expected: " << word);
        }
    }
}

BOOST_AUTO_TEST_CASE(progress_mode_names_round_trip)
{
    for (cli::progress_mode mode : {cli::progress_mode::automatic, cli::progress_mode::always,
                                    cli::progress_mode::never}) {
        cli::progress_mode parsed{};
        BOOST_TEST(cli::parse_progress_mode(cli::to_string(mode), parsed));
        BOOST_TEST((parsed == mode));
    }
}

BOOST_AUTO_TEST_SUITE_END()

namespace {

// Splits `--help` into option entries keyed by every name they document. A
// line that starts with two spaces and a dash begins an entry, e.g.
// `  -q, --quiet  ...`, and the lines indented deeper after it continue it.
std::map<std::string, std::string> help_entries(const std::string& text)
{
    std::map<std::string, std::string> entries;
    std::vector<std::string> current_names;
    std::string current_text;

    auto close_entry = [&] {
        for (const std::string& name : current_names)
            entries[name] = current_text;
        current_names.clear();
        current_text.clear();
    };

    std::istringstream lines(text);
    for (std::string line; std::getline(lines, line);) {
        std::size_t indent = line.find_first_not_of(' ');
        if (indent == std::string::npos || indent < 2) {
            close_entry();
            continue;
        }
        if (indent == 2 && line[2] == '-') {
            close_entry();
            // The names come first, separated by ", ", then the value's placeholder.
            std::istringstream words(line.substr(2));
            for (std::string word; words >> word && word.starts_with('-');) {
                if (word.ends_with(','))
                    word.pop_back();
                current_names.push_back(word);
            }
            current_text = line;
            continue;
        }
        if (indent == 2) {
            close_entry();
            continue;
        }
        current_text += "\n" + line;
    }
    close_entry();
    return entries;
}

std::string lowercase(std::string text)
{
    for (char& c : text)
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return text;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(help_documents_options)

BOOST_AUTO_TEST_CASE(every_registered_option_has_entry)
{
    const std::map<std::string, std::string> entries = help_entries(cli::help_text());

    for (std::string_view name : cli::option_names())
        BOOST_TEST(entries.contains(std::string(name)), "--help has no entry for " << name);
}

BOOST_AUTO_TEST_CASE(every_value_option_states_default)
{
    const std::map<std::string, std::string> entries = help_entries(cli::help_text());

    for (std::string_view name : cli::value_option_names()) {
        auto entry = entries.find(std::string(name));
        BOOST_TEST_REQUIRE((entry != entries.end()), "--help has no entry for " << name);
        const std::string text = lowercase(entry->second);
        BOOST_TEST((contains(text, "default") || contains(text, "required")),
                   "the entry for " << name << " states no default:\n" << entry->second);
    }
}

BOOST_AUTO_TEST_CASE(numbers_state_unit_and_range)
{
    struct numeric_case {
        std::string name;
        std::vector<std::string> expected;
    };
    const std::vector<numeric_case> cases = {
        {"--page-size", {std::to_string(swr::min_page_size) + " to " + std::to_string(swr::max_page_size),
                         "records"}},
        {"--concurrency", {"1 to " + std::to_string(cli::max_concurrency), "requests"}},
        {"--max-attempts", {"1 to " + std::to_string(cli::max_attempts_limit)}},
        {"--connect-timeout-ms", {"1 to " + std::to_string(cli::max_connect_timeout_ms), "milliseconds"}},
        {"--request-timeout-ms", {"1 to " + std::to_string(cli::max_request_timeout_ms), "milliseconds"}},
        {"--rate", {"greater than 0", std::to_string(static_cast<std::int64_t>(cli::max_rate)), "per second"}},
        {"--burst", {"1 to " + std::to_string(static_cast<std::int64_t>(cli::max_burst)), "requests"}},
        {"--start-offset", {"0 or more"}},
    };
    const std::map<std::string, std::string> entries = help_entries(cli::help_text());

    for (const numeric_case& number : cases) {
        auto entry = entries.find(number.name);
        BOOST_TEST_REQUIRE((entry != entries.end()), "--help has no entry for " << number.name);
        for (const std::string& word : number.expected) {
            BOOST_TEST(contains(lowercase(entry->second), lowercase(word)),
                       number.name << " lacks '" << word << "':\n" << entry->second);
        }
    }
}

BOOST_AUTO_TEST_CASE(choices_are_listed)
{
    const std::map<std::string, std::string> entries = help_entries(cli::help_text());
    const std::map<std::string, std::vector<std::string>> choices = {
        {"--format", {"table", "ndjson", "json", "csv"}},
        {"--progress", {"auto", "always", "never"}},
        {"--log-level", {"trace", "debug", "info", "warning", "error", "off"}},
        {"--center", {"self", "thirdparty"}},
        {"--query-form", {"filter", "separate"}},
    };

    for (const auto& [name, values] : choices) {
        auto entry = entries.find(name);
        BOOST_TEST_REQUIRE((entry != entries.end()), "--help has no entry for " << name);
        for (const std::string& value : values)
            BOOST_TEST(contains(entry->second, value), name << " lacks '" << value << "'");
    }
}

BOOST_AUTO_TEST_CASE(every_exit_status_is_listed)
{
    const std::string text = cli::help_text();

    for (int status : {cli::exit_success, cli::exit_scan_failed, cli::exit_usage, cli::exit_auth_failed,
                       cli::exit_incomplete, cli::exit_interrupted, cli::exit_terminated}) {
        std::string line_start = "\n  " + std::to_string(status) + " ";
        BOOST_TEST(contains(text, line_start), "--help lacks exit status " << status);
    }
}

BOOST_AUTO_TEST_SUITE_END()
