// Unit tests for swr/error.hpp: the error category, error_info formatting
// and swr::exception.

#define BOOST_TEST_MODULE error
#include <boost/test/unit_test.hpp>

#include <swr/error.hpp>

#include <boost/system/system_error.hpp>

#include <array>
#include <exception>
#include <set>
#include <string>
#include <string_view>

namespace {

// Every enumerator, in declaration order.
constexpr std::array all_errcs = {
    swr::errc::ok,
    swr::errc::invalid_argument,
    swr::errc::bad_request,
    swr::errc::unauthorized,
    swr::errc::forbidden,
    swr::errc::not_found,
    swr::errc::throttled,
    swr::errc::server_error,
    swr::errc::unexpected_status,
    swr::errc::bad_response,
    swr::errc::bad_content_range,
    swr::errc::response_too_large,
    swr::errc::inconsistent_listing,
    swr::errc::timeout,
    swr::errc::cancelled,
};

// A gateway throttling error with every field set to a value found nowhere else.
swr::error_info throttled_info()
{
    swr::error_info info;
    info.http_status = 429;
    info.service_code = "APIG.0308";
    info.message = "policy user over ratelimit,limit:200,time:1 second";
    info.request_id = "req-7f3a9c0e";
    info.offset = 31337;
    return info;
}

bool contains(std::string_view text, std::string_view part)
{
    return text.find(part) != std::string_view::npos;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(error_code)

BOOST_AUTO_TEST_CASE(messages_non_empty)
{
    for (const swr::errc value : all_errcs) {
        BOOST_TEST_CONTEXT("errc " << static_cast<int>(value))
        {
            const auto ec = swr::make_error_code(value);

            BOOST_TEST(!ec.message().empty());
        }
    }
}

BOOST_AUTO_TEST_CASE(messages_distinct)
{
    std::set<std::string> messages;

    for (const swr::errc value : all_errcs) {
        messages.insert(swr::make_error_code(value).message());
    }

    BOOST_TEST(messages.size() == all_errcs.size());
}

BOOST_AUTO_TEST_CASE(category_and_value)
{
    for (const swr::errc value : all_errcs) {
        BOOST_TEST_CONTEXT("errc " << static_cast<int>(value))
        {
            const auto ec = swr::make_error_code(value);

            BOOST_TEST((ec.category() == swr::category()));
            BOOST_TEST(ec.value() == static_cast<int>(value));
        }
    }
}

BOOST_AUTO_TEST_CASE(category_name)
{
    BOOST_TEST(std::string_view(swr::category().name()) != "");
}

BOOST_AUTO_TEST_CASE(implicit_conversion)
{
    const boost::system::error_code ec = swr::errc::timeout;

    BOOST_TEST((ec == swr::errc::timeout));
    BOOST_TEST((ec != swr::errc::cancelled));
}

BOOST_AUTO_TEST_CASE(ok_is_success)
{
    const boost::system::error_code ok = swr::errc::ok;
    const boost::system::error_code failed = swr::errc::invalid_argument;

    BOOST_TEST(!ok.failed());
    BOOST_TEST(failed.failed());
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(error_info)

BOOST_AUTO_TEST_CASE(to_string_contains_every_field)
{
    const swr::error_info info = throttled_info();

    const std::string text = info.to_string();

    BOOST_TEST(contains(text, "429"), "text: " << text);
    BOOST_TEST(contains(text, "APIG.0308"), "text: " << text);
    BOOST_TEST(contains(text, "policy user over ratelimit,limit:200,time:1 second"),
               "text: " << text);
    BOOST_TEST(contains(text, "req-7f3a9c0e"), "text: " << text);
    BOOST_TEST(contains(text, "31337"), "text: " << text);
}

BOOST_AUTO_TEST_CASE(to_string_large_offset)
{
    swr::error_info info = throttled_info();
    info.offset = 9007199254740993;

    const std::string text = info.to_string();

    BOOST_TEST(contains(text, "9007199254740993"), "text: " << text);
}

BOOST_AUTO_TEST_CASE(to_string_one_line)
{
    const swr::error_info info = throttled_info();

    const std::string text = info.to_string();

    BOOST_TEST(!contains(text, "\n"), "text: " << text);
}

BOOST_AUTO_TEST_CASE(to_string_without_response)
{
    // No response arrived: only the library's own message is known.
    swr::error_info info;
    info.message = "connect timed out after 10 s";

    const std::string text = info.to_string();

    BOOST_TEST(contains(text, "connect timed out after 10 s"), "text: " << text);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(exception)

BOOST_AUTO_TEST_CASE(what_contains_code_and_info)
{
    const auto ec = swr::make_error_code(swr::errc::throttled);

    const swr::exception error(ec, throttled_info());
    const std::string text = error.what();

    BOOST_TEST(contains(text, ec.message()), "what(): " << text);
    BOOST_TEST(contains(text, "429"), "what(): " << text);
    BOOST_TEST(contains(text, "APIG.0308"), "what(): " << text);
    BOOST_TEST(contains(text, "policy user over ratelimit,limit:200,time:1 second"),
               "what(): " << text);
    BOOST_TEST(contains(text, "req-7f3a9c0e"), "what(): " << text);
    BOOST_TEST(contains(text, "31337"), "what(): " << text);
}

BOOST_AUTO_TEST_CASE(keeps_code_and_info)
{
    const auto ec = swr::make_error_code(swr::errc::throttled);

    const swr::exception error(ec, throttled_info());

    BOOST_TEST((error.code() == swr::errc::throttled));
    BOOST_TEST(error.info().http_status == 429);
    BOOST_TEST(error.info().service_code == "APIG.0308");
    BOOST_TEST(error.info().message == "policy user over ratelimit,limit:200,time:1 second");
    BOOST_TEST(error.info().request_id == "req-7f3a9c0e");
    BOOST_TEST_REQUIRE(error.info().offset.has_value());
    BOOST_TEST(*error.info().offset == 31337);
}

BOOST_AUTO_TEST_CASE(throw_error_throws_exception)
{
    const auto ec = swr::make_error_code(swr::errc::unauthorized);
    swr::error_info info;
    info.http_status = 401;
    info.service_code = "APIG.0301";

    BOOST_CHECK_EXCEPTION(swr::throw_error(ec, info), swr::exception,
                          [](const swr::exception& error) {
                              return error.code() == swr::errc::unauthorized &&
                                     error.info().http_status == 401 &&
                                     error.info().service_code == "APIG.0301";
                          });
}

BOOST_AUTO_TEST_CASE(caught_as_system_error)
{
    const auto ec = swr::make_error_code(swr::errc::server_error);

    BOOST_CHECK_THROW(swr::throw_error(ec, {}), boost::system::system_error);
    BOOST_CHECK_THROW(swr::throw_error(ec, {}), std::exception);
}

BOOST_AUTO_TEST_SUITE_END()
