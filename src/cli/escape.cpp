#include "escape.hpp"

#include <algorithm>
#include <cstdio>

namespace swr::cli {
namespace {

bool is_control_byte(unsigned char byte) noexcept
{
    return byte < 0x20 || byte == 0x7f;
}

void append_hex_escape(std::string& out, unsigned char byte)
{
    char text[5];
    std::snprintf(text, sizeof text, "\\x%02x", static_cast<unsigned>(byte));
    out += text;
}

}  // namespace

std::string escape_control_characters(std::string_view text)
{
    std::string out;
    out.reserve(text.size());
    for (std::size_t i = 0; i < text.size(); ++i) {
        auto byte = static_cast<unsigned char>(text[i]);
        switch (byte) {
        case '\n':
            out += "\\n";
            continue;
        case '\r':
            out += "\\r";
            continue;
        case '\t':
            out += "\\t";
            continue;
        default:
            break;
        }
        if (is_control_byte(byte)) {
            append_hex_escape(out, byte);
            continue;
        }

        // U+0080 to U+009F: 0xc2 followed by 0x80 to 0x9f. Some terminals
        // act on them, e.g. U+009B as the start of a control sequence.
        auto next = i + 1 < text.size() ? static_cast<unsigned char>(text[i + 1]) : 0;
        if (byte == 0xc2 && next >= 0x80 && next <= 0x9f) {
            append_hex_escape(out, byte);
            append_hex_escape(out, next);
            ++i;
            continue;
        }
        out += static_cast<char>(byte);
    }
    return out;
}

bool contains_control_character(std::string_view text) noexcept
{
    return std::any_of(text.begin(), text.end(), [](char c) { return is_control_byte(static_cast<unsigned char>(c)); });
}

bool is_printable_ascii_word(std::string_view text) noexcept
{
    return std::all_of(text.begin(), text.end(), [](char c) {
        auto byte = static_cast<unsigned char>(c);
        return byte > 0x20 && byte < 0x7f;
    });
}

}  // namespace swr::cli
