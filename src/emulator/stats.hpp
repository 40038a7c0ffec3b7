#ifndef SWR_EMULATOR_STATS_HPP
#define SWR_EMULATOR_STATS_HPP

#include "emulator/faults.hpp"

#include <swr/emulator.hpp>

#include <array>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <string>
#include <vector>

namespace swr::emulator_detail {

/// The counters behind `emulator::stats()`. Thread-safe.
class stats_recorder {
public:
    using clock = std::chrono::steady_clock;

    /// Arrival times kept by `arrival_times()`; older ones are dropped.
    static constexpr std::size_t max_arrival_times = 1'000'000;

    /// Counts a parsed request as in flight from `arrival` on.
    void request_started(clock::time_point arrival);

    /// Ends a request started with `request_started`, counting its response by
    /// HTTP status. `items` is the number of repositories in a 200 response.
    void request_finished(unsigned status, std::uint64_t items);

    /// Counts a response to a request that `request_started` never saw,
    /// e.g. 400 for malformed HTTP.
    void rejected_before_start(unsigned status);

    /// Counts one fault action applied; `random` when `fault_probability` chose it.
    void fault_applied(fault_kind kind, bool random);

    /// Counts one request to `POST /v3/auth/tokens`.
    void token_requested();

    void connection_opened();
    void connection_closed();
    void tls_failed();

    emulator_stats snapshot() const;

    /// Arrival times, oldest first.
    std::vector<clock::time_point> arrival_times() const;

    /// Zeroes the counters but keeps `in_flight` and `open_connections`,
    /// which describe the present, and clears the arrival times.
    void reset();

private:
    void count_status(unsigned status);

    std::atomic<std::uint64_t> requests_{0};
    std::atomic<std::uint64_t> in_flight_{0};
    std::atomic<std::uint64_t> max_in_flight_{0};
    std::atomic<std::uint64_t> connections_{0};
    std::atomic<std::uint64_t> open_connections_{0};
    std::atomic<std::uint64_t> tls_failures_{0};
    std::atomic<std::uint64_t> ok_{0};
    std::atomic<std::uint64_t> items_{0};
    std::atomic<std::uint64_t> throttled_{0};
    std::atomic<std::uint64_t> unauthorized_{0};
    std::atomic<std::uint64_t> token_requests_{0};
    std::atomic<std::uint64_t> bad_requests_{0};
    std::atomic<std::uint64_t> not_found_{0};
    std::atomic<std::uint64_t> random_faults_{0};
    std::array<std::atomic<std::uint64_t>, fault_kind_count> faults_by_kind_{};

    // A ring of arrival times: `next_arrival_` is where the next one goes.
    mutable std::mutex arrivals_mutex_;
    std::vector<clock::time_point> arrivals_;
    std::size_t next_arrival_ = 0;
};

/// The counter of `kind` in `counts`.
std::uint64_t& fault_count(emulator_fault_counts& counts, fault_kind kind);

/// Renders the counters as a JSON object with the field names of
/// `emulator_stats`; `faults_by_action` is a nested object.
std::string render_stats_json(const emulator_stats& stats);

/// Renders the counters as one line of `name=value` pairs, for logs. Of
/// `faults_by_action` only the non-zero counters are listed, as
/// `faults_by_action.status=N`.
std::string render_stats_line(const emulator_stats& stats);

}  // namespace swr::emulator_detail

#endif
