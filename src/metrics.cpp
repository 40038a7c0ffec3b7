#include "latency_recorder.hpp"

#include <algorithm>

namespace swr {

std::chrono::microseconds latency_histogram::mean() const noexcept
{
    if (count == 0)
        return std::chrono::microseconds(0);
    return sum / static_cast<std::int64_t>(count);
}

std::chrono::microseconds latency_histogram::quantile(double q) const noexcept
{
    if (count == 0)
        return std::chrono::microseconds(0);
    q = std::clamp(q, 0.0, 1.0);

    // Rank of the requested latency among the recorded ones, from 1.
    double rank = std::max(1.0, q * static_cast<double>(count));
    double below = 0;
    for (std::size_t i = 0; i < counts.size(); ++i) {
        if (counts[i] == 0 || below + static_cast<double>(counts[i]) < rank) {
            below += static_cast<double>(counts[i]);
            continue;
        }
        double lower = i == 0 ? 0.0 : static_cast<double>(upper_bounds[i - 1].count());
        double upper = i < upper_bounds.size() ? static_cast<double>(upper_bounds[i].count())
                                               : static_cast<double>(max.count());
        double fraction = (rank - below) / static_cast<double>(counts[i]);
        auto estimate = static_cast<std::int64_t>(lower + fraction * (upper - lower));
        return std::min(std::chrono::microseconds(estimate), max);
    }
    return max;
}

namespace detail {

void latency_recorder::record(std::chrono::microseconds latency) noexcept
{
    auto value = std::max<std::int64_t>(latency.count(), 0);
    const auto& bounds = latency_histogram::upper_bounds;
    auto bucket = std::lower_bound(bounds.begin(), bounds.end(), std::chrono::microseconds(value)) - bounds.begin();

    counts_[static_cast<std::size_t>(bucket)].fetch_add(1, std::memory_order_relaxed);
    sum_us_.fetch_add(value, std::memory_order_relaxed);
    auto max = max_us_.load(std::memory_order_relaxed);
    while (value > max && !max_us_.compare_exchange_weak(max, value, std::memory_order_relaxed)) {
    }
}

latency_histogram latency_recorder::snapshot() const noexcept
{
    latency_histogram result;
    for (std::size_t i = 0; i < counts_.size(); ++i) {
        result.counts[i] = counts_[i].load(std::memory_order_relaxed);
        result.count += result.counts[i];
    }
    // `count` is summed from the buckets, so a reader never sees more
    // latencies in total than in the buckets.
    result.sum = std::chrono::microseconds(sum_us_.load(std::memory_order_relaxed));
    result.max = std::chrono::microseconds(max_us_.load(std::memory_order_relaxed));
    return result;
}

}  // namespace detail
}  // namespace swr
