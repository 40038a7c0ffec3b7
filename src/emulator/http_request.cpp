#include "emulator/http_request.hpp"

#include <algorithm>

namespace swr::emulator_detail {

bool equals_ignoring_case(std::string_view a, std::string_view b)
{
    return std::equal(a.begin(), a.end(), b.begin(), b.end(), [](char x, char y) {
        auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; };
        return lower(x) == lower(y);
    });
}

std::optional<std::string_view> find_header(const request_head& request, std::string_view name)
{
    for (const header_field& field : request.headers) {
        if (equals_ignoring_case(field.name, name)) {
            return field.value;
        }
    }
    return std::nullopt;
}

bool equals_constant_time(std::string_view a, std::string_view b)
{
    if (a.size() != b.size()) {
        return false;
    }
    unsigned char difference = 0;
    for (std::size_t i = 0; i < a.size(); ++i) {
        difference |= static_cast<unsigned char>(a[i] ^ b[i]);
    }
    return difference == 0;
}

}  // namespace swr::emulator_detail
