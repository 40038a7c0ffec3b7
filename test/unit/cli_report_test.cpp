// Unit tests for the exit statuses, progress line and summary of
// swr-shared-repos (src/cli/report.hpp).

#define BOOST_TEST_MODULE cli_report
#include <boost/test/unit_test.hpp>

#include "cli/report.hpp"

#include <swr/error.hpp>

#include <boost/asio/error.hpp>

#include <string>

namespace cli = swr::cli;

namespace {

bool contains(const std::string& text, std::string_view part)
{
    return text.find(part) != std::string::npos;
}

swr::scan_summary make_summary()
{
    swr::scan_summary summary;
    summary.pages = 12;
    summary.items = 1200;
    summary.requests = 13;
    summary.bytes = 3 * 1024 * 1024;
    summary.elapsed = std::chrono::milliseconds(2500);
    summary.total = 20000;
    summary.next_offset = 1200;
    return summary;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(exit_status)

BOOST_AUTO_TEST_CASE(status_numbers_are_stable)
{
    // Scripts branch on these numbers, so changing one breaks them.
    BOOST_TEST(cli::exit_success == 0);
    BOOST_TEST(cli::exit_scan_failed == 1);
    BOOST_TEST(cli::exit_usage == 2);
    BOOST_TEST(cli::exit_auth_failed == 3);
    BOOST_TEST(cli::exit_incomplete == 4);
    BOOST_TEST(cli::exit_interrupted == 130);
    BOOST_TEST(cli::exit_terminated == 143);
}

BOOST_AUTO_TEST_CASE(errors_map_to_documented_statuses)
{
    using swr::errc;

    BOOST_TEST(cli::exit_status_for(errc::unauthorized, false) == 3);
    BOOST_TEST(cli::exit_status_for(errc::forbidden, false) == 3);
    BOOST_TEST(cli::exit_status_for(errc::throttled, false) == 1);
    BOOST_TEST(cli::exit_status_for(errc::server_error, false) == 1);
    BOOST_TEST(cli::exit_status_for(errc::timeout, false) == 1);
    BOOST_TEST(cli::exit_status_for(errc::bad_response, false) == 1);
    BOOST_TEST(cli::exit_status_for(errc::inconsistent_listing, false) == 4);
    BOOST_TEST(cli::exit_status_for(errc::invalid_argument, false) == 2);
    BOOST_TEST(cli::exit_status_for(boost::asio::error::connection_refused, false) == 1);
}

BOOST_AUTO_TEST_CASE(cancellation_after_sigint_is_130)
{
    BOOST_TEST(cli::exit_status_for(swr::errc::cancelled, true) == 130);
    BOOST_TEST(cli::exit_status_for(boost::asio::error::operation_aborted, true) == 130);
    BOOST_TEST(cli::exit_status_for(swr::errc::cancelled, false) == 1);
    BOOST_TEST(cli::exit_status_for(swr::errc::unauthorized, true) == 3);
}

BOOST_AUTO_TEST_CASE(summary_decides_success)
{
    swr::scan_summary summary = make_summary();

    summary.complete = true;
    BOOST_TEST(cli::exit_status_for(summary) == 0);

    summary.consistent = false;
    BOOST_TEST(cli::exit_status_for(summary) == 4);

    summary.consistent = true;
    summary.complete = false;
    BOOST_TEST(cli::exit_status_for(summary) == 4);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(expected_pages)

BOOST_AUTO_TEST_CASE(rounds_up_from_start_offset)
{
    BOOST_TEST(cli::expected_pages(20000, 0, 100).value() == 200);
    BOOST_TEST(cli::expected_pages(2537, 0, 100).value() == 26);
    BOOST_TEST(cli::expected_pages(2537, 1200, 100).value() == 14);
    BOOST_TEST(cli::expected_pages(2537, 2537, 100).value() == 0);
    BOOST_TEST(cli::expected_pages(0, 0, 100).value() == 0);
}

BOOST_AUTO_TEST_CASE(unknown_without_total)
{
    BOOST_TEST(!cli::expected_pages(std::nullopt, 0, 100).has_value());
    BOOST_TEST(!cli::expected_pages(100, 0, 0).has_value());
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(progress_line)

BOOST_AUTO_TEST_CASE(shows_bar_counts_rate_and_eta)
{
    cli::progress value;
    value.pages = 12;
    value.total_pages = 200;
    value.items = 1200;
    value.total_items = 20000;
    value.requests = 13;
    value.elapsed = std::chrono::seconds(2);

    // 600 items/s leave 18800 items for 32 s.
    BOOST_TEST(cli::format_progress(value, 0) ==
               "[#...................]   6% page 12/200, 1200/20000 items, 6.5 req/s, ETA 0:32");
}

BOOST_AUTO_TEST_CASE(omits_unknown_totals)
{
    cli::progress value;
    value.pages = 1;
    value.items = 100;

    BOOST_TEST(cli::format_progress(value, 0) == "page 1, 100 items");
}

BOOST_AUTO_TEST_CASE(fast_rate_has_no_decimals)
{
    cli::progress value;
    value.pages = 250;
    value.items = 25000;
    value.requests = 250;
    value.elapsed = std::chrono::seconds(10);

    BOOST_TEST(cli::format_progress(value, 0) == "page 250, 25000 items, 25 req/s");
}

BOOST_AUTO_TEST_CASE(complete_bar_is_full)
{
    cli::progress value;
    value.pages = 2;
    value.total_pages = 2;
    value.items = 150;
    value.total_items = 150;
    value.requests = 2;
    value.elapsed = std::chrono::seconds(1);

    BOOST_TEST(cli::format_progress(value, 0) ==
               "[####################] 100% page 2/2, 150/150 items, 2.0 req/s, ETA 0:00");
}

BOOST_AUTO_TEST_CASE(narrow_terminal_drops_bar_then_cuts)
{
    cli::progress value;
    value.pages = 12;
    value.total_pages = 200;
    value.items = 1200;
    value.total_items = 20000;
    value.requests = 13;
    value.elapsed = std::chrono::seconds(2);

    BOOST_TEST(cli::format_progress(value, 80) ==
               "[#...................]   6% page 12/200, 1200/20000 items, 6.5 req/s, ETA 0:32");
    BOOST_TEST(cli::format_progress(value, 70) == "  6% page 12/200, 1200/20000 items, 6.5 req/s, ETA 0:32");
    BOOST_TEST(cli::format_progress(value, 29) == "  6% page 12/200, 1200/20000");
    for (std::size_t width : {10u, 30u, 57u, 58u, 79u, 80u})
        BOOST_TEST(cli::format_progress(value, width).size() < width, "width " << width);
}

BOOST_AUTO_TEST_CASE(eta_needs_total_and_items)
{
    cli::progress value;
    value.total_items = 1000;
    value.elapsed = std::chrono::seconds(4);
    BOOST_TEST(!cli::estimate_remaining(value).has_value());

    // 25 items/s leave 900 items for 36 s.
    value.items = 100;
    BOOST_TEST(cli::estimate_remaining(value).value().count() == 36);

    value.total_items.reset();
    BOOST_TEST(!cli::estimate_remaining(value).has_value());
}

BOOST_AUTO_TEST_CASE(durations_use_minutes_then_hours)
{
    BOOST_TEST(cli::format_duration(std::chrono::seconds(0)) == "0:00");
    BOOST_TEST(cli::format_duration(std::chrono::seconds(65)) == "1:05");
    BOOST_TEST(cli::format_duration(std::chrono::seconds(3599)) == "59:59");
    BOOST_TEST(cli::format_duration(std::chrono::seconds(3723)) == "1:02:03");
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(summary_line)

BOOST_AUTO_TEST_CASE(complete_listing)
{
    swr::scan_summary summary = make_summary();
    summary.items = 20000;
    summary.next_offset = 20000;
    summary.complete = true;

    const std::string text = cli::format_summary(summary, 0);

    BOOST_TEST(text == "12 pages, 20000 items, 13 requests, 3.0 MiB received in 2.50 s: complete (20000 of 20000)");
}

BOOST_AUTO_TEST_CASE(start_offset_shows_record_range)
{
    swr::scan_summary summary = make_summary();
    summary.items = 100;
    summary.next_offset = 19'900;
    summary.complete = true;

    const std::string text = cli::format_summary(summary, 0);

    BOOST_TEST(text.ends_with("complete (records 19800 to 19899 of 20000)"));
}

BOOST_AUTO_TEST_CASE(start_offset_past_total_shows_no_records)
{
    swr::scan_summary summary = make_summary();
    summary.items = 0;
    summary.next_offset = 25'000;
    summary.complete = true;

    const std::string text = cli::format_summary(summary, 0);

    BOOST_TEST(text.ends_with("complete (no records from offset 25000 of 20000)"));
}

BOOST_AUTO_TEST_CASE(retries_and_throttling_are_counted)
{
    swr::scan_summary summary = make_summary();
    summary.retries = 3;
    summary.throttled = 1;

    const std::string text = cli::format_summary(summary, 1);

    BOOST_TEST(text.starts_with("12 pages, 1200 items, 13 requests, 3 retries, 1 page throttled, 3.0 MiB"));
}

BOOST_AUTO_TEST_CASE(failure_names_resume_offset)
{
    const std::string text = cli::format_summary(make_summary(), 1);

    BOOST_TEST(contains(text, "failed (1200 of 20000)"));
    BOOST_TEST(contains(text, "--start-offset 1200"));
}

BOOST_AUTO_TEST_CASE(interruption_names_resume_offset)
{
    const std::string text = cli::format_summary(make_summary(), 130);

    BOOST_TEST(contains(text, "interrupted"));
    BOOST_TEST(contains(text, "--start-offset 1200"));
}

BOOST_AUTO_TEST_CASE(termination_names_resume_offset)
{
    const std::string text = cli::format_summary(make_summary(), cli::exit_terminated);

    BOOST_TEST(contains(text, "terminated (1200 of 20000)"), text);
    BOOST_TEST(contains(text, "--start-offset 1200"));
}

BOOST_AUTO_TEST_CASE(changed_listing_asks_for_new_run)
{
    swr::scan_summary summary = make_summary();
    summary.consistent = false;

    const std::string text = cli::format_summary(summary, 4);

    BOOST_TEST(contains(text, "changed during the scan"));
}

BOOST_AUTO_TEST_CASE(singular_counts)
{
    swr::scan_summary summary;
    summary.pages = 1;
    summary.items = 1;
    summary.requests = 1;
    summary.complete = true;

    const std::string text = cli::format_summary(summary, 0);

    BOOST_TEST(text.starts_with("1 page, 1 item, 1 request, 0 B received in 0.00 s: complete"));
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(error_text)

swr::exception make_exception(swr::errc code, std::string message)
{
    swr::error_info info;
    info.message = std::move(message);
    return swr::exception(code, std::move(info));
}

BOOST_AUTO_TEST_CASE(usage_error_has_no_error_code)
{
    const swr::exception error = make_exception(swr::errc::invalid_argument, "'/run/sk' (--sk-file) is empty");

    BOOST_TEST(std::string(error.what()) != "'/run/sk' (--sk-file) is empty");
    BOOST_TEST(cli::error_text(error) == "'/run/sk' (--sk-file) is empty");
}

BOOST_AUTO_TEST_CASE(other_errors_keep_error_code)
{
    const swr::exception error = make_exception(swr::errc::unauthorized, "Incorrect token");

    BOOST_TEST(cli::error_text(error) == std::string(error.what()));
}

BOOST_AUTO_TEST_CASE(resume_hint_names_option)
{
    swr::error_info info;
    info.http_status = 503;
    info.message = "Service Unavailable; records from offset 40 on were not delivered: resume with start_offset 40";
    info.offset = 40;
    const swr::exception error(swr::errc::server_error, std::move(info));

    const std::string text = cli::error_text(error);

    BOOST_TEST(contains(text, "resume with --start-offset 40"), text);
    BOOST_TEST(!contains(text, "start_offset"), text);
}

BOOST_AUTO_TEST_SUITE_END()
