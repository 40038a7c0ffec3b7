// Unit tests for the redactor (src/redact.hpp) and the places that call it:
// the logger, error_info::to_string and swr::exception.

#define BOOST_TEST_MODULE redact
#include <boost/test/unit_test.hpp>

#include "logger.hpp"
#include "redact.hpp"

#include <swr/error.hpp>

#include <string>
#include <vector>

using swr::detail::redact;
using swr::detail::secret_registration;

BOOST_AUTO_TEST_SUITE(headers)

BOOST_AUTO_TEST_CASE(authorization_masked_to_line_end)
{
    std::string text = "Authorization: SDK-HMAC-SHA256 Access=AK, SignedHeaders=host;x-sdk-date, Signature=0a1b\n"
                       "Host: 127.0.0.1";

    BOOST_TEST(redact(text) == "Authorization: ***\nHost: 127.0.0.1");
}

BOOST_AUTO_TEST_CASE(authorization_equals_form)
{
    BOOST_TEST(redact("authorization=SDK-HMAC-SHA256 Access=AK, Signature=0a1b") == "authorization=***");
}

BOOST_AUTO_TEST_CASE(auth_token_colon_form)
{
    BOOST_TEST(redact("X-Auth-Token: MIIabc\r\nAccept: */*") == "X-Auth-Token: ***\r\nAccept: */*");
}

BOOST_AUTO_TEST_CASE(auth_token_equals_form)
{
    BOOST_TEST(redact("x-auth-token=MIIabc&center=self") == "x-auth-token=***&center=self");
    BOOST_TEST(redact("X-Auth-Token = MIIabc, next") == "X-Auth-Token = ***, next");
}

BOOST_AUTO_TEST_CASE(subject_token_masked)
{
    BOOST_TEST(redact("X-Subject-Token: MIIsubject") == "X-Subject-Token: ***");
    BOOST_TEST(redact("x-subject-token=MIIsubject done") == "x-subject-token=*** done");
}

BOOST_AUTO_TEST_CASE(security_token_masked)
{
    BOOST_TEST(redact("X-Security-Token: temporary") == "X-Security-Token: ***");
    BOOST_TEST(redact("X-Security-Token=temporary;rest") == "X-Security-Token=***;rest");
}

BOOST_AUTO_TEST_CASE(names_case_insensitive)
{
    BOOST_TEST(redact("X-AUTH-TOKEN: abc") == "X-AUTH-TOKEN: ***");
    BOOST_TEST(redact("AUTHORIZATION: Bearer abc") == "AUTHORIZATION: ***");
}

BOOST_AUTO_TEST_CASE(json_form)
{
    BOOST_TEST(redact(R"({"X-Auth-Token": "abc def", "limit": 10})") == R"({"X-Auth-Token": "***", "limit": 10})");
    BOOST_TEST(redact(R"({'authorization':'SDK x'})") == R"({'authorization':'***'})");
}

BOOST_AUTO_TEST_CASE(several_headers_in_one_text)
{
    std::string text = "X-Auth-Token=a1&X-Security-Token=b2&x=1";

    BOOST_TEST(redact(text) == "X-Auth-Token=***&X-Security-Token=***&x=1");
}

BOOST_AUTO_TEST_CASE(empty_value_left_alone)
{
    BOOST_TEST(redact("X-Auth-Token: ") == "X-Auth-Token: ");
    BOOST_TEST(redact("X-Auth-Token=&a=1") == "X-Auth-Token=&a=1");
}

BOOST_AUTO_TEST_CASE(text_without_secrets_unchanged)
{
    const std::vector<std::string> texts = {
        "",
        "GET offset 200 limit 100: HTTP 200, 100 items (request id abc)",
        "missing X-Auth-Token header",
        "Authorized users only; authority: none",
        "x-auth-tokens: plural is another header",
        "HTTP 401 APIG.0301: Incorrect IAM authentication information: verify aksk signature fail",
        "center=self&limit=10&offset=0",
        "\xe9\x95\x9c\xe5\x83\x8f x-axis a",
    };
    for (const std::string& text : texts) {
        BOOST_TEST_CONTEXT("text '" << text << "'")
        {
            BOOST_TEST(redact(text) == text);
        }
    }
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(registered_secrets)

BOOST_AUTO_TEST_CASE(secret_masked_everywhere)
{
    secret_registration secret("s3cr3t-value");

    BOOST_TEST(redact("s3cr3t-value") == "***");
    BOOST_TEST(redact("password s3cr3t-value, again s3cr3t-value.") == "password ***, again ***.");
    BOOST_TEST(redact("xs3cr3t-valuex") == "x***x");
}

BOOST_AUTO_TEST_CASE(released_when_destroyed)
{
    {
        secret_registration secret("short-lived-secret");
        BOOST_TEST(redact("short-lived-secret") == "***");
    }

    BOOST_TEST(redact("short-lived-secret") == "short-lived-secret");
}

BOOST_AUTO_TEST_CASE(registrations_counted)
{
    secret_registration first("shared-secret-value");
    {
        secret_registration second("shared-secret-value");
    }

    BOOST_TEST(redact("shared-secret-value") == "***");
}

BOOST_AUTO_TEST_CASE(moved_registration_kept)
{
    secret_registration original("moved-secret-value");
    secret_registration moved(std::move(original));
    secret_registration assigned;
    assigned = std::move(moved);

    BOOST_TEST(redact("moved-secret-value") == "***");
}

BOOST_AUTO_TEST_CASE(longer_secret_masked_whole)
{
    secret_registration shorter("abcdef");
    secret_registration longer("abcdefgh");

    BOOST_TEST(redact("abcdefgh abcdef") == "*** ***");
}

BOOST_AUTO_TEST_CASE(short_secrets_ignored)
{
    secret_registration tiny("abc");
    secret_registration empty("");

    BOOST_TEST(redact("abc abcd") == "abc abcd");
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(wiring)

BOOST_AUTO_TEST_CASE(logger_redacts)
{
    std::vector<std::string> lines;
    swr::log_options options;
    options.level = swr::log_level::debug;
    options.sink = [&](swr::log_level, std::string_view line) { lines.emplace_back(line); };
    swr::detail::logger log(options);
    secret_registration secret("logged-secret-value");

    log.write(swr::log_level::info, "token logged-secret-value; sent X-Auth-Token: MIIabc");

    BOOST_TEST_REQUIRE(lines.size() == 1u);
    BOOST_TEST(lines[0] == "token ***; sent X-Auth-Token: ***");
}

BOOST_AUTO_TEST_CASE(logger_below_level_silent)
{
    std::vector<std::string> lines;
    swr::log_options options;
    options.level = swr::log_level::warning;
    options.sink = [&](swr::log_level, std::string_view line) { lines.emplace_back(line); };
    swr::detail::logger log(options);

    log.write(swr::log_level::debug, "X-Auth-Token: MIIabc");

    BOOST_TEST(lines.empty());
}

BOOST_AUTO_TEST_CASE(error_info_redacted)
{
    secret_registration secret("error-secret-value");
    swr::error_info info;
    info.http_status = 401;
    info.message = "server echoed error-secret-value; x-auth-token=MIIabc";

    BOOST_TEST(info.to_string() == "HTTP 401: server echoed ***; x-auth-token=***");
}

BOOST_AUTO_TEST_CASE(exception_redacted)
{
    secret_registration secret("thrown-secret-value");
    swr::error_info info;
    info.message = "failed with thrown-secret-value";

    swr::exception error(swr::errc::unauthorized, info);

    BOOST_TEST(std::string(error.what()).find("thrown-secret-value") == std::string::npos, error.what());
    BOOST_TEST(error.info().message == "failed with ***");
}

BOOST_AUTO_TEST_SUITE_END()
