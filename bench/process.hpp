#ifndef SWR_BENCH_PROCESS_HPP
#define SWR_BENCH_PROCESS_HPP

// Child processes of the benchmark harness: start, wait with resource usage,
// and read the CPU time of a process that is still running.

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace swr::bench {

/// User plus system CPU time and peak resident memory of a finished child.
struct resource_usage {
    std::chrono::nanoseconds cpu{0};
    std::int64_t max_rss_kib = 0;
};

/// End of a child: its exit status, resource usage and run time.
struct exit_report {
    int status = -1;          ///< Exit status, or 128 + the signal that ended it.
    resource_usage usage;     ///< From wait4(); covers the child only, not its children.
    std::chrono::nanoseconds wall{0};  ///< From the start to the end of the wait.
};

/// Destination of a standard stream of a child.
struct redirect {
    /// File to write, created or truncated; `/dev/null` discards.
    std::string path;
};

/// A started child process. Not copyable; the destructor kills and reaps a
/// child that is still running.
class child_process {
public:
    /// Starts `argv[0]` (looked up in PATH when it has no `/`) with the
    /// current environment plus `environment` (NAME=VALUE entries, which
    /// replace variables of the same name). Standard input is `/dev/null`.
    ///
    /// @throws std::runtime_error naming the program when it cannot be started.
    child_process(const std::vector<std::string>& argv, const std::vector<std::string>& environment,
                  const redirect& out, const redirect& err);

    child_process(const child_process&) = delete;
    child_process& operator=(const child_process&) = delete;
    ~child_process();

    pid_t pid() const noexcept { return pid_; }

    /// Sends `signal_number` unless the child was already reaped.
    void signal(int signal_number) const;

    /// Waits until the child ends and returns how it ended.
    exit_report wait();

    /// Waits up to `limit`; returns nothing when the child is still running.
    std::optional<exit_report> wait_for(std::chrono::milliseconds limit);

    /// Sends SIGTERM, waits up to `grace`, then SIGKILL.
    exit_report stop(std::chrono::milliseconds grace);

private:
    std::optional<exit_report> reap(bool block);

    pid_t pid_ = -1;
    std::chrono::steady_clock::time_point started_;
};

/// Runs a program to the end with both outputs in files under `scratch_dir`,
/// and returns the report together with both outputs.
struct finished_run {
    exit_report report;
    std::string out;
    std::string err;
};
finished_run run_to_end(const std::vector<std::string>& argv, const std::vector<std::string>& environment,
                        const std::string& scratch_dir);

/// Runs `argv` with the standard streams of this process, waits for it and
/// writes `max_rss_kib=N status=S` to `report_path`; returns the status.
///
/// Linux carries the memory high-water mark of a process over its exec, so
/// a child spawned straight from the harness reports at least the harness's
/// peak RSS. Run through this function in a new `swr-bench peak-rss`
/// process, whose own memory is small, the child reports its own peak.
int report_peak_rss(const std::vector<std::string>& argv, const std::string& report_path);

/// User plus system CPU time of a running process, all threads, from
/// /proc/PID/stat (clock-tick resolution, usually 10 ms).
std::chrono::nanoseconds process_cpu_time(pid_t pid);

/// User plus system CPU time of the calling process so far, all threads.
std::chrono::nanoseconds own_cpu_time();

/// Returns the full path of `program` found in PATH, or an empty string.
std::string find_in_path(const std::string& program);

/// Reads a whole file; an empty string when it cannot be read.
std::string read_file(const std::string& path);

}  // namespace swr::bench

#endif
