// libFuzzer target: page bodies (JSON arrays of repositories) from the server.
#include "page_parser.hpp"

#include <swr/repository.hpp>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    std::string_view body(reinterpret_cast<const char*>(data), size);
    swr::parsed_page page = swr::parse_repositories(body);
    if (!page.error.empty() && !page.items.empty())
        std::abort();

    // The fast path, when it accepts the body, agrees with the complete parser.
    if (auto fast = swr::detail::parse_page_fast(body)) {
        swr::parsed_page complete = swr::detail::parse_page_complete(body);
        if (!complete.error.empty() || !(*fast == complete.items))
            std::abort();
    }

    // Parsing into storage left by another page gives the same result.
    std::vector<swr::repository> reused;
    swr::detail::parse_repositories_into(R"([{"name":"n","description":"left over","tags":["t"],"size":7,)"
                                         R"("status":true,"total_range":9},{"name":"m"}])",
                                         reused);
    std::string error = swr::detail::parse_repositories_into(body, reused);
    if (error != page.error || (error.empty() && !(reused == page.items)))
        std::abort();

    // Every parsed item must survive a round trip through to_json.
    for (const auto& item : page.items) {
        swr::parsed_page again = swr::parse_repositories("[" + swr::to_json(item) + "]");
        if (!again.error.empty() || again.items.size() != 1 || !(again.items[0] == item))
            std::abort();
    }
    return 0;
}
