#ifndef SWR_METRICS_HPP
#define SWR_METRICS_HPP

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>

namespace swr {

/// Distribution of request latencies in fixed buckets, as a snapshot.
///
/// A latency is the time from starting to send a request (after the
/// connection is open) to reading the last byte of its response, for each
/// attempt that received a complete response
/// (errors and throttled responses included, connection failures and
/// timeouts not). Bucket `i` counts latencies above `upper_bounds[i - 1]` and
/// up to `upper_bounds[i]`; the last bucket has no upper bound.
struct latency_histogram {
    /// Upper bounds of every bucket but the last, in microseconds: 0.5 ms
    /// to 60 s in steps of about 2x.
    static constexpr std::array<std::chrono::microseconds, 17> upper_bounds = {
        std::chrono::microseconds(500),     std::chrono::microseconds(1'000),
        std::chrono::microseconds(2'000),   std::chrono::microseconds(5'000),
        std::chrono::microseconds(10'000),  std::chrono::microseconds(20'000),
        std::chrono::microseconds(50'000),  std::chrono::microseconds(100'000),
        std::chrono::microseconds(200'000), std::chrono::microseconds(500'000),
        std::chrono::microseconds(1'000'000), std::chrono::microseconds(2'000'000),
        std::chrono::microseconds(5'000'000), std::chrono::microseconds(10'000'000),
        std::chrono::microseconds(20'000'000), std::chrono::microseconds(30'000'000),
        std::chrono::microseconds(60'000'000),
    };

    /// Number of latencies in each bucket; the last is the overflow bucket.
    std::array<std::uint64_t, upper_bounds.size() + 1> counts{};

    std::uint64_t count = 0;             ///< Latencies recorded: the sum of `counts`.
    std::chrono::microseconds sum{0};    ///< Sum of the latencies recorded.
    std::chrono::microseconds max{0};    ///< Largest latency recorded.

    /// Returns the mean latency, or 0 when nothing was recorded.
    std::chrono::microseconds mean() const noexcept;

    /// Estimates the latency below which a fraction `q` (0 to 1, clamped) of
    /// the recorded ones fall, by linear interpolation inside the bucket that
    /// contains it; never above `max`. Returns 0 when nothing was recorded.
    std::chrono::microseconds quantile(double q) const noexcept;
};

}  // namespace swr

#endif
