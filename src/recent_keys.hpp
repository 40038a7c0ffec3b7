#ifndef SWR_SRC_RECENT_KEYS_HPP
#define SWR_SRC_RECENT_KEYS_HPP

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace swr::detail {

/// The `namespace/name` keys of the latest items a scan delivered, to drop
/// an item that a shift of the listing delivers a second time.
///
/// Keys are kept in two generations of at most `capacity` keys each. New
/// keys go to the current one. When it is full, the older generation is
/// emptied and becomes the current one. So the latest `capacity` keys are
/// always remembered, and none older than the latest `2 * capacity`. A
/// generation is a byte arena of keys with an open-addressing table, so that
/// a key costs no allocation once the arenas have grown, and forgetting a
/// generation is one clear. No I/O, not thread-safe.
///
/// NOTE: a generation whose keys reach 4 GiB is replaced before it contains
/// `capacity` keys, so fewer are then remembered.
class recent_keys {
public:
    /// Remembers at least the latest `capacity` keys; a capacity of 0 counts as 1.
    explicit recent_keys(std::size_t capacity);

    /// Returns true when `namespace_name/name` is among the remembered keys.
    /// Otherwise remembers it and returns false.
    bool contains_or_add(std::string_view namespace_name, std::string_view name);

    /// Number of keys remembered, from `capacity` (once that many were added) to `2 * capacity`.
    std::size_t size() const noexcept { return current_.count + previous_.count; }

private:
    // A table entry: `offset` is 0 in a free slot, else the key's offset in
    // the arena plus 1. `tag` is the high half of the key's hash, compared
    // before the key itself.
    struct slot {
        std::uint32_t offset = 0;
        std::uint32_t tag = 0;
    };

    struct generation {
        std::vector<slot> table;  // size is a power of two, at least twice the count
        std::string arena;        // each key as two 32-bit sizes, then the namespace and the name
        std::size_t count = 0;

        bool contains(std::uint64_t hash, std::string_view namespace_name, std::string_view name) const noexcept;
        bool has_room_for(std::string_view namespace_name, std::string_view name) const noexcept;
        void add(std::uint64_t hash, std::string_view namespace_name, std::string_view name);
        void insert(std::uint64_t hash, std::uint32_t offset) noexcept;
        void grow_table();
        void clear() noexcept;
    };

    std::size_t capacity_;
    generation current_;
    generation previous_;
};

}  // namespace swr::detail

#endif
