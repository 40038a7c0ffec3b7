// libFuzzer target: page bodies (JSON arrays of repositories) from the server.
#include <swr/repository.hpp>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    std::string_view body(reinterpret_cast<const char*>(data), size);
    swr::parsed_page page = swr::parse_repositories(body);
    if (!page.error.empty() && !page.items.empty())
        std::abort();

    // Every parsed item must survive a round trip through to_json.
    for (const auto& item : page.items) {
        swr::parsed_page again = swr::parse_repositories("[" + swr::to_json(item) + "]");
        if (!again.error.empty() || again.items.size() != 1 || !(again.items[0] == item))
            std::abort();
    }
    return 0;
}
