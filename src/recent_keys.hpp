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
/// The keys sit in a ring of strings that keep their capacity, and are found
/// through an open-addressing table of their hashes. Once the ring is full,
/// an item costs no allocation unless its key is longer than the one it
/// replaces. No I/O, not thread-safe.
class recent_keys {
public:
    /// Remembers the latest `capacity` keys; `capacity` must be at least 1.
    explicit recent_keys(std::size_t capacity);

    /// Returns true when `namespace_name/name` is among the remembered keys.
    /// Otherwise remembers it, forgetting the oldest key when full, and
    /// returns false.
    bool contains_or_add(std::string_view namespace_name, std::string_view name);

    /// Number of keys remembered, at most the capacity.
    std::size_t size() const noexcept { return keys_.size(); }

private:
    static constexpr std::uint32_t empty = 0;  // table value of a free slot; others are ring index + 1

    bool matches(std::size_t index, std::uint64_t hash, std::string_view namespace_name,
                 std::string_view name) const noexcept;
    void forget(std::size_t index) noexcept;
    void insert(std::size_t index) noexcept;
    void grow_table();

    std::size_t capacity_;
    std::vector<std::string> keys_;     // the ring
    std::vector<std::uint64_t> hashes_; // hash of each ring entry
    std::size_t oldest_ = 0;            // next ring entry to replace once full
    std::vector<std::uint32_t> table_;  // size is a power of two, at least twice the ring
};

}  // namespace swr::detail

#endif
