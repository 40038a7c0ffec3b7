#ifndef SWR_CLI_ESCAPE_HPP
#define SWR_CLI_ESCAPE_HPP

#include <string>
#include <string_view>

namespace swr::cli {

/// Returns `text` with every control character written as an escape, so that
/// a value a user supplied cannot start a new line or move the cursor when it
/// is echoed in a message: `\n`, `\r` and `\t` become those two-character
/// escapes, other bytes below 0x20 and DEL become `\xHH`, and the C1 control
/// characters U+0080 to U+009F (two bytes in UTF-8) become `\xc2\xHH`.
///
/// Other bytes, backslashes included, are kept, so escaping twice changes
/// nothing. A literal backslash followed by `n` therefore looks like an
/// escaped line break, but it cannot end the line.
std::string escape_control_characters(std::string_view text);

/// True when `text` contains a byte below 0x20 or DEL.
bool contains_control_character(std::string_view text) noexcept;

/// True when every byte of `text` is a printable ASCII character other than
/// the space (0x21 to 0x7e), the characters an access key (AK) consists of.
bool is_printable_ascii_word(std::string_view text) noexcept;

}  // namespace swr::cli

#endif
