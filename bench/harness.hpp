#ifndef SWR_BENCH_HARNESS_HPP
#define SWR_BENCH_HARNESS_HPP

// Settings, paths and result tables shared by the measurements of swr-bench.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace swr::bench {

/// A configured rate for the rate accuracy measurement.
struct rate_case {
    double rate = 0;          ///< Requests per second.
    double burst = 1;         ///< Token bucket size.
    std::int64_t requests = 0;  ///< Pages of the scan, so requests sent.
};

/// Sizes of every measurement. `full()` is the published configuration,
/// `smoke()` a tiny one that only proves the harness still works.
struct bench_config {
    std::string name;
    int runs = 5;          ///< Repetitions of each figure; the median is reported.
    int latency_runs = 3;  ///< Repetitions of the slow latency scans.

    std::int64_t page_size = 100;
    std::int64_t throughput_repositories = 100'000;
    std::vector<std::size_t> throughput_concurrency{1, 4, 16, 64};
    std::chrono::seconds wrk_duration{2};
    /// Full scans that one client makes in a row for table 1, so that its
    /// handshakes weigh about as much as wrk's over its run.
    int throughput_scans = 8;
    std::vector<std::size_t> emulator_connections{1, 16, 64};

    std::chrono::milliseconds latency{50};
    std::int64_t latency_pages = 400;
    std::vector<std::size_t> latency_concurrency{1, 8, 16, 32};

    std::int64_t memory_small = 10'000;
    std::int64_t memory_large = 1'000'000;
    std::size_t memory_concurrency = 16;
    int memory_runs = 3;

    std::vector<rate_case> rate_cases{{100, 10, 400}, {1000, 100, 3000}};
    std::size_t rate_concurrency = 16;
    std::int64_t rate_page_size = 10;

    std::int64_t instruction_pages_small = 100;
    std::int64_t instruction_pages_large = 300;
    std::size_t instruction_concurrency = 4;

    static bench_config full();
    static bench_config smoke();
};

/// Programs the harness runs and where it writes.
struct bench_paths {
    std::string emulator;     ///< `swr-emulator`.
    std::string cli;          ///< `swr-shared-repos`.
    std::string self;         ///< This program, run under valgrind for the instruction count.
    std::string wrk;          ///< Empty when wrk is not installed.
    std::string valgrind;     ///< Empty when valgrind is not installed.
    std::string scratch_dir;  ///< Temporary directory of the run.
    std::string tls_dir;      ///< Shared by every emulator of the run.
};

/// Proxy variables emptied for the CLI, which honours them like curl and
/// treats an empty one as unset, so that its loopback traffic never goes
/// through a proxy of the machine.
inline const std::vector<std::string> no_proxy_environment = {
    "https_proxy=", "HTTPS_PROXY=", "http_proxy=", "HTTP_PROXY=",
    "all_proxy=",   "ALL_PROXY=",   "no_proxy=",   "NO_PROXY=",
};

/// Token every emulator of the run accepts. A fixed test value, not a secret
/// of any account, and still kept off command lines.
inline constexpr const char* bench_token = "bench-token-2c61e0";

/// One table of the report.
struct result_table {
    std::string id;        ///< Anchor and order, e.g. "throughput".
    std::string title;
    std::string description;              ///< Markdown paragraph above the table.
    std::vector<std::string> header;
    std::vector<std::vector<std::string>> rows;
    std::vector<std::string> commands;    ///< Shell commands that reproduce the measurement.
    std::vector<std::string> notes;       ///< Markdown paragraphs below the table.
};

/// A figure with a target, for the summary table.
struct target_check {
    std::string figure;
    std::optional<double> measured;  ///< Empty when the figure could not be measured.
    std::string target;              ///< e.g. ">= 0.80"; "-" for a figure without a target.
    bool met = false;
    int decimals = 3;                ///< Digits of `measured` after the point in the report.
};

/// Everything a run measured.
struct bench_report {
    std::vector<std::pair<std::string, std::string>> machine;  ///< Name and value.
    std::vector<result_table> tables;
    std::vector<target_check> targets;
    std::chrono::nanoseconds elapsed{0};
};

/// Median of `values`; 0 for an empty list.
double median(std::vector<double> values);

/// `value` with `decimals` digits after the point.
std::string fixed(double value, int decimals);

/// Seconds of `duration` as a double.
double seconds_of(std::chrono::nanoseconds duration);

/// Quotes a command line for a POSIX shell, for the report.
std::string shell_line(const std::vector<std::string>& argv);

/// `shell_line` with the machine-specific parts replaced, so that a reader
/// can reuse it: programs by their name, the temporary directory by
/// `$SCRATCH` and the emulator's port by `$PORT`.
std::string command_text(const std::vector<std::string>& argv, const bench_paths& paths);

/// Prints a progress line on standard error.
void progress(const std::string& message);

}  // namespace swr::bench

#endif
