// libFuzzer target: error response bodies in every SWR and gateway format.
#include "response.hpp"

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    std::string_view body(reinterpret_cast<const char*>(data), size);
    auto parsed = swr::detail::parse_error_body(body);
    // Messages are quoted in one-line errors: bounded and free of control characters.
    for (const auto* text : {&parsed.code, &parsed.message, &parsed.request_id}) {
        if (text->size() > 600)
            std::abort();
        for (unsigned char c : *text) {
            if (c < 0x20 || c == 0x7f)
                std::abort();
        }
    }
    return 0;
}
