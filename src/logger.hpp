#ifndef SWR_SRC_LOGGER_HPP
#define SWR_SRC_LOGGER_HPP

#include "redact.hpp"

#include <swr/log.hpp>
#include <swr/retry.hpp>

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

namespace swr::detail {

/// Counts messages of each kind per one-second window, so that a storm of
/// retries or reconnects writes a few lines and a count instead of a flood.
class repeat_limiter {
public:
    explicit repeat_limiter(std::size_t per_second) : per_second_(per_second) {}

    /// Returns whether a message of `kind` may be written at `now`. When it
    /// may, `suppressed` receives the number of messages of that kind
    /// dropped since the last one written.
    bool admit(std::string_view kind, std::chrono::steady_clock::time_point now, std::uint64_t& suppressed);

private:
    struct window {
        std::chrono::steady_clock::time_point start;
        std::size_t written = 0;
        std::uint64_t suppressed = 0;
    };

    std::size_t per_second_;
    std::mutex mutex_;
    std::map<std::string, window, std::less<>> windows_;
};

/// The library's one path to the caller's log sink.
///
/// Callers check `enabled` before building a message, so nothing is
/// formatted below the configured level. Messages must be built only from
/// values that are not secret: never from headers or credentials. As a
/// safety net, `write` passes every message through `redact`, which costs
/// nothing when the level is disabled. Copies share one repeat limiter.
class logger {
public:
    /// `clock` times the repeat limit's windows; null means the real steady clock.
    explicit logger(log_options options, std::shared_ptr<time_source> clock = nullptr)
        : options_(std::move(options)),
          clock_(std::move(clock)),
          repeats_(options_.repeat_limit > 0 ? std::make_shared<repeat_limiter>(options_.repeat_limit) : nullptr)
    {
    }

    bool enabled(log_level level) const noexcept
    {
        return options_.sink && level != log_level::off && level >= options_.level;
    }

    void write(log_level level, std::string_view message) const
    {
        if (enabled(level))
            options_.sink(level, redact(message));
    }

    /// Writes a message of a kind that can repeat many times a second (a
    /// retry, a reconnect), subject to `log_options::repeat_limit`.
    void write_repeating(log_level level, std::string_view kind, std::string_view message) const;

private:
    log_options options_;
    std::shared_ptr<time_source> clock_;
    std::shared_ptr<repeat_limiter> repeats_;
};

}  // namespace swr::detail

#endif
