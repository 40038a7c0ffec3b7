#ifndef SWR_SRC_SCAN_PLANNER_HPP
#define SWR_SRC_SCAN_PLANNER_HPP

#include <cstddef>
#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <vector>

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
/// With `speculative` pages, the pages that follow the probe on the grid of
/// the requested size are requested together with it, before the total is
/// known. Their responses wait until the probe's is in; those past the end of
/// the listing are then dropped, whether they succeeded or failed.
///
/// Pages are delivered strictly in offset order: the caller stores
/// responses by offset and hands out the one at `next_delivery()`.
class scan_planner {
public:
    /// Effect of a failed request on the scan.
    enum class failure_effect {
        fatal,     ///< the records it asked for are part of the listing
        harmless,  ///< it asked for records past the end of the listing
        pending,   ///< not known until the responses to earlier pages are in; ask `effect_of_failure` again
    };

    /// `page_size` in [1, 1000], `max_in_flight` >= 1; `max_buffered` pages
    /// may wait for the caller besides those in flight. At most
    /// `max_in_flight - 1` of the `speculative` pages are requested.
    scan_planner(std::int64_t start_offset, std::int64_t page_size, std::size_t max_in_flight,
                 std::size_t max_buffered, std::size_t speculative = 0) noexcept;

    /// Returns the next request that may start now and counts it as in
    /// flight, or `std::nullopt` when the limits or the plan allow none.
    std::optional<page_slot> next_request();

    /// Records the response to `slot`: `count` records, and the total the
    /// server reported, if any. Returns an empty string when the page is
    /// accepted, otherwise why the listing cannot be trusted (the scan fails).
    std::string on_response(page_slot slot, std::int64_t count, std::optional<std::int64_t> total);

    /// Records that the request for `slot` ended without a usable response.
    void on_abandoned(page_slot slot) noexcept;

    /// Records that the request for `slot` failed, after `on_abandoned` or
    /// after its response was counted, and returns the effect on the scan.
    failure_effect on_failure(page_slot slot);

    /// Returns the current effect of a failure that `on_failure` left pending.
    failure_effect effect_of_failure(page_slot slot) const noexcept;

    /// True when the page at `offset` was requested speculatively and lies
    /// past the end of the listing: its records must not be delivered.
    bool discarded(std::int64_t offset) const noexcept;

    /// Offset of the page to hand to the caller next.
    std::int64_t next_delivery() const noexcept { return deliver_; }

    /// Records that the page at `next_delivery()`, holding `count` records,
    /// was handed to the caller.
    void on_delivered(std::int64_t count) noexcept;

    /// True once every page of the listing was delivered and no request is
    /// in flight.
    bool finished() const noexcept;

    /// Returns the end of the listing once a response has set it, else
    /// nothing. Requests at or past the end are not needed.
    std::optional<std::int64_t> known_end() const noexcept;

    std::size_t in_flight() const noexcept { return in_flight_; }
    std::optional<std::int64_t> total() const noexcept { return total_; }

    /// False once a page reported a total other than the probe's.
    bool consistent() const noexcept { return consistent_; }

private:
    enum class mode { probe, probing, grid, sequential, last_page_seen };

    // A speculative request that is not settled yet.
    struct early_page {
        enum class state { in_flight, answered, failed } status = state::in_flight;
        page_slot slot;
        std::int64_t count = 0;
        std::optional<std::int64_t> total;
        bool fatal = false;  // failed, and part of the listing
    };

    std::string on_probe(page_slot slot, std::int64_t count);
    std::string settle_early_pages();
    std::string settle(early_page& early, bool& keep);
    early_page* find_early(std::int64_t offset) noexcept;
    const early_page* find_early(std::int64_t offset) const noexcept;
    bool beyond_known_end(std::int64_t offset) const noexcept;
    void check_total(std::optional<std::int64_t> total) noexcept;
    std::string on_grid_page(page_slot slot, std::int64_t count, std::optional<std::int64_t> total);
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

    // Speculative pages cover [start_ + page_size_, speculative_end_); the
    // next one to request starts at next_speculative_.
    std::int64_t speculative_end_;
    std::int64_t next_speculative_;
    std::vector<early_page> early_;  // in offset order
    std::vector<std::int64_t> discarded_;  // offsets of speculative pages found past the end
    // Without a total: the offset after the last page known to be full.
    std::int64_t chain_ = 0;

    std::size_t in_flight_ = 0;
    std::size_t outstanding_ = 0;  // requested and not yet delivered
    std::int64_t deliver_;
    bool consistent_ = true;
};

}  // namespace swr::detail

#endif
