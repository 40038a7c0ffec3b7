#ifndef SWR_TEST_SUPPORT_FAULT_HARNESS_HPP
#define SWR_TEST_SUPPORT_FAULT_HARNESS_HPP

// Shared pieces of the fault suites (test/integration/fault_*_test.cpp). A
// time source records delays instead of waiting. An emulator keeps a copy of
// its listing from before any fault was set. Runners turn a scan or a single
// fetch into plain values to check.

#include "support/fixture.hpp"

#include <swr/client.hpp>
#include <swr/emulator.hpp>
#include <swr/retry.hpp>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

namespace swr::test {

/// A `time_source` whose clocks stand still except when a request sleeps.
///
/// `sleep` records the delay, lets the executor run whatever is ready (one
/// post, as a real timer would), then moves both clocks to the wake-up time
/// and returns. So a delay is taken in no real time, and other requests that
/// run meanwhile still see the clock at the moment the sleep began.
/// `uniform` always returns the value given to the constructor, which makes
/// every delay the client computes exact. Thread-safe.
class recording_time_source final : public time_source {
public:
    using steady_time = std::chrono::steady_clock::time_point;
    using wall_time = std::chrono::system_clock::time_point;

    /// Wall-clock time before any sleep: Wednesday 2024-05-01 12:00:00 UTC.
    static wall_time wall_start()
    {
        using namespace std::chrono;
        return sys_days(year(2024) / May / 1) + hours(12);
    }

    explicit recording_time_source(double uniform_value) : uniform_(uniform_value) {}

    steady_time now() override
    {
        std::lock_guard lock(mutex_);
        return steady_start + advanced_;
    }

    wall_time wall_now() override
    {
        std::lock_guard lock(mutex_);
        return wall_start() + std::chrono::duration_cast<std::chrono::system_clock::duration>(advanced_);
    }

    boost::asio::awaitable<boost::system::error_code> sleep(std::chrono::nanoseconds delay) override
    {
        std::chrono::nanoseconds wake_up{};
        std::function<void(std::chrono::nanoseconds)> hook;
        {
            std::lock_guard lock(mutex_);
            delays_.push_back(delay);
            wake_up = advanced_ + delay;
            hook = hook_;
        }
        // The hook runs unlocked: it may start a request that sleeps too.
        if (hook)
            hook(delay);

        co_await boost::asio::post(co_await boost::asio::this_coro::executor, boost::asio::use_awaitable);
        {
            std::lock_guard lock(mutex_);
            advanced_ = std::max(advanced_, wake_up);
        }
        co_return boost::system::error_code{};
    }

    double uniform() override { return uniform_; }

    /// Every delay passed to `sleep` so far, in milliseconds, in call order.
    std::vector<std::int64_t> delays_ms() const
    {
        std::lock_guard lock(mutex_);
        std::vector<std::int64_t> result;
        for (auto delay : delays_)
            result.push_back(std::chrono::duration_cast<std::chrono::milliseconds>(delay).count());
        return result;
    }

    /// Calls `hook` with the delay at the start of every later sleep, before the clocks move.
    void set_sleep_hook(std::function<void(std::chrono::nanoseconds)> hook)
    {
        std::lock_guard lock(mutex_);
        hook_ = std::move(hook);
    }

    /// Steady-clock time before any sleep. An arbitrary point, fixed so that runs repeat.
    static constexpr steady_time steady_start{std::chrono::hours(1)};

private:
    const double uniform_;
    mutable std::mutex mutex_;
    std::chrono::nanoseconds advanced_{0};
    std::vector<std::chrono::nanoseconds> delays_;
    std::function<void(std::chrono::nanoseconds)> hook_;
};

/// Returns `namespace/name`, the key by which a scan drops duplicates.
inline std::string key_of(const repository& item)
{
    return item.namespace_name + "/" + item.name;
}

/// Returns the elements of `keys` in [first, last).
inline std::vector<std::string> slice(const std::vector<std::string>& keys, std::size_t first, std::size_t last)
{
    return {keys.begin() + static_cast<std::ptrdiff_t>(first), keys.begin() + static_cast<std::ptrdiff_t>(last)};
}

/// Returns `a` followed by `b`.
inline std::vector<std::string> concatenated(std::vector<std::string> a, const std::vector<std::string>& b)
{
    a.insert(a.end(), b.begin(), b.end());
    return a;
}

/// A `self` listing request in the default (filter) form.
inline shared_repositories_request self_listing()
{
    shared_repositories_request request;
    request.center = center::self;
    return request;
}

/// A running emulator on 127.0.0.1 with `repositories` generated repositories
/// per center, and the keys of its `self` listing in order, read by a client
/// without faults before any rule is set.
class fault_server {
public:
    explicit fault_server(std::int64_t repositories) : server_(options_for(dir_, repositories))
    {
        reference_ = read_listing();
    }

    emulator& get() { return server_.get(); }

    /// Keys of the `self` listing as it was before any fault.
    const std::vector<std::string>& reference() const { return reference_; }

    /// Sets the fault rules and clears the counters, so that the next
    /// request is number 1 and the stats count only what follows.
    void script(std::vector<fault_rule> rules)
    {
        server_.get().set_faults(std::move(rules));
        server_.get().reset_stats();
    }

private:
    static emulator_options options_for(const temp_dir& dir, std::int64_t repositories)
    {
        emulator_options options = emulator_defaults(dir);
        options.repositories = repositories;
        return options;
    }

    std::vector<std::string> read_listing()
    {
        boost::asio::io_context io;
        client reader(io.get_executor(), client_defaults(server_.get()));
        std::vector<std::string> keys;
        run_until_done(io, [&]() -> boost::asio::awaitable<void> {
            for (std::int64_t offset = 0;; offset += max_page_size) {
                page result = co_await reader.fetch_page(self_listing(), offset, max_page_size);
                for (const auto& item : result.items)
                    keys.push_back(key_of(item));
                if (static_cast<std::int64_t>(result.items.size()) < max_page_size)
                    break;
            }
        }());
        return keys;
    }

    temp_dir dir_;
    emulator_thread server_;
    std::vector<std::string> reference_;
};

/// Client options for `server` that take their clocks and jitter from `time`.
/// Retry, backoff and throttle settings keep their defaults: 5 attempts,
/// backoff ceilings 200 ms, 400 ms, ..., `min_pause` 2 s, `jitter` 250 ms.
inline client_options fault_client_options(const emulator& server, std::shared_ptr<time_source> time)
{
    client_options options = client_defaults(server);
    options.time = std::move(time);
    return options;
}

/// Collects the messages a client logs at `warning` and above. Copies share one list.
class log_capture {
public:
    log_options options() const
    {
        log_options result;
        result.level = log_level::warning;
        result.sink = [state = state_](log_level, std::string_view message) {
            std::lock_guard lock(state->mutex);
            state->lines.emplace_back(message);
        };
        return result;
    }

    std::vector<std::string> lines() const
    {
        std::lock_guard lock(state_->mutex);
        return state_->lines;
    }

    /// Number of messages that contain `text`.
    std::size_t count(std::string_view text) const
    {
        std::lock_guard lock(state_->mutex);
        return static_cast<std::size_t>(std::count_if(state_->lines.begin(), state_->lines.end(), [&](const std::string& line) {
            return line.find(text) != std::string::npos;
        }));
    }

private:
    struct state {
        std::mutex mutex;
        std::vector<std::string> lines;
    };
    std::shared_ptr<state> state_ = std::make_shared<state>();
};

/// What a scan delivered and how it ended.
struct scan_report {
    std::vector<std::string> keys;     ///< Key of every item delivered, in order.
    scan_summary summary;              ///< Read after the stream ended.
    boost::system::error_code error;   ///< Code of the exception that ended the scan, if any.
    error_info info;                   ///< Details of that exception.
    std::string what;                  ///< Its `what()`, for failure messages.
};

/// Scans `request` with `client`, whose executor must belong to `io`, until
/// the stream ends or throws. Fails the test if `io` does not run out of work
/// within `limit` (scaled by SWR_TEST_TIMEOUT_SCALE).
inline scan_report run_scan(client& client, boost::asio::io_context& io, scan_options options,
                            shared_repositories_request request = self_listing(),
                            std::chrono::milliseconds limit = std::chrono::seconds(20))
{
    scan_report report;
    run_until_done(
        io,
        [&]() -> boost::asio::awaitable<void> {
            page_stream stream = client.scan(request, std::move(options));
            try {
                while (auto result = co_await stream.next()) {
                    for (const auto& item : result->items)
                        report.keys.push_back(key_of(item));
                }
            } catch (const exception& failure) {
                report.error = failure.code();
                report.info = failure.info();
                report.what = failure.what();
            }
            report.summary = stream.summary();
        }(),
        limit);
    return report;
}

/// What one `client::fetch_page` returned or threw.
struct fetch_report {
    std::vector<std::string> keys;
    boost::system::error_code error;
    error_info info;
    std::string what;
};

/// Awaits `client.fetch_page(request, offset, limit)` and records the page or the exception.
inline boost::asio::awaitable<void> fetch_into(client& client, std::int64_t offset, std::int64_t limit,
                                               fetch_report& report,
                                               shared_repositories_request request = self_listing())
{
    try {
        page result = co_await client.fetch_page(request, offset, limit);
        for (const auto& item : result.items)
            report.keys.push_back(key_of(item));
    } catch (const exception& failure) {
        report.error = failure.code();
        report.info = failure.info();
        report.what = failure.what();
    }
}

/// A rule that applies `action` once, to request number `number`.
inline fault_rule on_request(std::uint64_t number, fault_action action)
{
    fault_rule rule;
    rule.request = number;
    rule.action = std::move(action);
    return rule;
}

/// A rule that applies `action` once, to the first listing request for `offset`.
inline fault_rule on_offset(std::int64_t offset, fault_action action)
{
    fault_rule rule;
    rule.offset = offset;
    rule.action = std::move(action);
    return rule;
}

/// A rule that applies `action` to every request.
inline fault_rule on_every_request(fault_action action)
{
    fault_rule rule;
    rule.times = 0;
    rule.action = std::move(action);
    return rule;
}

/// A fault that delays the response by `delay`.
inline latency_fault delay_of(std::chrono::milliseconds delay)
{
    latency_fault fault;
    fault.delay = delay;
    return fault;
}

/// A fault that responds with status 400 and the emulator's usual error body.
inline status_fault bad_request()
{
    status_fault fault;
    fault.status = 400;
    return fault;
}

/// A fault that sends `value` as Content-Range, or none without a value.
inline content_range_fault content_range(std::optional<std::string> value)
{
    content_range_fault fault;
    fault.value = std::move(value);
    return fault;
}

/// Checks `condition` every 5 ms until it is true or `limit` (scaled by
/// SWR_TEST_TIMEOUT_SCALE) has passed, and returns its last value. Meant for
/// emulator counters that change on the emulator's thread after the client
/// has already seen the outcome.
template <class Condition>
bool eventually(Condition condition, std::chrono::milliseconds limit = std::chrono::seconds(2))
{
    auto give_up = std::chrono::steady_clock::now() + scaled(limit);
    while (!condition()) {
        if (std::chrono::steady_clock::now() > give_up)
            return false;
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    return true;
}

/// Returns whether `text` contains `part`.
inline bool contains(std::string_view text, std::string_view part)
{
    return text.find(part) != std::string_view::npos;
}

}  // namespace swr::test

#endif
