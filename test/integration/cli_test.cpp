// Integration tests of swr-shared-repos against the TLS emulator. Both run as
// child processes on 127.0.0.1; their paths come from SWR_CLI_PATH and
// SWR_EMULATOR_PATH. The helpers are in support/cli_harness.hpp.

#define BOOST_TEST_MODULE cli
#include <boost/test/unit_test.hpp>

#include "support/cli_harness.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

#include <chrono>
#include <csignal>
#include <filesystem>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <utility>
#include <vector>

using namespace swr::cli_harness;

namespace {

// Writes the IAM account alice@acme to users.json in `directory` and
// `password` to its password file, and returns the emulator options that
// serve 10 repositories and that account.
std::vector<std::string> iam_emulator_options(const temp_directory& directory, const std::string& password)
{
    write_file(directory.path() / "users.json",
               R"([{"name": "alice", "password": "cli-iam-pass-5b1e", "domain": "acme"}])");
    write_file(directory.path() / "password", password + "\n");
    return {"--repositories", "10", "--iam-users-file", (directory.path() / "users.json").string()};
}

// Returns the CLI options that log in to `server` as alice@acme with the
// password file of iam_emulator_options.
std::vector<std::string> iam_login_arguments(const temp_directory& directory, const emulator& server)
{
    return {"--iam-user", "alice", "--iam-domain", "acme", "--iam-endpoint", server.endpoint(),
            "--iam-password-file", (directory.path() / "password").string()};
}

}  // namespace

BOOST_AUTO_TEST_SUITE(cli)

BOOST_AUTO_TEST_CASE(generated_listing_is_complete)
{
    temp_directory directory;
    emulator server(directory, {"--repositories", "2537"});

    cli_run run = run_cli(directory, join(connection_arguments(server),
                                          {"--center", "self", "--format", "ndjson", "--concurrency", "8"}));

    BOOST_TEST_REQUIRE(run.exit_status == 0, "stderr:\n" << run.errors);
    const std::vector<std::string> lines = split_lines(run.output);
    BOOST_TEST(lines.size() == 2537u);
    std::set<std::string> keys;
    for (const std::string& line : lines) {
        boost::system::error_code ec;
        json::value item = json::parse(line, ec);
        BOOST_TEST_REQUIRE(!ec, "line is not JSON: " << line);
        keys.insert(key_of(item.as_object()));
    }
    BOOST_TEST(keys.size() == 2537u);
    BOOST_TEST(contains(run.errors, "complete (2537 of 2537)"), "stderr:\n" << run.errors);
}

BOOST_AUTO_TEST_CASE(start_offset_skips_records)
{
    temp_directory directory;
    emulator server(directory, {"--repositories", "2537"});

    cli_run run = run_cli(directory, join(connection_arguments(server),
                                          {"--center", "thirdparty", "--format", "ndjson", "--start-offset", "2500",
                                           "--query-form", "separate", "--page-size", "10"}));

    BOOST_TEST_REQUIRE(run.exit_status == 0, "stderr:\n" << run.errors);
    BOOST_TEST(split_lines(run.output).size() == 37u);
    BOOST_TEST(contains(run.errors, "complete (records 2500 to 2536 of 2537)"), "stderr:\n" << run.errors);
}

BOOST_AUTO_TEST_CASE(json_reproduces_data_file)
{
    temp_directory directory;
    const fs::path data_path = fs::path(SWR_TEST_DATA_DIR) / "shared-repositories.json";
    const json::object data = load_data_file(data_path);
    emulator server(directory, {"--data", data_path.string()});

    for (std::string center : {"self", "thirdparty"}) {
        BOOST_TEST_CONTEXT("center " << center)
        {
            cli_run run = run_cli(directory, join(connection_arguments(server),
                                                  {"--center", center, "--format", "json", "--concurrency", "3"}));

            BOOST_TEST_REQUIRE(run.exit_status == 0, "stderr:\n" << run.errors);
            check_json_listing(run.output, data.at(center).as_array());
        }
    }
}

BOOST_AUTO_TEST_CASE(csv_parses_back_to_data_file)
{
    temp_directory directory;
    const fs::path data_path = fs::path(SWR_TEST_DATA_DIR) / "shared-repositories.json";
    const json::object data = load_data_file(data_path);
    emulator server(directory, {"--data", data_path.string()});

    cli_run run = run_cli(directory, join(connection_arguments(server), {"--center", "self", "--format", "csv"}));

    BOOST_TEST_REQUIRE(run.exit_status == 0, "stderr:\n" << run.errors);
    std::vector<std::vector<std::string>> records = parse_csv(run.output);
    const json::array& expected = data.at("self").as_array();
    BOOST_TEST_REQUIRE(records.size() == expected.size() + 1);
    BOOST_TEST((records[0] == csv_header));

    std::map<std::string, std::vector<std::string>> by_key;
    for (std::size_t i = 1; i < records.size(); ++i) {
        BOOST_TEST_REQUIRE(records[i].size() == csv_header.size(), "record " << i << " has a wrong field count");
        by_key.emplace(records[i][0] + "/" + records[i][1], without_total_range(records[i]));
    }
    for (const json::value& value : expected) {
        const std::string key = key_of(value.as_object());
        BOOST_TEST_CONTEXT("repository " << key)
        {
            auto found = by_key.find(key);
            BOOST_TEST_REQUIRE((found != by_key.end()));
            BOOST_TEST((found->second == expected_csv_row(value.as_object())));
        }
    }
}

BOOST_AUTO_TEST_CASE(awkward_text_survives_json_and_csv)
{
    temp_directory directory;
    const fs::path data_path = directory.path() / "awkward.json";
    write_file(data_path, awkward_data_file());
    const json::object data = load_data_file(data_path);
    emulator server(directory, {"--data", data_path.string()});

    cli_run json_run =
        run_cli(directory, join(connection_arguments(server), {"--center", "self", "--format", "json"}));
    cli_run csv_run = run_cli(directory, join(connection_arguments(server), {"--center", "self", "--format", "csv"}));

    BOOST_TEST_REQUIRE(json_run.exit_status == 0, "stderr:\n" << json_run.errors);
    check_json_listing(json_run.output, data.at("self").as_array());

    BOOST_TEST_REQUIRE(csv_run.exit_status == 0, "stderr:\n" << csv_run.errors);
    std::vector<std::vector<std::string>> records = parse_csv(csv_run.output);
    BOOST_TEST_REQUIRE(records.size() == 3u);
    std::set<std::vector<std::string>> rows;
    for (std::size_t i = 1; i < records.size(); ++i)
        rows.insert(without_total_range(records[i]));
    for (const json::value& value : data.at("self").as_array())
        BOOST_TEST(rows.contains(expected_csv_row(value.as_object())), "missing row for " << key_of(value.as_object()));
}

BOOST_AUTO_TEST_CASE(wrong_token_exits_3_without_echo)
{
    temp_directory directory;
    emulator server(directory, {"--repositories", "10"});
    const std::string wrong_token = "wrong-token-0c5d2e";

    cli_run run = run_cli(directory, join(connection_arguments(server), {"--center", "self"}),
                          {{"SWR_AUTH_TOKEN", wrong_token}});

    BOOST_TEST(run.exit_status == 3, "stderr:\n" << run.errors);
    BOOST_TEST(!contains(run.output, wrong_token));
    BOOST_TEST(!contains(run.errors, wrong_token));
    BOOST_TEST(!contains(run.output, good_token));
    BOOST_TEST(!contains(run.errors, good_token));
    BOOST_TEST(contains(run.errors, "401"), "stderr:\n" << run.errors);
}

BOOST_AUTO_TEST_CASE(token_file_wins_over_environment)
{
    temp_directory directory;
    emulator server(directory, {"--repositories", "10"});

    cli_run run = run_cli(directory,
                          join(connection_arguments(server),
                               {"--center", "self", "--format", "ndjson", "--token-file", server.token_file().string()}),
                          {{"SWR_AUTH_TOKEN", "wrong-token-in-environment"}});

    BOOST_TEST_REQUIRE(run.exit_status == 0, "stderr:\n" << run.errors);
    BOOST_TEST(split_lines(run.output).size() == 10u);
}

BOOST_AUTO_TEST_CASE(missing_token_exits_2)
{
    temp_directory directory;

    cli_run run = run_cli(directory, {"--endpoint", "https://127.0.0.1:1", "--center", "self"},
                          {{"SWR_AUTH_TOKEN", ""}});

    BOOST_TEST(run.exit_status == 2);
    BOOST_TEST(contains(run.errors, "SWR_AUTH_TOKEN"), "stderr:\n" << run.errors);
    BOOST_TEST(run.output.empty());
}

BOOST_AUTO_TEST_CASE(bad_options_exit_2)
{
    temp_directory directory;
    const std::vector<std::pair<std::vector<std::string>, std::string>> cases = {
        {{"--page-size", "0"}, "--page-size"},
        {{"--page-size", "1001"}, "--page-size"},
        {{"--concurrency", "0"}, "--concurrency"},
        {{"--rate", "-1"}, "--rate"},
        {{"--format", "xml"}, "--format"},
        {{"--no-such-option"}, "--no-such-option"},
        {{"--namespace"}, "--namespace"},
    };

    for (const auto& [arguments, option] : cases) {
        BOOST_TEST_CONTEXT("option " << option)
        {
            cli_run run = run_cli(directory,
                                  join({"--endpoint", "https://127.0.0.1:1", "--center", "self"}, arguments));

            BOOST_TEST(run.exit_status == 2);
            BOOST_TEST(contains(run.errors, option), "stderr:\n" << run.errors);
            BOOST_TEST(run.output.empty());
        }
    }
}

BOOST_AUTO_TEST_CASE(help_lists_exit_statuses)
{
    temp_directory directory;

    cli_run run = run_cli(directory, {"--help"});

    BOOST_TEST(run.exit_status == 0);
    BOOST_TEST(contains(run.output, "Exit status"));
    BOOST_TEST(contains(run.output, "SWR_AUTH_TOKEN"));
}

BOOST_AUTO_TEST_CASE(refused_connection_exits_1)
{
    temp_directory directory;

    // NOTE: assumes that nothing listens on 127.0.0.1 port 1 (tcpmux), as on a default Debian install.
    cli_run run = run_cli(directory, {"--endpoint", "https://127.0.0.1:1", "--center", "self",
                                      "--connect-timeout-ms", "2000"});

    BOOST_TEST(run.exit_status == 1, "stderr:\n" << run.errors);
    BOOST_TEST(contains(run.errors, "--start-offset 0"), "stderr:\n" << run.errors);
    // The library's hint names the scan_options field; the tool names its option.
    BOOST_TEST(!contains(run.errors, "start_offset"), "stderr:\n" << run.errors);
}

BOOST_AUTO_TEST_CASE(sigint_stops_with_resume_offset)
{
    temp_directory directory;
    emulator server(directory, {"--repositories", "5000", "--latency-ms", "100"});

    std::vector<std::string> argv = join({SWR_CLI_PATH}, join(connection_arguments(server),
                                         {"--center", "self", "--format", "ndjson", "--concurrency", "1",
                                          "--page-size", "10"}));
    child_process process(argv, {{"SWR_AUTH_TOKEN", std::string(good_token)}}, directory.path() / "sigint.out",
                          directory.path() / "sigint.err");

    // Wait for some output, then interrupt.
    auto deadline = std::chrono::steady_clock::now() + scaled(30s);
    while (split_lines(process.output()).size() < 20) {
        BOOST_TEST_REQUIRE(process.running(), "stderr:\n" << process.errors());
        BOOST_TEST_REQUIRE((std::chrono::steady_clock::now() < deadline), "no output; stderr:\n" << process.errors());
        std::this_thread::sleep_for(20ms);
    }
    ::kill(process.pid(), SIGINT);
    std::optional<int> status = process.wait(scaled(10s));

    BOOST_TEST_REQUIRE(status.has_value(), "no exit after SIGINT; stderr:\n" << process.errors());
    BOOST_TEST(*status == 130, "stderr:\n" << process.errors());
    const std::string output = process.output();
    BOOST_TEST_REQUIRE(!output.empty());
    BOOST_TEST(output.back() == '\n', "the last line is cut short");
    const std::size_t written = split_lines(output).size();
    BOOST_TEST(written < 5000u);
    BOOST_TEST(contains(process.errors(), "--start-offset " + std::to_string(written)),
               "written " << written << "; stderr:\n" << process.errors());
}

BOOST_AUTO_TEST_CASE(blank_token_variable_exits_2)
{
    temp_directory directory;
    emulator server(directory, {"--repositories", "10"});

    cli_run run = run_cli(directory, join(connection_arguments(server), {"--center", "self"}),
                          {{"SWR_AUTH_TOKEN", " \t "}});

    BOOST_TEST(run.exit_status == 2, "stderr:\n" << run.errors);
    BOOST_TEST(contains(run.errors, "SWR_AUTH_TOKEN is blank"), "stderr:\n" << run.errors);
    BOOST_TEST(run.output.empty());
}

BOOST_AUTO_TEST_CASE(usage_error_has_no_error_code)
{
    temp_directory directory;
    write_file(directory.path() / "sk", "\n");

    cli_run run = run_cli(directory, {"--endpoint", "https://127.0.0.1:1", "--center", "self", "--ak", "AK1",
                                      "--sk-file", (directory.path() / "sk").string(), "--project-id", "p1"},
                          {});

    BOOST_TEST(run.exit_status == 2, "stderr:\n" << run.errors);
    BOOST_TEST(contains(run.errors, "is empty"), "stderr:\n" << run.errors);
    BOOST_TEST(!contains(run.errors, "[swr:"), "stderr:\n" << run.errors);
    BOOST_TEST(!contains(run.errors, "invalid argument"), "stderr:\n" << run.errors);
}

BOOST_AUTO_TEST_CASE(control_characters_never_printed_raw)
{
    temp_directory directory;
    const std::vector<std::vector<std::string>> cases = {
        {"--project-id", "p1\nX-Evil: 1", "--ak", "AK1", "--sk-file", "/nonexistent/sk"},
        {"--iam-user", "eve\nswr-emulator: FAKE LINE", "--iam-domain", "acme", "--iam-project", "p"},
        {"--iam-user", "alice", "--iam-domain", "ac\nme", "--iam-project", "p"},
        {"--token-file", "/nonexistent/to\nFAKE LINE"},
        {"--ca-file", "/nonexistent/ca\nFAKE LINE"},
    };

    for (const std::vector<std::string>& arguments : cases) {
        cli_run run = run_cli(directory,
                              join({"--endpoint", "https://127.0.0.1:1", "--center", "self", "--log-level", "info"},
                                   arguments),
                              {{"SWR_IAM_PASSWORD", "cli-test-password"}});

        BOOST_TEST_CONTEXT("stderr:\n" << run.errors)
        {
            BOOST_TEST(run.exit_status == 2);
            for (const std::string& line : split_lines(run.errors))
                BOOST_TEST(line.starts_with("swr-shared-repos: "), "forged line: " << line);
            BOOST_TEST(contains(run.errors, "\\n"));
        }
    }
}

BOOST_AUTO_TEST_CASE(iam_login_uses_project_id_variable)
{
    temp_directory directory;
    emulator server(directory, iam_emulator_options(directory, "cli-iam-pass-5b1e"));

    std::vector<std::string> arguments =
        join(iam_login_arguments(directory, server), {"--center", "self", "--format", "ndjson", "--log-level", "info"});
    cli_run run = run_cli(directory, join(connection_arguments(server), arguments),
                          {{"SWR_AUTH_TOKEN", ""}, {"HUAWEICLOUD_SDK_PROJECT_ID", "penv"}});

    BOOST_TEST(run.exit_status == 0, "stderr:\n" << run.errors);
    BOOST_TEST(split_lines(run.output).size() == 10u);
    BOOST_TEST(contains(run.errors, "token scoped to project id penv from HUAWEICLOUD_SDK_PROJECT_ID"),
               "stderr:\n" << run.errors);
}

BOOST_AUTO_TEST_CASE(rejected_login_is_not_a_listing_request)
{
    temp_directory directory;
    emulator server(directory, iam_emulator_options(directory, "wrong-pass-8d2c"));

    std::vector<std::string> arguments =
        join(iam_login_arguments(directory, server), {"--center", "self", "--project-id", "p1"});
    cli_run run = run_cli(directory, join(connection_arguments(server), arguments), {{"SWR_AUTH_TOKEN", ""}});

    BOOST_TEST(run.exit_status == 3, "stderr:\n" << run.errors);
    BOOST_TEST(contains(run.errors, "0 pages, 0 items, 0 requests,"), "stderr:\n" << run.errors);
    BOOST_TEST(!contains(run.errors, "wrong-pass-8d2c"));
}

BOOST_AUTO_TEST_SUITE_END()
