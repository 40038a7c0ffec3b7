#include "process.hpp"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <map>
#include <sstream>
#include <stdexcept>
#include <thread>

extern char** environ;

namespace swr::bench {

namespace {

std::chrono::nanoseconds to_nanoseconds(const timeval& value)
{
    return std::chrono::seconds(value.tv_sec) + std::chrono::microseconds(value.tv_usec);
}

// The current environment with `extra` merged in; a NAME in `extra` replaces
// the inherited value.
std::vector<std::string> merged_environment(const std::vector<std::string>& extra)
{
    std::map<std::string, std::string> variables;
    auto add = [&variables](const std::string& entry) {
        std::size_t equals = entry.find('=');
        if (equals != std::string::npos)
            variables[entry.substr(0, equals)] = entry;
    };
    for (char** entry = environ; *entry != nullptr; ++entry)
        add(*entry);
    for (const std::string& entry : extra)
        add(entry);

    std::vector<std::string> merged;
    merged.reserve(variables.size());
    for (auto& [name, entry] : variables)
        merged.push_back(std::move(entry));
    return merged;
}

std::vector<char*> pointers(std::vector<std::string>& strings)
{
    std::vector<char*> result;
    result.reserve(strings.size() + 1);
    for (std::string& text : strings)
        result.push_back(text.data());
    result.push_back(nullptr);
    return result;
}

class spawn_actions {
public:
    spawn_actions() { posix_spawn_file_actions_init(&actions_); }
    ~spawn_actions() { posix_spawn_file_actions_destroy(&actions_); }
    spawn_actions(const spawn_actions&) = delete;
    spawn_actions& operator=(const spawn_actions&) = delete;

    void open(int descriptor, const std::string& path, int flags)
    {
        posix_spawn_file_actions_addopen(&actions_, descriptor, path.c_str(), flags, 0600);
    }

    const posix_spawn_file_actions_t* get() const { return &actions_; }

private:
    posix_spawn_file_actions_t actions_;
};

}  // namespace

child_process::child_process(const std::vector<std::string>& argv, const std::vector<std::string>& environment,
                             const redirect& out, const redirect& err)
{
    if (argv.empty())
        throw std::invalid_argument("child_process: empty argument list");

    spawn_actions actions;
    actions.open(STDIN_FILENO, "/dev/null", O_RDONLY);
    actions.open(STDOUT_FILENO, out.path, O_WRONLY | O_CREAT | O_TRUNC);
    actions.open(STDERR_FILENO, err.path, O_WRONLY | O_CREAT | O_TRUNC);

    std::vector<std::string> arguments = argv;
    std::vector<std::string> variables = merged_environment(environment);
    std::vector<char*> argument_pointers = pointers(arguments);
    std::vector<char*> variable_pointers = pointers(variables);

    started_ = std::chrono::steady_clock::now();
    int error = posix_spawnp(&pid_, argv[0].c_str(), actions.get(), nullptr, argument_pointers.data(),
                             variable_pointers.data());
    if (error != 0) {
        pid_ = -1;
        throw std::runtime_error("cannot start " + argv[0] + ": " + std::strerror(error));
    }
}

child_process::~child_process()
{
    if (pid_ > 0) {
        ::kill(pid_, SIGKILL);
        reap(true);
    }
}

void child_process::signal(int signal_number) const
{
    if (pid_ > 0)
        ::kill(pid_, signal_number);
}

std::optional<exit_report> child_process::reap(bool block)
{
    if (pid_ <= 0)
        return std::nullopt;

    int status = 0;
    rusage usage{};
    pid_t result = 0;
    do {
        result = ::wait4(pid_, &status, block ? 0 : WNOHANG, &usage);
    } while (result < 0 && errno == EINTR);
    if (result == 0)
        return std::nullopt;
    if (result < 0)
        throw std::runtime_error(std::string("wait4 failed: ") + std::strerror(errno));

    exit_report report;
    report.wall = std::chrono::steady_clock::now() - started_;
    report.status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    report.usage.cpu = to_nanoseconds(usage.ru_utime) + to_nanoseconds(usage.ru_stime);
    report.usage.max_rss_kib = usage.ru_maxrss;
    pid_ = -1;
    return report;
}

exit_report child_process::wait()
{
    std::optional<exit_report> report = reap(true);
    if (!report)
        throw std::logic_error("child_process::wait: the child was already reaped");
    return *report;
}

std::optional<exit_report> child_process::wait_for(std::chrono::milliseconds limit)
{
    // Polls, because wait4 has no timeout; 5 ms is well below the lengths measured.
    auto end = std::chrono::steady_clock::now() + limit;
    for (;;) {
        if (std::optional<exit_report> report = reap(false))
            return report;
        if (std::chrono::steady_clock::now() >= end)
            return std::nullopt;
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
}

exit_report child_process::stop(std::chrono::milliseconds grace)
{
    signal(SIGTERM);
    if (std::optional<exit_report> report = wait_for(grace))
        return *report;
    signal(SIGKILL);
    return wait();
}

finished_run run_to_end(const std::vector<std::string>& argv, const std::vector<std::string>& environment,
                        const std::string& scratch_dir)
{
    std::string out_path = scratch_dir + "/child.out";
    std::string err_path = scratch_dir + "/child.err";
    child_process child(argv, environment, {out_path}, {err_path});

    finished_run run;
    run.report = child.wait();
    run.out = read_file(out_path);
    run.err = read_file(err_path);
    return run;
}

int report_peak_rss(const std::vector<std::string>& argv, const std::string& report_path)
{
    std::vector<std::string> arguments = argv;
    std::vector<char*> argument_pointers = pointers(arguments);
    pid_t pid = -1;
    int error = posix_spawnp(&pid, argv.at(0).c_str(), nullptr, nullptr, argument_pointers.data(), environ);
    if (error != 0)
        throw std::runtime_error("cannot start " + argv[0] + ": " + std::strerror(error));

    int status = 0;
    rusage usage{};
    while (::wait4(pid, &status, 0, &usage) < 0) {
        if (errno != EINTR)
            throw std::runtime_error(std::string("wait4 failed: ") + std::strerror(errno));
    }
    int code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    std::ofstream(report_path) << "max_rss_kib=" << usage.ru_maxrss << " status=" << code << '\n';
    return code;
}

std::chrono::nanoseconds process_cpu_time(pid_t pid)
{
    // Fields 14 and 15 of /proc/PID/stat are utime and stime in clock ticks.
    // The second field (the command) may hold spaces, so count from its ')'.
    std::string stat = read_file("/proc/" + std::to_string(pid) + "/stat");
    std::size_t close = stat.rfind(')');
    if (close == std::string::npos)
        return std::chrono::nanoseconds(0);
    std::istringstream fields(stat.substr(close + 2));
    std::string skipped;
    for (int field = 3; field < 14; ++field)
        fields >> skipped;
    long long user_ticks = 0;
    long long system_ticks = 0;
    fields >> user_ticks >> system_ticks;

    long ticks_per_second = ::sysconf(_SC_CLK_TCK);
    auto ticks = user_ticks + system_ticks;
    return std::chrono::nanoseconds(ticks * 1'000'000'000LL / ticks_per_second);
}

std::chrono::nanoseconds own_cpu_time()
{
    rusage usage{};
    ::getrusage(RUSAGE_SELF, &usage);
    return to_nanoseconds(usage.ru_utime) + to_nanoseconds(usage.ru_stime);
}

std::string find_in_path(const std::string& program)
{
    const char* path = std::getenv("PATH");
    std::istringstream directories(path != nullptr ? path : "");
    std::string directory;
    while (std::getline(directories, directory, ':')) {
        std::string candidate = (directory.empty() ? "." : directory) + "/" + program;
        if (::access(candidate.c_str(), X_OK) == 0)
            return candidate;
    }
    return {};
}

std::string read_file(const std::string& path)
{
    std::ifstream file(path, std::ios::binary);
    std::ostringstream contents;
    contents << file.rdbuf();
    return contents.str();
}

}  // namespace swr::bench
