// The emulator's authentication decisions without sockets: its own AK/SK
// verifier against test/data/sign-vectors.json and against altered requests,
// the IAM token request parser, the table of issued tokens, and the
// authentication options and command-line flags.

#define BOOST_TEST_MODULE emulator_auth_test
#include <boost/test/unit_test.hpp>

#include "emulator/aksk_verifier.hpp"
#include "emulator/command_line.hpp"
#include "emulator/http_request.hpp"
#include "emulator/iam_tokens.hpp"
#include "emulator/options.hpp"

#include <boost/json.hpp>

#include <chrono>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace json = boost::json;
using namespace std::chrono_literals;
using swr::emulator_detail::signature_verdict;

namespace {

// A request rebuilt from one vector; `head` points into the strings kept here.
struct vector_request {
    std::string id;
    std::string method;
    std::string target;
    std::string body;
    std::vector<std::pair<std::string, std::string>> headers;
    std::string access_key;
    std::string secret_key;
    std::chrono::system_clock::time_point signed_at;

    swr::emulator_detail::request_head head() const
    {
        swr::emulator_detail::request_head request;
        request.method = method;
        request.target = target;
        request.body = body;
        for (const auto& [name, value] : headers) {
            request.headers.push_back({name, value});
        }
        return request;
    }

    void set_header(const std::string& name, const std::string& value)
    {
        for (auto& field : headers) {
            if (field.first == name) {
                field.second = value;
                return;
            }
        }
        headers.emplace_back(name, value);
    }
};

std::string text(const json::object& object, std::string_view key)
{
    return std::string(object.at(key).as_string());
}

// Percent-encodes outside the unreserved set, for vectors that give only decoded parameters.
std::string encode(std::string_view value)
{
    std::string out;
    for (char c : value) {
        auto byte = static_cast<unsigned char>(c);
        if (std::isalnum(byte) || c == '-' || c == '_' || c == '.' || c == '~') {
            out.push_back(c);
        } else {
            static constexpr char digits[] = "0123456789ABCDEF";
            out += {'%', digits[byte >> 4], digits[byte & 15]};
        }
    }
    return out;
}

std::vector<vector_request> load_vectors()
{
    std::ifstream file(SWR_TEST_DATA_DIR "/sign-vectors.json", std::ios::binary);
    BOOST_TEST_REQUIRE(file.good(), "cannot open " SWR_TEST_DATA_DIR "/sign-vectors.json");
    std::ostringstream content;
    content << file.rdbuf();

    json::value root = json::parse(content.str());
    std::vector<vector_request> requests;
    for (const json::value& entry : root.at("vectors").as_array()) {
        const json::object& vector = entry.as_object();
        vector_request request;
        request.id = text(vector, "id");
        request.method = text(vector, "method");

        // The query as sent when the vector has it; otherwise encoded from the parameters.
        std::string query;
        if (vector.contains("wire_query")) {
            query = text(vector, "wire_query");
        } else {
            for (const json::value& pair : vector.at("query_params_decoded").as_array()) {
                query += (query.empty() ? "" : "&") + encode(pair.at(0).as_string()) + "=" +
                         encode(pair.at(1).as_string());
            }
        }
        request.target = text(vector, "path") + (query.empty() ? "" : "?" + query);
        request.body = vector.contains("body") ? text(vector, "body") : "";
        for (const auto& [name, value] : vector.at("headers").as_object()) {
            request.headers.emplace_back(std::string(name), std::string(value.as_string()));
        }
        request.headers.emplace_back("Authorization", text(vector, "expected_authorization"));
        request.access_key = text(vector, "ak");
        request.secret_key = text(vector, "sk");
        request.signed_at = *swr::emulator_detail::parse_sdk_date(text(vector, "x_sdk_date"));
        requests.push_back(std::move(request));
    }
    BOOST_TEST_REQUIRE(requests.size() == 9u);
    return requests;
}

signature_verdict verify(const vector_request& request, std::chrono::system_clock::time_point now)
{
    return swr::emulator_detail::verify_aksk_signature(request.head(), request.access_key, request.secret_key, now);
}

vector_request first_sdk_vector()
{
    return load_vectors().front();
}

}  // namespace

BOOST_AUTO_TEST_CASE(verifier_accepts_every_vector)
{
    for (const vector_request& request : load_vectors()) {
        BOOST_TEST_CONTEXT(request.id)
        {
            BOOST_TEST((verify(request, request.signed_at) == signature_verdict::accepted));
        }
    }
}

BOOST_AUTO_TEST_CASE(verifier_rebuilds_vector_canonical_requests)
{
    std::ifstream file(SWR_TEST_DATA_DIR "/sign-vectors.json", std::ios::binary);
    std::ostringstream content;
    content << file.rdbuf();
    json::value root = json::parse(content.str());
    const json::array& vectors = root.at("vectors").as_array();
    std::vector<vector_request> requests = load_vectors();
    for (std::size_t i = 0; i < requests.size(); ++i) {
        BOOST_TEST_CONTEXT(requests[i].id)
        {
            const json::object& vector = vectors[i].as_object();
            auto canonical =
                swr::emulator_detail::canonical_request(requests[i].head(), text(vector, "signed_headers"));
            BOOST_TEST_REQUIRE(canonical.has_value());
            BOOST_TEST(*canonical == text(vector, "canonical_request"));
        }
    }
}

BOOST_AUTO_TEST_CASE(verifier_accepts_dates_within_15_minutes)
{
    vector_request request = first_sdk_vector();
    BOOST_TEST((verify(request, request.signed_at + 15min) == signature_verdict::accepted));
    BOOST_TEST((verify(request, request.signed_at - 15min) == signature_verdict::accepted));
}

BOOST_AUTO_TEST_CASE(verifier_rejects_date_16_minutes_off)
{
    vector_request request = first_sdk_vector();
    BOOST_TEST((verify(request, request.signed_at + 16min) == signature_verdict::date_out_of_window));
    BOOST_TEST((verify(request, request.signed_at - 16min) == signature_verdict::date_out_of_window));
}

BOOST_AUTO_TEST_CASE(verifier_rejects_changed_signature)
{
    vector_request request = first_sdk_vector();
    std::string authorization = request.headers.back().second;
    authorization.back() = authorization.back() == '0' ? '1' : '0';
    request.set_header("Authorization", authorization);
    BOOST_TEST((verify(request, request.signed_at) == signature_verdict::bad_signature));
}

BOOST_AUTO_TEST_CASE(verifier_rejects_changed_query)
{
    vector_request request = first_sdk_vector();
    request.target = "/v2/manage/shared-repositories?center=thirdparty";
    BOOST_TEST((verify(request, request.signed_at) == signature_verdict::bad_signature));
}

BOOST_AUTO_TEST_CASE(verifier_rejects_changed_signed_header)
{
    vector_request request = first_sdk_vector();
    request.set_header("x-project-id", "ffffffffffffffffffffffffffffffff");
    BOOST_TEST((verify(request, request.signed_at) == signature_verdict::bad_signature));
}

BOOST_AUTO_TEST_CASE(verifier_rejects_wrong_secret_key)
{
    vector_request request = first_sdk_vector();
    request.secret_key = "not-the-secret-key";
    BOOST_TEST((verify(request, request.signed_at) == signature_verdict::bad_signature));
}

BOOST_AUTO_TEST_CASE(verifier_rejects_unknown_access_key)
{
    vector_request request = first_sdk_vector();
    request.access_key = "AKSOMEONEELSE";
    BOOST_TEST((verify(request, request.signed_at) == signature_verdict::unknown_access_key));
}

BOOST_AUTO_TEST_CASE(verifier_rejects_unsigned_date)
{
    // A list without x-sdk-date fails before any signature is compared, so
    // the signature here need not match.
    vector_request request = first_sdk_vector();
    request.set_header("Authorization",
                       "SDK-HMAC-SHA256 Access=" + request.access_key +
                           ", SignedHeaders=content-type;host;x-project-id, Signature=" +
                           swr::emulator_detail::hmac_sha256_hex(request.secret_key, "anything"));
    BOOST_TEST((verify(request, request.signed_at) == signature_verdict::date_not_signed));
}

BOOST_AUTO_TEST_CASE(verifier_rejects_missing_or_malformed_date)
{
    vector_request request = first_sdk_vector();
    request.set_header("x-sdk-date", "2024-05-01T12:34:56Z");
    BOOST_TEST((verify(request, request.signed_at) == signature_verdict::invalid_date));
    request.set_header("x-sdk-date", "20240231T123456Z");
    BOOST_TEST((verify(request, request.signed_at) == signature_verdict::invalid_date));
}

BOOST_AUTO_TEST_CASE(verifier_rejects_unsorted_signed_headers)
{
    vector_request request = first_sdk_vector();
    std::string authorization = request.headers.back().second;
    authorization.replace(authorization.find("content-type;host"), 17, "host;content-type");
    request.set_header("Authorization", authorization);
    BOOST_TEST((verify(request, request.signed_at) == signature_verdict::malformed_authorization));
}

BOOST_AUTO_TEST_CASE(verifier_rejects_absent_signed_header)
{
    vector_request request = first_sdk_vector();
    std::erase_if(request.headers, [](const auto& field) { return field.first == "x-project-id"; });
    BOOST_TEST((verify(request, request.signed_at) == signature_verdict::signed_header_missing));
}

BOOST_AUTO_TEST_CASE(authorization_parser_cases)
{
    using swr::emulator_detail::parse_aksk_authorization;
    auto parsed = parse_aksk_authorization("SDK-HMAC-SHA256 Signature=ab, Access=AK,SignedHeaders=x-sdk-date");
    BOOST_TEST_REQUIRE(parsed.has_value());
    BOOST_TEST(parsed->access_key == "AK");
    BOOST_TEST(parsed->signed_headers == "x-sdk-date");
    BOOST_TEST(parsed->signature == "ab");

    BOOST_TEST(!parse_aksk_authorization("SDK-HMAC-SHA1 Access=AK, SignedHeaders=x-sdk-date, Signature=ab"));
    BOOST_TEST(!parse_aksk_authorization("SDK-HMAC-SHA256 Access=AK, SignedHeaders=x-sdk-date"));
    BOOST_TEST(!parse_aksk_authorization("SDK-HMAC-SHA256 Access=AK, Access=AK, SignedHeaders=a, Signature=ab"));
    BOOST_TEST(!parse_aksk_authorization("SDK-HMAC-SHA256 Access=, SignedHeaders=x-sdk-date, Signature=ab"));
    BOOST_TEST(!parse_aksk_authorization("Bearer abc"));
}

BOOST_AUTO_TEST_CASE(token_request_parser_reads_password_body)
{
    auto parsed = swr::emulator_detail::parse_password_token_request(
        R"({"auth":{"identity":{"methods":["password"],"password":{"user":{"name":"alice","password":"pw",)"
        R"("domain":{"name":"acme"}}}},"scope":{"project":{"name":"cn-north-4"}}}})");
    const auto* request = std::get_if<swr::emulator_detail::password_token_request>(&parsed);
    BOOST_TEST_REQUIRE(request != nullptr);
    BOOST_TEST(request->user == "alice");
    BOOST_TEST(request->password == "pw");
    BOOST_TEST(request->domain == "acme");
    BOOST_TEST(request->project == "cn-north-4");
}

BOOST_AUTO_TEST_CASE(token_request_parser_names_missing_field)
{
    auto no_domain = swr::emulator_detail::parse_password_token_request(
        R"({"auth":{"identity":{"methods":["password"],"password":{"user":{"name":"alice","password":"secret-pw"}}}}})");
    const auto* problem = std::get_if<std::string>(&no_domain);
    BOOST_TEST_REQUIRE(problem != nullptr);
    BOOST_TEST(problem->find("domain.name") != std::string::npos);
    BOOST_TEST(problem->find("secret-pw") == std::string::npos);

    auto no_method = swr::emulator_detail::parse_password_token_request(R"({"auth":{"identity":{"methods":["token"]}}})");
    BOOST_TEST(std::holds_alternative<std::string>(no_method));

    auto not_json = swr::emulator_detail::parse_password_token_request("{");
    BOOST_TEST(std::holds_alternative<std::string>(not_json));
}

BOOST_AUTO_TEST_CASE(known_user_needs_name_domain_and_password)
{
    std::vector<swr::iam_user> users = {{"alice", "pw", "acme"}};
    BOOST_TEST(swr::emulator_detail::is_known_user(users, {"alice", "pw", "acme", ""}));
    BOOST_TEST(!swr::emulator_detail::is_known_user(users, {"alice", "wrong", "acme", ""}));
    BOOST_TEST(!swr::emulator_detail::is_known_user(users, {"alice", "pw", "other", ""}));
    BOOST_TEST(!swr::emulator_detail::is_known_user(users, {"bob", "pw", "acme", ""}));
}

BOOST_AUTO_TEST_CASE(iam_time_format)
{
    auto time = *swr::emulator_detail::parse_sdk_date("20240501T123456Z") + 789ms;
    BOOST_TEST(swr::emulator_detail::format_iam_time(time) == "2024-05-01T12:34:56.000000Z");
}

BOOST_AUTO_TEST_CASE(token_table_issues_long_unique_tokens)
{
    swr::emulator_detail::token_table tokens(24h);
    auto now = std::chrono::system_clock::now();
    auto first = tokens.issue(now);
    auto second = tokens.issue(now);
    BOOST_TEST(first.value.size() == swr::emulator_detail::issued_token_chars);
    BOOST_TEST(first.value.find_first_not_of(
                   "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") == std::string::npos);
    BOOST_TEST(first.value != second.value);
    BOOST_TEST((first.expires_at == now + 24h));
    BOOST_TEST(tokens.size() == 2u);
}

BOOST_AUTO_TEST_CASE(token_table_expires_after_lifetime)
{
    using swr::emulator_detail::token_state;
    swr::emulator_detail::token_table tokens(60s);
    auto now = std::chrono::system_clock::now();
    auto token = tokens.issue(now);
    BOOST_TEST((tokens.check(token.value, now) == token_state::valid));
    BOOST_TEST((tokens.check(token.value, now + 59s) == token_state::valid));
    BOOST_TEST((tokens.check(token.value, now + 60s) == token_state::expired));
    BOOST_TEST((tokens.check("never-issued", now) == token_state::unknown));
}

BOOST_AUTO_TEST_CASE(token_table_expire_all_spares_later_tokens)
{
    using swr::emulator_detail::token_state;
    swr::emulator_detail::token_table tokens(24h);
    auto now = std::chrono::system_clock::now();
    auto old_token = tokens.issue(now);
    tokens.expire_all();
    auto new_token = tokens.issue(now);
    BOOST_TEST((tokens.check(old_token.value, now) == token_state::expired));
    BOOST_TEST((tokens.check(new_token.value, now) == token_state::valid));
}

BOOST_AUTO_TEST_CASE(command_line_reads_auth_options)
{
    auto command = swr::emulator_detail::parse_command_line(
        {"--ak", "AK1", "--sk-file", "/nonexistent/sk", "--token-lifetime-s", "60", "--clock-skew-s=-900"});
    BOOST_TEST(command.options.access_key == "AK1");
    BOOST_TEST(command.secret_key_file == "/nonexistent/sk");
    BOOST_TEST(command.options.token_lifetime.count() == 60);
    BOOST_TEST(command.options.clock_skew.count() == -900);
}

BOOST_AUTO_TEST_CASE(command_line_rejects_secrets)
{
    using swr::emulator_detail::parse_command_line;
    using swr::emulator_detail::usage_error;
    BOOST_CHECK_THROW(parse_command_line({"--sk", "secret"}), usage_error);
    BOOST_CHECK_THROW(parse_command_line({"--sk=secret"}), usage_error);
    BOOST_CHECK_THROW(parse_command_line({"--password", "secret"}), usage_error);
    BOOST_CHECK_THROW(parse_command_line({"--token-lifetime-s", "0"}), usage_error);
}

BOOST_AUTO_TEST_CASE(command_line_needs_ak_with_sk_file)
{
    auto command = swr::emulator_detail::parse_command_line({"--ak", "AK1"});
    BOOST_CHECK_THROW(swr::emulator_detail::load_credential_files(command), swr::emulator_detail::usage_error);
}

BOOST_AUTO_TEST_CASE(options_reject_half_key_pair)
{
    swr::emulator_options options;
    options.tls_dir = "/tmp/unused";
    options.access_key = "AK1";
    try {
        swr::emulator_detail::validate_options(options);
        BOOST_FAIL("an access key without a secret key was accepted");
    } catch (const std::invalid_argument& error) {
        BOOST_TEST(std::string(error.what()).find("secret_key") != std::string::npos);
    }
}

BOOST_AUTO_TEST_CASE(options_reject_zero_token_lifetime)
{
    swr::emulator_options options;
    options.tls_dir = "/tmp/unused";
    options.token_lifetime = std::chrono::seconds(0);
    BOOST_CHECK_THROW(swr::emulator_detail::validate_options(options), std::invalid_argument);
}
