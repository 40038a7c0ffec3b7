#include "scan_planner.hpp"

#include <algorithm>

namespace swr::detail {
namespace {

std::string at(std::int64_t offset)
{
    return "page at offset " + std::to_string(offset);
}

}  // namespace

scan_planner::scan_planner(std::int64_t start_offset, std::int64_t page_size, std::size_t max_in_flight,
                           std::size_t max_buffered) noexcept
    : start_(start_offset),
      page_size_(page_size),
      max_in_flight_(std::max<std::size_t>(max_in_flight, 1)),
      max_outstanding_(std::max<std::size_t>(max_in_flight, 1) + max_buffered),
      deliver_(start_offset)
{
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

    if (mode_ == mode::probing) {
        total_ = total;
        end_ = total.value_or(0);
        return on_probe(slot, count);
    }
    if (total != total_)
        consistent_ = false;
    if (total && *total < end_)
        end_ = *total;
    if (mode_ == mode::grid)
        return on_grid_page(slot, count);
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
    // own maximum page size: lay the grid out on that.
    stride_ = count;
    next_grid_ = slot.offset + count;
    mode_ = mode::grid;
    return {};
}

std::string scan_planner::on_grid_page(page_slot slot, std::int64_t count)
{
    std::int64_t expected = std::max<std::int64_t>(0, std::min(slot.limit, end_ - slot.offset));
    if (count > expected) {
        return at(slot.offset) + " holds " + std::to_string(count) + " records but the total " +
               std::to_string(end_) + " leaves room for " + std::to_string(expected);
    }
    if (count == 0 && expected > 0) {
        return at(slot.offset) + " is empty although the total is " + std::to_string(end_);
    }
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
        return {};
    }
    mode_ = mode::sequential;
    gaps_.push_back(page_slot{slot.offset + count, page_size_});
    return {};
}

void scan_planner::on_abandoned(page_slot) noexcept
{
    --in_flight_;
}

void scan_planner::on_delivered(std::int64_t count) noexcept
{
    --outstanding_;
    deliver_ += count;
}

bool scan_planner::finished() const noexcept
{
    if (outstanding_ != 0 || !gaps_.empty())
        return false;
    if (mode_ == mode::last_page_seen)
        return true;
    return mode_ == mode::grid && deliver_ >= end_;
}

}  // namespace swr::detail
