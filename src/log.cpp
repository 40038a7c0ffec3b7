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
