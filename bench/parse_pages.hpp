#ifndef SWR_BENCH_PARSE_PAGES_HPP
#define SWR_BENCH_PARSE_PAGES_HPP

#include <cstddef>

namespace swr::bench {

/// Figures of the JSON page reader alone, without I/O.
struct parse_result {
    std::size_t pages = 0;          ///< Different pages parsed in each pass.
    std::size_t bytes_per_page = 0; ///< Mean body size.
    double best_ns_per_page = 0;    ///< Best round, wall time per page.
    double median_ns_per_page = 0;  ///< Median round.
};

/// Times the scan's parse of `pages` different pages of 100 repositories,
/// rendered by the emulator's generator as the emulator sends them. Each
/// round parses every page `passes` times into reused item vectors, as a
/// scan whose caller gives pages back does. Reports the best and the median
/// of `rounds` rounds.
parse_result measure_page_parsing(std::size_t pages, int passes, int rounds);

}  // namespace swr::bench

#endif
