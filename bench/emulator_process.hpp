#ifndef SWR_BENCH_EMULATOR_PROCESS_HPP
#define SWR_BENCH_EMULATOR_PROCESS_HPP

#include "process.hpp"

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace swr::bench {

/// Settings of one `swr-emulator` child on 127.0.0.1.
struct emulator_settings {
    std::string program;             ///< Path of `swr-emulator`.
    std::string tls_dir;             ///< `--tls-dir`; reused by every child of a run.
    std::string token;               ///< Passed as SWR_EMULATOR_TOKEN, never on the command line.
    std::int64_t repositories = 0;   ///< `--repositories`, per center.
    std::chrono::milliseconds latency{0};  ///< `--latency-ms`.
    std::size_t threads = 1;         ///< `--threads`.
};

/// A running `swr-emulator` child, stopped with SIGTERM by the destructor.
class emulator_process {
public:
    /// Starts the child and waits for its `ready` line, at most `startup_limit`.
    ///
    /// @throws std::runtime_error with the child's standard error when it
    /// exits or does not become ready in time.
    emulator_process(const emulator_settings& settings, const std::string& scratch_dir,
                     std::chrono::seconds startup_limit = std::chrono::seconds(180));
    ~emulator_process();

    emulator_process(const emulator_process&) = delete;
    emulator_process& operator=(const emulator_process&) = delete;

    const std::string& endpoint() const noexcept { return endpoint_; }
    const std::string& ca_file() const noexcept { return ca_file_; }
    pid_t pid() const noexcept { return child_->pid(); }

    /// The command line, for the report (the token is not part of it).
    const std::vector<std::string>& command() const noexcept { return command_; }

    /// Time from the start to the `ready` line.
    std::chrono::nanoseconds startup_time() const noexcept { return startup_; }

    /// CPU time the emulator used so far, all threads.
    std::chrono::nanoseconds cpu_time() const { return process_cpu_time(child_->pid()); }

    /// Stops the child and returns how it ended (peak RSS included).
    exit_report stop();

private:
    std::vector<std::string> command_;
    std::string out_path_;
    std::string err_path_;
    std::unique_ptr<child_process> child_;
    std::string endpoint_;
    std::string ca_file_;
    std::chrono::nanoseconds startup_{0};
};

}  // namespace swr::bench

#endif
