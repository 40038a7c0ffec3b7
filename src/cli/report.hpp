#ifndef SWR_CLI_REPORT_HPP
#define SWR_CLI_REPORT_HPP

#include "options.hpp"

#include <swr/page_stream.hpp>

#include <boost/system/error_code.hpp>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

namespace swr::cli {

/// Returns the exit status for a scan that failed with `ec`. When
/// `interrupted` is true (SIGINT arrived), a cancellation maps to 130.
int exit_status_for(const boost::system::error_code& ec, bool interrupted) noexcept;

/// Returns the exit status for a scan whose stream ended without an error:
/// success only when the summary is complete and consistent.
int exit_status_for(const scan_summary& summary) noexcept;

/// Returns the number of pages a scan from `start_offset` will fetch, given
/// the total the server reported and the page size it uses. Returns nullopt
/// while the total is unknown.
std::optional<std::int64_t> expected_pages(std::optional<std::int64_t> total, std::int64_t start_offset,
                                           std::int64_t page_size) noexcept;

/// Counters shown on the progress line.
struct progress {
    std::int64_t pages = 0;
    std::optional<std::int64_t> total_pages;
    std::int64_t items = 0;
    std::optional<std::int64_t> total_items;
    std::chrono::nanoseconds elapsed{};
};

/// Formats the progress line, without `\r` or a newline, e.g.
/// `page 12/200, 1200/20000 items, 950 items/s`.
std::string format_progress(const progress& value);

/// Formats the closing line for a scan that ended with exit status `status`:
/// the counters (retries and throttled pages only when there were any),
/// whether the listing is complete, and the `--start-offset` to resume from
/// when it is not.
std::string format_summary(const scan_summary& summary, int status);

}  // namespace swr::cli

#endif
