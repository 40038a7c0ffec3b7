#ifndef SWR_CLI_REPORT_HPP
#define SWR_CLI_REPORT_HPP

#include "options.hpp"

#include <swr/error.hpp>
#include <swr/page_stream.hpp>

#include <boost/system/error_code.hpp>

#include <chrono>
#include <cstddef>
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
    /// Items the scan will deliver: the server's total less `--start-offset`.
    std::optional<std::int64_t> total_items;
    /// Requests completed, retries included.
    std::int64_t requests = 0;
    /// Time since the scan started.
    std::chrono::nanoseconds elapsed{};
};

/// Estimates the time left from the item rate so far. Returns nullopt while
/// the total is unknown or no item has arrived yet.
std::optional<std::chrono::seconds> estimate_remaining(const progress& value) noexcept;

/// Formats a duration as `M:SS`, or `H:MM:SS` from one hour on.
std::string format_duration(std::chrono::seconds value);

/// Formats the progress line, without `\r` or a newline, in at most
/// `width` - 1 columns (0: no limit), e.g.
/// `[########............]  40% page 80/200, 8000/20000 items, 12.5 req/s, ETA 0:16`.
/// The bar and the percentage need the total. When the line does not fit,
/// the bar is dropped first, and then the end of the line is cut.
std::string format_progress(const progress& value, std::size_t width);

/// Returns the text of `error` for the tool's `error:` line. A usage error
/// (`errc::invalid_argument`) is its message alone, without the error code
/// that `what()` appends; other errors are `what()`. The library's hint to
/// resume "with start_offset N", which names the field of `scan_options`,
/// is rewritten to name the option `--start-offset N`.
std::string error_text(const swr::exception& error);

/// Formats the closing line for a scan that ended with exit status `status`:
/// the counters (retries and throttled pages only when there were any),
/// whether the listing is complete, and the `--start-offset` to resume from
/// when it is not.
std::string format_summary(const scan_summary& summary, int status);

}  // namespace swr::cli

#endif
