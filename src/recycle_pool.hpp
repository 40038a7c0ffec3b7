#ifndef SWR_SRC_RECYCLE_POOL_HPP
#define SWR_SRC_RECYCLE_POOL_HPP

#include <swr/repository.hpp>

#include <cstddef>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

namespace swr::detail {

/// Containers given back after use, such as the item vectors of delivered
/// pages or the bodies of parsed responses, so that their memory serves
/// the next ones. Safe to use from any thread.
template <class Container>
class recycle_pool {
public:
    /// Keeps at most `capacity` containers; more are freed when given.
    explicit recycle_pool(std::size_t capacity) : capacity_(capacity) {}

    /// Returns a container to fill: a given-back one, as it was given, or a
    /// new one. Item vectors keep their elements, whose strings the parser
    /// reuses.
    Container take()
    {
        std::lock_guard lock(mutex_);
        if (free_.empty())
            return {};
        Container container = std::move(free_.back());
        free_.pop_back();
        return container;
    }

    /// Keeps `container` for a later `take` when it owns memory and there is room.
    void give(Container container)
    {
        if (container.capacity() == 0)
            return;
        std::lock_guard lock(mutex_);
        if (free_.size() < capacity_)
            free_.push_back(std::move(container));
    }

private:
    std::mutex mutex_;
    std::size_t capacity_;
    std::vector<Container> free_;
};

/// Item vectors of delivered pages, which later pages are parsed into, so
/// that their strings need no new allocation.
using item_pool = recycle_pool<std::vector<repository>>;

/// Response bodies that were parsed, which later responses are read into.
using body_pool = recycle_pool<std::string>;

}  // namespace swr::detail

#endif
