#include "report.hpp"

#include "format.hpp"

#include <swr/error.hpp>

#include <boost/asio/error.hpp>

#include <cstdio>
#include <string>

namespace swr::cli {
namespace {

std::string format_seconds(std::chrono::nanoseconds elapsed)
{
    char text[32];
    std::snprintf(text, sizeof text, "%.2f s", std::chrono::duration<double>(elapsed).count());
    return text;
}

// Describes the records delivered against the total, e.g. `1200 of 20000`,
// or `records 100 to 199 of 20000` for a scan that began at offset 100.
std::string describe_range(const scan_summary& summary)
{
    std::string total = std::to_string(summary.total.value_or(0));
    std::int64_t start = summary.next_offset - summary.items;
    if (start == 0)
        return std::to_string(summary.items) + " of " + total;
    if (summary.items == 0)
        return "no records from offset " + std::to_string(start) + " of " + total;
    return "records " + std::to_string(start) + " to " + std::to_string(summary.next_offset - 1) + " of " + total;
}

std::string resume_hint(const scan_summary& summary)
{
    return "resume with --start-offset " + std::to_string(summary.next_offset);
}

}  // namespace

int exit_status_for(const boost::system::error_code& ec, bool interrupted) noexcept
{
    bool cancelled = ec == errc::cancelled || ec == boost::asio::error::operation_aborted;
    if (interrupted && cancelled)
        return exit_interrupted;
    if (ec == errc::unauthorized || ec == errc::forbidden)
        return exit_auth_failed;
    if (ec == errc::inconsistent_listing)
        return exit_incomplete;
    if (ec == errc::invalid_argument)
        return exit_usage;
    return exit_scan_failed;
}

int exit_status_for(const scan_summary& summary) noexcept
{
    return summary.complete && summary.consistent ? exit_success : exit_incomplete;
}

std::optional<std::int64_t> expected_pages(std::optional<std::int64_t> total, std::int64_t start_offset,
                                           std::int64_t page_size) noexcept
{
    if (!total || page_size <= 0)
        return std::nullopt;
    if (*total <= start_offset)
        return 0;
    std::int64_t remaining = *total - start_offset;
    return remaining / page_size + (remaining % page_size != 0 ? 1 : 0);
}

std::string format_progress(const progress& value)
{
    // Appending piece by piece, because g++ 12 at -O3 reports a false
    // -Wrestrict overlap for `"literal" + std::string` temporaries.
    std::string text = "page ";
    text += std::to_string(value.pages);
    if (value.total_pages) {
        text += '/';
        text += std::to_string(*value.total_pages);
    }

    text += ", ";
    text += std::to_string(value.items);
    if (value.total_items) {
        text += '/';
        text += std::to_string(*value.total_items);
    }
    text += " items";

    double seconds = std::chrono::duration<double>(value.elapsed).count();
    if (seconds > 0) {
        char rate[32];
        std::snprintf(rate, sizeof rate, ", %.0f items/s", static_cast<double>(value.items) / seconds);
        text += rate;
    }
    return text;
}

std::string format_summary(const scan_summary& summary, int status)
{
    std::string text = std::to_string(summary.pages) + (summary.pages == 1 ? " page, " : " pages, ") +
                       std::to_string(summary.items) + (summary.items == 1 ? " item, " : " items, ") +
                       std::to_string(summary.requests) + (summary.requests == 1 ? " request, " : " requests, ");
    if (summary.retries > 0)
        text += std::to_string(summary.retries) + (summary.retries == 1 ? " retry, " : " retries, ");
    if (summary.throttled > 0)
        text += std::to_string(summary.throttled) + (summary.throttled == 1 ? " page" : " pages") + " throttled, ";
    text += format_bytes(summary.bytes) + " received in " + format_seconds(summary.elapsed) + ": ";

    std::string of_total;
    if (summary.total)
        of_total = " (" + describe_range(summary) + ")";

    switch (status) {
    case exit_success:
        return text + "complete" + of_total;
    case exit_interrupted:
        return text + "interrupted" + of_total + "; " + resume_hint(summary);
    case exit_incomplete:
        if (!summary.consistent)
            return text + "the listing changed during the scan (pages reported different totals); run it again";
        return text + "incomplete" + of_total + "; " + resume_hint(summary);
    default:
        return text + "failed" + of_total + "; " + resume_hint(summary);
    }
}

}  // namespace swr::cli
