#define BOOST_TEST_MODULE scan_planner
#include "scan_planner.hpp"

#include <boost/test/unit_test.hpp>

#include <optional>
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
