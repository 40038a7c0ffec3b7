// The authentication members of request_handler: AK/SK signatures, static
// and IAM-issued tokens, and IAM's POST /v3/auth/tokens. The decisions
// themselves live in aksk_verifier.cpp and iam_tokens.cpp; this file turns
// them into the responses that the gateway and IAM send.

#include "emulator/aksk_verifier.hpp"
#include "emulator/handler.hpp"

#include <boost/json.hpp>

#include <cstdio>

namespace swr::emulator_detail {

namespace {

constexpr std::string_view unauthorized_code = "APIG.0301";

// Formats `time` as an HTTP date (RFC 9110), e.g. `Fri, 04 Dec 2026 22:24:21 GMT`.
std::string format_http_date(std::chrono::system_clock::time_point time)
{
    using namespace std::chrono;
    static constexpr const char* weekdays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
    static constexpr const char* months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                             "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    sys_days day = floor<days>(time);
    year_month_day date{day};
    hh_mm_ss clock{floor<seconds>(time - day)};
    char text[40];
    std::snprintf(text, sizeof text, "%s, %02u %s %04d %02d:%02d:%02d GMT", weekdays[weekday{day}.c_encoding()],
                  static_cast<unsigned>(date.day()), months[static_cast<unsigned>(date.month()) - 1],
                  static_cast<int>(date.year()), static_cast<int>(clock.hours().count()),
                  static_cast<int>(clock.minutes().count()), static_cast<int>(clock.seconds().count()));
    return text;
}

std::string_view verdict_name(signature_verdict verdict)
{
    switch (verdict) {
    case signature_verdict::accepted:
        return "accepted";
    case signature_verdict::malformed_authorization:
        return "malformed Authorization header";
    case signature_verdict::unknown_access_key:
        return "unknown access key";
    case signature_verdict::date_not_signed:
        return "x-sdk-date not signed";
    case signature_verdict::invalid_date:
        return "missing or invalid X-Sdk-Date";
    case signature_verdict::date_out_of_window:
        return "X-Sdk-Date more than 15 minutes off";
    case signature_verdict::signed_header_missing:
        return "signed header missing";
    case signature_verdict::invalid_target:
        return "malformed percent escape in the target";
    case signature_verdict::bad_signature:
        return "signature mismatch";
    }
    return "unknown";
}

// Returns the detail appended to the gateway's "verify aksk signature fail",
// or nothing for a wrong signature or access key, which the gateway leaves unexplained.
std::string_view describe_rejection(signature_verdict verdict)
{
    switch (verdict) {
    case signature_verdict::malformed_authorization:
        return " (the Authorization header is not SDK-HMAC-SHA256 Access=..., SignedHeaders=..., Signature=...)";
    case signature_verdict::date_not_signed:
        return " (x-sdk-date is not in SignedHeaders)";
    case signature_verdict::invalid_date:
        return " (the X-Sdk-Date header is missing or not YYYYMMDDTHHMMSSZ)";
    case signature_verdict::signed_header_missing:
        return " (a header named in SignedHeaders is missing)";
    case signature_verdict::invalid_target:
        return " (the path or query has a malformed percent escape)";
    default:
        return "";
    }
}

// Keeps a client-chosen value from forging log lines: at most 64 bytes,
// with every byte outside printable ASCII replaced by `?`.
std::string printable_prefix(std::string_view text)
{
    std::string printable(text.substr(0, 64));
    for (char& c : printable) {
        if (c < 0x20 || c > 0x7E) {
            c = '?';
        }
    }
    return printable;
}

}  // namespace

std::chrono::system_clock::time_point request_handler::server_time(const request_head& request) const
{
    return request.wall_arrival + clock_skew_;
}

std::optional<response_plan> request_handler::check_credentials(const request_head& request,
                                                                const std::string& request_id) const
{
    if (!authenticates_) {
        return std::nullopt;
    }

    // A token is checked when one is sent, and otherwise an AK/SK signature.
    // The messages never quote a token, key or signature that was sent.
    if (std::optional<std::string_view> token = find_header(request, "X-Auth-Token")) {
        return check_token(*token, request, request_id);
    }
    if (find_header(request, "Authorization")) {
        return check_signature(request, request_id);
    }
    return gateway_error(401, unauthorized_code,
                         "Incorrect IAM authentication information: the X-Auth-Token header is missing",
                         request_id);
}

std::optional<response_plan> request_handler::check_token(std::string_view token, const request_head& request,
                                                          const std::string& request_id) const
{
    if (!token_.empty() && equals_constant_time(token, token_)) {
        return std::nullopt;
    }
    switch (tokens_->check(token, server_time(request))) {
    case token_state::valid:
        return std::nullopt;
    case token_state::expired:
        return gateway_error(401, unauthorized_code, "Incorrect IAM authentication information: token expires",
                             request_id);
    case token_state::unknown:
        break;
    }
    return gateway_error(401, unauthorized_code, "Incorrect IAM authentication information: the token is not valid",
                         request_id);
}

std::optional<response_plan> request_handler::check_signature(const request_head& request,
                                                              const std::string& request_id) const
{
    // With no key pair configured every access key is unknown.
    std::chrono::system_clock::time_point now = server_time(request);
    signature_verdict verdict = access_key_.empty() ? signature_verdict::unknown_access_key
                                                    : verify_aksk_signature(request, access_key_, secret_key_, now);
    if (verdict != signature_verdict::accepted && log_) {
        // Clients can send bad signatures at any rate, so only the 1st, 2nd, 4th, 8th... are logged.
        std::uint64_t seen = signature_failures_logged_.fetch_add(1, std::memory_order_relaxed) + 1;
        if ((seen & (seen - 1)) == 0) {
            log_("request " + request_id + ": AK/SK signature rejected: " + std::string(verdict_name(verdict)) + " (" +
                 std::to_string(seen) + " rejected so far)");
        }
    }
    if (verdict == signature_verdict::date_out_of_window) {
        // The Date field lets a client see how far off its clock is.
        response_plan plan = gateway_error(
            401, unauthorized_code,
            "Incorrect IAM authentication information: signature expired, X-Sdk-Date is more than 15 minutes from "
            "the server time",
            request_id);
        plan.headers.emplace_back("Date", format_http_date(now));
        return plan;
    }
    if (verdict != signature_verdict::accepted) {
        return gateway_error(401, unauthorized_code,
                             "Incorrect IAM authentication information: verify aksk signature fail" +
                                 std::string(describe_rejection(verdict)),
                             request_id);
    }

    // NOTE: the gateway's response to a project that does not match the key
    // is not documented, so this uses the code of the other credential errors.
    if (!project_id_.empty() && find_header(request, "X-Project-Id") != std::optional<std::string_view>(project_id_)) {
        return gateway_error(401, unauthorized_code,
                             "Incorrect IAM authentication information: the X-Project-Id header is missing or "
                             "names another project",
                             request_id);
    }
    return std::nullopt;
}

response_plan request_handler::issue_token(const request_head& request, std::string request_id)
{
    // Errors have IAM's own form, {"error":{"code":…,"title":…,"message":…}}.
    auto iam_error = [&](unsigned status, std::string_view title, std::string_view message) {
        boost::json::object error{{"code", status}, {"title", title}, {"message", message}};
        response_plan plan;
        plan.status = status;
        plan.headers.emplace_back("Content-Type", gateway_content_type);
        plan.headers.emplace_back("X-Request-Id", std::move(request_id));
        plan.body = boost::json::serialize(boost::json::object{{"error", std::move(error)}});
        return plan;
    };

    // Rejections are logged like signature failures: the 1st, 2nd, 4th, 8th...
    // with the user name but never the password.
    auto log_rejection = [&](const std::string& reason) {
        std::uint64_t seen = token_failures_logged_.fetch_add(1, std::memory_order_relaxed) + 1;
        if (log_ && (seen & (seen - 1)) == 0) {
            log_("request " + request_id + ": IAM token request rejected: " + reason + " (" + std::to_string(seen) +
                 " rejected so far)");
        }
    };

    auto parsed = parse_password_token_request(request.body);
    if (const std::string* problem = std::get_if<std::string>(&parsed)) {
        log_rejection(*problem);
        return iam_error(400, "Bad Request", "Invalid token request: " + *problem);
    }
    const password_token_request& identity = std::get<password_token_request>(parsed);
    if (!is_known_user(iam_users_, identity)) {
        log_rejection("wrong user name, domain or password for user '" + printable_prefix(identity.user) + "'");
        return iam_error(401, "Unauthorized", "The username or password is wrong.");
    }

    // The token travels only in X-Subject-Token, as with IAM.
    std::chrono::system_clock::time_point now = server_time(request);
    issued_token token = tokens_->issue(now);
    boost::json::object body{
        {"token",
         {{"expires_at", format_iam_time(token.expires_at)},
          {"issued_at", format_iam_time(now)},
          {"methods", boost::json::array{"password"}},
          {"user", {{"name", identity.user}, {"domain", {{"name", identity.domain}}}}},
          {"project", {{"name", identity.project}}}}},
    };

    response_plan plan;
    plan.status = 201;
    plan.headers.emplace_back("Content-Type", gateway_content_type);
    plan.headers.emplace_back("X-Subject-Token", std::move(token.value));
    plan.headers.emplace_back("Date", format_http_date(now));
    plan.headers.emplace_back("X-Request-Id", std::move(request_id));
    plan.body = boost::json::serialize(body);
    return plan;
}

}  // namespace swr::emulator_detail
