#include "recent_keys.hpp"

#include <algorithm>
#include <bit>
#include <cstring>
#include <limits>

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

// Bytes in front of each key in an arena: the sizes of its two parts.
constexpr std::size_t key_header = 2 * sizeof(std::uint32_t);

// Table size of a new generation. Tables double as keys come, so that a
// short scan allocates little.
constexpr std::size_t initial_slots = 64;

}  // namespace

recent_keys::recent_keys(std::size_t capacity) : capacity_(capacity < 1 ? 1 : capacity)
{
    current_.table.resize(initial_slots);
    previous_.table.resize(initial_slots);
}

bool recent_keys::contains_or_add(std::string_view namespace_name, std::string_view name)
{
    std::uint64_t hash = hash_key(namespace_name, name);
    if (current_.contains(hash, namespace_name, name) || previous_.contains(hash, namespace_name, name))
        return true;

    if (current_.count == capacity_ || !current_.has_room_for(namespace_name, name)) {
        std::swap(current_, previous_);
        current_.clear();
    }
    // NOTE: a key of 4 GiB or more, which only a body larger than that
    // could hold, does not fit an empty arena and is not remembered.
    if (current_.has_room_for(namespace_name, name))
        current_.add(hash, namespace_name, name);
    return false;
}

bool recent_keys::generation::contains(std::uint64_t hash, std::string_view namespace_name,
                                       std::string_view name) const noexcept
{
    std::size_t mask = table.size() - 1;
    auto tag = static_cast<std::uint32_t>(hash >> 32);
    for (std::size_t index = hash & mask; table[index].offset != 0; index = (index + 1) & mask) {
        if (table[index].tag != tag)
            continue;
        const char* key = arena.data() + (table[index].offset - 1);
        auto namespace_size = load<std::uint32_t>(key);
        auto name_size = load<std::uint32_t>(key + sizeof(std::uint32_t));
        key += key_header;
        if (namespace_size == namespace_name.size() && name_size == name.size() &&
            std::memcmp(key, namespace_name.data(), namespace_name.size()) == 0 &&
            std::memcmp(key + namespace_size, name.data(), name.size()) == 0)
            return true;
    }
    return false;
}

bool recent_keys::generation::has_room_for(std::string_view namespace_name, std::string_view name) const noexcept
{
    // Offsets are 32-bit and stored plus 1.
    constexpr std::size_t largest_offset = std::numeric_limits<std::uint32_t>::max() - 1;
    std::size_t key_size = key_header + namespace_name.size() + name.size();
    return arena.size() <= largest_offset && key_size <= largest_offset - arena.size();
}

void recent_keys::generation::add(std::uint64_t hash, std::string_view namespace_name, std::string_view name)
{
    auto offset = static_cast<std::uint32_t>(arena.size());
    auto namespace_size = static_cast<std::uint32_t>(namespace_name.size());
    auto name_size = static_cast<std::uint32_t>(name.size());
    // One resize and four copies of known size, where four appends each
    // checked the capacity and called memcpy.
    arena.resize(arena.size() + key_header + namespace_name.size() + name.size());
    char* key = arena.data() + offset;
    std::memcpy(key, &namespace_size, sizeof namespace_size);
    std::memcpy(key + sizeof namespace_size, &name_size, sizeof name_size);
    std::memcpy(key + key_header, namespace_name.data(), namespace_name.size());
    std::memcpy(key + key_header + namespace_name.size(), name.data(), name.size());

    // At most half the slots are taken, so that the probe runs stay short.
    ++count;
    if (count * 2 > table.size())
        grow_table();
    else
        insert(hash, offset);
}

void recent_keys::generation::insert(std::uint64_t hash, std::uint32_t offset) noexcept
{
    std::size_t mask = table.size() - 1;
    std::size_t index = hash & mask;
    while (table[index].offset != 0)
        index = (index + 1) & mask;
    table[index] = slot{offset + 1, static_cast<std::uint32_t>(hash >> 32)};
}

void recent_keys::generation::grow_table()
{
    // Every key, the newest included, is inserted again from the arena.
    table.assign(table.size() * 2, slot{});
    for (std::size_t offset = 0; offset < arena.size();) {
        const char* key = arena.data() + offset;
        auto namespace_size = load<std::uint32_t>(key);
        auto name_size = load<std::uint32_t>(key + sizeof(std::uint32_t));
        std::string_view namespace_name(key + key_header, namespace_size);
        std::string_view name(key + key_header + namespace_size, name_size);
        insert(hash_key(namespace_name, name), static_cast<std::uint32_t>(offset));
        offset += key_header + namespace_size + name_size;
    }
}

void recent_keys::generation::clear() noexcept
{
    std::fill(table.begin(), table.end(), slot{});
    arena.clear();
    count = 0;
}

}  // namespace swr::detail
