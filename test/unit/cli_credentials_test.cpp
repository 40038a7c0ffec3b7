// Unit tests for the credential sources of swr-shared-repos
// (src/cli/credentials.hpp): which source wins, the errors for missing or
// conflicting values, the log line, and the providers built from files and
// variables. The environment is a map, and the files are temporary.

#define BOOST_TEST_MODULE cli_credentials
#include <boost/test/unit_test.hpp>

#include "cli/credentials.hpp"
#include "cli/options.hpp"

#include <swr/error.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <map>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <unistd.h>

namespace asio = boost::asio;
namespace cli = swr::cli;
namespace fs = std::filesystem;

namespace {

// Distinctive values, so that a check for a leaked secret cannot pass by accident.
constexpr std::string_view env_token = "env-token-Q7zX9w";
constexpr std::string_view env_secret_key = "env-sk-R4nd0mSk3y";
constexpr std::string_view env_security_token = "env-security-token-P0o9";
constexpr std::string_view env_password = "env-password-W3lk1n";

cli::environment_lookup environment_of(std::map<std::string, std::string> variables)
{
    return [variables = std::move(variables)](std::string_view name) -> std::optional<std::string> {
        auto found = variables.find(std::string(name));
        if (found == variables.end() || found->second.empty())
            return std::nullopt;
        return found->second;
    };
}

// Options of a valid command line with `extra` after the endpoint and center.
cli::options options_with(std::initializer_list<std::string_view> extra,
                          std::string_view location = "--endpoint=https://127.0.0.1:8443")
{
    std::vector<std::string_view> args = {location, "--center", "self"};
    args.insert(args.end(), extra.begin(), extra.end());
    cli::parse_result parsed = cli::parse_options(args);
    BOOST_TEST_REQUIRE(parsed.error == "");
    return parsed.options;
}

cli::credential_plan plan_of(const cli::options& options, std::map<std::string, std::string> variables)
{
    cli::credential_plan_result result = cli::plan_credentials(options, environment_of(std::move(variables)));
    BOOST_TEST_REQUIRE(result.error == "");
    BOOST_TEST_REQUIRE(result.plan.has_value());
    return *result.plan;
}

std::string plan_error(const cli::options& options, std::map<std::string, std::string> variables)
{
    cli::credential_plan_result result = cli::plan_credentials(options, environment_of(std::move(variables)));
    BOOST_TEST(!result.plan.has_value());
    return result.error;
}

bool contains(const std::string& text, std::string_view part)
{
    return text.find(part) != std::string::npos;
}

bool lists(const std::vector<std::string>& names, std::string_view name)
{
    return std::find(names.begin(), names.end(), name) != names.end();
}

// Every credential variable set to a distinctive value.
std::map<std::string, std::string> every_variable()
{
    return {
        {"SWR_AUTH_TOKEN", std::string(env_token)},
        {"HUAWEICLOUD_SDK_AK", "ENVACCESSKEY01"},
        {"HUAWEICLOUD_SDK_SK", std::string(env_secret_key)},
        {"HUAWEICLOUD_SDK_PROJECT_ID", "envproject0123"},
        {"HUAWEICLOUD_SDK_SECURITY_TOKEN", std::string(env_security_token)},
        {"SWR_IAM_PASSWORD", std::string(env_password)},
    };
}

// A directory removed with its content at the end.
class temp_directory {
public:
    temp_directory()
    {
        std::string pattern = (fs::temp_directory_path() / "swr-cli-credentials-XXXXXX").string();
        if (::mkdtemp(pattern.data()) == nullptr)
            throw std::runtime_error("mkdtemp failed for " + pattern);
        path_ = pattern;
    }
    temp_directory(const temp_directory&) = delete;
    temp_directory& operator=(const temp_directory&) = delete;
    ~temp_directory()
    {
        std::error_code ignored;
        fs::remove_all(path_, ignored);
    }

    // Writes `content` to a new file in the directory and returns its path.
    std::string write(const std::string& name, std::string_view content) const
    {
        fs::path path = path_ / name;
        std::ofstream file(path, std::ios::binary | std::ios::trunc);
        file << content;
        BOOST_TEST_REQUIRE(file.good(), "cannot write " << path);
        return path.string();
    }

    const fs::path& path() const noexcept { return path_; }

private:
    fs::path path_;
};

// Runs the provider's authorize on a request and returns the request.
swr::outgoing_request authorize(swr::credentials_provider& provider)
{
    swr::outgoing_request request;
    request.method = "GET";
    request.host = "127.0.0.1:8443";
    request.path = "/v2/manage/shared-repositories";
    request.query = "center=self&limit=10&offset=0";

    asio::io_context io;
    auto done = asio::co_spawn(io, provider.authorize(request), asio::use_future);
    io.run();
    done.get();
    return request;
}

// Builds the provider of `plan`. Nothing is sent, so the io_context never
// runs, but it outlives every provider that holds its executor.
std::shared_ptr<swr::credentials_provider> build(const cli::credential_plan& plan, const cli::options& options,
                                                 std::map<std::string, std::string> variables)
{
    static asio::io_context io;
    return cli::make_credentials(plan, options, environment_of(std::move(variables)), io.get_executor(), {});
}

// Returns the message of the invalid_argument error that building throws.
std::string build_error(const cli::credential_plan& plan, const cli::options& options,
                        std::map<std::string, std::string> variables)
{
    try {
        build(plan, options, std::move(variables));
    } catch (const swr::exception& error) {
        BOOST_TEST((error.code() == swr::errc::invalid_argument));
        return error.what();
    }
    BOOST_FAIL("building the provider did not fail");
    return {};
}

}  // namespace

BOOST_AUTO_TEST_SUITE(precedence)

BOOST_AUTO_TEST_CASE(token_variable_alone_is_used)
{
    cli::credential_plan plan = plan_of(options_with({}), {{"SWR_AUTH_TOKEN", std::string(env_token)}});

    BOOST_TEST((plan.method == cli::credential_method::token_variable));
    BOOST_TEST(plan.secret.variable == "SWR_AUTH_TOKEN");
    BOOST_TEST(plan.unused_variables.empty());
}

BOOST_AUTO_TEST_CASE(token_file_beats_every_variable)
{
    cli::credential_plan plan = plan_of(options_with({"--token-file", "/run/token"}), every_variable());

    BOOST_TEST((plan.method == cli::credential_method::token_file));
    BOOST_TEST(plan.secret.file == "/run/token");
    BOOST_TEST(plan.unused_variables.size() == 6u);
    BOOST_TEST(lists(plan.unused_variables, "SWR_AUTH_TOKEN"));
    BOOST_TEST(lists(plan.unused_variables, "HUAWEICLOUD_SDK_AK"));
}

BOOST_AUTO_TEST_CASE(aksk_variables_beat_token_variable)
{
    std::map<std::string, std::string> variables = every_variable();
    variables.erase("HUAWEICLOUD_SDK_SECURITY_TOKEN");
    cli::credential_plan plan = plan_of(options_with({}), variables);

    BOOST_TEST((plan.method == cli::credential_method::aksk_variables));
    BOOST_TEST(plan.access_key == "ENVACCESSKEY01");
    BOOST_TEST(plan.secret.variable == "HUAWEICLOUD_SDK_SK");
    BOOST_TEST(!plan.security_token.has_value());
    BOOST_TEST(plan.project_id == "envproject0123");
    BOOST_TEST(plan.project_id_origin == "HUAWEICLOUD_SDK_PROJECT_ID");
    BOOST_TEST(plan.unused_variables == (std::vector<std::string>{"SWR_AUTH_TOKEN", "SWR_IAM_PASSWORD"}),
               boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(aksk_variables_take_security_token)
{
    cli::credential_plan plan = plan_of(options_with({}), every_variable());

    BOOST_TEST_REQUIRE(plan.security_token.has_value());
    BOOST_TEST(plan.security_token->variable == "HUAWEICLOUD_SDK_SECURITY_TOKEN");
    BOOST_TEST(!lists(plan.unused_variables, "HUAWEICLOUD_SDK_SECURITY_TOKEN"));
}

BOOST_AUTO_TEST_CASE(project_id_option_beats_variable)
{
    cli::credential_plan plan = plan_of(options_with({"--project-id", "optionproject9"}), every_variable());

    BOOST_TEST((plan.method == cli::credential_method::aksk_variables));
    BOOST_TEST(plan.project_id == "optionproject9");
    BOOST_TEST(plan.project_id_origin == "--project-id");
    BOOST_TEST(lists(plan.unused_variables, "HUAWEICLOUD_SDK_PROJECT_ID"));
}

BOOST_AUTO_TEST_CASE(access_key_option_beats_variables)
{
    cli::credential_plan plan =
        plan_of(options_with({"--ak", "FILEACCESSKEY1", "--sk-file", "/run/sk"}), every_variable());

    BOOST_TEST((plan.method == cli::credential_method::aksk_files));
    BOOST_TEST(plan.access_key == "FILEACCESSKEY1");
    BOOST_TEST(plan.secret.file == "/run/sk");
    BOOST_TEST(plan.secret.option == "--sk-file");
    // Temporary credentials come as a set, so the variable's token is not mixed in.
    BOOST_TEST(!plan.security_token.has_value());
    BOOST_TEST(plan.project_id == "envproject0123");
    for (std::string_view name : {"HUAWEICLOUD_SDK_AK", "HUAWEICLOUD_SDK_SK", "HUAWEICLOUD_SDK_SECURITY_TOKEN",
                                  "SWR_AUTH_TOKEN", "SWR_IAM_PASSWORD"})
        BOOST_TEST(lists(plan.unused_variables, name), name << " is not listed as unused");
    BOOST_TEST(!lists(plan.unused_variables, "HUAWEICLOUD_SDK_PROJECT_ID"));
}

BOOST_AUTO_TEST_CASE(access_key_option_takes_security_token_file)
{
    cli::credential_plan plan = plan_of(
        options_with({"--ak", "FILEACCESSKEY1", "--sk-file", "/run/sk", "--security-token-file", "/run/st",
                      "--project-id", "p1"}),
        {});

    BOOST_TEST_REQUIRE(plan.security_token.has_value());
    BOOST_TEST(plan.security_token->file == "/run/st");
    BOOST_TEST(plan.security_token->option == "--security-token-file");
    BOOST_TEST(plan.project_id == "p1");
}

BOOST_AUTO_TEST_CASE(iam_user_beats_variables)
{
    cli::credential_plan plan =
        plan_of(options_with({"--iam-user", "alice", "--iam-domain", "acme"}, "--region=cn-north-4"), every_variable());

    BOOST_TEST((plan.method == cli::credential_method::iam_password));
    BOOST_TEST(plan.iam_user == "alice");
    BOOST_TEST(plan.iam_domain == "acme");
    BOOST_TEST(plan.iam_endpoint.empty());
    BOOST_TEST(plan.secret.variable == "SWR_IAM_PASSWORD");
    BOOST_TEST(!lists(plan.unused_variables, "SWR_IAM_PASSWORD"));
    BOOST_TEST(lists(plan.unused_variables, "SWR_AUTH_TOKEN"));
    BOOST_TEST(lists(plan.unused_variables, "HUAWEICLOUD_SDK_AK"));
}

BOOST_AUTO_TEST_CASE(password_file_beats_password_variable)
{
    cli::credential_plan plan = plan_of(options_with({"--iam-user", "alice", "--iam-domain", "acme",
                                                      "--iam-endpoint", "https://127.0.0.1:9443", "--iam-project",
                                                      "cn-north-4", "--iam-password-file", "/run/password"}),
                                        every_variable());

    BOOST_TEST(plan.secret.file == "/run/password");
    BOOST_TEST(plan.secret.option == "--iam-password-file");
    BOOST_TEST(plan.iam_endpoint == "https://127.0.0.1:9443");
    BOOST_TEST(plan.iam_project == "cn-north-4");
    BOOST_TEST(lists(plan.unused_variables, "SWR_IAM_PASSWORD"));
}

BOOST_AUTO_TEST_CASE(empty_variable_counts_as_unset)
{
    cli::credential_plan plan =
        plan_of(options_with({}), {{"HUAWEICLOUD_SDK_AK", ""}, {"HUAWEICLOUD_SDK_SK", ""},
                                   {"SWR_AUTH_TOKEN", std::string(env_token)}});

    BOOST_TEST((plan.method == cli::credential_method::token_variable));
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(plan_errors)

BOOST_AUTO_TEST_CASE(no_credentials_names_every_source)
{
    std::string error = plan_error(options_with({}), {});

    for (std::string_view word : {"no credentials", "SWR_AUTH_TOKEN", "HUAWEICLOUD_SDK_AK", "HUAWEICLOUD_SDK_SK",
                                  "--token-file", "--ak", "--sk-file", "--iam-user"})
        BOOST_TEST(contains(error, word), "error lacks " << word << ": " << error);
}

BOOST_AUTO_TEST_CASE(password_variable_alone_selects_nothing)
{
    std::string error = plan_error(options_with({}), {{"SWR_IAM_PASSWORD", std::string(env_password)}});

    BOOST_TEST(contains(error, "no credentials"));
    BOOST_TEST(!contains(error, env_password));
}

BOOST_AUTO_TEST_CASE(access_key_variable_without_secret_key)
{
    std::string error = plan_error(options_with({}), {{"HUAWEICLOUD_SDK_AK", "AK1"}, {"SWR_AUTH_TOKEN", "t0k3n"}});

    BOOST_TEST(contains(error, "HUAWEICLOUD_SDK_AK is set but HUAWEICLOUD_SDK_SK is missing"));
}

BOOST_AUTO_TEST_CASE(secret_key_variable_without_access_key)
{
    std::string error = plan_error(options_with({}), {{"HUAWEICLOUD_SDK_SK", std::string(env_secret_key)}});

    BOOST_TEST(contains(error, "HUAWEICLOUD_SDK_SK is set but HUAWEICLOUD_SDK_AK is missing"));
    BOOST_TEST(!contains(error, env_secret_key));
    // SWR_AUTH_TOKEN is not set, so unsetting the SK would not help.
    BOOST_TEST(!contains(error, "SWR_AUTH_TOKEN"), error);
}

BOOST_AUTO_TEST_CASE(access_key_variable_hint_names_set_token)
{
    std::string error = plan_error(options_with({}), {{"HUAWEICLOUD_SDK_AK", "AK1"}, {"SWR_AUTH_TOKEN", "t0k3n"}});

    BOOST_TEST(contains(error, "unset HUAWEICLOUD_SDK_AK to use SWR_AUTH_TOKEN"), error);
}

BOOST_AUTO_TEST_CASE(security_token_alone_names_missing_keys)
{
    std::string error =
        plan_error(options_with({}), {{"HUAWEICLOUD_SDK_SECURITY_TOKEN", std::string(env_security_token)}});

    BOOST_TEST(contains(error, "HUAWEICLOUD_SDK_SECURITY_TOKEN is set but HUAWEICLOUD_SDK_AK and "
                               "HUAWEICLOUD_SDK_SK are missing"),
               error);
    BOOST_TEST(!contains(error, env_security_token));
}

BOOST_AUTO_TEST_CASE(aksk_without_project_id)
{
    std::string from_variables = plan_error(
        options_with({}), {{"HUAWEICLOUD_SDK_AK", "AK1"}, {"HUAWEICLOUD_SDK_SK", std::string(env_secret_key)}});
    std::string from_files = plan_error(options_with({"--ak", "AK1", "--sk-file", "/run/sk"}), {});

    for (const std::string& error : {from_variables, from_files}) {
        BOOST_TEST(contains(error, "project id"));
        BOOST_TEST(contains(error, "--project-id"));
        BOOST_TEST(contains(error, "HUAWEICLOUD_SDK_PROJECT_ID"));
    }
}

BOOST_AUTO_TEST_CASE(iam_user_without_password)
{
    std::string error = plan_error(options_with({"--iam-user", "alice", "--iam-domain", "acme"}, "--region=cn-north-4"),
                                   {{"SWR_AUTH_TOKEN", std::string(env_token)}});

    BOOST_TEST(contains(error, "'alice'"));
    BOOST_TEST(contains(error, "--iam-password-file"));
    BOOST_TEST(contains(error, "SWR_IAM_PASSWORD"));
}

BOOST_AUTO_TEST_CASE(project_id_with_token_variable)
{
    std::string error =
        plan_error(options_with({"--project-id", "p1"}), {{"SWR_AUTH_TOKEN", std::string(env_token)}});

    BOOST_TEST(contains(error, "--project-id"));
    BOOST_TEST(contains(error, "SWR_AUTH_TOKEN"));
    BOOST_TEST(!contains(error, env_token));
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(iam_project)

cli::options iam_endpoint_options(std::initializer_list<std::string_view> extra)
{
    std::vector<std::string_view> args = {"--iam-user", "alice", "--iam-domain", "acme", "--iam-endpoint",
                                          "https://127.0.0.1:9443"};
    args.insert(args.end(), extra.begin(), extra.end());
    std::vector<std::string_view> all = {"--endpoint=https://127.0.0.1:8443", "--center", "self"};
    all.insert(all.end(), args.begin(), args.end());
    cli::parse_result parsed = cli::parse_options(all);
    BOOST_TEST_REQUIRE(parsed.error == "");
    return parsed.options;
}

BOOST_AUTO_TEST_CASE(project_id_variable_scopes_token)
{
    cli::credential_plan plan = plan_of(iam_endpoint_options({}), {{"SWR_IAM_PASSWORD", std::string(env_password)},
                                                                   {"HUAWEICLOUD_SDK_PROJECT_ID", " penv \n"}});

    BOOST_TEST(plan.project_id == "penv");
    BOOST_TEST(plan.project_id_origin == "HUAWEICLOUD_SDK_PROJECT_ID");
    BOOST_TEST(plan.unused_variables.empty());
    BOOST_TEST(contains(cli::describe(plan), "project id penv from HUAWEICLOUD_SDK_PROJECT_ID"));
}

BOOST_AUTO_TEST_CASE(project_id_option_beats_variable)
{
    cli::credential_plan plan =
        plan_of(iam_endpoint_options({"--project-id", "popt"}),
                {{"SWR_IAM_PASSWORD", std::string(env_password)}, {"HUAWEICLOUD_SDK_PROJECT_ID", "penv"}});

    BOOST_TEST(plan.project_id == "popt");
    BOOST_TEST(plan.project_id_origin == "--project-id");
    BOOST_TEST(lists(plan.unused_variables, "HUAWEICLOUD_SDK_PROJECT_ID"));
}

BOOST_AUTO_TEST_CASE(project_name_option_beats_variable)
{
    cli::credential_plan plan =
        plan_of(iam_endpoint_options({"--iam-project", "cn-north-4"}),
                {{"SWR_IAM_PASSWORD", std::string(env_password)}, {"HUAWEICLOUD_SDK_PROJECT_ID", "penv"}});

    BOOST_TEST(plan.project_id.empty());
    BOOST_TEST(plan.iam_project == "cn-north-4");
    BOOST_TEST(lists(plan.unused_variables, "HUAWEICLOUD_SDK_PROJECT_ID"));
}

BOOST_AUTO_TEST_CASE(endpoint_without_any_project_rejected)
{
    std::string error = plan_error(iam_endpoint_options({}), {{"SWR_IAM_PASSWORD", std::string(env_password)}});

    for (std::string_view word : {"--iam-user with --endpoint", "--iam-project", "--project-id",
                                  "HUAWEICLOUD_SDK_PROJECT_ID"})
        BOOST_TEST(contains(error, word), "error lacks " << word << ": " << error);
}

BOOST_AUTO_TEST_CASE(region_without_project_uses_region)
{
    cli::credential_plan plan =
        plan_of(options_with({"--iam-user", "alice", "--iam-domain", "acme"}, "--region=cn-north-4"),
                {{"SWR_IAM_PASSWORD", std::string(env_password)}});

    BOOST_TEST(plan.project_id.empty());
    BOOST_TEST(plan.iam_project.empty());
    BOOST_TEST(contains(cli::describe(plan), "the region's project"));
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(blank_and_padded_values)

// Variables of a complete AK/SK source, with `name` replaced by `value`.
std::map<std::string, std::string> aksk_variables_with(const std::string& name, const std::string& value)
{
    std::map<std::string, std::string> variables = {
        {"HUAWEICLOUD_SDK_AK", "ENVACCESSKEY01"},
        {"HUAWEICLOUD_SDK_SK", std::string(env_secret_key)},
        {"HUAWEICLOUD_SDK_PROJECT_ID", "envproject0123"},
    };
    variables[name] = value;
    return variables;
}

BOOST_AUTO_TEST_CASE(blank_variables_rejected_by_name)
{
    struct blank_case {
        cli::options options;
        std::map<std::string, std::string> variables;
        std::string name;
    };
    const std::vector<blank_case> cases = {
        {options_with({}), {{"SWR_AUTH_TOKEN", "   "}}, "SWR_AUTH_TOKEN"},
        {options_with({}), aksk_variables_with("HUAWEICLOUD_SDK_SK", "   "), "HUAWEICLOUD_SDK_SK"},
        {options_with({}), aksk_variables_with("HUAWEICLOUD_SDK_AK", " \t "), "HUAWEICLOUD_SDK_AK"},
        {options_with({}), aksk_variables_with("HUAWEICLOUD_SDK_PROJECT_ID", "  "), "HUAWEICLOUD_SDK_PROJECT_ID"},
        {options_with({}), aksk_variables_with("HUAWEICLOUD_SDK_SECURITY_TOKEN", "\r\n"),
         "HUAWEICLOUD_SDK_SECURITY_TOKEN"},
        {options_with({"--ak", "AK1", "--sk-file", "/run/sk"}), {{"HUAWEICLOUD_SDK_PROJECT_ID", " "}},
         "HUAWEICLOUD_SDK_PROJECT_ID"},
        {options_with({"--iam-user", "alice", "--iam-domain", "acme"}, "--region=cn-north-4"),
         {{"SWR_IAM_PASSWORD", "   "}}, "SWR_IAM_PASSWORD"},
        // A blank SK does not fall back to the token: it is a mistake to report.
        {options_with({}), {{"HUAWEICLOUD_SDK_SK", " "}, {"SWR_AUTH_TOKEN", std::string(env_token)}},
         "HUAWEICLOUD_SDK_SK"},
    };

    for (const blank_case& blank : cases) {
        std::string error = plan_error(blank.options, blank.variables);

        BOOST_TEST(contains(error, blank.name + " is blank"), blank.name << ": " << error);
    }
}

BOOST_AUTO_TEST_CASE(padded_variables_trimmed)
{
    cli::options options = options_with({});
    std::map<std::string, std::string> variables = {
        {"HUAWEICLOUD_SDK_AK", " ENVACCESSKEY01\t"},
        {"HUAWEICLOUD_SDK_SK", "  " + std::string(env_secret_key) + " \r\n"},
        {"HUAWEICLOUD_SDK_PROJECT_ID", " envproject0123 "},
        {"HUAWEICLOUD_SDK_SECURITY_TOKEN", "\t" + std::string(env_security_token) + "\n"},
    };
    cli::credential_plan plan = plan_of(options, variables);
    std::map<std::string, std::string> unpadded = every_variable();
    unpadded.erase("SWR_AUTH_TOKEN");

    // Signatures of the same second agree only when the SKs do.
    swr::outgoing_request padded_request;
    swr::outgoing_request unpadded_request;
    for (int tries = 0; tries < 5; ++tries) {
        padded_request = authorize(*build(plan, options, variables));
        unpadded_request = authorize(*build(plan_of(options, unpadded), options, unpadded));
        if (padded_request.header("X-Sdk-Date") == unpadded_request.header("X-Sdk-Date"))
            break;
    }

    BOOST_TEST(plan.access_key == "ENVACCESSKEY01");
    BOOST_TEST(plan.project_id == "envproject0123");
    BOOST_TEST(padded_request.header("X-Project-Id") == "envproject0123");
    BOOST_TEST(padded_request.header("X-Security-Token") == env_security_token);
    BOOST_TEST_REQUIRE(padded_request.header("X-Sdk-Date") == unpadded_request.header("X-Sdk-Date"));
    BOOST_TEST(padded_request.header("Authorization") == unpadded_request.header("Authorization"));
}

BOOST_AUTO_TEST_CASE(padded_token_variable_trimmed)
{
    cli::options options = options_with({});
    std::map<std::string, std::string> variables = {{"SWR_AUTH_TOKEN", " " + std::string(env_token) + "\r\n"}};
    auto provider = build(plan_of(options, variables), options, variables);

    BOOST_TEST(authorize(*provider).header("X-Auth-Token") == env_token);
}

BOOST_AUTO_TEST_CASE(password_of_only_spaces_rejected)
{
    temp_directory directory;
    for (std::string_view content : {" \n", "\t \r\n", "   "}) {
        cli::options options = options_with({"--iam-user", "alice", "--iam-domain", "acme", "--iam-password-file",
                                             directory.write("password", content)},
                                            "--region=cn-north-4");
        std::string error = build_error(plan_of(options, {}), options, {});

        BOOST_TEST(contains(error, "contains only spaces or tabs"), error);
    }

    cli::options options = options_with({"--iam-user", "alice", "--iam-domain", "acme"}, "--region=cn-north-4");
    std::map<std::string, std::string> variables = {{"SWR_IAM_PASSWORD", " pass word "}};
    BOOST_TEST(build(plan_of(options, variables), options, variables)->kind() == "iam-password");
}

BOOST_AUTO_TEST_CASE(control_characters_in_variables_rejected)
{
    struct control_case {
        std::map<std::string, std::string> variables;
        std::string name;
    };
    const std::vector<control_case> cases = {
        {aksk_variables_with("HUAWEICLOUD_SDK_PROJECT_ID", "p1\nX-Evil: 1"), "HUAWEICLOUD_SDK_PROJECT_ID"},
        {aksk_variables_with("HUAWEICLOUD_SDK_AK", "AK\x01"), "HUAWEICLOUD_SDK_AK"},
        {aksk_variables_with("HUAWEICLOUD_SDK_SK", "sk-Part1\nsk-Part2"), "HUAWEICLOUD_SDK_SK"},
        {aksk_variables_with("HUAWEICLOUD_SDK_SECURITY_TOKEN", "st-Part1\x1bst-Part2"),
         "HUAWEICLOUD_SDK_SECURITY_TOKEN"},
    };

    for (const control_case& bad : cases) {
        std::string error = plan_error(options_with({}), bad.variables);

        BOOST_TEST_CONTEXT(bad.name << ": " << error)
        {
            BOOST_TEST(contains(error, bad.name));
            BOOST_TEST(contains(error, "control character"));
            BOOST_TEST(error.find('\n') == std::string::npos);
            BOOST_TEST(!contains(error, "Part"));
        }
    }
}

BOOST_AUTO_TEST_CASE(access_key_variable_must_be_printable_ascii)
{
    std::map<std::string, std::string> variables =
        aksk_variables_with("HUAWEICLOUD_SDK_AK", "AK\xc3\xbc\xe4\xb8\xad");

    std::string error = plan_error(options_with({}), variables);

    BOOST_TEST(contains(error, "HUAWEICLOUD_SDK_AK"), error);
    BOOST_TEST(contains(error, "printable ASCII"), error);
}

BOOST_AUTO_TEST_CASE(password_variable_with_control_character_rejected)
{
    cli::options options = options_with({"--iam-user", "alice", "--iam-domain", "acme"}, "--region=cn-north-4");
    std::map<std::string, std::string> variables = {{"SWR_IAM_PASSWORD", "pass-Part1\x01word"}};

    std::string error = build_error(plan_of(options, variables), options, variables);

    BOOST_TEST(contains(error, "SWR_IAM_PASSWORD"), error);
    BOOST_TEST(contains(error, "control character"), error);
    BOOST_TEST(!contains(error, "Part1"), error);
}

BOOST_AUTO_TEST_CASE(secret_key_must_be_printable_ascii)
{
    temp_directory directory;
    for (std::string_view content : {"sk-Part1\xff\xfe", "sk-Part1 inner space", "sk-Part1\xc3\xbc"}) {
        cli::options options =
            options_with({"--ak", "AK1", "--sk-file", directory.write("sk", content), "--project-id", "p1"});
        std::string error = build_error(plan_of(options, {}), options, {});

        BOOST_TEST_CONTEXT(error)
        {
            BOOST_TEST(contains(error, "(--sk-file)"));
            BOOST_TEST(contains(error, "printable ASCII"));
            BOOST_TEST(!contains(error, "Part1"));
        }
    }
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(describe_plan)

BOOST_AUTO_TEST_CASE(names_sources_without_secrets)
{
    std::map<std::string, std::string> variables = every_variable();
    const std::vector<std::pair<cli::options, std::vector<std::string_view>>> cases = {
        {options_with({}), {"AK/SK signing", "ENVACCESSKEY01", "HUAWEICLOUD_SDK_SK",
                            "HUAWEICLOUD_SDK_SECURITY_TOKEN", "envproject0123", "set but not used", "SWR_AUTH_TOKEN"}},
        {options_with({"--token-file", "/run/token"}), {"IAM token", "file '/run/token' (--token-file)"}},
        {options_with({"--ak", "FILEACCESSKEY1", "--sk-file", "/run/sk"}),
         {"AK/SK signing", "FILEACCESSKEY1", "from --ak", "file '/run/sk' (--sk-file)"}},
        {options_with({"--iam-user", "alice", "--iam-domain", "acme"}, "--region=cn-north-4"),
         {"IAM password", "alice", "acme", "SWR_IAM_PASSWORD", "derived from --region"}},
    };

    for (const auto& [options, words] : cases) {
        std::string line = cli::describe(plan_of(options, variables));
        BOOST_TEST_CONTEXT(line)
        {
            for (std::string_view word : words)
                BOOST_TEST(contains(line, word), "line lacks " << word);
            for (std::string_view secret : {env_token, env_secret_key, env_security_token, env_password})
                BOOST_TEST(!contains(line, secret));
        }
    }
}

BOOST_AUTO_TEST_CASE(control_characters_in_paths_escaped)
{
    cli::credential_plan plan = plan_of(options_with({"--token-file", "/run/to\nken"}), {});

    std::string line = cli::describe(plan);

    BOOST_TEST(line.find('\n') == std::string::npos, line);
    BOOST_TEST(contains(line, "file '/run/to\\nken' (--token-file)"), line);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(make_credentials)

BOOST_AUTO_TEST_CASE(token_variable_sends_token)
{
    cli::options options = options_with({});
    std::map<std::string, std::string> variables = {{"SWR_AUTH_TOKEN", std::string(env_token)}};
    auto provider = build(plan_of(options, variables), options, variables);

    BOOST_TEST(provider->kind() == "token");
    BOOST_TEST(authorize(*provider).header("X-Auth-Token") == env_token);
}

BOOST_AUTO_TEST_CASE(token_file_sends_token)
{
    temp_directory directory;
    cli::options options = options_with({"--token-file", directory.write("token", "file-token-Zx81\n")});
    auto provider = build(plan_of(options, {}), options, {});

    BOOST_TEST(provider->kind() == "token-file");
    BOOST_TEST(authorize(*provider).header("X-Auth-Token") == "file-token-Zx81");
}

BOOST_AUTO_TEST_CASE(token_file_directory_is_rejected)
{
    temp_directory directory;
    cli::options options = options_with({"--token-file", directory.path().string()});

    std::string error = build_error(plan_of(options, {}), options, {});

    BOOST_TEST(contains(error, "is a directory"));
}

BOOST_AUTO_TEST_CASE(aksk_files_trim_blanks)
{
    temp_directory directory;
    cli::options options = options_with({"--ak", "FILEACCESSKEY1", "--sk-file",
                                         directory.write("sk", "  file-sk-Hq27  \r\n"), "--security-token-file",
                                         directory.write("st", "file-security-token-K3\n"), "--project-id", "p1"});
    auto provider = build(plan_of(options, {}), options, {});

    swr::outgoing_request request = authorize(*provider);
    BOOST_TEST(provider->kind() == "aksk");
    BOOST_TEST(request.header("X-Security-Token") == "file-security-token-K3");
    BOOST_TEST(request.header("X-Project-Id") == "p1");
    BOOST_TEST(request.header("Authorization").starts_with("SDK-HMAC-SHA256 Access=FILEACCESSKEY1,"));
}

BOOST_AUTO_TEST_CASE(aksk_variables_send_security_token)
{
    cli::options options = options_with({});
    std::map<std::string, std::string> variables = every_variable();
    auto provider = build(plan_of(options, variables), options, variables);

    swr::outgoing_request request = authorize(*provider);
    BOOST_TEST(request.header("X-Security-Token") == env_security_token);
    BOOST_TEST(request.header("X-Project-Id") == "envproject0123");
    BOOST_TEST(request.header("Authorization").starts_with("SDK-HMAC-SHA256 Access=ENVACCESSKEY01,"));
}

BOOST_AUTO_TEST_CASE(iam_password_file_builds_provider)
{
    temp_directory directory;
    cli::options options =
        options_with({"--iam-user", "alice", "--iam-domain", "acme", "--iam-endpoint", "https://127.0.0.1:9443",
                      "--project-id", "p1", "--iam-password-file", directory.write("password", "pass word \n")});
    auto provider = build(plan_of(options, {}), options, {});

    BOOST_TEST(provider->kind() == "iam-password");
}

BOOST_AUTO_TEST_CASE(secret_file_errors_name_file_not_content)
{
    temp_directory directory;
    struct file_case {
        std::string content;
        std::string_view expected;
    };
    const std::vector<file_case> cases = {
        {"", "is empty"},
        {" \r\n", "is empty"},
        {"two-line-Sk1\nsecond-line-Sk2\n", "control character"},
        {std::string(64 * 1024 + 1, 'k'), "larger than 64 KiB"},
    };

    for (const file_case& bad : cases) {
        std::string path = directory.write("sk", bad.content);
        cli::options options = options_with({"--ak", "AK1", "--sk-file", path, "--project-id", "p1"});
        std::string error = build_error(plan_of(options, {}), options, {});

        BOOST_TEST_CONTEXT(error)
        {
            BOOST_TEST(contains(error, bad.expected));
            BOOST_TEST(contains(error, "'" + path + "' (--sk-file)"));
            BOOST_TEST(!contains(error, "Sk1"));
            BOOST_TEST(!contains(error, "Sk2"));
        }
    }
}

BOOST_AUTO_TEST_CASE(missing_password_file_is_named)
{
    temp_directory directory;
    std::string path = (directory.path() / "absent").string();
    cli::options options =
        options_with({"--iam-user", "alice", "--iam-domain", "acme", "--iam-password-file", path},
                     "--region=cn-north-4");

    std::string error = build_error(plan_of(options, {}), options, {});

    BOOST_TEST(contains(error, "cannot read '" + path + "' (--iam-password-file)"));
}

BOOST_AUTO_TEST_CASE(invalid_access_key_names_its_source)
{
    cli::options options = options_with({});
    std::map<std::string, std::string> variables = {{"HUAWEICLOUD_SDK_AK", "AK,1"},
                                                    {"HUAWEICLOUD_SDK_SK", std::string(env_secret_key)},
                                                    {"HUAWEICLOUD_SDK_PROJECT_ID", "p1"}};

    std::string error = build_error(plan_of(options, variables), options, variables);

    BOOST_TEST(contains(error, "access key (AK)"));
    BOOST_TEST(contains(error, "HUAWEICLOUD_SDK_AK"));
    BOOST_TEST(!contains(error, env_secret_key));
}

BOOST_AUTO_TEST_SUITE_END()
