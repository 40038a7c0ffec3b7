#include <swr/content_range.hpp>

#include <charconv>

namespace swr {
namespace {

// Parses a non-negative decimal integer at the start of `text` and advances
// past it; rejects signs, empty digit runs and values beyond int64.
bool take_number(std::string_view& text, std::int64_t& value) noexcept
{
    if (text.empty() || text.front() < '0' || text.front() > '9')
        return false;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc())
        return false;
    text.remove_prefix(static_cast<std::size_t>(end - text.data()));
    return true;
}

bool take_char(std::string_view& text, char expected) noexcept
{
    if (text.empty() || text.front() != expected)
        return false;
    text.remove_prefix(1);
    return true;
}

std::string_view trim(std::string_view text) noexcept
{
    while (!text.empty() && (text.front() == ' ' || text.front() == '\t'))
        text.remove_prefix(1);
    while (!text.empty() && (text.back() == ' ' || text.back() == '\t'))
        text.remove_suffix(1);
    return text;
}

}  // namespace

std::optional<content_range> parse_content_range(std::string_view value) noexcept
{
    std::string_view rest = trim(value);
    content_range range;
    if (!take_number(rest, range.offset) || !take_char(rest, '-') || !take_number(rest, range.count) ||
        !take_char(rest, '/') || !take_number(rest, range.total) || !rest.empty())
        return std::nullopt;
    return range;
}

}  // namespace swr
