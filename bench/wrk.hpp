#ifndef SWR_BENCH_WRK_HPP
#define SWR_BENCH_WRK_HPP

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace swr::bench {

/// One `wrk` load run against a single URL.
struct wrk_settings {
    std::string program;       ///< Path of `wrk`.
    std::string url;           ///< Full https URL, query included.
    std::string token;         ///< Sent as `X-Auth-Token` through a Lua script, never on the command line.
    std::size_t connections = 1;    ///< `-c`: keep-alive connections.
    std::size_t threads = 1;        ///< `-t`.
    std::chrono::seconds duration{2};  ///< `-d`.
};

/// Figures of one `wrk` run.
struct wrk_result {
    std::int64_t requests = 0;       ///< Completed requests.
    double seconds = 0;              ///< Run time wrk reports.
    double requests_per_second = 0;  ///< wrk's `Requests/sec`.
    std::chrono::nanoseconds cpu{0}; ///< User plus system CPU of the wrk process.
};

/// The command line of a run, for the report.
std::vector<std::string> wrk_command(const wrk_settings& settings, const std::string& script_path);

/// Runs wrk to the end.
///
/// @throws std::runtime_error with wrk's output when it fails, reports
/// socket errors or non-2xx responses, or prints no request count.
wrk_result run_wrk(const wrk_settings& settings, const std::string& scratch_dir);

}  // namespace swr::bench

#endif
