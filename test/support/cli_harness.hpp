#ifndef SWR_TEST_SUPPORT_CLI_HARNESS_HPP
#define SWR_TEST_SUPPORT_CLI_HARNESS_HPP

// Helpers for the tests that run swr-shared-repos and swr-emulator as child
// processes on 127.0.0.1: temporary directories, child processes whose
// output goes to files, an emulator that waits for its ready line, and
// checks of the CSV and JSON listings. The including target defines
// SWR_CLI_PATH and SWR_EMULATOR_PATH. Every child is killed when its owner
// goes out of scope, so a failed check never leaves a process behind or
// hangs the run.

#include <boost/test/unit_test.hpp>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <set>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <csignal>
#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

extern char** environ;

namespace swr::cli_harness {

namespace fs = std::filesystem;
namespace json = boost::json;
using namespace std::chrono_literals;

// The emulator accepts this token; the CLI gets it through SWR_AUTH_TOKEN.
inline constexpr std::string_view good_token = "cli-test-token-7f3a9c";

// Multiplies every time limit, for slow builds (sanitizers, valgrind).
inline double timeout_scale()
{
    const char* value = std::getenv("SWR_TEST_TIMEOUT_SCALE");
    double scale = value ? std::atof(value) : 1.0;
    return scale > 0 ? scale : 1.0;
}

inline std::chrono::milliseconds scaled(std::chrono::milliseconds limit)
{
    return std::chrono::milliseconds(static_cast<std::int64_t>(static_cast<double>(limit.count()) * timeout_scale()));
}

inline std::string read_file(const fs::path& path)
{
    std::ifstream file(path, std::ios::binary);
    std::ostringstream content;
    content << file.rdbuf();
    return content.str();
}

inline void write_file(const fs::path& path, std::string_view content)
{
    std::ofstream file(path, std::ios::binary | std::ios::trunc);
    file << content;
    BOOST_TEST_REQUIRE(file.good(), "cannot write " << path);
}

inline std::vector<std::string> split_lines(const std::string& text)
{
    std::vector<std::string> lines;
    std::istringstream stream(text);
    for (std::string line; std::getline(stream, line);)
        lines.push_back(line);
    return lines;
}

inline bool contains(const std::string& text, std::string_view part)
{
    return text.find(part) != std::string::npos;
}

// A directory under $TMPDIR (or /tmp), removed with its content at the end.
class temp_directory {
public:
    temp_directory()
    {
        std::string pattern = (fs::temp_directory_path() / "swr-cli-test-XXXXXX").string();
        if (::mkdtemp(pattern.data()) == nullptr)
            throw std::runtime_error("mkdtemp failed");
        path_ = pattern;
    }

    temp_directory(const temp_directory&) = delete;
    temp_directory& operator=(const temp_directory&) = delete;

    ~temp_directory()
    {
        std::error_code ignored;
        fs::remove_all(path_, ignored);
    }

    const fs::path& path() const noexcept { return path_; }

private:
    fs::path path_;
};

// Environment of the test process with `overrides` applied; an empty value
// removes the variable.
inline std::vector<std::string> make_environment(const std::map<std::string, std::string>& overrides)
{
    std::vector<std::string> result;
    for (char** entry = environ; *entry != nullptr; ++entry) {
        std::string_view text(*entry);
        std::string name(text.substr(0, text.find('=')));
        if (!overrides.contains(name))
            result.emplace_back(text);
    }
    for (const auto& [name, value] : overrides) {
        if (!value.empty())
            result.push_back(name + "=" + value);
    }
    return result;
}

// A child process whose standard output and error go to files. The
// destructor kills it if it still runs.
class child_process {
public:
    // When `stderr_descriptor` is not -1, standard error is that descriptor
    // (e.g. a pseudo-terminal) instead of the file `stderr_path`.
    child_process(const std::vector<std::string>& argv, const std::map<std::string, std::string>& environment,
                  fs::path stdout_path, fs::path stderr_path, int stderr_descriptor = -1)
        : stdout_path_(std::move(stdout_path)), stderr_path_(std::move(stderr_path))
    {
        posix_spawn_file_actions_t actions;
        posix_spawn_file_actions_init(&actions);
        posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
        posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, stdout_path_.c_str(),
                                         O_WRONLY | O_CREAT | O_TRUNC, 0600);
        if (stderr_descriptor >= 0) {
            posix_spawn_file_actions_adddup2(&actions, stderr_descriptor, STDERR_FILENO);
        } else {
            posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, stderr_path_.c_str(),
                                             O_WRONLY | O_CREAT | O_TRUNC, 0600);
        }

        std::vector<char*> arguments;
        for (const std::string& arg : argv)
            arguments.push_back(const_cast<char*>(arg.c_str()));
        arguments.push_back(nullptr);

        std::vector<std::string> variables = make_environment(environment);
        std::vector<char*> envp;
        for (std::string& variable : variables)
            envp.push_back(variable.data());
        envp.push_back(nullptr);

        int error = ::posix_spawn(&pid_, argv.at(0).c_str(), &actions, nullptr, arguments.data(), envp.data());
        posix_spawn_file_actions_destroy(&actions);
        if (error != 0)
            throw std::runtime_error("cannot start " + argv.at(0) + ": " + std::strerror(error));
    }

    child_process(const child_process&) = delete;
    child_process& operator=(const child_process&) = delete;

    ~child_process()
    {
        if (running())
            stop(2s);
    }

    pid_t pid() const noexcept { return pid_; }

    bool running()
    {
        if (exited_)
            return false;
        int status = 0;
        if (::waitpid(pid_, &status, WNOHANG) == pid_) {
            record(status);
            return false;
        }
        return true;
    }

    // Waits for the exit and returns the exit status (128 + signal when
    // killed by one), or kills the child and returns nullopt after `limit`.
    std::optional<int> wait(std::chrono::milliseconds limit)
    {
        auto deadline = std::chrono::steady_clock::now() + limit;
        while (running()) {
            if (std::chrono::steady_clock::now() >= deadline) {
                stop(0ms);
                return std::nullopt;
            }
            std::this_thread::sleep_for(10ms);
        }
        return exit_status_;
    }

    // Sends SIGTERM, then SIGKILL if the child is still there after `grace`.
    void stop(std::chrono::milliseconds grace)
    {
        if (!running())
            return;
        ::kill(pid_, grace.count() > 0 ? SIGTERM : SIGKILL);
        auto deadline = std::chrono::steady_clock::now() + grace;
        while (running() && std::chrono::steady_clock::now() < deadline)
            std::this_thread::sleep_for(10ms);
        if (running()) {
            ::kill(pid_, SIGKILL);
            int status = 0;
            ::waitpid(pid_, &status, 0);
            record(status);
        }
    }

    std::string output() const { return read_file(stdout_path_); }
    std::string errors() const { return read_file(stderr_path_); }

private:
    void record(int status)
    {
        exited_ = true;
        exit_status_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    }

    pid_t pid_ = -1;
    bool exited_ = false;
    int exit_status_ = -1;
    fs::path stdout_path_;
    fs::path stderr_path_;
};

// A running swr-emulator on 127.0.0.1 with its own CA, port and token.
class emulator {
public:
    // Starts the emulator with `arguments` added to the fixed ones and waits
    // for its `ready` line.
    emulator(const temp_directory& directory, const std::vector<std::string>& arguments)
    {
        token_file_ = directory.path() / "emulator-token";
        write_file(token_file_, std::string(good_token) + "\n");

        std::vector<std::string> argv = {SWR_EMULATOR_PATH, "--host", "127.0.0.1", "--port", "0",
                                         "--tls-dir", (directory.path() / "tls").string(),
                                         "--token-file", token_file_.string()};
        argv.insert(argv.end(), arguments.begin(), arguments.end());
        process_.emplace(argv, std::map<std::string, std::string>{}, directory.path() / "emulator.out",
                         directory.path() / "emulator.err");

        wait_until_ready();
    }

    const std::string& endpoint() const noexcept { return endpoint_; }
    const std::string& ca_file() const noexcept { return ca_file_; }
    const fs::path& token_file() const noexcept { return token_file_; }

private:
    // Reads the `endpoint URL`, `ca-file PATH` and `ready` lines of stdout.
    void wait_until_ready()
    {
        auto deadline = std::chrono::steady_clock::now() + scaled(30s);
        for (;;) {
            for (const std::string& line : split_lines(process_->output())) {
                if (line.starts_with("endpoint "))
                    endpoint_ = line.substr(9);
                else if (line.starts_with("ca-file "))
                    ca_file_ = line.substr(8);
                else if (line == "ready")
                    ready_ = true;
            }
            if (ready_)
                break;
            BOOST_TEST_REQUIRE(process_->running(), "swr-emulator exited early; stderr:\n" << process_->errors());
            BOOST_TEST_REQUIRE((std::chrono::steady_clock::now() < deadline),
                               "swr-emulator printed no ready line; stderr:\n" << process_->errors());
            std::this_thread::sleep_for(20ms);
        }
        BOOST_TEST_REQUIRE(endpoint_.starts_with("https://127.0.0.1:"), "endpoint line: " << endpoint_);
        BOOST_TEST_REQUIRE(!ca_file_.empty());
    }

    fs::path token_file_;
    std::optional<child_process> process_;
    std::string endpoint_;
    std::string ca_file_;
    bool ready_ = false;
};

// Outcome of one swr-shared-repos run.
struct cli_run {
    int exit_status = -1;
    std::string output;
    std::string errors;
};

// Runs swr-shared-repos with `arguments` and `environment` overrides and
// waits for it; fails the test if it does not exit in time.
inline cli_run run_cli(const temp_directory& directory, const std::vector<std::string>& arguments,
                std::map<std::string, std::string> environment = {{"SWR_AUTH_TOKEN", std::string(good_token)}})
{
    static int counter = 0;
    ++counter;
    std::vector<std::string> argv = {SWR_CLI_PATH};
    argv.insert(argv.end(), arguments.begin(), arguments.end());

    child_process process(argv, environment, directory.path() / ("cli-" + std::to_string(counter) + ".out"),
                          directory.path() / ("cli-" + std::to_string(counter) + ".err"));
    std::optional<int> status = process.wait(scaled(120s));

    cli_run run;
    run.output = process.output();
    run.errors = process.errors();
    BOOST_TEST_REQUIRE(status.has_value(), "swr-shared-repos did not exit in time; stderr:\n" << run.errors);
    run.exit_status = *status;
    return run;
}

// The arguments that point the CLI at `server`.
inline std::vector<std::string> connection_arguments(const emulator& server)
{
    return {"--endpoint", server.endpoint(), "--ca-file", server.ca_file()};
}

inline std::vector<std::string> join(std::vector<std::string> first, const std::vector<std::string>& second)
{
    first.insert(first.end(), second.begin(), second.end());
    return first;
}

inline std::string key_of(const json::object& item)
{
    return std::string(item.at("namespace").as_string()) + "/" + std::string(item.at("name").as_string());
}

// Reads RFC 4180 CSV: fields separated by commas, records by CRLF or LF;
// quoted fields may contain commas, line breaks and doubled quotes.
inline std::vector<std::vector<std::string>> parse_csv(std::string_view text)
{
    std::vector<std::vector<std::string>> records;
    std::vector<std::string> record;
    std::string field;
    bool quoted = false;

    for (std::size_t i = 0; i < text.size(); ++i) {
        char c = text[i];
        if (quoted) {
            if (c != '"') {
                field += c;
            } else if (i + 1 < text.size() && text[i + 1] == '"') {
                field += '"';
                ++i;
            } else {
                quoted = false;
            }
            continue;
        }

        if (c == '"' && field.empty()) {
            quoted = true;
        } else if (c == ',') {
            record.push_back(std::move(field));
            field.clear();
        } else if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') {
            continue;
        } else if (c == '\n') {
            record.push_back(std::move(field));
            field.clear();
            records.push_back(std::move(record));
            record.clear();
        } else {
            field += c;
        }
    }
    BOOST_TEST(!quoted, "CSV ends inside a quoted field");
    if (!field.empty() || !record.empty()) {
        record.push_back(std::move(field));
        records.push_back(std::move(record));
    }
    return records;
}

// Returns the CSV fields that swr-shared-repos writes for `item`, taken from
// the JSON of the data file, without the last column, `total_range`: the
// emulator adds it to every item, and data files lack it.
inline std::vector<std::string> expected_csv_row(const json::object& item)
{
    auto text = [&](std::string_view key) { return std::string(item.at(key).as_string()); };
    auto number = [&](std::string_view key) { return std::to_string(item.at(key).to_number<std::int64_t>()); };
    auto boolean = [&](std::string_view key) { return std::string(item.at(key).as_bool() ? "true" : "false"); };

    std::string tags;
    for (const json::value& tag : item.at("tags").as_array()) {
        if (!tags.empty())
            tags += ';';
        tags += std::string(tag.as_string());
    }

    return {text("namespace"), text("name"), text("category"), text("description"), number("size"),
            boolean("is_public"), number("num_images"), number("num_download"), text("created_at"),
            text("updated_at"), text("logo"), text("url"), text("path"), text("internal_path"),
            text("domain_name"), tags, boolean("status")};
}

// Returns `record` without its last column, `total_range`.
inline std::vector<std::string> without_total_range(std::vector<std::string> record)
{
    if (!record.empty())
        record.pop_back();
    return record;
}

inline const std::vector<std::string> csv_header = {"namespace", "name", "category", "description", "size",
                                             "is_public", "num_images", "num_download", "created_at",
                                             "updated_at", "logo", "url", "path", "internal_path",
                                             "domain_name", "tags", "status", "total_range"};

// Checks that `output` (a JSON array) contains exactly the repositories of
// `expected`, every field equal; `total_range`, absent from data files, is
// ignored.
inline void check_json_listing(const std::string& output, const json::array& expected)
{
    boost::system::error_code ec;
    json::value parsed = json::parse(output, ec);
    BOOST_TEST_REQUIRE(!ec, "output is not valid JSON: " << ec.message());
    BOOST_TEST_REQUIRE(parsed.is_array());
    const json::array& actual = parsed.as_array();
    BOOST_TEST_REQUIRE(actual.size() == expected.size());

    std::map<std::string, const json::object*> by_key;
    for (const json::value& item : actual)
        by_key.emplace(key_of(item.as_object()), &item.as_object());
    BOOST_TEST_REQUIRE(by_key.size() == actual.size(), "output repeats a repository");

    for (const json::value& value : expected) {
        const json::object& want = value.as_object();
        const std::string key = key_of(want);
        auto found = by_key.find(key);
        BOOST_TEST_REQUIRE((found != by_key.end()), "missing repository " << key);
        const json::object& got = *found->second;

        for (const auto& field : want) {
            BOOST_TEST_CONTEXT("repository " << key << ", field " << field.key())
            {
                const json::value* actual_value = got.if_contains(field.key());
                BOOST_TEST_REQUIRE(actual_value != nullptr);
                BOOST_TEST((*actual_value == field.value()),
                           json::serialize(*actual_value) << " != " << json::serialize(field.value()));
            }
        }
        for (const auto& field : got) {
            if (field.key() != "total_range")
                BOOST_TEST(want.contains(field.key()), "repository " << key << " has extra field " << field.key());
        }
    }
}

inline json::object load_data_file(const fs::path& path)
{
    json::value data = json::parse(read_file(path));
    return data.as_object();
}

// Returns a data file whose text contains what CSV and JSON must quote or escape.
inline std::string awkward_data_file()
{
    json::object item;
    item["name"] = "tools/quote\"comma,";
    item["category"] = "other";
    item["description"] = "line one\nline \"two\", with comma\r\nback\\slash\ttab 中文 ünïcode";
    item["size"] = 9007199254740993LL;  // 2^53 + 1, exact only as an integer
    item["is_public"] = true;
    item["num_images"] = 2;
    item["num_download"] = 4611686018427387904LL;
    item["created_at"] = "2025-01-02T03:04:05Z";
    item["updated_at"] = "2025-06-07T08:09:10Z";
    item["logo"] = "";
    item["url"] = "";
    item["path"] = "swr.cn-north-4.myhuaweicloud.com/odd,ns/tools/quote\"comma,";
    item["internal_path"] = "10.0.0.1:20202/odd,ns/tools/quote\"comma,";
    item["domain_name"] = "acme";
    item["namespace"] = "odd,ns";
    item["tags"] = json::array{"v1", "latest"};
    item["status"] = true;

    json::object plain = item;
    plain["name"] = "plain";
    plain["description"] = "";
    plain["namespace"] = "plain-ns";
    plain["tags"] = json::array{};

    json::object data;
    data["self"] = json::array{item, plain};
    data["thirdparty"] = json::array{plain};
    return json::serialize(data);
}

}  // namespace swr::cli_harness

#endif
