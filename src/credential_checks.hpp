#ifndef SWR_SRC_CREDENTIAL_CHECKS_HPP
#define SWR_SRC_CREDENTIAL_CHECKS_HPP

#include <algorithm>
#include <cstddef>
#include <string_view>

namespace swr::detail {

/// True when `value` contains a byte below 0x20 or DEL, which could split or
/// corrupt a header line.
inline bool contains_control_character(std::string_view value) noexcept
{
    return std::any_of(value.begin(), value.end(), [](char c) {
        auto byte = static_cast<unsigned char>(c);
        return byte < 0x20 || byte == 0x7f;
    });
}

/// Maximum size of a credential sent in one header value, in bytes. Real
/// IAM tokens are a few kilobytes. Beast rejects a header field of 64 KiB or
/// more with an exception, so a longer value could never be sent.
inline constexpr std::size_t max_credential_bytes = 32 * 1024;

/// True when `value` is too long to send in a header; see `max_credential_bytes`.
inline bool too_long_for_header(std::string_view value) noexcept
{
    return value.size() > max_credential_bytes;
}

}  // namespace swr::detail

#endif
