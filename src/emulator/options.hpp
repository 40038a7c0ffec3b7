#ifndef SWR_EMULATOR_OPTIONS_HPP
#define SWR_EMULATOR_OPTIONS_HPP

#include <swr/emulator.hpp>

#include <string>
#include <string_view>

namespace swr::emulator_detail {

/// Checks every setting of `options` without any I/O.
///
/// @throws std::invalid_argument naming the setting, its value and the valid range.
void validate_options(const emulator_options& options);

/// Whether `address` is an IPv6 literal (and so needs brackets in a URL).
bool is_ipv6_literal(const std::string& address);

/// Returns `name` in single quotes for a message, with control characters
/// written as `\xHH` so that the message stays on one line.
std::string quoted_name(std::string_view name);

/// Whether `secret_key` is not empty and consists of printable ASCII
/// characters other than the space (0x21 to 0x7e). swr-shared-repos accepts
/// an SK only by this rule, and real SKs are letters and digits.
bool is_valid_secret_key(std::string_view secret_key) noexcept;

}  // namespace swr::emulator_detail

#endif
