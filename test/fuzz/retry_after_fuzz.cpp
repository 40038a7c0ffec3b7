// libFuzzer target: Retry-After header values.
#include <swr/retry.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    std::string_view text(reinterpret_cast<const char*>(data), size);
    auto now = std::chrono::system_clock::time_point(std::chrono::seconds(1'700'000'000));
    auto delay = swr::parse_retry_after(text, now);
    if (delay && delay->count() < 0)
        std::abort();
    return 0;
}
