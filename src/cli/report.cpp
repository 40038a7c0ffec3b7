#include "report.hpp"

#include "format.hpp"

#include <swr/error.hpp>

#include <boost/asio/error.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>
#include <string_view>

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

std::string error_text(const swr::exception& error)
{
    std::string text = error.what();
    if (error.code() == errc::invalid_argument) {
        if (std::string message = error.info().to_string(); !message.empty())
            text = std::move(message);
    }

    constexpr std::string_view library_hint = "resume with start_offset ";
    constexpr std::string_view option_hint = "resume with --start-offset ";
    for (auto at = text.find(library_hint); at != std::string::npos;
         at = text.find(library_hint, at + option_hint.size()))
        text.replace(at, library_hint.size(), option_hint);
    return text;
}

int exit_status_for(const boost::system::error_code& ec, bool interrupted) noexcept
{
    bool cancelled = ec == errc::cancelled || ec == boost::asio::error::operation_aborted;
    if (interrupted && cancelled)
        return exit_interrupted;
    if (ec == errc::unauthorized || ec == errc::forbidden || ec == errc::proxy_auth_required)
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

std::optional<std::chrono::seconds> estimate_remaining(const progress& value) noexcept
{
    double seconds = std::chrono::duration<double>(value.elapsed).count();
    if (!value.total_items || value.items <= 0 || seconds <= 0)
        return std::nullopt;
    std::int64_t remaining = std::max<std::int64_t>(0, *value.total_items - value.items);
    double items_per_second = static_cast<double>(value.items) / seconds;
    return std::chrono::seconds(static_cast<std::int64_t>(std::ceil(static_cast<double>(remaining) / items_per_second)));
}

std::string format_duration(std::chrono::seconds value)
{
    std::int64_t total = std::max<std::int64_t>(0, value.count());
    std::int64_t hours = total / 3600;
    std::int64_t minutes = total / 60 % 60;
    std::int64_t seconds = total % 60;

    char text[48];
    if (hours > 0)
        std::snprintf(text, sizeof text, "%lld:%02lld:%02lld", static_cast<long long>(hours),
                      static_cast<long long>(minutes), static_cast<long long>(seconds));
    else
        std::snprintf(text, sizeof text, "%lld:%02lld", static_cast<long long>(minutes),
                      static_cast<long long>(seconds));
    return text;
}

std::string format_progress(const progress& value, std::size_t width)
{
    // Appending piece by piece, because g++ 12 at -O3 reports a false
    // -Wrestrict overlap for `"literal" + std::string` temporaries.
    std::string counters = "page ";
    counters += std::to_string(value.pages);
    if (value.total_pages) {
        counters += '/';
        counters += std::to_string(*value.total_pages);
    }

    counters += ", ";
    counters += std::to_string(value.items);
    if (value.total_items) {
        counters += '/';
        counters += std::to_string(*value.total_items);
    }
    counters += " items";

    double seconds = std::chrono::duration<double>(value.elapsed).count();
    if (seconds > 0) {
        double rate = static_cast<double>(value.requests) / seconds;
        char text[48];
        std::snprintf(text, sizeof text, rate < 10 ? ", %.1f req/s" : ", %.0f req/s", rate);
        counters += text;
    }
    if (std::optional<std::chrono::seconds> remaining = estimate_remaining(value)) {
        counters += ", ETA ";
        counters += format_duration(*remaining);
    }

    // The bar and the percentage, when the total is known.
    std::string bar;
    std::string percent;
    if (value.total_items) {
        double fraction = *value.total_items > 0
                              ? std::clamp(static_cast<double>(value.items) / static_cast<double>(*value.total_items),
                                           0.0, 1.0)
                              : 1.0;
        constexpr std::size_t bar_cells = 20;
        auto filled = static_cast<std::size_t>(fraction * bar_cells);
        bar = "[";
        bar.append(filled, '#');
        bar.append(bar_cells - filled, '.');
        bar += "] ";

        char text[16];
        std::snprintf(text, sizeof text, "%3d%% ", static_cast<int>(fraction * 100));
        percent = text;
    }

    // Stay short of the last column: a terminal that wraps there would
    // move the cursor to a new line, and '\r' would no longer redraw in place.
    std::string line = bar + percent + counters;
    if (width == 0 || line.size() < width)
        return line;
    line = percent + counters;
    if (line.size() >= width)
        line.resize(width - 1);
    return line;
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
    case exit_terminated:
        return text + "terminated" + of_total + "; " + resume_hint(summary);
    case exit_incomplete:
        if (!summary.consistent)
            return text + "the listing changed during the scan (pages reported different totals); run it again";
        return text + "incomplete" + of_total + "; " + resume_hint(summary);
    default:
        return text + "failed" + of_total + "; " + resume_hint(summary);
    }
}

}  // namespace swr::cli
