// The swr-emulator executable as a child process: its ready lines, exit
// statuses, signal handling, the temporary TLS directory and faults files.
//
// Time limits are multiplied by the environment variable
// SWR_TEST_TIMEOUT_SCALE (default 1).

#define BOOST_TEST_MODULE emulator_executable_test
#include <boost/test/unit_test.hpp>

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>
#include <vector>

extern char** environ;

namespace fs = std::filesystem;
using namespace std::chrono_literals;

namespace {

std::chrono::milliseconds scaled(std::chrono::milliseconds limit)
{
    const char* text = std::getenv("SWR_TEST_TIMEOUT_SCALE");
    double scale = text != nullptr ? std::atof(text) : 1.0;
    if (scale <= 0) {
        scale = 1.0;
    }
    return std::chrono::milliseconds(static_cast<std::int64_t>(static_cast<double>(limit.count()) * scale));
}

struct temporary_directory {
    temporary_directory()
    {
        std::string pattern = (fs::temp_directory_path() / "swr-emulator-exe-XXXXXX").string();
        if (::mkdtemp(pattern.data()) == nullptr) {
            throw std::runtime_error("mkdtemp failed for " + pattern);
        }
        path = pattern;
    }
    ~temporary_directory()
    {
        std::error_code ignored;
        fs::remove_all(path, ignored);
    }
    fs::path path;
};

// A running swr-emulator with pipes on its standard output and error. The
// destructor kills and reaps it if the test did not.
class child_process {
public:
    explicit child_process(const std::vector<std::string>& arguments, const std::vector<std::string>& extra_environment = {})
    {
        int out_pipe[2];
        int err_pipe[2];
        if (::pipe2(out_pipe, O_CLOEXEC) != 0 || ::pipe2(err_pipe, O_CLOEXEC) != 0) {
            throw std::runtime_error("pipe2 failed");
        }

        posix_spawn_file_actions_t actions;
        posix_spawn_file_actions_init(&actions);
        posix_spawn_file_actions_adddup2(&actions, out_pipe[1], STDOUT_FILENO);
        posix_spawn_file_actions_adddup2(&actions, err_pipe[1], STDERR_FILENO);

        std::vector<std::string> argument_storage = {SWR_EMULATOR_PATH};
        argument_storage.insert(argument_storage.end(), arguments.begin(), arguments.end());
        std::vector<char*> argv;
        for (std::string& argument : argument_storage) {
            argv.push_back(argument.data());
        }
        argv.push_back(nullptr);

        std::vector<std::string> environment_storage;
        for (char** variable = environ; *variable != nullptr; ++variable) {
            if (std::string_view(*variable).rfind("SWR_EMULATOR_TOKEN=", 0) != 0) {
                environment_storage.emplace_back(*variable);
            }
        }
        environment_storage.insert(environment_storage.end(), extra_environment.begin(), extra_environment.end());
        std::vector<char*> envp;
        for (std::string& variable : environment_storage) {
            envp.push_back(variable.data());
        }
        envp.push_back(nullptr);

        int spawned = ::posix_spawn(&pid_, SWR_EMULATOR_PATH, &actions, nullptr, argv.data(), envp.data());
        posix_spawn_file_actions_destroy(&actions);
        ::close(out_pipe[1]);
        ::close(err_pipe[1]);
        out_ = out_pipe[0];
        err_ = err_pipe[0];
        if (spawned != 0) {
            throw std::runtime_error("posix_spawn of " SWR_EMULATOR_PATH " failed");
        }
    }

    ~child_process()
    {
        if (pid_ > 0) {
            ::kill(pid_, SIGKILL);
            int status = 0;
            ::waitpid(pid_, &status, 0);
        }
        ::close(out_);
        ::close(err_);
    }

    child_process(const child_process&) = delete;
    child_process& operator=(const child_process&) = delete;

    // Reads standard output until it has `count` lines or `limit` passes.
    std::vector<std::string> read_lines(std::size_t count, std::chrono::milliseconds limit)
    {
        auto deadline = std::chrono::steady_clock::now() + scaled(limit);
        while (true) {
            std::vector<std::string> lines = split_lines(output_);
            if (lines.size() >= count) {
                return lines;
            }
            auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
            if (left <= 0ms || !read_some(out_, output_, left)) {
                return lines;
            }
        }
    }

    void signal(int number) { ::kill(pid_, number); }

    // Waits for the exit and returns the exit status, or -1 after `limit`.
    int wait_exit(std::chrono::milliseconds limit)
    {
        auto deadline = std::chrono::steady_clock::now() + scaled(limit);
        while (std::chrono::steady_clock::now() < deadline) {
            int status = 0;
            pid_t done = ::waitpid(pid_, &status, WNOHANG);
            if (done == pid_) {
                pid_ = -1;
                drain();
                return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
            }
            // Reading stderr meanwhile keeps the child from blocking on a
            // full pipe, and keeps its messages for the report if it hangs.
            if (!read_some(err_, errors_, 10ms)) {
                ::usleep(10'000);
            }
        }
        return -1;
    }

    const std::string& error_output() const { return errors_; }
    const std::string& output() const { return output_; }

private:
    static std::vector<std::string> split_lines(const std::string& text)
    {
        std::vector<std::string> lines;
        std::size_t start = 0;
        std::size_t end = 0;
        while ((end = text.find('\n', start)) != std::string::npos) {
            lines.push_back(text.substr(start, end - start));
            start = end + 1;
        }
        return lines;
    }

    static bool read_some(int descriptor, std::string& into, std::chrono::milliseconds limit)
    {
        pollfd waiting{descriptor, POLLIN, 0};
        if (::poll(&waiting, 1, static_cast<int>(limit.count())) <= 0) {
            return false;
        }
        char buffer[4096];
        ssize_t count = ::read(descriptor, buffer, sizeof buffer);
        if (count <= 0) {
            return false;
        }
        into.append(buffer, static_cast<std::size_t>(count));
        return true;
    }

    // Collects what is left on both pipes after the exit.
    void drain()
    {
        while (read_some(out_, output_, 100ms)) {
        }
        while (read_some(err_, errors_, 100ms)) {
        }
    }

    pid_t pid_ = -1;
    int out_ = -1;
    int err_ = -1;
    std::string output_;
    std::string errors_;
};

bool contains(const std::string& text, std::string_view part)
{
    return text.find(part) != std::string::npos;
}

}  // namespace

BOOST_AUTO_TEST_CASE(ready_lines_then_clean_stop)
{
    temporary_directory directory;
    fs::path tls_dir = directory.path / "tls";
    child_process emulator({"--repositories", "3", "--tls-dir", tls_dir.string(), "--threads", "2"});

    std::vector<std::string> lines = emulator.read_lines(3, 20s);
    BOOST_TEST_REQUIRE(lines.size() == 3u, "output so far: " << emulator.output());
    BOOST_TEST(lines[0].rfind("endpoint https://127.0.0.1:", 0) == 0u, lines[0]);
    std::string port = lines[0].substr(std::string("endpoint https://127.0.0.1:").size());
    BOOST_TEST(!port.empty());
    BOOST_TEST(port.find_first_not_of("0123456789") == std::string::npos, port);
    BOOST_TEST(lines[1] == "ca-file " + (tls_dir / "ca.pem").string());
    BOOST_TEST(lines[2] == "ready");
    BOOST_TEST(fs::exists(tls_dir / "server.key"));

    emulator.signal(SIGTERM);
    BOOST_TEST(emulator.wait_exit(10s) == 0, "stderr so far: " << emulator.error_output());
    BOOST_TEST(contains(emulator.error_output(), "swr-emulator: stopped; requests=0 "), emulator.error_output());

    // A directory given with --tls-dir is kept.
    BOOST_TEST(fs::exists(tls_dir / "ca.pem"));
}

BOOST_AUTO_TEST_CASE(temporary_tls_dir_removed)
{
    child_process emulator({"--host", "127.0.0.1"});
    std::vector<std::string> lines = emulator.read_lines(3, 20s);
    BOOST_TEST_REQUIRE(lines.size() == 3u, "output so far: " << emulator.output());
    std::string ca_file = lines[1].substr(std::string("ca-file ").size());
    BOOST_TEST(fs::exists(ca_file), ca_file);

    emulator.signal(SIGINT);
    BOOST_TEST(emulator.wait_exit(10s) == 0, "stderr so far: " << emulator.error_output());
    BOOST_TEST(!fs::exists(fs::path(ca_file).parent_path()), ca_file);
}

BOOST_AUTO_TEST_CASE(signal_during_start_up_leaves_no_directory)
{
    // An early SIGTERM ends the process before the directory exists, and a
    // later one stops the emulator once it is ready. SIGINT may be ignored
    // when a shell started this test in the background.
    for (int attempt = 0; attempt < 5; ++attempt) {
        temporary_directory directory;
        child_process emulator({"--host", "127.0.0.1"}, {"TMPDIR=" + directory.path.string()});
        emulator.signal(SIGTERM);
        int status = emulator.wait_exit(20s);
        BOOST_TEST((status == 0 || status == 128 + SIGTERM), "status " << status << "; stderr: "
                                                                          << emulator.error_output());
        BOOST_TEST(fs::is_empty(directory.path), "left in " << directory.path);
    }
}

BOOST_AUTO_TEST_CASE(invalid_values_exit_2)
{
    struct bad_case {
        std::vector<std::string> arguments;
        std::string expected;
    };
    const std::vector<bad_case> cases = {
        {{"--host", "0.0.0.0"}, "invalid value '0.0.0.0' for --host"},
        {{"--port", "70000"}, "invalid value '70000' for --port"},
        {{"--token", "secret-on-command-line"}, "--token is not accepted"},
        {{"--data", "/nonexistent/data.json"}, "invalid value '/nonexistent/data.json' for --data"},
        {{"--token-file", "/nonexistent/token"}, "invalid value '/nonexistent/token' for --token-file"},
    };
    for (const bad_case& bad : cases) {
        child_process emulator(bad.arguments);
        BOOST_TEST(emulator.wait_exit(10s) == 2, bad.expected);
        BOOST_TEST(contains(emulator.error_output(), bad.expected), emulator.error_output());
        BOOST_TEST(emulator.output().empty(), emulator.output());
    }
}

BOOST_AUTO_TEST_CASE(bad_data_file_exit_1)
{
    temporary_directory directory;
    fs::path data = directory.path / "bad.json";
    std::ofstream(data) << R"({"self": [{"name": 1}]})";

    child_process emulator({"--data", data.string(), "--tls-dir", (directory.path / "tls").string()});
    BOOST_TEST(emulator.wait_exit(20s) == 1);
    BOOST_TEST(contains(emulator.error_output(), "data file " + data.string() + ": self[0]: field \"name\" must be a string"),
               emulator.error_output());
}

BOOST_AUTO_TEST_CASE(help_lists_options)
{
    child_process emulator({"--help"});
    BOOST_TEST(emulator.wait_exit(10s) == 0, "stderr so far: " << emulator.error_output());
    for (const char* option : {"--host", "--port", "--tls-dir", "--repositories", "--data", "--token-file",
                               "--latency-ms", "--rate", "--burst", "--faults", "--fault-probability",
                               "--fault-seed", "--threads"}) {
        BOOST_TEST(contains(emulator.output(), option), option);
    }
}

BOOST_AUTO_TEST_CASE(token_never_printed)
{
    temporary_directory directory;
    fs::path token_file = directory.path / "token";
    std::ofstream(token_file) << "file-token-4f9a2c\n";

    child_process emulator({"--token-file", token_file.string(), "--tls-dir", (directory.path / "tls").string()},
                           {"SWR_EMULATOR_TOKEN=environment-token-77d1"});
    std::vector<std::string> lines = emulator.read_lines(3, 20s);
    BOOST_TEST_REQUIRE(lines.size() == 3u, "output so far: " << emulator.output());
    emulator.signal(SIGTERM);
    BOOST_TEST(emulator.wait_exit(10s) == 0, "stderr so far: " << emulator.error_output());
    BOOST_TEST(!contains(emulator.output() + emulator.error_output(), "file-token-4f9a2c"));
    BOOST_TEST(!contains(emulator.output() + emulator.error_output(), "environment-token-77d1"));
}

BOOST_AUTO_TEST_CASE(faults_file_loaded)
{
    temporary_directory directory;
    fs::path faults = directory.path / "faults.json";
    std::ofstream(faults) << R"({"fault_seed": 3, "rules": [
        {"request": 1, "action": "status", "status": 429, "headers": {"Retry-After": "2"}},
        {"offset": 100, "times": 0, "action": "reset_mid_body"}]})";

    child_process emulator({"--faults", faults.string(), "--fault-probability", "0.25", "--tls-dir",
                            (directory.path / "tls").string()});
    std::vector<std::string> lines = emulator.read_lines(3, 20s);
    BOOST_TEST_REQUIRE(lines.size() == 3u, "output so far: " << emulator.output());
    emulator.signal(SIGTERM);
    BOOST_TEST(emulator.wait_exit(10s) == 0, "stderr so far: " << emulator.error_output());
    BOOST_TEST(contains(emulator.error_output(), "; 2 fault rules, random faults with probability 0.25 and seed 3\n"),
               emulator.error_output());
    BOOST_TEST(contains(emulator.error_output(), " faults=0 random_faults=0"), emulator.error_output());
}

BOOST_AUTO_TEST_CASE(bad_faults_file_exit_2)
{
    temporary_directory directory;
    fs::path faults = directory.path / "faults.json";
    std::ofstream(faults) << "{\"rules\": [\n  {\"request\": 1, \"action\": \"status\", \"status\": 99}\n]}";

    child_process bad_value({"--faults", faults.string()});
    BOOST_TEST(bad_value.wait_exit(10s) == 2);
    std::string expected = "invalid --faults file: " + faults.string() +
                           ":2: rules[0].status: invalid value 99: expected an integer from 200 to 599";
    BOOST_TEST(contains(bad_value.error_output(), expected), bad_value.error_output());
    BOOST_TEST(bad_value.output().empty(), bad_value.output());

    child_process missing({"--faults", (directory.path / "none.json").string()});
    BOOST_TEST(missing.wait_exit(10s) == 2);
    BOOST_TEST(contains(missing.error_output(), "cannot be opened for reading"), missing.error_output());
}
