#include "scan_planner.hpp"

#include <algorithm>
#include <iterator>
#include <limits>
#include <utility>

namespace swr::detail {
namespace {

std::string at(std::int64_t offset)
{
    return "page at offset " + std::to_string(offset);
}

}  // namespace

scan_planner::scan_planner(std::int64_t start_offset, std::int64_t page_size, std::size_t max_in_flight,
                           std::size_t max_buffered, std::size_t speculative) noexcept
    : start_(start_offset),
      page_size_(page_size),
      max_in_flight_(std::max<std::size_t>(max_in_flight, 1)),
      max_outstanding_(std::max<std::size_t>(max_in_flight, 1) + max_buffered),
      deliver_(start_offset)
{
    // Speculative pages stay below the largest offset, like every other page.
    auto pages_left = (std::numeric_limits<std::int64_t>::max() - start_) / page_size_;
    auto extra = static_cast<std::int64_t>(std::min(speculative, max_in_flight_ - 1));
    extra = std::max<std::int64_t>(std::min(extra, pages_left - 1), 0);
    speculative_end_ = start_ + page_size_ * (1 + extra);
    next_speculative_ = start_ + page_size_;
}

bool scan_planner::may_launch_grid() const noexcept
{
    return total_ && next_grid_ < end_ && outstanding_ < max_outstanding_;
}

std::optional<page_slot> scan_planner::next_request()
{
    if (in_flight_ >= max_in_flight_)
        return std::nullopt;

    std::optional<page_slot> slot;
    if (mode_ == mode::probe) {
        slot = page_slot{start_, page_size_};
        mode_ = mode::probing;
    } else if (mode_ == mode::probing && next_speculative_ < speculative_end_ && outstanding_ < max_outstanding_) {
        slot = page_slot{next_speculative_, page_size_};
        next_speculative_ += page_size_;
        early_page early;
        early.slot = *slot;
        early_.push_back(early);
    } else if ((mode_ == mode::grid || mode_ == mode::sequential) && !gaps_.empty()) {
        // A gap blocks delivery of everything after it, so it goes first and
        // is not held back by the buffering limit. Sequential paging queues
        // its next page here too.
        slot = gaps_.front();
        gaps_.pop_front();
    } else if (mode_ == mode::grid && may_launch_grid()) {
        slot = page_slot{next_grid_, stride_};
        next_grid_ += stride_;
    }

    if (slot) {
        ++in_flight_;
        ++outstanding_;
    }
    return slot;
}

std::string scan_planner::on_response(page_slot slot, std::int64_t count, std::optional<std::int64_t> total)
{
    --in_flight_;
    if (count < 0)
        return at(slot.offset) + " reported a negative record count";
    if (count > slot.limit) {
        return at(slot.offset) + " holds " + std::to_string(count) + " records, more than the " +
               std::to_string(slot.limit) + " requested";
    }

    if (early_page* early = find_early(slot.offset)) {
        early->status = early_page::state::answered;
        early->count = count;
        early->total = total;
        return settle_early_pages();
    }
    if (mode_ == mode::probing) {
        total_ = total;
        end_ = total.value_or(0);
        // Speculative pages not requested by now never will be.
        speculative_end_ = next_speculative_;
        if (auto problem = on_probe(slot, count); !problem.empty())
            return problem;
        return settle_early_pages();
    }
    check_total(total);
    if (mode_ == mode::grid || beyond_known_end(slot.offset))
        return on_grid_page(slot, count, total);
    return on_sequential_page(slot, count);
}

std::string scan_planner::on_probe(page_slot slot, std::int64_t count)
{
    if (!total_)
        return on_sequential_page(slot, count);

    std::int64_t remaining = std::max<std::int64_t>(*total_ - slot.offset, 0);
    if (count > remaining) {
        return at(slot.offset) + " holds " + std::to_string(count) + " records but the total " +
               std::to_string(*total_) + " leaves room for " + std::to_string(remaining);
    }
    if (count == remaining) {
        mode_ = mode::last_page_seen;
        return {};
    }
    if (count == 0) {
        return at(slot.offset) + " is empty although the total is " + std::to_string(*total_);
    }

    // A page shorter than requested but not the last one shows the server's
    // own maximum page size: lay the grid out on that. Speculative pages
    // already cover the requested grid up to speculative_end_.
    stride_ = count;
    next_grid_ = slot.offset + count;
    if (speculative_end_ > slot.offset + slot.limit) {
        if (count < slot.limit)
            gaps_.push_back(page_slot{slot.offset + count, slot.limit - count});
        next_grid_ = speculative_end_;
    }
    mode_ = mode::grid;
    return {};
}

std::string scan_planner::on_grid_page(page_slot slot, std::int64_t count, std::optional<std::int64_t> total)
{
    // A page is checked against its own total. A page built before the
    // listing shrank may contain records past a smaller total reported since,
    // which check_total records as a change, not a contradiction.
    std::int64_t own_end = total.value_or(end_);
    std::int64_t room = std::max<std::int64_t>(0, std::min(slot.limit, own_end - slot.offset));
    if (count > room) {
        return at(slot.offset) + " holds " + std::to_string(count) + " records but the total " +
               std::to_string(own_end) + " leaves room for " + std::to_string(room);
    }
    if (count == 0 && room > 0) {
        return at(slot.offset) + " is empty although the total is " + std::to_string(own_end);
    }
    // Past the end as now known, nothing is delivered and nothing is missing.
    std::int64_t expected = std::max<std::int64_t>(0, std::min(slot.limit, end_ - slot.offset));
    if (count < expected) {
        // The server returned fewer records than it has: request the rest.
        gaps_.push_front(page_slot{slot.offset + count, expected - count});
    }
    return {};
}

std::string scan_planner::on_sequential_page(page_slot slot, std::int64_t count)
{
    if (count < slot.limit) {
        mode_ = mode::last_page_seen;
        end_ = slot.offset + count;
        return {};
    }
    mode_ = mode::sequential;
    chain_ = slot.offset + count;
    // Speculative pages up to speculative_end_ are requested already.
    if (chain_ >= speculative_end_)
        gaps_.push_back(page_slot{chain_, page_size_});
    return {};
}

void scan_planner::check_total(std::optional<std::int64_t> total) noexcept
{
    if (total != total_)
        consistent_ = false;
    if (total && *total < end_) {
        end_ = *total;
        // Gaps past the new end are no longer needed.
        std::erase_if(gaps_, [this](const page_slot& gap) { return gap.offset >= end_; });
    }
}

scan_planner::early_page* scan_planner::find_early(std::int64_t offset) noexcept
{
    return const_cast<early_page*>(std::as_const(*this).find_early(offset));
}

const scan_planner::early_page* scan_planner::find_early(std::int64_t offset) const noexcept
{
    auto found = std::find_if(early_.begin(), early_.end(),
                              [offset](const early_page& early) { return early.slot.offset == offset; });
    return found == early_.end() ? nullptr : &*found;
}

bool scan_planner::beyond_known_end(std::int64_t offset) const noexcept
{
    auto end = known_end();
    return end && offset >= *end;
}

std::string scan_planner::settle_early_pages()
{
    std::string problem;
    for (auto early = early_.begin(); early != early_.end();) {
        bool keep = true;
        std::string found = settle(*early, keep);
        if (problem.empty())
            problem = std::move(found);
        early = keep ? std::next(early) : early_.erase(early);
    }
    return problem;
}

// Settles one speculative page if the responses so far allow it. Sets
// `keep` to false when the page no longer needs tracking.
std::string scan_planner::settle(early_page& early, bool& keep)
{
    using state = early_page::state;
    if (mode_ == mode::probing || early.status == state::in_flight || early.fatal)
        return {};
    if (beyond_known_end(early.slot.offset)) {
        // Past the end, the response is checked against its own total, then
        // dropped. An empty page from a server without Content-Range has no total.
        std::string problem;
        if (early.status == state::answered && early.total) {
            check_total(early.total);
            problem = on_grid_page(early.slot, early.count, early.total);
        } else if (early.status == state::answered && early.count > 0) {
            // Without a total, records past the short page that ended the
            // listing show that it was not the last, so the scan is incomplete.
            consistent_ = false;
        }
        discarded_.push_back(early.slot.offset);
        --outstanding_;
        keep = false;
        return problem;
    }
    // Without a total, a page counts only once every page before it was full.
    if (mode_ == mode::sequential && early.slot.offset != chain_)
        return {};
    if (early.status == state::failed) {
        early.fatal = true;
        return {};
    }
    keep = false;
    check_total(early.total);
    if (mode_ == mode::sequential)
        return on_sequential_page(early.slot, early.count);
    return on_grid_page(early.slot, early.count, early.total);
}

void scan_planner::on_abandoned(page_slot) noexcept
{
    --in_flight_;
}

scan_planner::failure_effect scan_planner::on_failure(page_slot slot)
{
    if (early_page* early = find_early(slot.offset)) {
        early->status = early_page::state::failed;
        // Settling may end the listing before a page that waits behind this one.
        settle_early_pages();
    }
    return effect_of_failure(slot);
}

scan_planner::failure_effect scan_planner::effect_of_failure(page_slot slot) const noexcept
{
    if (const early_page* early = find_early(slot.offset))
        return early->fatal ? failure_effect::fatal : failure_effect::pending;
    // Discarded pages lie past the end too, since a known end never grows.
    if (beyond_known_end(slot.offset))
        return failure_effect::harmless;
    return failure_effect::fatal;
}

bool scan_planner::discarded(std::int64_t offset) const noexcept
{
    return std::find(discarded_.begin(), discarded_.end(), offset) != discarded_.end();
}

void scan_planner::on_delivered(std::int64_t count) noexcept
{
    --outstanding_;
    deliver_ += count;
}

bool scan_planner::finished() const noexcept
{
    // Pages past the end are never delivered, whether their responses
    // arrived or not. So when the listing shrank, those past its new end are left out.
    auto end = known_end();
    return end && deliver_ >= *end && gaps_.empty() && in_flight_ == 0;
}

std::optional<std::int64_t> scan_planner::known_end() const noexcept
{
    if (mode_ == mode::grid || mode_ == mode::last_page_seen)
        return end_;
    return std::nullopt;
}

}  // namespace swr::detail
