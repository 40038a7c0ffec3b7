// Unit tests for the private recent_keys: the duplicate filter of a scan.

#define BOOST_TEST_MODULE recent_keys
#include <boost/test/unit_test.hpp>

#include "recent_keys.hpp"

#include <cstdint>
#include <cstddef>
#include <random>
#include <map>
#include <string>

using swr::detail::recent_keys;

BOOST_AUTO_TEST_CASE(new_key_is_added)
{
    recent_keys keys(4);

    BOOST_TEST(!keys.contains_or_add("library", "nginx"));
    BOOST_TEST(keys.contains_or_add("library", "nginx"));
    BOOST_TEST(keys.size() == 1u);
}

BOOST_AUTO_TEST_CASE(namespace_and_name_both_count)
{
    recent_keys keys(4);
    keys.contains_or_add("library", "nginx");

    BOOST_TEST(!keys.contains_or_add("platform", "nginx"));
    BOOST_TEST(!keys.contains_or_add("library", "redis"));
    BOOST_TEST(!keys.contains_or_add("", "library/nginx"));
}

BOOST_AUTO_TEST_CASE(older_generation_is_forgotten)
{
    // Capacity 3: the first three keys make one generation, the next three
    // the second, and the seventh key replaces the first generation.
    recent_keys keys(3);
    for (const char* name : {"a", "b", "c", "d", "e", "f"})
        BOOST_TEST(!keys.contains_or_add("ns", name));
    BOOST_TEST(keys.size() == 6u);
    for (const char* name : {"a", "b", "c", "d", "e", "f"})
        BOOST_TEST(keys.contains_or_add("ns", name), name);

    BOOST_TEST(!keys.contains_or_add("ns", "g"));

    BOOST_TEST(keys.size() == 4u);
    BOOST_TEST(keys.contains_or_add("ns", "d"));
    BOOST_TEST(keys.contains_or_add("ns", "g"));
    BOOST_TEST(!keys.contains_or_add("ns", "a"));
}

BOOST_AUTO_TEST_CASE(capacity_zero_keeps_one)
{
    recent_keys keys(0);
    keys.contains_or_add("ns", "a");

    BOOST_TEST(keys.contains_or_add("ns", "a"));
    BOOST_TEST(!keys.contains_or_add("ns", "b"));
    BOOST_TEST(keys.contains_or_add("ns", "b"));
    BOOST_TEST(!keys.contains_or_add("ns", "c"));
    BOOST_TEST(!keys.contains_or_add("ns", "a"));
}

// Random keys of many lengths from a small pool, so that hits, misses,
// replaced generations, long probe runs and table growth all happen. The
// latest `capacity` keys added must be found, and no key added before the
// latest `2 * capacity`.
BOOST_AUTO_TEST_CASE(keeps_the_promised_window)
{
    for (std::size_t capacity : {1u, 2u, 37u, 500u}) {
        recent_keys keys(capacity);
        std::map<std::string, std::size_t> added_at;  // key -> number of keys added before it
        std::size_t added = 0;
        std::mt19937_64 random(capacity);

        for (int step = 0; step < 50'000; ++step) {
            std::string namespace_name = "ns" + std::to_string(random() % 3);
            std::uint64_t number = random() % (capacity * 3 + 2);
            std::string name = "repo-" + std::to_string(number) + std::string(number % 37, 'x');
            std::string key = namespace_name + "/" + name;

            auto found = added_at.find(key);
            std::size_t newer = found == added_at.end() ? SIZE_MAX : added - found->second - 1;
            bool contained = keys.contains_or_add(namespace_name, name);
            if (newer < capacity)
                BOOST_TEST_REQUIRE(contained, "capacity " << capacity << ", step " << step << ", key " << key);
            if (newer >= 2 * capacity)
                BOOST_TEST_REQUIRE(!contained, "capacity " << capacity << ", step " << step << ", key " << key);
            if (!contained)
                added_at[key] = added++;
        }
        BOOST_TEST(keys.size() >= capacity);
        BOOST_TEST(keys.size() <= 2 * capacity);
    }
}
