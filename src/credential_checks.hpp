#ifndef SWR_SRC_CREDENTIAL_CHECKS_HPP
#define SWR_SRC_CREDENTIAL_CHECKS_HPP

#include <algorithm>
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

}  // namespace swr::detail

#endif
