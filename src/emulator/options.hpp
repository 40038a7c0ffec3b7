#ifndef SWR_EMULATOR_OPTIONS_HPP
#define SWR_EMULATOR_OPTIONS_HPP

#include <swr/emulator.hpp>

namespace swr::emulator_detail {

/// Checks every setting of `options` without any I/O.
///
/// @throws std::invalid_argument naming the setting, its value and the valid range.
void validate_options(const emulator_options& options);

/// Whether `address` is an IPv6 literal (and so needs brackets in a URL).
bool is_ipv6_literal(const std::string& address);

}  // namespace swr::emulator_detail

#endif
