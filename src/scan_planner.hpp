#ifndef SWR_SRC_SCAN_PLANNER_HPP
#define SWR_SRC_SCAN_PLANNER_HPP

#include <cstddef>
#include <cstdint>
#include <deque>
#include <optional>
#include <string>

namespace swr::detail {

/// One request of a scan: `limit` records from `offset`.
struct page_slot {
    std::int64_t offset = 0;
    std::int64_t limit = 0;

    friend bool operator==(const page_slot&, const page_slot&) = default;
};

/// Decides which pages a scan requests and when, with no I/O.
///
/// The first request (the probe) learns the total and the page size the
/// server really uses. With a total, the rest of the listing is laid out on
/// a grid of that size and requested concurrently; a page that comes back
/// short leaves a gap that is requested next, so no record is skipped.
/// Without a total the scan pages sequentially until a short or empty page.
///
/// Pages are delivered strictly in offset order: the caller stores
/// responses by offset and hands out the one at `next_delivery()`.
class scan_planner {
public:
    /// `page_size` in [1, 1000], `max_in_flight` >= 1; `max_buffered` pages
    /// may wait for the caller besides those in flight.
    scan_planner(std::int64_t start_offset, std::int64_t page_size, std::size_t max_in_flight,
                 std::size_t max_buffered) noexcept;

    /// Returns the next request that may start now and counts it as in
    /// flight, or `std::nullopt` when the limits or the plan allow none.
    std::optional<page_slot> next_request();

    /// Records the response to `slot`: `count` records, and the total the
    /// server reported, if any. Returns an empty string when the page is
    /// accepted, otherwise why the listing cannot be trusted (the scan fails).
    std::string on_response(page_slot slot, std::int64_t count, std::optional<std::int64_t> total);

    /// Records that the request for `slot` ended without a usable response.
    void on_abandoned(page_slot slot) noexcept;

    /// Offset of the page to hand to the caller next.
    std::int64_t next_delivery() const noexcept { return deliver_; }

    /// Records that the page at `next_delivery()`, holding `count` records,
    /// was handed to the caller.
    void on_delivered(std::int64_t count) noexcept;

    /// True once every page of the listing was delivered.
    bool finished() const noexcept;

    std::size_t in_flight() const noexcept { return in_flight_; }
    std::optional<std::int64_t> total() const noexcept { return total_; }

    /// False once a page reported a total other than the probe's.
    bool consistent() const noexcept { return consistent_; }

private:
    enum class mode { probe, probing, grid, sequential, last_page_seen };

    std::string on_probe(page_slot slot, std::int64_t count);
    std::string on_grid_page(page_slot slot, std::int64_t count);
    std::string on_sequential_page(page_slot slot, std::int64_t count);
    bool may_launch_grid() const noexcept;

    mode mode_ = mode::probe;
    std::int64_t start_;
    std::int64_t page_size_;
    std::size_t max_in_flight_;
    std::size_t max_outstanding_;

    std::int64_t stride_ = 0;
    std::optional<std::int64_t> total_;
    // End of the listing as currently known: the probe's total, lowered
    // when a later page reports that the listing shrank.
    std::int64_t end_ = 0;
    std::int64_t next_grid_ = 0;
    std::deque<page_slot> gaps_;

    std::size_t in_flight_ = 0;
    std::size_t outstanding_ = 0;  // requested and not yet delivered
    std::int64_t deliver_;
    bool consistent_ = true;
};

}  // namespace swr::detail

#endif
