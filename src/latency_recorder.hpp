#ifndef SWR_SRC_LATENCY_RECORDER_HPP
#define SWR_SRC_LATENCY_RECORDER_HPP

#include <swr/metrics.hpp>

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>

namespace swr::detail {

/// Lock-free counters behind `latency_histogram`, shared by every thread
/// that runs a client's requests.
class latency_recorder {
public:
    void record(std::chrono::microseconds latency) noexcept;

    /// Returns the counts so far; see `client_stats` on consistency.
    latency_histogram snapshot() const noexcept;

private:
    std::array<std::atomic<std::uint64_t>, latency_histogram::upper_bounds.size() + 1> counts_{};
    std::atomic<std::int64_t> sum_us_{0};
    std::atomic<std::int64_t> max_us_{0};
};

}  // namespace swr::detail

#endif
