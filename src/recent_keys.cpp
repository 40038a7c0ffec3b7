#include "recent_keys.hpp"

#include <bit>
#include <cstring>

namespace swr::detail {

namespace {

template <class Word>
Word load(const char* data) noexcept
{
    Word word;
    std::memcpy(&word, data, sizeof word);
    return word;
}

// The last `size` bytes of `text` (1 to 7), zero-extended into a word as a
// little-endian load would read them. A memcpy of a variable size here
// compiled to a library call, which took a fifth of the filter's samples
// in a perf profile of 1,000-page scans.
std::uint64_t tail_word(std::string_view text, std::size_t size) noexcept
{
    const char* end = text.data() + text.size();
    if constexpr (std::endian::native == std::endian::little) {
        if (text.size() >= 8)
            return load<std::uint64_t>(end - 8) >> ((8 - size) * 8);
        const char* first = end - size;
        if (size >= 4) {
            // Two loads of 4 bytes that overlap when `size` is below 8.
            auto low = static_cast<std::uint64_t>(load<std::uint32_t>(first));
            auto high = static_cast<std::uint64_t>(load<std::uint32_t>(end - 4));
            return low | (high << ((size - 4) * 8));
        }
        auto byte = [](char c) { return static_cast<std::uint64_t>(static_cast<unsigned char>(c)); };
        return byte(first[0]) | (byte(first[size / 2]) << (size / 2 * 8)) | (byte(first[size - 1]) << ((size - 1) * 8));
    } else {
        std::uint64_t word = 0;
        std::memcpy(&word, end - size, size);
        return word;
    }
}

// Folds `text` into `hash` 8 bytes at a time. Keys are short, so this costs
// a few multiplications where std::hash makes a call into the library.
std::uint64_t fold(std::uint64_t hash, std::string_view text) noexcept
{
    auto mix = [](std::uint64_t value) {
        value *= 0x9E3779B97F4A7C15ULL;
        return value ^ (value >> 32);
    };
    hash = mix(hash ^ text.size());
    std::size_t i = 0;
    for (; i + 8 <= text.size(); i += 8)
        hash = mix(hash ^ load<std::uint64_t>(text.data() + i));
    if (i < text.size())
        hash = mix(hash ^ tail_word(text, text.size() - i));
    return hash;
}

std::uint64_t hash_key(std::string_view namespace_name, std::string_view name) noexcept
{
    return fold(fold(0, namespace_name), name);
}

}  // namespace

recent_keys::recent_keys(std::size_t capacity) : capacity_(capacity < 1 ? 1 : capacity), table_(64, empty) {}

bool recent_keys::matches(std::size_t index, std::uint64_t hash, std::string_view namespace_name,
                          std::string_view name) const noexcept
{
    if (hashes_[index] != hash)
        return false;
    std::string_view key = keys_[index];
    return key.size() == namespace_name.size() + 1 + name.size() &&
           key.compare(0, namespace_name.size(), namespace_name) == 0 && key[namespace_name.size()] == '/' &&
           key.compare(namespace_name.size() + 1, name.size(), name) == 0;
}

bool recent_keys::contains_or_add(std::string_view namespace_name, std::string_view name)
{
    std::uint64_t hash = hash_key(namespace_name, name);
    std::size_t mask = table_.size() - 1;
    for (std::size_t slot = hash & mask; table_[slot] != empty; slot = (slot + 1) & mask) {
        if (matches(table_[slot] - 1, hash, namespace_name, name))
            return true;
    }

    // Take a new ring entry, or reuse the oldest one and its string's capacity.
    std::size_t index = 0;
    if (keys_.size() < capacity_) {
        index = keys_.size();
        keys_.emplace_back();
        hashes_.push_back(0);
        if (keys_.size() * 2 > table_.size())
            grow_table();
    } else {
        index = oldest_;
        if (++oldest_ == capacity_)
            oldest_ = 0;
        forget(index);
    }

    // One resize and two copies: the string keeps its capacity, so a key no
    // longer than the one it replaces needs no allocation.
    std::string& key = keys_[index];
    key.resize(namespace_name.size() + 1 + name.size());
    std::memcpy(key.data(), namespace_name.data(), namespace_name.size());
    key[namespace_name.size()] = '/';
    std::memcpy(key.data() + namespace_name.size() + 1, name.data(), name.size());
    hashes_[index] = hash;
    insert(index);
    return false;
}

void recent_keys::insert(std::size_t index) noexcept
{
    std::size_t mask = table_.size() - 1;
    std::size_t slot = hashes_[index] & mask;
    while (table_[slot] != empty)
        slot = (slot + 1) & mask;
    table_[slot] = static_cast<std::uint32_t>(index + 1);
}

void recent_keys::forget(std::size_t index) noexcept
{
    std::size_t mask = table_.size() - 1;
    std::size_t hole = hashes_[index] & mask;
    while (table_[hole] != index + 1)
        hole = (hole + 1) & mask;

    // Backward-shift deletion: move later entries of the probe run into the
    // hole unless their home slot lies cyclically after the hole, so that
    // every remaining key is still found from its home slot.
    for (std::size_t next = (hole + 1) & mask; table_[next] != empty; next = (next + 1) & mask) {
        std::size_t home = hashes_[table_[next] - 1] & mask;
        bool stays = hole <= next ? (hole < home && home <= next) : (hole < home || home <= next);
        if (stays)
            continue;
        table_[hole] = table_[next];
        hole = next;
    }
    table_[hole] = empty;
}

void recent_keys::grow_table()
{
    table_.assign(table_.size() * 2, empty);
    for (std::size_t index = 0; index < keys_.size(); ++index) {
        if (index + 1 < keys_.size())  // the newest entry is inserted by the caller
            insert(index);
    }
}

}  // namespace swr::detail
