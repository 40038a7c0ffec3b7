// Paging faults against the real emulator over TLS on 127.0.0.1. The faults
// are pages capped below the requested size, a listing that changes between
// pages, wrong or missing Content-Range, an empty listing, a failed scan
// resumed from its reported offset, the scan deadline, and speculative
// pages past the end of the listing. Every check compares the items
// delivered with the listing read before any fault was set.

#define BOOST_TEST_MODULE fault_scan
#include "support/fault_harness.hpp"

#include <swr/client.hpp>
#include <swr/emulator.hpp>

#include <boost/test/unit_test.hpp>

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace asio = boost::asio;
using namespace std::chrono_literals;
using swr::test::concatenated;
using swr::test::bad_request;
using swr::test::contains;
using swr::test::content_range;
using swr::test::delay_of;
using swr::test::eventually;
using swr::test::fault_server;
using swr::test::on_every_request;
using swr::test::on_offset;
using swr::test::on_request;
using swr::test::recording_time_source;
using swr::test::run_scan;
using swr::test::scaled;
using swr::test::scan_report;
using swr::test::scan_with;
using swr::test::slice;

namespace {

constexpr std::int64_t repository_count = 50;
constexpr double jitter_draw = 0.5;

// The first backoff delay: 0.5 x the default initial 200 ms.
constexpr std::int64_t first_backoff_ms = 100;

using delays = std::vector<std::int64_t>;

// An emulator with 50 repositories, a recording time source and a client
// built on demand, destroyed before its io_context.
struct scan_fixture {
    explicit scan_fixture(std::int64_t repositories = repository_count) : server(repositories) {}

    fault_server server;
    std::shared_ptr<recording_time_source> time = std::make_shared<recording_time_source>(jitter_draw);
    asio::io_context io;
    swr::client_options options = swr::test::fault_client_options(server.get(), time);
    std::optional<swr::client> client;

    swr::client& start_client()
    {
        client.emplace(io.get_executor(), options);
        return *client;
    }
};

struct empty_listing_fixture : scan_fixture {
    empty_listing_fixture() : scan_fixture(0) {}
};

std::size_t distinct(const std::vector<std::string>& keys)
{
    return std::set<std::string>(keys.begin(), keys.end()).size();
}

swr::page_size_cap_fault cap_at(std::int64_t max_items)
{
    swr::page_size_cap_fault fault;
    fault.max_items = max_items;
    return fault;
}

swr::mutate_fault insert_at_front(std::int64_t count)
{
    swr::mutate_fault fault;
    fault.insert = count;
    fault.position = 0;
    return fault;
}

swr::mutate_fault remove_from_front(std::int64_t count)
{
    swr::mutate_fault fault;
    fault.remove = count;
    fault.position = 0;
    return fault;
}

// A 200 response whose body lists repositories `seq/repo-{first}` up to
// `seq/repo-{last - 1}`, without `total_range`. The emulator sends no
// Content-Range with it.
swr::status_fault page_without_total(int first, int last)
{
    std::string body = "[";
    for (int i = first; i < last; ++i) {
        if (i > first)
            body += ",";
        body += R"({"name":"repo-)" + std::to_string(i) + R"(","namespace":"seq","category":"other",)" +
                R"("size":1024,"is_public":false,"num_images":1,"num_download":0,"tags":["latest"]})";
    }
    body += "]";

    swr::status_fault fault;
    fault.status = 200;
    fault.body = std::move(body);
    return fault;
}

// Pages of 10 with 8 in flight, 7 of them requested with the first page.
swr::scan_options speculating()
{
    swr::scan_options scan = scan_with(10, 8);
    scan.speculative_pages = 7;
    return scan;
}

// Checks that a scan delivered the whole listing once, in `min_requests` to
// `max_requests` requests, because requests past the end may be cancelled before they leave.
void check_whole_listing(scan_fixture& f, const scan_report& report, std::int64_t min_requests,
                         std::int64_t max_requests)
{
    BOOST_TEST(!report.error, report.what);
    BOOST_TEST(report.keys == f.server.reference(), boost::test_tools::per_element());
    BOOST_TEST(report.summary.complete);
    BOOST_TEST(report.summary.consistent);
    BOOST_TEST(report.summary.requests >= min_requests);
    BOOST_TEST(report.summary.requests <= max_requests);
    // A request cancelled before it was written is not counted.
    auto counted = static_cast<std::uint64_t>(report.summary.requests);
    BOOST_TEST(eventually([&] { return f.server.get().stats().requests == counted; }),
               "the emulator saw " << f.server.get().stats().requests << " requests, the summary counts " << counted);
}

// Scans pages of 10, 4 in flight and `speculative` of them with the first,
// where the pages carry neither Content-Range nor total_range: 10, 10 and 5
// repositories, then an empty page. Checks that the 25 are delivered once.
scan_report check_scan_without_total(scan_fixture& f, std::size_t speculative)
{
    f.server.script({on_offset(0, page_without_total(0, 10)), on_offset(10, page_without_total(10, 20)),
                     on_offset(20, page_without_total(20, 25)), on_offset(30, page_without_total(0, 0))});
    swr::scan_options scan = scan_with(10, 4);
    scan.speculative_pages = speculative;

    scan_report report = run_scan(f.start_client(), f.io, scan);

    std::vector<std::string> expected;
    for (int i = 0; i < 25; ++i)
        expected.push_back("seq/repo-" + std::to_string(i));
    BOOST_TEST(!report.error, report.what);
    BOOST_TEST(report.keys == expected, boost::test_tools::per_element());
    BOOST_TEST(!report.summary.total.has_value());
    BOOST_TEST(report.summary.complete);
    return report;
}

// Checks a sequential scan (pages of 10) that a Content-Range of `value` on
// the page at offset 10 ends with `bad_content_range` after one request for
// that page, the first page delivered and nothing after it. `planned` is
// how many further requests the scan may send on the strength of the
// Content-Range before parsing the body shows it wrong.
void check_content_range_rejected(scan_fixture& f, const std::string& value, unsigned planned = 0)
{
    f.server.script({on_offset(10, content_range(value))});

    scan_report report = run_scan(f.start_client(), f.io, scan_with(10, 1));

    BOOST_TEST(report.error == swr::errc::bad_content_range);
    BOOST_TEST(report.info.message.rfind("Content-Range '" + value + "' does not match the response: " +
                                             "requested offset 10, body holds 10 records",
                                         0) == 0u,
               "message: " << report.info.message);
    BOOST_TEST(report.info.offset.value_or(-1) == 10);
    BOOST_TEST(!report.info.request_id.empty());
    BOOST_TEST(report.keys == slice(f.server.reference(), 0, 10), boost::test_tools::per_element());
    BOOST_TEST(report.summary.next_offset == 10);
    BOOST_TEST(!report.summary.complete);
    BOOST_TEST(f.server.get().stats().requests >= 2u);
    BOOST_TEST(f.server.get().stats().requests <= 2u + planned);
    BOOST_TEST(f.client->stats().retries == 0u);
    BOOST_TEST(f.time->delays_ms().empty());
}

}  // namespace

BOOST_FIXTURE_TEST_CASE(page_cap_on_probe_sets_stride, scan_fixture)
{
    // Every page contains at most 7 of the 20 requested, as from a server
    // whose maximum page size is 7, so the scan lays its pages out on 7.
    server.script({on_every_request(cap_at(7))});

    scan_report report = run_scan(start_client(), io, scan_with(20, 4));

    BOOST_TEST(!report.error, report.what);
    BOOST_TEST(report.keys == server.reference(), boost::test_tools::per_element());
    BOOST_TEST(report.summary.complete);
    // Pages at 0, 7, ..., 49: seven of 7 records and one of 1.
    BOOST_TEST(report.summary.requests == 8);
    BOOST_TEST(report.summary.pages == 8);
    BOOST_TEST(server.get().stats().requests == 8u);
    BOOST_TEST(server.get().stats().faults_by_action.page_size_cap == 8u);
}

BOOST_FIXTURE_TEST_CASE(page_cap_mid_scan_fills_gap, scan_fixture)
{
    // The page at offset 20 comes back with 4 of 10 records. The other 6
    // are requested at offset 24 and nothing is skipped.
    server.script({on_offset(20, cap_at(4))});

    scan_report report = run_scan(start_client(), io, scan_with(10, 4));

    BOOST_TEST(!report.error, report.what);
    BOOST_TEST(report.keys == server.reference(), boost::test_tools::per_element());
    BOOST_TEST(report.summary.complete);
    BOOST_TEST(report.summary.consistent);
    BOOST_TEST(report.summary.duplicates_dropped == 0);
    // Five grid pages and the gap.
    BOOST_TEST(report.summary.requests == 6);
    BOOST_TEST(server.get().stats().requests == 6u);
}

BOOST_FIXTURE_TEST_CASE(listing_insert_reported, scan_fixture)
{
    // Three repositories appear at the front before the second page. It
    // then starts 3 records earlier: the 3 repeated records are dropped and
    // the last 3 of the original 50 fall beyond the total of the first page.
    server.script({on_request(2, insert_at_front(3))});

    scan_report report = run_scan(start_client(), io, scan_with(10, 1));

    BOOST_TEST(!report.error, report.what);
    BOOST_TEST(report.keys == slice(server.reference(), 0, 47), boost::test_tools::per_element());
    BOOST_TEST(distinct(report.keys) == report.keys.size());
    BOOST_TEST(report.summary.duplicates_dropped == 3);
    BOOST_TEST(report.summary.items == 47);
    BOOST_TEST(!report.summary.consistent);
    BOOST_TEST(!report.summary.complete);
    BOOST_TEST(report.summary.total.value_or(-1) == 50);
    BOOST_TEST(server.get().stats().faults_by_action.mutate == 1u);
}

BOOST_FIXTURE_TEST_CASE(listing_delete_reported, scan_fixture)
{
    // Three repositories disappear from the front before the second page,
    // which then starts 3 records later: records 10-12 are never seen and
    // the listing ends at 47. With on_listing_change = report, the scan
    // delivers each remaining record once and ends without an error.
    server.script({on_request(2, remove_from_front(3))});

    scan_report report = run_scan(start_client(), io, scan_with(10, 1));

    BOOST_TEST(!report.error, report.what);
    BOOST_TEST(report.keys == concatenated(slice(server.reference(), 0, 10), slice(server.reference(), 13, 50)),
               boost::test_tools::per_element());
    BOOST_TEST(distinct(report.keys) == report.keys.size());
    BOOST_TEST(report.summary.duplicates_dropped == 0);
    BOOST_TEST(!report.summary.consistent);
    BOOST_TEST(!report.summary.complete);
}

BOOST_FIXTURE_TEST_CASE(listing_change_fails_by_policy, scan_fixture)
{
    server.script({on_request(2, insert_at_front(3))});
    auto scan = scan_with(10, 1);
    scan.on_listing_change = swr::scan_options::on_change::fail;

    scan_report report = run_scan(start_client(), io, scan);

    BOOST_TEST(report.error == swr::errc::inconsistent_listing);
    BOOST_TEST(report.info.message.rfind("the listing changed during the scan: the page at offset 10 reports a "
                                         "total of 53, the first page 50",
                                         0) == 0u,
               "message: " << report.info.message);
    BOOST_TEST(contains(report.info.message, "resume with start_offset 10"), report.info.message);
    BOOST_TEST(report.info.offset.value_or(-1) == 10);
    BOOST_TEST(report.keys == slice(server.reference(), 0, 10), boost::test_tools::per_element());
    BOOST_TEST(report.summary.next_offset == 10);
    BOOST_TEST(!report.summary.consistent);
    BOOST_TEST(!report.summary.complete);
    BOOST_TEST(server.get().stats().requests == 2u);
}

BOOST_FIXTURE_TEST_CASE(content_range_wrong_start_rejected, scan_fixture)
{
    check_content_range_rejected(*this, "5-10/50");
}

BOOST_FIXTURE_TEST_CASE(content_range_wrong_count_rejected, scan_fixture)
{
    // Nine records leave a gap of one at offset 19, which may be requested
    // before the body of ten is parsed.
    check_content_range_rejected(*this, "10-9/50", 1);
}

BOOST_FIXTURE_TEST_CASE(late_bad_body_fails_at_its_turn, scan_fixture)
{
    // The page at offset 10 comes 200 ms late, with a Content-Range of nine
    // records for a body of ten, so the pages after it arrive first and wait.
    // Its body is parsed when its turn comes, and the scan then fails there:
    // the waiting pages are not delivered, and the scan resumes at 10.
    server.script({on_offset(10, content_range("10-9/50")), on_offset(10, delay_of(200ms))});

    scan_report report = run_scan(start_client(), io, scan_with(10, 4));

    BOOST_TEST(report.error == swr::errc::bad_content_range);
    BOOST_TEST(report.info.message.rfind("Content-Range '10-9/50' does not match the response: "
                                         "requested offset 10, body holds 10 records",
                                         0) == 0u,
               "message: " << report.info.message);
    BOOST_TEST(report.info.offset.value_or(-1) == 10);
    BOOST_TEST(!report.info.request_id.empty());
    BOOST_TEST(report.keys == slice(server.reference(), 0, 10), boost::test_tools::per_element());
    BOOST_TEST(report.summary.next_offset == 10);
    BOOST_TEST(report.summary.pages == 1);
    BOOST_TEST(!report.summary.complete);
    // The pages at 20, 30 and 40 were requested while the one at 10 was late.
    BOOST_TEST(server.get().stats().requests >= 5u);
}

BOOST_FIXTURE_TEST_CASE(missing_content_range_uses_total_range, scan_fixture)
{
    // No response has Content-Range, but every item still carries total_range.
    server.script({on_every_request(content_range(std::nullopt))});

    scan_report report = run_scan(start_client(), io, scan_with(10, 4));

    BOOST_TEST(!report.error, report.what);
    BOOST_TEST(report.keys == server.reference(), boost::test_tools::per_element());
    BOOST_TEST(report.summary.total.value_or(-1) == 50);
    BOOST_TEST(report.summary.complete);
    BOOST_TEST(report.summary.requests == 5);
    BOOST_TEST(server.get().stats().requests == 5u);
    BOOST_TEST(server.get().stats().faults_by_action.content_range == 5u);
}

BOOST_FIXTURE_TEST_CASE(missing_total_pages_sequentially, empty_listing_fixture)
{
    // The scan pages one after another until the short page.
    scan_report report = check_scan_without_total(*this, 0);

    BOOST_TEST(report.summary.requests == 3);
    BOOST_TEST(server.get().stats().requests == 3u);
}

BOOST_FIXTURE_TEST_CASE(empty_listing_one_request, empty_listing_fixture)
{
    server.script({});

    scan_report report = run_scan(start_client(), io, scan_with(10, 4));

    BOOST_TEST(!report.error, report.what);
    BOOST_TEST(report.keys.empty());
    BOOST_TEST(report.summary.items == 0);
    BOOST_TEST(report.summary.total.value_or(-1) == 0);
    BOOST_TEST(report.summary.complete);
    BOOST_TEST(report.summary.requests == 1);
    BOOST_TEST(server.get().stats().requests == 1u);
}

BOOST_FIXTURE_TEST_CASE(failed_scan_resumes_at_offset, scan_fixture)
{
    // The page at offset 30 fails twice, which uses up both attempts. A
    // second scan from the reported offset, without the fault, delivers the
    // rest: together the two deliver the listing exactly once.
    options.retry.max_attempts = 2;
    swr::fault_rule always_500 = on_offset(30, swr::status_fault{});
    always_500.times = 0;
    server.script({always_500});
    swr::client& client = start_client();

    scan_report first = run_scan(client, io, scan_with(10, 1));

    BOOST_TEST(first.error == swr::errc::server_error);
    BOOST_TEST(first.info.offset.value_or(-1) == 30);
    BOOST_TEST(contains(first.info.message, "gave up after 2 attempts"), first.info.message);
    BOOST_TEST(contains(first.info.message, "resume with start_offset 30"), first.info.message);
    BOOST_TEST(first.summary.next_offset == 30);
    BOOST_TEST(first.keys == slice(server.reference(), 0, 30), boost::test_tools::per_element());
    BOOST_TEST(time->delays_ms() == delays{first_backoff_ms}, boost::test_tools::per_element());

    server.script({});
    auto resumed = scan_with(10, 1);
    resumed.start_offset = first.summary.next_offset;
    io.restart();
    scan_report second = run_scan(client, io, resumed);

    BOOST_TEST(!second.error, second.what);
    BOOST_TEST(second.keys == slice(server.reference(), 30, 50), boost::test_tools::per_element());
    BOOST_TEST(second.summary.complete);
    BOOST_TEST(concatenated(first.keys, second.keys) == server.reference(), boost::test_tools::per_element());
}

BOOST_FIXTURE_TEST_CASE(scan_deadline_reports_resume_offset, scan_fixture)
{
    // The page at offset 20 never gets its body. The idle timeout (10 s) is
    // far off, so the scan's own deadline ends the scan.
    server.script({on_offset(20, swr::stall_after_headers_fault{})});
    auto scan = scan_with(10, 1);
    scan.deadline = scaled(300ms);

    scan_report report = run_scan(start_client(), io, scan);

    BOOST_TEST(report.error == swr::errc::timeout);
    BOOST_TEST(report.info.message.rfind("the scan deadline of " + std::to_string(scan.deadline.count()) +
                                             " ms passed",
                                         0) == 0u,
               "message: " << report.info.message);
    BOOST_TEST(contains(report.info.message, "resume with start_offset 20"), report.info.message);
    BOOST_TEST(report.summary.next_offset == 20);
    BOOST_TEST(report.keys == slice(server.reference(), 0, 20), boost::test_tools::per_element());
    BOOST_TEST(!report.summary.complete);
    BOOST_TEST(server.get().stats().requests == 3u);
    BOOST_TEST(time->delays_ms().empty());
}

// Speculative pages: requested with the first page, dropped past the end.

BOOST_FIXTURE_TEST_CASE(pages_past_the_end_are_dropped, scan_fixture)
{
    server.script({});

    scan_report report = run_scan(start_client(), io, speculating());

    // Offsets 0 to 70 go out at once; 50, 60 and 70 lie past the 50 records,
    // and are cancelled if they have not left when the first page is in.
    check_whole_listing(*this, report, 5, 8);
    BOOST_TEST(report.summary.pages == 5);
    BOOST_TEST(eventually([&] { return server.get().stats().requests <= 8u; }));
}

BOOST_FIXTURE_TEST_CASE(long_listing_continues_after_speculative_pages, scan_fixture)
{
    server.script({});
    swr::scan_options scan = speculating();
    scan.page_size = 3;

    scan_report report = run_scan(start_client(), io, scan);

    // 17 pages of 3: no page is requested twice.
    check_whole_listing(*this, report, 17, 17);
}

BOOST_FIXTURE_TEST_CASE(failure_past_the_end_is_ignored, scan_fixture)
{
    server.script({on_offset(60, bad_request())});

    scan_report report = run_scan(start_client(), io, speculating());

    check_whole_listing(*this, report, 5, 8);
}

BOOST_FIXTURE_TEST_CASE(failure_inside_the_listing_fails_the_scan, scan_fixture)
{
    server.script({on_offset(30, bad_request())});

    scan_report report = run_scan(start_client(), io, speculating());

    // The pages before 30 that were still out when it failed are dropped
    // too; the error reports where to resume.
    auto resume = report.summary.next_offset;
    BOOST_TEST(report.error == swr::errc::bad_request);
    BOOST_TEST(report.info.offset.value_or(-1) == 30);
    BOOST_TEST(resume <= 30);
    BOOST_TEST(contains(report.info.message, "resume with start_offset " + std::to_string(resume)),
               report.info.message);
    BOOST_TEST(report.keys == slice(server.reference(), 0, resume), boost::test_tools::per_element());
    BOOST_TEST(!report.summary.complete);
}

BOOST_FIXTURE_TEST_CASE(without_total_pages_count_in_order, empty_listing_fixture)
{
    // Offsets 0 to 30 go out at once; the empty page at 30 is dropped.
    scan_report report = check_scan_without_total(*this, 3);

    BOOST_TEST(report.summary.requests == 4);
}

BOOST_FIXTURE_TEST_CASE(too_many_speculative_pages_rejected, scan_fixture)
{
    swr::scan_options scan = scan_with(10, 4);
    scan.speculative_pages = 4;

    try {
        start_client().scan(swr::shared_repositories_request{}, scan);
        BOOST_FAIL("a scan with 4 speculative pages of 4 in flight was accepted");
    } catch (const swr::exception& failure) {
        BOOST_TEST(failure.code() == swr::errc::invalid_argument);
        BOOST_TEST(contains(failure.what(), "invalid speculative_pages 4: use 0 to max_in_flight - 1 (3)"),
                   failure.what());
    }
}

BOOST_FIXTURE_TEST_CASE(stalled_page_past_the_end_is_cancelled, scan_fixture)
{
    // The response to the page at 70 never gets its body. Once the first
    // page shows 50 records the scan cancels it. With the timeouts raised to
    // a minute, a cancellation that got lost would outlast run_scan's 20 s
    // limit. Several scans, each on a new client, meet it at different
    // moments: waiting for a connection, for the warm-up, or for the body.
    options.timeouts.idle = 60s;
    options.timeouts.request = 60s;
    for (int round = 0; round < 4; ++round) {
        BOOST_TEST_CONTEXT("round " << round)
        {
            swr::fault_rule stall = on_offset(70, swr::stall_after_headers_fault{});
            stall.times = 0;
            server.script({stall});
            io.restart();

            server.get().reset_stats();
            scan_report report = run_scan(start_client(), io, speculating());

            check_whole_listing(*this, report, 5, 8);
        }
    }
}

BOOST_FIXTURE_TEST_CASE(pages_past_the_end_without_content_range, scan_fixture)
{
    // The total comes from the items' total_range; the empty pages past the
    // end have none, which is not a change of the listing.
    swr::content_range_fault no_range;
    server.script({on_every_request(no_range)});
    swr::scan_options scan = speculating();
    scan.on_listing_change = swr::scan_options::on_change::fail;

    scan_report report = run_scan(start_client(), io, scan);

    check_whole_listing(*this, report, 5, 8);
    BOOST_TEST(report.summary.total.value_or(-1) == 50);
}

BOOST_FIXTURE_TEST_CASE(listing_that_shrinks_ends_the_scan, scan_fixture)
{
    // The second request removes the last 25 repositories, and the pages at
    // 10 and 20 get their responses 300 ms late, after the pages past the new end.
    for (std::size_t speculative : {0u, 7u}) {
        BOOST_TEST_CONTEXT("speculative pages " << speculative)
        {
            fault_server shrinking(50);
            auto shrink = insert_at_front(0);
            shrink.remove = 25;
            shrink.position = 25;
            shrinking.script({on_request(2, shrink), on_offset(10, delay_of(300ms)), on_offset(20, delay_of(300ms))});
            asio::io_context context;
            swr::client shrinking_client(context.get_executor(), swr::test::fault_client_options(shrinking.get(), time));
            swr::scan_options scan = speculating();
            scan.speculative_pages = speculative;

            scan_report report = run_scan(shrinking_client, context, scan);

            BOOST_TEST(!report.error, report.what);
            BOOST_TEST(report.keys == slice(shrinking.reference(), 0, 25), boost::test_tools::per_element());
            BOOST_TEST(!report.summary.consistent);
            BOOST_TEST(!report.summary.complete);
        }
    }
}

BOOST_FIXTURE_TEST_CASE(shrink_reported_before_an_older_page_is_a_change, scan_fixture)
{
    // Two requests at a time. The page at 20, read from the listing of 50,
    // comes back 400 ms late. Meanwhile the request for the page at 30
    // removes the last 25 repositories and reports the new total first.
    auto shrink = remove_from_front(25);
    shrink.position = 25;
    server.script({on_offset(10, delay_of(100ms)), on_offset(20, delay_of(400ms)), on_offset(30, shrink)});

    scan_report report = run_scan(start_client(), io, scan_with(10, 2));

    BOOST_TEST(!report.error, report.what);
    BOOST_TEST(report.keys == slice(server.reference(), 0, 30), boost::test_tools::per_element());
    BOOST_TEST(!report.summary.consistent);
    BOOST_TEST(!report.summary.complete);
}

BOOST_FIXTURE_TEST_CASE(summary_is_final_when_the_stream_ends, scan_fixture)
{
    // The page at 10 fails at once, while the responses to the pages at 20
    // to 70 come 200 ms later, after the stream ended.
    std::vector<swr::fault_rule> rules{on_offset(10, bad_request())};
    for (std::int64_t offset = 20; offset <= 70; offset += 10)
        rules.push_back(on_offset(offset, delay_of(200ms)));
    server.script(rules);
    swr::client& scanning = start_client();

    swr::scan_summary at_end;
    std::optional<swr::page_stream> stream;
    swr::test::run_until_done(io, [&]() -> asio::awaitable<void> {
        stream.emplace(scanning.scan(swr::test::self_listing(), speculating()));
        try {
            while (co_await stream->next()) {
            }
        } catch (const swr::exception&) {
        }
        at_end = stream->summary();
    }());
    swr::scan_summary later = stream->summary();

    BOOST_TEST(at_end.requests == later.requests);
    BOOST_TEST(at_end.bytes == later.bytes);
    BOOST_TEST(at_end.pages == later.pages);
}
