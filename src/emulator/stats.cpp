#include "emulator/stats.hpp"

#include <array>
#include <string_view>
#include <utility>

namespace swr::emulator_detail {

namespace {

using counter_list = std::array<std::pair<std::string_view, std::uint64_t>, 15>;

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
        {"token_requests", stats.token_requests},
        {"bad_requests", stats.bad_requests},
        {"not_found", stats.not_found},
        {"faults", stats.faults},
        {"random_faults", stats.random_faults},
    }};
}

std::uint64_t fault_count_of(const emulator_stats& stats, fault_kind kind)
{
    emulator_fault_counts counts = stats.faults_by_action;
    return fault_count(counts, kind);
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

void stats_recorder::token_requested()
{
    token_requests_.fetch_add(1, std::memory_order_relaxed);
}

void stats_recorder::fault_applied(fault_kind kind, bool random)
{
    faults_by_kind_[static_cast<std::size_t>(kind)].fetch_add(1, std::memory_order_relaxed);
    if (random) {
        random_faults_.fetch_add(1, std::memory_order_relaxed);
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
    stats.token_requests = token_requests_.load(std::memory_order_relaxed);
    stats.bad_requests = bad_requests_.load(std::memory_order_relaxed);
    stats.not_found = not_found_.load(std::memory_order_relaxed);
    stats.random_faults = random_faults_.load(std::memory_order_relaxed);
    for (std::size_t i = 0; i < fault_kind_count; ++i) {
        std::uint64_t count = faults_by_kind_[i].load(std::memory_order_relaxed);
        fault_count(stats.faults_by_action, static_cast<fault_kind>(i)) = count;
        stats.faults += count;
    }
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
    token_requests_.store(0, std::memory_order_relaxed);
    bad_requests_.store(0, std::memory_order_relaxed);
    not_found_.store(0, std::memory_order_relaxed);
    random_faults_.store(0, std::memory_order_relaxed);
    for (auto& count : faults_by_kind_) {
        count.store(0, std::memory_order_relaxed);
    }

    std::lock_guard lock(arrivals_mutex_);
    arrivals_.clear();
    next_arrival_ = 0;
}

std::uint64_t& fault_count(emulator_fault_counts& counts, fault_kind kind)
{
    switch (kind) {
    case fault_kind::status:
        return counts.status;
    case fault_kind::latency:
        return counts.latency;
    case fault_kind::stall_after_headers:
        return counts.stall_after_headers;
    case fault_kind::stall_mid_body:
        return counts.stall_mid_body;
    case fault_kind::reset_mid_headers:
        return counts.reset_mid_headers;
    case fault_kind::reset_mid_body:
        return counts.reset_mid_body;
    case fault_kind::short_body:
        return counts.short_body;
    case fault_kind::close_without_notify:
        return counts.close_without_notify;
    case fault_kind::idle_close:
        return counts.idle_close;
    case fault_kind::trickle:
        return counts.trickle;
    case fault_kind::page_size_cap:
        return counts.page_size_cap;
    case fault_kind::mutate:
        return counts.mutate;
    case fault_kind::content_range:
        break;
    }
    return counts.content_range;
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

    out += ",\"faults_by_action\":{";
    for (std::size_t i = 0; i < fault_kind_count; ++i) {
        auto kind = static_cast<fault_kind>(i);
        if (i > 0) {
            out.push_back(',');
        }
        out.push_back('"');
        out += fault_kind_name(kind);
        out += "\":";
        out += std::to_string(fault_count_of(stats, kind));
    }
    out += "}}";
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
    for (std::size_t i = 0; i < fault_kind_count; ++i) {
        auto kind = static_cast<fault_kind>(i);
        if (std::uint64_t count = fault_count_of(stats, kind); count > 0) {
            out += " faults_by_action.";
            out += fault_kind_name(kind);
            out.push_back('=');
            out += std::to_string(count);
        }
    }
    return out;
}

}  // namespace swr::emulator_detail
