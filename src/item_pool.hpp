#ifndef SWR_SRC_ITEM_POOL_HPP
#define SWR_SRC_ITEM_POOL_HPP

#include <swr/repository.hpp>

#include <cstddef>
#include <mutex>
#include <utility>
#include <vector>

namespace swr::detail {

/// Item vectors of pages the caller gave back, which the next pages of the
/// scan are parsed into, so that their strings need no new allocation.
/// Safe to use from any thread.
class item_pool {
public:
    /// Keeps at most `capacity` vectors; more are freed when given.
    explicit item_pool(std::size_t capacity) : capacity_(capacity) {}

    /// Returns a vector to parse into: a given-back one, or an empty one.
    std::vector<repository> take()
    {
        std::lock_guard lock(mutex_);
        if (free_.empty())
            return {};
        std::vector<repository> items = std::move(free_.back());
        free_.pop_back();
        return items;
    }

    /// Keeps `items` for a later `take`, when there is room.
    void give(std::vector<repository> items)
    {
        if (items.capacity() == 0)
            return;
        std::lock_guard lock(mutex_);
        if (free_.size() < capacity_)
            free_.push_back(std::move(items));
    }

private:
    std::mutex mutex_;
    std::size_t capacity_;
    std::vector<std::vector<repository>> free_;
};

}  // namespace swr::detail

#endif
