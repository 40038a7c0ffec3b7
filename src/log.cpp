#include "logger.hpp"

#include <swr/log.hpp>

#include <array>

namespace swr {
namespace {

constexpr std::array<std::string_view, 6> level_names = {"trace", "debug", "info", "warning", "error", "off"};

}  // namespace

std::string_view to_string(log_level level) noexcept
{
    auto index = static_cast<std::size_t>(level);
    return index < level_names.size() ? level_names[index] : "unknown";
}

bool parse_log_level(std::string_view text, log_level& level) noexcept
{
    for (std::size_t i = 0; i < level_names.size(); ++i) {
        if (level_names[i] == text) {
            level = static_cast<log_level>(i);
            return true;
        }
    }
    return false;
}

}  // namespace swr

namespace swr::detail {

bool repeat_limiter::admit(std::string_view kind, std::chrono::steady_clock::time_point now,
                           std::uint64_t& suppressed)
{
    std::lock_guard lock(mutex_);
    auto found = windows_.find(kind);
    if (found == windows_.end())
        found = windows_.emplace(std::string(kind), window{now, 0, 0}).first;

    window& current = found->second;
    if (now - current.start >= std::chrono::seconds(1)) {
        current.start = now;
        current.written = 0;
    }
    if (current.written >= per_second_) {
        ++current.suppressed;
        return false;
    }
    ++current.written;
    suppressed = current.suppressed;
    current.suppressed = 0;
    return true;
}

void logger::write_repeating(log_level level, std::string_view kind, std::string_view message) const
{
    if (!enabled(level))
        return;
    std::uint64_t suppressed = 0;
    auto now = clock_ ? clock_->now() : std::chrono::steady_clock::now();
    if (repeats_ && !repeats_->admit(kind, now, suppressed))
        return;
    if (suppressed == 0) {
        write(level, message);
        return;
    }
    write(level, std::string(message) + " (" + std::to_string(suppressed) + " more " + std::string(kind) +
                     " messages suppressed before this one)");
}

}  // namespace swr::detail
