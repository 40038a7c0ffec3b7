// libFuzzer target: Content-Range values from the server.
#include <swr/content_range.hpp>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    std::string_view text(reinterpret_cast<const char*>(data), size);
    auto range = swr::parse_content_range(text);
    // Whatever parses must hold three non-negative numbers.
    if (range && (range->offset < 0 || range->count < 0 || range->total < 0))
        std::abort();
    return 0;
}
