// Unit tests for the private recycle_pool: item vectors and response bodies
// given back after use and taken again.

#define BOOST_TEST_MODULE recycle_pool
#include <boost/test/unit_test.hpp>

#include "recycle_pool.hpp"

#include <string>
#include <vector>

using swr::detail::body_pool;
using swr::detail::item_pool;

BOOST_AUTO_TEST_CASE(empty_pool_gives_new_container)
{
    body_pool pool(2);

    std::string body = pool.take();

    BOOST_TEST(body.empty());
}

BOOST_AUTO_TEST_CASE(given_memory_is_taken_again)
{
    body_pool pool(2);
    std::string body(100'000, 'x');
    const char* memory = body.data();

    pool.give(std::move(body));
    std::string again = pool.take();

    BOOST_TEST(static_cast<const void*>(again.data()) == static_cast<const void*>(memory));
    BOOST_TEST(again.capacity() >= 100'000u);
    BOOST_TEST(pool.take().empty());
}

BOOST_AUTO_TEST_CASE(containers_without_memory_are_not_kept)
{
    item_pool pool(2);

    pool.give(std::vector<swr::repository>{});

    BOOST_TEST(pool.take().capacity() == 0u);
}

BOOST_AUTO_TEST_CASE(containers_beyond_capacity_are_freed)
{
    body_pool pool(2);
    for (char fill : {'a', 'b', 'c'})
        pool.give(std::string(1000, fill));

    // The latest given comes back first; the third did not fit.
    BOOST_TEST(pool.take() == std::string(1000, 'b'));
    BOOST_TEST(pool.take() == std::string(1000, 'a'));
    BOOST_TEST(pool.take().empty());
}

BOOST_AUTO_TEST_CASE(item_vectors_keep_their_elements)
{
    // The parser overwrites the elements of a taken vector, reusing the
    // memory of their strings, so the pool must not clear it.
    item_pool pool(1);
    std::vector<swr::repository> items(3);
    items[0].description = std::string(200, 'd');

    pool.give(std::move(items));
    std::vector<swr::repository> again = pool.take();

    BOOST_TEST_REQUIRE(again.size() == 3u);
    BOOST_TEST(again[0].description.capacity() >= 200u);
}
