#include "parse_pages.hpp"

#include "emulator/catalog.hpp"
#include "emulator/dataset.hpp"
#include "page_parser.hpp"

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

namespace swr::bench {

namespace {

constexpr std::int64_t page_size = 100;

std::vector<std::string> render_pages(std::size_t pages)
{
    namespace emulator = swr::emulator_detail;
    auto records = static_cast<std::int64_t>(pages) * page_size;
    emulator::catalog data(emulator::generate_repositories(emulator::sharing_center::self, records), {});
    std::vector<std::string> bodies;
    for (std::int64_t offset = 0; offset < records; offset += page_size) {
        emulator::listing_query query;
        query.limit = page_size;
        query.offset = offset;
        bodies.push_back(data.render(data.select(query)));
    }
    return bodies;
}

}  // namespace

parse_result measure_page_parsing(std::size_t pages, int passes, int rounds)
{
    const std::vector<std::string> bodies = render_pages(pages);
    parse_result result;
    result.pages = bodies.size();
    std::size_t bytes = 0;
    for (const std::string& body : bodies)
        bytes += body.size();
    result.bytes_per_page = bodies.empty() ? 0 : bytes / bodies.size();

    // As many item vectors as a scan at concurrency 4 keeps in circulation.
    std::vector<std::vector<swr::repository>> items(4);
    std::vector<double> round_ns;
    for (int round = 0; round < rounds; ++round) {
        auto started = std::chrono::steady_clock::now();
        std::size_t parsed = 0;
        for (int pass = 0; pass < passes; ++pass) {
            for (const std::string& body : bodies) {
                std::string error = swr::detail::parse_repositories_into(body, items[parsed % items.size()]);
                if (!error.empty())
                    throw std::runtime_error("the reader rejected an emulator page: " + error);
                ++parsed;
            }
        }
        std::chrono::duration<double, std::nano> elapsed = std::chrono::steady_clock::now() - started;
        round_ns.push_back(parsed == 0 ? 0 : elapsed.count() / static_cast<double>(parsed));
    }
    std::sort(round_ns.begin(), round_ns.end());
    if (!round_ns.empty()) {
        result.best_ns_per_page = round_ns.front();
        result.median_ns_per_page = round_ns[round_ns.size() / 2];
    }
    return result;
}

}  // namespace swr::bench
