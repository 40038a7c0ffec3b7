#ifndef SWR_BENCH_REPORT_HPP
#define SWR_BENCH_REPORT_HPP

#include "harness.hpp"

#include <string>

namespace swr::bench {

/// Markers around the generated part of the Markdown report. Text outside
/// them (the hand-written history of optimizations) is kept when the report
/// is written again.
inline constexpr const char* results_begin = "<!-- swr-bench results: begin -->";
inline constexpr const char* results_end = "<!-- swr-bench results: end -->";

/// The generated Markdown: machine, summary of the targets, every table with
/// the commands that reproduce it. Starts and ends with the markers.
std::string render_markdown(const bench_report& report, const bench_config& config);

/// The summary and every table as aligned plain text, for a terminal.
std::string render_text(const bench_report& report);

/// Writes `block` into the file at `path`: between the markers when the file
/// has them, otherwise as a new file with a title.
///
/// @throws std::runtime_error when the file cannot be written.
void write_markdown(const std::string& path, const std::string& block);

}  // namespace swr::bench

#endif
