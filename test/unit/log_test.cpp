// Unit tests for swr/log.hpp: level names and the default options.

#define BOOST_TEST_MODULE log
#include <boost/test/unit_test.hpp>

#include <swr/log.hpp>

#include <array>
#include <ostream>
#include <string_view>

namespace swr {

// Lets Boost.Test print levels in failure messages.
std::ostream& boost_test_print_type(std::ostream& out, log_level level)
{
    return out << to_string(level);
}

}  // namespace swr

namespace {

constexpr std::array all_levels = {swr::log_level::trace,   swr::log_level::debug,
                                   swr::log_level::info,    swr::log_level::warning,
                                   swr::log_level::error,   swr::log_level::off};

}  // namespace

BOOST_AUTO_TEST_SUITE(log_level)

BOOST_AUTO_TEST_CASE(to_string_names)
{
    BOOST_TEST(swr::to_string(swr::log_level::trace) == "trace");
    BOOST_TEST(swr::to_string(swr::log_level::debug) == "debug");
    BOOST_TEST(swr::to_string(swr::log_level::info) == "info");
    BOOST_TEST(swr::to_string(swr::log_level::warning) == "warning");
    BOOST_TEST(swr::to_string(swr::log_level::error) == "error");
    BOOST_TEST(swr::to_string(swr::log_level::off) == "off");
}

BOOST_AUTO_TEST_CASE(round_trip)
{
    for (const swr::log_level level : all_levels) {
        BOOST_TEST_CONTEXT("level " << swr::to_string(level))
        {
            swr::log_level parsed =
                level == swr::log_level::off ? swr::log_level::trace : swr::log_level::off;

            const bool ok = swr::parse_log_level(swr::to_string(level), parsed);

            BOOST_TEST(ok);
            BOOST_TEST(parsed == level);
        }
    }
}

BOOST_AUTO_TEST_CASE(rejects_unknown)
{
    // Only the exact names written by to_string are accepted.
    for (const std::string_view text :
         {"", "verbose", "warn", "INFO", "Info", " info", "info ", "err", "none", "2"}) {
        BOOST_TEST_CONTEXT("text '" << text << "'")
        {
            swr::log_level level = swr::log_level::debug;

            BOOST_TEST(!swr::parse_log_level(text, level));
        }
    }
}

BOOST_AUTO_TEST_CASE(levels_ordered)
{
    BOOST_TEST((swr::log_level::trace < swr::log_level::debug));
    BOOST_TEST((swr::log_level::debug < swr::log_level::info));
    BOOST_TEST((swr::log_level::info < swr::log_level::warning));
    BOOST_TEST((swr::log_level::warning < swr::log_level::error));
    BOOST_TEST((swr::log_level::error < swr::log_level::off));
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(log_options)

BOOST_AUTO_TEST_CASE(silent_by_default)
{
    const swr::log_options options;

    BOOST_TEST(options.level == swr::log_level::off);
    BOOST_TEST(!options.sink);
}

BOOST_AUTO_TEST_SUITE_END()
