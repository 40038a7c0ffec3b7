// No secret in any output. Every way of authenticating runs with the right
// secret and with a wrong one against the TLS emulator on 127.0.0.1, both
// through the library (log sink at debug level, error messages) and through
// the swr-shared-repos executable (standard output and error at --log-level
// debug). Every secret is a distinctive string, so that finding none of them
// means something. The CLI's path comes from SWR_CLI_PATH.

#define BOOST_TEST_MODULE auth_secrets
#include "support/fixture.hpp"

#include <swr/client.hpp>
#include <swr/credentials.hpp>
#include <swr/emulator.hpp>
#include <swr/error.hpp>
#include <swr/iam_credentials.hpp>

#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <csignal>
#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

extern char** environ;

namespace asio = boost::asio;
namespace fs = std::filesystem;
using namespace std::chrono_literals;
using swr::test::run_until_done;
using swr::test::scaled;
using swr::test::temp_dir;

namespace {

// The secrets the emulator accepts, and wrong ones that it rejects.
constexpr std::string_view token = "tok-Secret-5Qm8Zr1Lx3";
constexpr std::string_view wrong_token = "tok-Wrong-9Va2Ns6Ke4";
constexpr std::string_view access_key = "AKSECRETSTEST00001";
constexpr std::string_view secret_key = "sk-Secret-7Hd2Kw9Pq3Vb5Tn8";
constexpr std::string_view wrong_secret_key = "sk-Wrong-1Xc4Bm7Lz0Qa3Ry6";
constexpr std::string_view security_token = "st-Secret-4Gn6Yt0Ue2Oi8";
constexpr std::string_view project_id = "0a1b2c3d4e5f60718293a4b5c6d7e8f9";
constexpr std::string_view user = "secrets-user";
constexpr std::string_view domain = "secrets-domain";
constexpr std::string_view password = "pw-Secret-8Ja3Fc5Ri1Hw";
constexpr std::string_view wrong_password = "pw-Wrong-2Dp6Gs9Tu4Mx";

constexpr std::int64_t repositories = 120;

const std::vector<std::string_view> all_secrets = {token,         wrong_token,    secret_key, wrong_secret_key,
                                                   security_token, password,      wrong_password};

// Variables that would change which credentials the CLI or the library uses.
const std::vector<std::string> credential_variables = {
    "SWR_AUTH_TOKEN",   "HUAWEICLOUD_SDK_AK",          "HUAWEICLOUD_SDK_SK",
    "HUAWEICLOUD_SDK_PROJECT_ID", "HUAWEICLOUD_SDK_SECURITY_TOKEN", "SWR_IAM_PASSWORD",
};

// Checks that `text` contains no secret of the test and no signature. For
// messages (`messages` true), also checks for long token-like runs: IAM
// tokens issued by the emulator are 4 KB or more, and the test does not
// know their values. Listing data is not checked for runs, because its JSON
// lines have long runs without a blank.
void check_no_secret(const std::string& text, const std::string& description, bool messages = true)
{
    BOOST_TEST_CONTEXT(description)
    {
        for (std::string_view secret : all_secrets)
            BOOST_TEST(text.find(secret) == std::string::npos, description << " contains " << secret << ":\n" << text);
        BOOST_TEST(text.find("Signature=") == std::string::npos, description << " contains a signature:\n" << text);
        if (!messages)
            return;

        std::size_t run = 0;
        std::size_t longest_run = 0;
        std::size_t hex_run = 0;
        std::size_t longest_hex_run = 0;
        for (char c : text) {
            bool blank = std::isspace(static_cast<unsigned char>(c)) != 0;
            run = blank ? 0 : run + 1;
            longest_run = std::max(longest_run, run);
            hex_run = std::isxdigit(static_cast<unsigned char>(c)) != 0 ? hex_run + 1 : 0;
            longest_hex_run = std::max(longest_hex_run, hex_run);
        }
        BOOST_TEST(longest_run < 300u, description << " has a run of " << longest_run << " characters without a blank");
        BOOST_TEST(longest_hex_run < 64u, description << " has a run of " << longest_hex_run << " hex digits");
    }
}

// The emulator of every test: one static token, one key pair, one IAM user.
swr::emulator_options emulator_options_in(const temp_dir& dir, std::vector<std::string>& log, std::mutex& mutex)
{
    swr::emulator_options options;
    options.tls_dir = (dir.path() / "tls").string();
    options.repositories = repositories;
    options.token = std::string(token);
    options.access_key = std::string(access_key);
    options.secret_key = std::string(secret_key);
    options.project_id = std::string(project_id);
    options.iam_users = {{std::string(user), std::string(password), std::string(domain)}};
    options.log = [&log, &mutex](std::string_view line) {
        std::lock_guard lock(mutex);
        log.emplace_back(line);
    };
    return options;
}

// Sets or removes the credential variables of this process.
class scoped_environment {
public:
    explicit scoped_environment(const std::map<std::string, std::string>& variables)
    {
        for (const std::string& name : credential_variables)
            ::unsetenv(name.c_str());
        for (const auto& [name, value] : variables)
            ::setenv(name.c_str(), value.c_str(), 1);
    }
    scoped_environment(const scoped_environment&) = delete;
    scoped_environment& operator=(const scoped_environment&) = delete;
    ~scoped_environment()
    {
        for (const std::string& name : credential_variables)
            ::unsetenv(name.c_str());
    }
};

// One way to authenticate through the library: builds the provider on the
// client's executor, with the library's log options for IAM.
struct library_mode {
    std::string name;
    std::map<std::string, std::string> environment;
    std::function<std::shared_ptr<swr::credentials_provider>(asio::any_io_executor, swr::log_options)> make;
    bool accepted = true;
};

// What a scan through the library produced: items, the error text, and every log line.
struct library_run {
    std::int64_t items = 0;
    std::optional<boost::system::error_code> error;
    std::string error_text;
    std::string log;
    std::size_t log_lines = 0;
};

asio::awaitable<void> scan_all(swr::client& client, library_run& run)
{
    swr::shared_repositories_request request;
    request.center = swr::center::self;
    swr::scan_options options;
    options.page_size = 25;
    options.max_in_flight = 4;
    swr::page_stream stream = client.scan(request, options);
    try {
        while (std::optional<swr::page> page = co_await stream.next())
            run.items += static_cast<std::int64_t>(page->items.size());
    } catch (const swr::exception& error) {
        run.error = error.code();
        run.error_text = std::string(error.what()) + "\n" + error.info().message + "\n" + error.info().to_string();
    }
}

library_run run_library(const swr::emulator& server, const library_mode& mode)
{
    scoped_environment environment(mode.environment);
    std::mutex mutex;
    std::vector<std::string> lines;
    swr::log_options log;
    log.level = swr::log_level::debug;
    log.sink = [&](swr::log_level level, std::string_view message) {
        std::lock_guard lock(mutex);
        lines.push_back(std::string(swr::to_string(level)) + ": " + std::string(message));
    };

    library_run run;
    {
        asio::io_context io;
        swr::client_options options;
        options.endpoint = server.endpoint_url();
        options.tls.ca_file = server.ca_file();
        options.log = log;
        options.credentials = mode.make(io.get_executor(), log);
        swr::client client(io.get_executor(), options);
        run_until_done(io, scan_all(client, run));
    }

    std::lock_guard lock(mutex);
    for (const std::string& line : lines)
        run.log += line + "\n";
    run.log_lines = lines.size();
    return run;
}

std::string write_file(const temp_dir& dir, const std::string& name, std::string_view content)
{
    fs::path path = dir.path() / name;
    std::ofstream file(path, std::ios::binary | std::ios::trunc);
    file << content << "\n";
    BOOST_TEST_REQUIRE(file.good(), "cannot write " << path);
    return path.string();
}

swr::iam_password_options iam_options(const swr::emulator& server, std::string_view user_password,
                                      swr::log_options log)
{
    swr::iam_password_options options;
    options.endpoint = server.endpoint_url();
    options.user_name = std::string(user);
    options.password = std::string(user_password);
    options.domain_name = std::string(domain);
    options.project_name = "cn-north-4";
    options.tls.ca_file = server.ca_file();
    options.log = std::move(log);
    return options;
}

std::vector<library_mode> library_modes(const swr::emulator& server, const temp_dir& dir)
{
    using executor = asio::any_io_executor;
    std::string token_file = write_file(dir, "token", token);
    std::string wrong_token_file = write_file(dir, "wrong-token", wrong_token);
    std::map<std::string, std::string> aksk_variables = {{"HUAWEICLOUD_SDK_AK", std::string(access_key)},
                                                         {"HUAWEICLOUD_SDK_SK", std::string(secret_key)},
                                                         {"HUAWEICLOUD_SDK_PROJECT_ID", std::string(project_id)}};
    std::map<std::string, std::string> wrong_aksk_variables = aksk_variables;
    wrong_aksk_variables["HUAWEICLOUD_SDK_SK"] = std::string(wrong_secret_key);
    std::map<std::string, std::string> temporary_variables = aksk_variables;
    temporary_variables["HUAWEICLOUD_SDK_SECURITY_TOKEN"] = std::string(security_token);
    std::map<std::string, std::string> wrong_temporary_variables = wrong_aksk_variables;
    wrong_temporary_variables["HUAWEICLOUD_SDK_SECURITY_TOKEN"] = std::string(security_token);

    auto from_environment = [](executor, swr::log_options) { return swr::credentials_from_environment(); };
    return {
        {"token", {{"SWR_AUTH_TOKEN", std::string(token)}}, from_environment, true},
        {"wrong token", {{"SWR_AUTH_TOKEN", std::string(wrong_token)}}, from_environment, false},
        {"token file", {}, [token_file](executor, swr::log_options) {
             return swr::make_token_credentials_from_file(token_file);
         }, true},
        {"wrong token file", {}, [wrong_token_file](executor, swr::log_options) {
             return swr::make_token_credentials_from_file(wrong_token_file);
         }, false},
        {"AK/SK variables", aksk_variables, from_environment, true},
        {"wrong SK variable", wrong_aksk_variables, from_environment, false},
        {"AK/SK with security token", temporary_variables, from_environment, true},
        {"wrong SK with security token", wrong_temporary_variables, from_environment, false},
        {"IAM password", {}, [&server](executor ex, swr::log_options log) {
             return swr::make_iam_password_credentials(ex, iam_options(server, password, log));
         }, true},
        {"wrong IAM password", {}, [&server](executor ex, swr::log_options log) {
             return swr::make_iam_password_credentials(ex, iam_options(server, wrong_password, log));
         }, false},
    };
}

// Environment of this process without any credential variable, plus `overrides`.
std::vector<std::string> child_environment(const std::map<std::string, std::string>& overrides)
{
    std::vector<std::string> result;
    for (char** entry = environ; *entry != nullptr; ++entry) {
        std::string_view text(*entry);
        std::string name(text.substr(0, text.find('=')));
        if (std::find(credential_variables.begin(), credential_variables.end(), name) == credential_variables.end())
            result.emplace_back(text);
    }
    for (const auto& [name, value] : overrides)
        result.push_back(name + "=" + value);
    return result;
}

std::string read_file(const fs::path& path)
{
    std::ifstream file(path, std::ios::binary);
    std::ostringstream content;
    content << file.rdbuf();
    return content.str();
}

// Outcome of one swr-shared-repos run.
struct cli_run {
    int exit_status = -1;
    std::string output;
    std::string errors;
};

// Runs swr-shared-repos with `arguments` and the environment `overrides`,
// standard output and error to files, and kills it after 120 s.
cli_run run_cli(const temp_dir& dir, const std::vector<std::string>& arguments,
                const std::map<std::string, std::string>& overrides)
{
    static int counter = 0;
    ++counter;
    fs::path out_path = dir.path() / ("cli-" + std::to_string(counter) + ".out");
    fs::path err_path = dir.path() / ("cli-" + std::to_string(counter) + ".err");

    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);

    std::vector<std::string> argv = {SWR_CLI_PATH};
    argv.insert(argv.end(), arguments.begin(), arguments.end());
    std::vector<char*> argv_pointers;
    for (std::string& arg : argv)
        argv_pointers.push_back(arg.data());
    argv_pointers.push_back(nullptr);
    std::vector<std::string> variables = child_environment(overrides);
    std::vector<char*> envp;
    for (std::string& variable : variables)
        envp.push_back(variable.data());
    envp.push_back(nullptr);

    pid_t pid = -1;
    int error = ::posix_spawn(&pid, argv[0].c_str(), &actions, nullptr, argv_pointers.data(), envp.data());
    posix_spawn_file_actions_destroy(&actions);
    BOOST_TEST_REQUIRE(error == 0, "cannot start " << argv[0] << ": " << std::strerror(error));

    // Poll, so that a hung child is killed instead of hanging the suite.
    int status = 0;
    auto deadline = std::chrono::steady_clock::now() + scaled(120s);
    bool exited = false;
    while (!exited && std::chrono::steady_clock::now() < deadline) {
        exited = ::waitpid(pid, &status, WNOHANG) == pid;
        if (!exited)
            std::this_thread::sleep_for(10ms);
    }
    if (!exited) {
        ::kill(pid, SIGKILL);
        ::waitpid(pid, &status, 0);
    }

    cli_run run;
    run.output = read_file(out_path);
    run.errors = read_file(err_path);
    BOOST_TEST_REQUIRE(exited, "swr-shared-repos did not exit in time; stderr:\n" << run.errors);
    run.exit_status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    return run;
}

std::size_t count_lines(const std::string& text)
{
    return static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n'));
}

// One way to authenticate through swr-shared-repos.
struct cli_mode {
    std::string name;
    std::vector<std::string> arguments;
    std::map<std::string, std::string> environment;
    int exit_status = 0;
};

std::vector<cli_mode> cli_modes(const swr::emulator& server, const temp_dir& dir)
{
    std::string token_file = write_file(dir, "cli-token", token);
    std::string sk_file = write_file(dir, "cli-sk", secret_key);
    std::string wrong_sk_file = write_file(dir, "cli-wrong-sk", wrong_secret_key);
    std::string security_token_file = write_file(dir, "cli-security-token", security_token);
    std::string password_file = write_file(dir, "cli-password", password);
    std::map<std::string, std::string> aksk_variables = {{"HUAWEICLOUD_SDK_AK", std::string(access_key)},
                                                         {"HUAWEICLOUD_SDK_SK", std::string(secret_key)},
                                                         {"HUAWEICLOUD_SDK_PROJECT_ID", std::string(project_id)}};
    std::map<std::string, std::string> temporary_variables = aksk_variables;
    temporary_variables["HUAWEICLOUD_SDK_SECURITY_TOKEN"] = std::string(security_token);
    std::map<std::string, std::string> wrong_aksk_variables = aksk_variables;
    wrong_aksk_variables["HUAWEICLOUD_SDK_SK"] = std::string(wrong_secret_key);
    const std::vector<std::string> iam = {"--iam-user",    std::string(user), "--iam-domain", std::string(domain),
                                          "--iam-endpoint", server.endpoint_url(), "--iam-project", "cn-north-4"};
    auto with = [](std::vector<std::string> first, const std::vector<std::string>& second) {
        first.insert(first.end(), second.begin(), second.end());
        return first;
    };

    return {
        // An option or file given on the command line beats the wrong
        // secret in the environment.
        {"SWR_AUTH_TOKEN", {}, {{"SWR_AUTH_TOKEN", std::string(token)}}, 0},
        {"wrong SWR_AUTH_TOKEN", {}, {{"SWR_AUTH_TOKEN", std::string(wrong_token)}}, 3},
        {"--token-file", {"--token-file", token_file}, {{"SWR_AUTH_TOKEN", std::string(wrong_token)}}, 0},
        {"AK/SK variables", {}, aksk_variables, 0},
        {"AK/SK variables with security token", {}, temporary_variables, 0},
        {"wrong SK variable", {}, wrong_aksk_variables, 3},
        {"--ak with --sk-file", {"--ak", std::string(access_key), "--sk-file", sk_file, "--security-token-file",
                                 security_token_file, "--project-id", std::string(project_id)},
         wrong_aksk_variables, 0},
        {"--ak with wrong --sk-file", {"--ak", std::string(access_key), "--sk-file", wrong_sk_file, "--project-id",
                                       std::string(project_id)},
         {}, 3},
        {"IAM password variable", iam, {{"SWR_IAM_PASSWORD", std::string(password)}}, 0},
        {"--iam-password-file", with(iam, {"--iam-password-file", password_file}),
         {{"SWR_IAM_PASSWORD", std::string(wrong_password)}}, 0},
        {"wrong IAM password", iam, {{"SWR_IAM_PASSWORD", std::string(wrong_password)}}, 3},
    };
}

}  // namespace

BOOST_AUTO_TEST_CASE(library_outputs_contain_no_secret)
{
    temp_dir dir;
    std::mutex emulator_mutex;
    std::vector<std::string> emulator_log;
    swr::emulator_thread server(emulator_options_in(dir, emulator_log, emulator_mutex), 2);

    for (const library_mode& mode : library_modes(server.get(), dir)) {
        BOOST_TEST_CONTEXT("mode: " << mode.name)
        {
            library_run run = run_library(server.get(), mode);

            if (mode.accepted) {
                BOOST_TEST(!run.error.has_value(), run.error_text);
                BOOST_TEST(run.items == repositories);
            } else {
                BOOST_TEST_REQUIRE(run.error.has_value());
                BOOST_TEST((*run.error == swr::errc::unauthorized), run.error_text);
                BOOST_TEST(!run.error_text.empty());
                check_no_secret(run.error_text, "the error");
            }
            BOOST_TEST(run.log_lines > 0u, "no log line at debug level");
            BOOST_TEST(run.log.find("debug: ") != std::string::npos, run.log);
            check_no_secret(run.log, "the log");
        }
    }

    std::string emulator_text;
    {
        std::lock_guard lock(emulator_mutex);
        for (const std::string& line : emulator_log)
            emulator_text += line + "\n";
    }
    BOOST_TEST(!emulator_text.empty());
    check_no_secret(emulator_text, "the emulator's log");
}

BOOST_AUTO_TEST_CASE(cli_outputs_contain_no_secret)
{
    temp_dir dir;
    std::mutex emulator_mutex;
    std::vector<std::string> emulator_log;
    swr::emulator_thread server(emulator_options_in(dir, emulator_log, emulator_mutex), 2);
    const std::vector<std::string> common = {"--endpoint", server.get().endpoint_url(), "--ca-file",
                                             server.get().ca_file(), "--center", "self", "--format", "ndjson",
                                             "--page-size", "25", "--concurrency", "4", "--log-level", "debug"};

    for (const cli_mode& mode : cli_modes(server.get(), dir)) {
        BOOST_TEST_CONTEXT("mode: " << mode.name)
        {
            std::vector<std::string> arguments = common;
            arguments.insert(arguments.end(), mode.arguments.begin(), mode.arguments.end());
            cli_run run = run_cli(dir, arguments, mode.environment);

            BOOST_TEST(run.exit_status == mode.exit_status, "stderr:\n" << run.errors);
            if (mode.exit_status == 0) {
                BOOST_TEST(count_lines(run.output) == static_cast<std::size_t>(repositories));
            } else {
                BOOST_TEST(run.output.empty());
                BOOST_TEST(run.errors.find("error: ") != std::string::npos, run.errors);
            }
            BOOST_TEST(run.errors.find("info: credentials: ") != std::string::npos, run.errors);
            BOOST_TEST(run.errors.find("debug: ") != std::string::npos, run.errors);
            check_no_secret(run.output, "standard output", false);
            check_no_secret(run.errors, "standard error");
        }
    }
}
