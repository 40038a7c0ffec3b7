#define BOOST_TEST_MODULE response
#include "response.hpp"

#include <boost/test/unit_test.hpp>

#include <ostream>
#include <string>

using swr::errc;
using swr::detail::classify_status;
using swr::detail::parse_error_body;

BOOST_AUTO_TEST_CASE(current_swr_format)
{
    auto body = parse_error_body(
        R"({"errors":[{"errorCode":"SVCSTG.SWR.4000056","errorMessage":"Invalid page size","detail":""}],)"
        R"("error_code":"SVCSTG.SWR.4000056","error_msg":"Invalid page size","details":[]})");

    BOOST_TEST(body.code == "SVCSTG.SWR.4000056");
    BOOST_TEST(body.message == "Invalid page size");
}

BOOST_AUTO_TEST_CASE(errors_array_only)
{
    auto body = parse_error_body(R"({"errors":[{"errorCode":"SVCSTG.SWR.4001036","errorMessage":"missing"}]})");

    BOOST_TEST(body.code == "SVCSTG.SWR.4001036");
    BOOST_TEST(body.message == "missing");
}

BOOST_AUTO_TEST_CASE(older_bare_array_format)
{
    auto body = parse_error_body(R"([{"errorCode":"SVCSTG.SWR.5000008","errorMessage":"failed to list","detail":""}])");

    BOOST_TEST(body.code == "SVCSTG.SWR.5000008");
    BOOST_TEST(body.message == "failed to list");
}

BOOST_AUTO_TEST_CASE(gateway_format_with_request_id)
{
    auto body = parse_error_body(
        R"({"error_code":"APIG.0308","error_msg":"policy user over ratelimit,limit:200,time:1 second","request_id":"abc123"})");

    BOOST_TEST(body.code == "APIG.0308");
    BOOST_TEST(body.message == "policy user over ratelimit,limit:200,time:1 second");
    BOOST_TEST(body.request_id == "abc123");
}

BOOST_AUTO_TEST_CASE(plain_text_body_kept_as_message)
{
    auto body = parse_error_body("Bad Gateway");

    BOOST_TEST(body.code.empty());
    BOOST_TEST(body.message == "response body: Bad Gateway");
}

BOOST_AUTO_TEST_CASE(long_body_shortened_and_control_characters_replaced)
{
    std::string text(2000, 'x');
    text[3] = '\n';

    auto body = parse_error_body(text);

    BOOST_TEST(body.message.size() < 600u);
    BOOST_TEST(body.message.find('\n') == std::string::npos);
    BOOST_TEST(body.message.substr(body.message.size() - 3) == "...");
}

BOOST_AUTO_TEST_CASE(empty_body_gives_empty_message)
{
    auto body = parse_error_body("");

    BOOST_TEST(body.code.empty());
    BOOST_TEST(body.message.empty());
}

BOOST_AUTO_TEST_CASE(status_classes)
{
    BOOST_TEST(classify_status(200, "") == errc::ok);
    BOOST_TEST(classify_status(400, "SVCSTG.SWR.4000056") == errc::bad_request);
    BOOST_TEST(classify_status(401, "APIG.0301") == errc::unauthorized);
    BOOST_TEST(classify_status(403, "SVCSTG.SWR.4030170") == errc::forbidden);
    BOOST_TEST(classify_status(404, "") == errc::not_found);
    BOOST_TEST(classify_status(429, "APIG.0308") == errc::throttled);
    BOOST_TEST(classify_status(500, "SVCSTG.SWR.5000008") == errc::server_error);
    BOOST_TEST(classify_status(503, "") == errc::server_error);
    BOOST_TEST(classify_status(302, "") == errc::unexpected_status);
}

BOOST_AUTO_TEST_CASE(swr_403_throttling_codes)
{
    BOOST_TEST(classify_status(403, "SVCSTG.SWR.4031032") == errc::throttled);
    BOOST_TEST(classify_status(403, "SVCSTG.SWR.4031042") == errc::throttled);
    BOOST_TEST(classify_status(403, "SVCSTG.SWR.4039001") == errc::forbidden);
}
