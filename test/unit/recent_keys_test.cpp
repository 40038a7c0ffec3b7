// Unit tests for the private recent_keys: the duplicate filter of a scan.

#define BOOST_TEST_MODULE recent_keys
#include <boost/test/unit_test.hpp>

#include "recent_keys.hpp"

#include <cstdint>
#include <deque>
#include <random>
#include <set>
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

BOOST_AUTO_TEST_CASE(oldest_key_is_forgotten)
{
    recent_keys keys(3);
    keys.contains_or_add("ns", "a");
    keys.contains_or_add("ns", "b");
    keys.contains_or_add("ns", "c");

    BOOST_TEST(!keys.contains_or_add("ns", "d"));
    BOOST_TEST(keys.size() == 3u);
    BOOST_TEST(keys.contains_or_add("ns", "b"));
    BOOST_TEST(keys.contains_or_add("ns", "c"));
    BOOST_TEST(keys.contains_or_add("ns", "d"));
    BOOST_TEST(!keys.contains_or_add("ns", "a"));
}

BOOST_AUTO_TEST_CASE(capacity_zero_keeps_one)
{
    recent_keys keys(0);
    keys.contains_or_add("ns", "a");

    BOOST_TEST(keys.contains_or_add("ns", "a"));
    BOOST_TEST(!keys.contains_or_add("ns", "b"));
    BOOST_TEST(!keys.contains_or_add("ns", "a"));
}

// Random keys from a small pool, so that hits, misses, evictions, long probe
// runs and table growth all happen, checked against a plain deque and set.
BOOST_AUTO_TEST_CASE(matches_a_simple_model)
{
    for (std::size_t capacity : {1u, 2u, 37u, 500u}) {
        recent_keys keys(capacity);
        std::deque<std::string> order;
        std::set<std::string> present;
        std::mt19937_64 random(capacity);

        for (int step = 0; step < 50'000; ++step) {
            std::string namespace_name = "ns" + std::to_string(random() % 3);
            std::string name = "repo-" + std::to_string(random() % (capacity * 3 + 2));
            std::string key = namespace_name + "/" + name;

            bool expected = present.count(key) != 0;
            if (!expected) {
                order.push_back(key);
                present.insert(key);
                if (order.size() > capacity) {
                    present.erase(order.front());
                    order.pop_front();
                }
            }
            BOOST_TEST_REQUIRE(keys.contains_or_add(namespace_name, name) == expected,
                               "capacity " << capacity << ", step " << step << ", key " << key);
        }
        BOOST_TEST(keys.size() == order.size());
    }
}
