#include "emulator/stats.hpp"

#include <array>
#include <string_view>
#include <utility>

namespace swr::emulator_detail {

namespace {

using counter_list = std::array<std::pair<std::string_view, std::uint64_t>, 12>;

counter_list list_counters(const emulator_stats& stats)
{
    return {{
        {"requests", stats.requests},
        {"in_flight", stats.in_flight},
        {"max_in_flight", stats.max_in_flight},
        {"connections", stats.connections},
        {"open_connections", stats.open_connections},
        {"tls_failures", stats.tls_failures},
        {"ok", stats.ok},
        {"items", stats.items},
        {"throttled", stats.throttled},
        {"unauthorized", stats.unauthorized},
        {"bad_requests", stats.bad_requests},
        {"not_found", stats.not_found},
    }};
}

}  // namespace

void stats_recorder::request_started(clock::time_point arrival)
{
    requests_.fetch_add(1, std::memory_order_relaxed);

    std::uint64_t now_in_flight = in_flight_.fetch_add(1, std::memory_order_relaxed) + 1;
    std::uint64_t seen_max = max_in_flight_.load(std::memory_order_relaxed);
    while (now_in_flight > seen_max &&
           !max_in_flight_.compare_exchange_weak(seen_max, now_in_flight, std::memory_order_relaxed)) {
    }

    std::lock_guard lock(arrivals_mutex_);
    if (arrivals_.size() < max_arrival_times) {
        arrivals_.push_back(arrival);
    } else {
        arrivals_[next_arrival_] = arrival;
    }
    next_arrival_ = (next_arrival_ + 1) % max_arrival_times;
}

void stats_recorder::request_finished(unsigned status, std::uint64_t items)
{
    in_flight_.fetch_sub(1, std::memory_order_relaxed);
    count_status(status);
    if (status == 200) {
        items_.fetch_add(items, std::memory_order_relaxed);
    }
}

void stats_recorder::rejected_before_start(unsigned status)
{
    count_status(status);
}

void stats_recorder::count_status(unsigned status)
{
    switch (status) {
    case 200:
        ok_.fetch_add(1, std::memory_order_relaxed);
        break;
    case 400:
    case 413:
    case 431:
        bad_requests_.fetch_add(1, std::memory_order_relaxed);
        break;
    case 401:
        unauthorized_.fetch_add(1, std::memory_order_relaxed);
        break;
    case 404:
    case 405:
        not_found_.fetch_add(1, std::memory_order_relaxed);
        break;
    case 429:
        throttled_.fetch_add(1, std::memory_order_relaxed);
        break;
    default:
        break;
    }
}

void stats_recorder::connection_opened()
{
    connections_.fetch_add(1, std::memory_order_relaxed);
    open_connections_.fetch_add(1, std::memory_order_relaxed);
}

void stats_recorder::connection_closed()
{
    open_connections_.fetch_sub(1, std::memory_order_relaxed);
}

void stats_recorder::tls_failed()
{
    tls_failures_.fetch_add(1, std::memory_order_relaxed);
}

emulator_stats stats_recorder::snapshot() const
{
    emulator_stats stats;
    stats.requests = requests_.load(std::memory_order_relaxed);
    stats.in_flight = in_flight_.load(std::memory_order_relaxed);
    stats.max_in_flight = max_in_flight_.load(std::memory_order_relaxed);
    stats.connections = connections_.load(std::memory_order_relaxed);
    stats.open_connections = open_connections_.load(std::memory_order_relaxed);
    stats.tls_failures = tls_failures_.load(std::memory_order_relaxed);
    stats.ok = ok_.load(std::memory_order_relaxed);
    stats.items = items_.load(std::memory_order_relaxed);
    stats.throttled = throttled_.load(std::memory_order_relaxed);
    stats.unauthorized = unauthorized_.load(std::memory_order_relaxed);
    stats.bad_requests = bad_requests_.load(std::memory_order_relaxed);
    stats.not_found = not_found_.load(std::memory_order_relaxed);
    return stats;
}

std::vector<stats_recorder::clock::time_point> stats_recorder::arrival_times() const
{
    std::lock_guard lock(arrivals_mutex_);
    if (arrivals_.size() < max_arrival_times) {
        return arrivals_;
    }

    // The ring is full: the oldest entry is the one to be overwritten next.
    std::vector<clock::time_point> ordered;
    ordered.reserve(arrivals_.size());
    ordered.insert(ordered.end(), arrivals_.begin() + static_cast<std::ptrdiff_t>(next_arrival_),
                   arrivals_.end());
    ordered.insert(ordered.end(), arrivals_.begin(),
                   arrivals_.begin() + static_cast<std::ptrdiff_t>(next_arrival_));
    return ordered;
}

void stats_recorder::reset()
{
    requests_.store(0, std::memory_order_relaxed);
    max_in_flight_.store(in_flight_.load(std::memory_order_relaxed), std::memory_order_relaxed);
    connections_.store(0, std::memory_order_relaxed);
    tls_failures_.store(0, std::memory_order_relaxed);
    ok_.store(0, std::memory_order_relaxed);
    items_.store(0, std::memory_order_relaxed);
    throttled_.store(0, std::memory_order_relaxed);
    unauthorized_.store(0, std::memory_order_relaxed);
    bad_requests_.store(0, std::memory_order_relaxed);
    not_found_.store(0, std::memory_order_relaxed);

    std::lock_guard lock(arrivals_mutex_);
    arrivals_.clear();
    next_arrival_ = 0;
}

std::string render_stats_json(const emulator_stats& stats)
{
    std::string out = "{";
    bool first = true;
    for (const auto& [name, value] : list_counters(stats)) {
        if (!first) {
            out.push_back(',');
        }
        first = false;
        out.push_back('"');
        out += name;
        out += "\":";
        out += std::to_string(value);
    }
    out.push_back('}');
    return out;
}

std::string render_stats_line(const emulator_stats& stats)
{
    std::string out;
    for (const auto& [name, value] : list_counters(stats)) {
        if (!out.empty()) {
            out.push_back(' ');
        }
        out += name;
        out.push_back('=');
        out += std::to_string(value);
    }
    return out;
}

}  // namespace swr::emulator_detail
