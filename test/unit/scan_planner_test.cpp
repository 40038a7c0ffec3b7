#define BOOST_TEST_MODULE scan_planner
#include "scan_planner.hpp"

#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <iterator>
#include <map>
#include <optional>
#include <string>
#include <vector>

using swr::detail::page_slot;
using swr::detail::scan_planner;

namespace {

std::vector<page_slot> drain(scan_planner& planner)
{
    std::vector<page_slot> slots;
    while (auto slot = planner.next_request())
        slots.push_back(*slot);
    return slots;
}

}  // namespace

BOOST_TEST_DONT_PRINT_LOG_VALUE(page_slot)
BOOST_TEST_DONT_PRINT_LOG_VALUE(std::vector<page_slot>)

BOOST_AUTO_TEST_CASE(probe_is_alone_until_answered)
{
    scan_planner planner(0, 100, 4, 4);

    auto first = drain(planner);

    BOOST_TEST_REQUIRE(first.size() == 1u);
    BOOST_TEST(first[0].offset == 0);
    BOOST_TEST(first[0].limit == 100);
    BOOST_TEST(planner.in_flight() == 1u);
}

BOOST_AUTO_TEST_CASE(grid_after_probe_respects_in_flight_limit)
{
    scan_planner planner(0, 100, 4, 4);
    drain(planner);

    BOOST_TEST(planner.on_response({0, 100}, 100, 2537).empty());
    auto slots = drain(planner);

    std::vector<page_slot> expected{{100, 100}, {200, 100}, {300, 100}, {400, 100}};
    BOOST_TEST(slots == expected);
    BOOST_TEST(planner.in_flight() == 4u);
}

BOOST_AUTO_TEST_CASE(buffered_pages_hold_back_new_requests)
{
    scan_planner planner(0, 100, 2, 1);
    drain(planner);
    planner.on_response({0, 100}, 100, 1000);
    // Page 0 is not delivered yet: one buffered plus two in flight is the cap.
    auto slots = drain(planner);
    BOOST_TEST(slots.size() == 2u);

    BOOST_TEST(planner.on_response({100, 100}, 100, 1000).empty());
    BOOST_TEST(planner.on_response({200, 100}, 100, 1000).empty());
    BOOST_TEST(!planner.next_request().has_value());

    planner.on_delivered(100);
    auto after_delivery = planner.next_request();
    BOOST_TEST_REQUIRE(after_delivery.has_value());
    BOOST_TEST(after_delivery->offset == 300);
}

BOOST_AUTO_TEST_CASE(full_listing_finishes_after_last_delivery)
{
    scan_planner planner(0, 100, 16, 16);
    drain(planner);
    planner.on_response({0, 100}, 100, 250);
    auto slots = drain(planner);
    std::vector<page_slot> expected{{100, 100}, {200, 100}};
    BOOST_TEST(slots == expected);

    BOOST_TEST(planner.on_response({200, 100}, 50, 250).empty());
    BOOST_TEST(planner.on_response({100, 100}, 100, 250).empty());
    planner.on_delivered(100);
    planner.on_delivered(100);
    BOOST_TEST(!planner.finished());
    planner.on_delivered(50);

    BOOST_TEST(planner.finished());
    BOOST_TEST(planner.next_delivery() == 250);
    BOOST_TEST(planner.consistent());
}

BOOST_AUTO_TEST_CASE(server_page_cap_sets_grid_stride)
{
    scan_planner planner(0, 1000, 3, 3);
    drain(planner);

    BOOST_TEST(planner.on_response({0, 1000}, 500, 1800).empty());
    auto slots = drain(planner);

    std::vector<page_slot> expected{{500, 500}, {1000, 500}, {1500, 500}};
    BOOST_TEST(slots == expected);
}

BOOST_AUTO_TEST_CASE(short_middle_page_requests_gap_first)
{
    scan_planner planner(0, 100, 2, 4);
    drain(planner);
    planner.on_response({0, 100}, 100, 1000);
    drain(planner);  // 100 and 200

    BOOST_TEST(planner.on_response({100, 100}, 60, 1000).empty());
    auto gap = planner.next_request();

    BOOST_TEST_REQUIRE(gap.has_value());
    BOOST_TEST(gap->offset == 160);
    BOOST_TEST(gap->limit == 40);
}

BOOST_AUTO_TEST_CASE(gap_ignores_buffer_limit)
{
    scan_planner planner(0, 100, 1, 0);
    drain(planner);
    planner.on_response({0, 100}, 100, 300);
    planner.on_delivered(100);
    auto second = drain(planner);
    BOOST_TEST_REQUIRE(second.size() == 1u);

    // The page came back short while nothing else may be buffered; the gap
    // must still be requested or delivery would stall.
    BOOST_TEST(planner.on_response({100, 100}, 30, 300).empty());
    auto gap = planner.next_request();

    BOOST_TEST_REQUIRE(gap.has_value());
    BOOST_TEST(gap->offset == 130);
    BOOST_TEST(gap->limit == 70);
}

BOOST_AUTO_TEST_CASE(empty_result_ends_after_probe)
{
    scan_planner planner(0, 100, 4, 4);
    drain(planner);

    BOOST_TEST(planner.on_response({0, 100}, 0, 0).empty());
    BOOST_TEST(!planner.next_request().has_value());
    planner.on_delivered(0);

    BOOST_TEST(planner.finished());
}

BOOST_AUTO_TEST_CASE(empty_page_before_total_is_error)
{
    scan_planner planner(0, 100, 4, 4);
    drain(planner);
    planner.on_response({0, 100}, 100, 500);
    drain(planner);

    std::string problem = planner.on_response({200, 100}, 0, 500);

    BOOST_TEST(problem.find("offset 200") != std::string::npos);
    BOOST_TEST(problem.find("empty") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(empty_probe_with_positive_total_is_error)
{
    scan_planner planner(0, 100, 4, 4);
    drain(planner);

    std::string problem = planner.on_response({0, 100}, 0, 40);

    BOOST_TEST(problem.find("empty") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(more_records_than_requested_is_error)
{
    scan_planner planner(0, 100, 4, 4);
    drain(planner);

    std::string problem = planner.on_response({0, 100}, 101, 500);

    BOOST_TEST(problem.find("101") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(more_records_than_total_leaves_is_error)
{
    scan_planner planner(0, 100, 4, 4);
    drain(planner);
    planner.on_response({0, 100}, 100, 150);
    drain(planner);

    std::string problem = planner.on_response({100, 100}, 80, 150);

    BOOST_TEST(problem.find("leaves room for 50") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(changed_total_marks_inconsistent)
{
    scan_planner planner(0, 100, 4, 4);
    drain(planner);
    planner.on_response({0, 100}, 100, 300);
    drain(planner);

    BOOST_TEST(planner.on_response({100, 100}, 100, 301).empty());

    BOOST_TEST(!planner.consistent());
}

BOOST_AUTO_TEST_CASE(no_total_pages_sequentially)
{
    scan_planner planner(0, 100, 8, 8);
    drain(planner);

    BOOST_TEST(planner.on_response({0, 100}, 100, std::nullopt).empty());
    auto second = drain(planner);
    BOOST_TEST_REQUIRE(second.size() == 1u);
    BOOST_TEST(second[0].offset == 100);

    BOOST_TEST(planner.on_response({100, 100}, 100, std::nullopt).empty());
    auto third = drain(planner);
    BOOST_TEST_REQUIRE(third.size() == 1u);
    BOOST_TEST(third[0].offset == 200);

    BOOST_TEST(planner.on_response({200, 100}, 7, std::nullopt).empty());
    BOOST_TEST(!planner.next_request().has_value());
    planner.on_delivered(100);
    planner.on_delivered(100);
    planner.on_delivered(7);
    BOOST_TEST(planner.finished());
    BOOST_TEST(planner.next_delivery() == 207);
}

BOOST_AUTO_TEST_CASE(start_offset_shifts_grid)
{
    scan_planner planner(250, 100, 2, 2);
    auto probe = drain(planner);
    BOOST_TEST_REQUIRE(probe.size() == 1u);
    BOOST_TEST(probe[0].offset == 250);

    planner.on_response({250, 100}, 100, 500);
    auto slots = drain(planner);

    std::vector<page_slot> expected{{350, 100}, {450, 100}};
    BOOST_TEST(slots == expected);
    BOOST_TEST(planner.next_delivery() == 250);
}

BOOST_AUTO_TEST_CASE(start_beyond_total_finishes_empty)
{
    scan_planner planner(900, 100, 2, 2);
    drain(planner);

    BOOST_TEST(planner.on_response({900, 100}, 0, 500).empty());
    planner.on_delivered(0);

    BOOST_TEST(planner.finished());
}

// Speculative pages: requested with the probe, settled once its response is in.

namespace {

using failure_effect = scan_planner::failure_effect;

struct listing_model {
    std::int64_t total = 0;
    std::int64_t cap = 100;      // most records the server returns per page
    bool reports_total = true;  // whether responses carry Content-Range
};

// Runs a whole scan against `model`, responding to the newest request in flight
// first (or the oldest) and delivering pages in order as a scan does. Returns the records
// delivered, in order, as offsets; fails the test on any planner error.
std::vector<std::int64_t> run_scan(scan_planner& planner, const listing_model& model, bool newest_first = true)
{
    std::vector<page_slot> flying;
    std::map<std::int64_t, std::int64_t> ready;  // offset -> record count
    std::vector<std::int64_t> delivered;
    for (int step = 0; step < 10000; ++step) {
        for (auto page = ready.find(planner.next_delivery()); page != ready.end();
             page = ready.find(planner.next_delivery())) {
            // Stored before the planner knew the page lies past the end.
            if (planner.discarded(page->first)) {
                ready.erase(page);
                continue;
            }
            for (std::int64_t record = 0; record < page->second; ++record)
                delivered.push_back(page->first + record);
            auto count = page->second;
            ready.erase(page);
            planner.on_delivered(count);
        }
        if (planner.finished())
            return delivered;
        while (auto slot = planner.next_request())
            flying.push_back(*slot);
        BOOST_TEST_REQUIRE(!flying.empty(), "the scan waits for nothing but did not finish");
        auto next = newest_first ? std::prev(flying.end()) : flying.begin();
        page_slot slot = *next;
        flying.erase(next);
        std::int64_t count = std::clamp(std::min(slot.limit, model.cap), std::int64_t{0},
                                        std::max<std::int64_t>(model.total - slot.offset, 0));
        auto total = model.reports_total ? std::optional<std::int64_t>(model.total) : std::nullopt;
        std::string problem = planner.on_response(slot, count, total);
        BOOST_TEST_REQUIRE(problem.empty(), problem);
        if (!planner.discarded(slot.offset))
            ready.emplace(slot.offset, count);
    }
    BOOST_FAIL("the scan did not finish in 10000 steps");
    return delivered;
}

std::vector<std::int64_t> every_record(std::int64_t from, std::int64_t to)
{
    std::vector<std::int64_t> records;
    for (std::int64_t record = from; record < to; ++record)
        records.push_back(record);
    return records;
}

}  // namespace

BOOST_AUTO_TEST_CASE(speculative_pages_leave_with_the_probe)
{
    scan_planner planner(0, 100, 4, 4, 2);

    auto first = drain(planner);

    std::vector<page_slot> expected{{0, 100}, {100, 100}, {200, 100}};
    BOOST_TEST(first == expected);
}

BOOST_AUTO_TEST_CASE(speculative_pages_stay_below_in_flight_limit)
{
    scan_planner planner(0, 100, 4, 4, 10);

    BOOST_TEST(drain(planner).size() == 4u);
}

BOOST_AUTO_TEST_CASE(early_answers_wait_for_the_probe)
{
    scan_planner planner(0, 100, 4, 4, 3);
    drain(planner);

    BOOST_TEST(planner.on_response({200, 100}, 100, 1000).empty());
    BOOST_TEST(planner.on_response({100, 100}, 100, 1000).empty());
    // Without the probe's response the planner does not know the grid yet.
    BOOST_TEST(!planner.next_request().has_value());
    BOOST_TEST(!planner.total().has_value());

    BOOST_TEST(planner.on_response({0, 100}, 100, 1000).empty());
    auto slots = drain(planner);

    std::vector<page_slot> expected{{400, 100}, {500, 100}, {600, 100}};
    BOOST_TEST(slots == expected);
}

BOOST_AUTO_TEST_CASE(pages_past_a_short_listing_are_discarded)
{
    scan_planner planner(0, 100, 4, 4, 3);
    drain(planner);

    BOOST_TEST(planner.on_response({300, 100}, 0, 150).empty());
    BOOST_TEST(planner.on_response({0, 100}, 100, 150).empty());
    BOOST_TEST(planner.on_response({100, 100}, 50, 150).empty());
    BOOST_TEST(planner.discarded(300));
    BOOST_TEST(!planner.discarded(100));
    planner.on_delivered(100);
    planner.on_delivered(50);
    // The page at 200 is still out: the scan waits for it.
    BOOST_TEST(!planner.finished());

    BOOST_TEST(planner.on_response({200, 100}, 0, 150).empty());
    BOOST_TEST(planner.discarded(200));
    BOOST_TEST(planner.finished());
    BOOST_TEST(planner.consistent());
}

BOOST_AUTO_TEST_CASE(failure_past_the_end_is_harmless)
{
    scan_planner planner(0, 100, 4, 4, 2);
    drain(planner);
    planner.on_abandoned({200, 100});

    BOOST_TEST((planner.on_failure({200, 100}) == failure_effect::pending));
    BOOST_TEST(planner.on_response({0, 100}, 100, 120).empty());

    BOOST_TEST((planner.effect_of_failure({200, 100}) == failure_effect::harmless));
    BOOST_TEST(planner.on_response({100, 100}, 20, 120).empty());
    planner.on_delivered(100);
    planner.on_delivered(20);
    BOOST_TEST(planner.finished());
}

BOOST_AUTO_TEST_CASE(failure_inside_the_listing_is_fatal)
{
    scan_planner planner(0, 100, 4, 4, 2);
    drain(planner);
    planner.on_abandoned({100, 100});
    BOOST_TEST((planner.on_failure({100, 100}) == failure_effect::pending));

    BOOST_TEST(planner.on_response({0, 100}, 100, 1000).empty());

    BOOST_TEST((planner.effect_of_failure({100, 100}) == failure_effect::fatal));
    // Once the end is known a failure is decided at once.
    planner.on_abandoned({200, 100});
    BOOST_TEST((planner.on_failure({200, 100}) == failure_effect::fatal));
}

BOOST_AUTO_TEST_CASE(failure_of_an_ordinary_page_is_fatal)
{
    scan_planner planner(0, 100, 4, 4);
    drain(planner);
    planner.on_abandoned({0, 100});

    BOOST_TEST((planner.on_failure({0, 100}) == failure_effect::fatal));
}

BOOST_AUTO_TEST_CASE(without_total_speculative_pages_count_in_order)
{
    scan_planner planner(0, 100, 4, 4, 3);
    drain(planner);

    // The page at 200 is short, so the listing ends there; 300 is past it.
    BOOST_TEST(planner.on_response({200, 100}, 30, std::nullopt).empty());
    BOOST_TEST(planner.on_response({0, 100}, 100, std::nullopt).empty());
    BOOST_TEST(!planner.discarded(200));
    planner.on_abandoned({300, 100});
    // Until the page at 100 is in, the end is not known.
    BOOST_TEST((planner.on_failure({300, 100}) == failure_effect::pending));

    BOOST_TEST(planner.on_response({100, 100}, 100, std::nullopt).empty());
    BOOST_TEST((planner.effect_of_failure({300, 100}) == failure_effect::harmless));
    BOOST_TEST(!planner.next_request().has_value());
    planner.on_delivered(100);
    planner.on_delivered(100);
    planner.on_delivered(30);
    BOOST_TEST(planner.finished());
}

BOOST_AUTO_TEST_CASE(without_total_full_speculative_pages_lead_on)
{
    scan_planner planner(0, 100, 4, 4, 2);
    drain(planner);

    BOOST_TEST(planner.on_response({0, 100}, 100, std::nullopt).empty());
    BOOST_TEST(planner.on_response({200, 100}, 100, std::nullopt).empty());
    BOOST_TEST(!planner.next_request().has_value());
    BOOST_TEST(planner.on_response({100, 100}, 100, std::nullopt).empty());

    auto next = drain(planner);
    std::vector<page_slot> expected{{300, 100}};
    BOOST_TEST(next == expected);
}

BOOST_AUTO_TEST_CASE(scans_deliver_every_record_once_with_any_speculation)
{
    for (std::int64_t total : {0, 1, 99, 100, 101, 250, 399, 400, 1000}) {
        for (std::int64_t cap : {100, 50, 30}) {
            for (std::size_t speculative : {0u, 1u, 3u, 7u}) {
                for (bool reports_total : {true, false}) {
                    // Without a total a short page is the last, so the
                    // server must honour the page size.
                    if (!reports_total && cap < 100)
                        continue;
                    BOOST_TEST_CONTEXT("total " << total << ", cap " << cap << ", speculative " << speculative
                                                << ", total reported " << reports_total)
                    {
                        for (bool newest_first : {true, false}) {
                            scan_planner planner(0, 100, 8, 8, speculative);
                            auto delivered = run_scan(planner, {total, cap, reports_total}, newest_first);
                            BOOST_TEST(delivered == every_record(0, total));
                        }
                    }
                }
            }
        }
    }
}

BOOST_AUTO_TEST_CASE(speculation_from_a_start_offset)
{
    scan_planner planner(250, 100, 4, 4, 3);

    auto delivered = run_scan(planner, {720, 100, true});

    BOOST_TEST(delivered == every_record(250, 720));
}

BOOST_AUTO_TEST_CASE(listing_that_shrank_finishes_at_its_new_end)
{
    // Pages of 10 and 50 records. Then the listing shrinks to 25, and the
    // empty page at 30 gets its response before the pages at 10 and 20.
    for (std::size_t speculative : {0u, 7u}) {
        BOOST_TEST_CONTEXT("speculative pages " << speculative)
        {
            scan_planner planner(0, 10, 8, 8, speculative);
            drain(planner);
            BOOST_TEST(planner.on_response({0, 10}, 10, 50).empty());
            drain(planner);
            for (std::int64_t offset = 30; offset <= 70; offset += 10) {
                if (offset < 50 || speculative > 0)
                    BOOST_TEST(planner.on_response({offset, 10}, 0, 25).empty());
            }
            BOOST_TEST(planner.known_end().value_or(-1) == 25);
            BOOST_TEST(planner.on_response({10, 10}, 10, 25).empty());
            BOOST_TEST(planner.on_response({20, 10}, 5, 25).empty());

            planner.on_delivered(10);
            planner.on_delivered(10);
            BOOST_TEST(!planner.finished());
            planner.on_delivered(5);

            // Nothing lies at 25, so the pages at 30 on are left out.
            BOOST_TEST(planner.finished());
            BOOST_TEST(!planner.consistent());
        }
    }
}

BOOST_AUTO_TEST_CASE(empty_page_past_the_end_without_total_is_consistent)
{
    // The server sends no Content-Range: the total comes from the items'
    // total_range, and the empty page at 30 has none.
    scan_planner planner(0, 10, 4, 4, 3);
    drain(planner);

    BOOST_TEST(planner.on_response({0, 10}, 10, 25).empty());
    BOOST_TEST(planner.on_response({30, 10}, 0, std::nullopt).empty());
    BOOST_TEST(planner.on_response({10, 10}, 10, 25).empty());
    BOOST_TEST(planner.on_response({20, 10}, 5, 25).empty());

    BOOST_TEST(planner.discarded(30));
    BOOST_TEST(planner.consistent());
}

BOOST_AUTO_TEST_CASE(failure_of_a_grid_page_past_a_shrunken_end_is_harmless)
{
    scan_planner planner(0, 10, 8, 8);
    drain(planner);
    BOOST_TEST(planner.on_response({0, 10}, 10, 50).empty());
    drain(planner);
    BOOST_TEST(planner.on_response({10, 10}, 5, 15).empty());
    planner.on_abandoned({30, 10});

    BOOST_TEST((planner.on_failure({30, 10}) == failure_effect::harmless));
    BOOST_TEST((planner.on_failure({10, 10}) == failure_effect::fatal));
}

BOOST_AUTO_TEST_CASE(page_built_before_a_shrink_is_a_change_not_an_error)
{
    // The page at 10 reports the listing shrunk to 25, while the page at 20
    // still contains 10 records of the 50, so the listing changed during the scan.
    scan_planner planner(0, 10, 8, 8);
    drain(planner);
    BOOST_TEST(planner.on_response({0, 10}, 10, 50).empty());
    drain(planner);

    BOOST_TEST(planner.on_response({10, 10}, 10, 25).empty());
    std::string problem = planner.on_response({20, 10}, 10, 50);

    BOOST_TEST(problem.empty(), problem);
    BOOST_TEST(!planner.consistent());
}

BOOST_AUTO_TEST_CASE(page_contradicting_its_own_total_is_an_error)
{
    // 10 records from offset 30 of a listing of 25.
    scan_planner planner(0, 10, 8, 8);
    drain(planner);
    BOOST_TEST(planner.on_response({0, 10}, 10, 50).empty());
    drain(planner);

    BOOST_TEST(planner.on_response({30, 10}, 10, 25) == "page at offset 30 holds 10 records but the total 25 "
                                                          "leaves room for 0");
}

BOOST_AUTO_TEST_CASE(gap_past_a_shrunken_end_is_dropped)
{
    // The page at 30 contains 5 of 10, leaving a gap at 35. Then the listing
    // shrinks to 30.
    scan_planner planner(0, 10, 8, 8);
    drain(planner);
    BOOST_TEST(planner.on_response({0, 10}, 10, 50).empty());
    drain(planner);
    BOOST_TEST(planner.on_response({30, 10}, 5, 50).empty());
    BOOST_TEST(planner.on_response({40, 10}, 0, 30).empty());
    BOOST_TEST(planner.on_response({10, 10}, 10, 30).empty());
    BOOST_TEST(planner.on_response({20, 10}, 10, 30).empty());
    for (int page = 0; page < 3; ++page)
        planner.on_delivered(10);

    BOOST_TEST(!planner.next_request().has_value());
    BOOST_TEST(planner.finished());
}

BOOST_AUTO_TEST_CASE(records_past_a_short_page_without_total_mark_the_scan_incomplete)
{
    // No total: the server caps pages at 5, so the short first page looks
    // like the last, yet the speculative pages after it hold records.
    scan_planner planner(0, 10, 4, 4, 3);
    drain(planner);
    BOOST_TEST(planner.on_response({10, 10}, 5, std::nullopt).empty());
    BOOST_TEST(planner.on_response({0, 10}, 5, std::nullopt).empty());
    BOOST_TEST(planner.on_response({20, 10}, 5, std::nullopt).empty());
    BOOST_TEST(planner.on_response({30, 10}, 0, std::nullopt).empty());
    planner.on_delivered(5);

    BOOST_TEST(planner.finished());
    BOOST_TEST(!planner.consistent());
}
