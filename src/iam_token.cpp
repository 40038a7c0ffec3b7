#include "iam_token.hpp"
#include "aksk_credentials.hpp"
#include "credential_checks.hpp"
#include "errors.hpp"
#include "response.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include <algorithm>
#include <charconv>

namespace swr::detail {
namespace {

constexpr std::string_view options_name = "iam_password_options::";

[[noreturn]] void throw_bad_option(std::string_view field, std::string_view problem)
{
    throw_invalid_argument(std::string(options_name) + std::string(field) + " " + std::string(problem));
}

bool read_number(std::string_view text, int& value) noexcept
{
    if (text.empty() || !std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; }))
        return false;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    return ec == std::errc() && end == text.data() + text.size();
}

// Reads the Keystone-style error object of IAM,
// {"error":{"code":401,"title":"Unauthorized","message":"..."}}, whose numeric
// `code` repeats the HTTP status. A string `error_code` or `code` is taken
// as the service code.
bool read_keystone_error(std::string_view body, std::string& code, std::string& message)
{
    boost::system::error_code ec;
    boost::json::value parsed = boost::json::parse(body, ec);
    if (ec || !parsed.is_object())
        return false;
    const boost::json::value* error = parsed.as_object().if_contains("error");
    if (error == nullptr || !error->is_object())
        return false;

    const boost::json::object& fields = error->as_object();
    auto string_field = [&](std::string_view name) -> std::string {
        const boost::json::value* value = fields.if_contains(name);
        return value != nullptr && value->is_string() ? std::string(value->as_string()) : std::string();
    };
    code = string_field("error_code");
    if (code.empty()) {
        std::string text_code = string_field("code");
        bool numeric = !text_code.empty() && text_code.find_first_not_of("0123456789") == std::string::npos;
        if (!numeric)
            code = std::move(text_code);
    }
    message = string_field("message");
    if (message.empty())
        message = string_field("title");
    return true;
}

[[noreturn]] void throw_bad_token_response(const http_response& response, std::string message)
{
    error_info info;
    info.http_status = response.status;
    info.request_id = response.request_id;
    info.message = std::move(message);
    throw_error(errc::bad_response, std::move(info));
}

}  // namespace

swr::endpoint resolve_iam_endpoint(const iam_password_options& options)
{
    if (options.user_name.empty())
        throw_bad_option("user_name", "is empty; set the IAM user name");
    if (options.password.empty())
        throw_bad_option("password", "is empty; set the IAM user's password");
    if (options.domain_name.empty())
        throw_bad_option("domain_name", "is empty; set the account (domain) name that owns the user");
    if (options.project_id.empty() && options.project_name.empty() && options.region.empty())
        throw_bad_option("project_name", "is empty; set project_name, project_id or region to scope the token");
    if (options.refresh_margin.count() < 0)
        throw_bad_option("refresh_margin", "is negative; use 0 or more seconds");
    if (options.timeouts.connect.count() <= 0 || options.timeouts.handshake.count() <= 0 ||
        options.timeouts.request.count() <= 0)
        throw_bad_option("timeouts", "must all be positive");
    if (options.max_header_bytes == 0 || options.max_body_bytes == 0)
        throw_bad_option("max_header_bytes", "and max_body_bytes must be positive");

    swr::endpoint result;
    if (!options.endpoint.empty()) {
        std::string error = parse_endpoint(options.endpoint, result);
        if (!error.empty())
            throw_bad_option("endpoint", "is invalid: " + error);
        return result;
    }
    if (options.region.empty())
        throw_bad_option("endpoint", "is empty; set the IAM endpoint, e.g. https://127.0.0.1:9443, or a region");

    auto regions = known_regions();
    if (std::find(regions.begin(), regions.end(), options.region) == regions.end()) {
        throw_bad_option("region", "'" + options.region +
                                       "' is not a known region; set iam_password_options::endpoint instead");
    }
    // NOTE: the IAM host name is derived as iam.{region}.myhuaweicloud.com
    // for every region, eu-west-101 included, whose SWR endpoint lives under
    // myhuaweicloud.eu; set the endpoint explicitly where this is wrong.
    std::string error = parse_endpoint("https://iam." + options.region + ".myhuaweicloud.com", result);
    if (!error.empty())
        throw_bad_option("region", "gives an invalid endpoint: " + error);
    return result;
}

std::string iam_password_request_body(const iam_password_options& options)
{
    boost::json::object domain;
    domain["name"] = options.domain_name;

    boost::json::object user;
    user["name"] = options.user_name;
    user["password"] = options.password;
    user["domain"] = std::move(domain);

    boost::json::object password;
    password["user"] = std::move(user);

    boost::json::array methods;
    methods.emplace_back("password");

    boost::json::object identity;
    identity["methods"] = std::move(methods);
    identity["password"] = std::move(password);

    boost::json::object project;
    if (!options.project_id.empty())
        project["id"] = options.project_id;
    else
        project["name"] = options.project_name.empty() ? options.region : options.project_name;

    boost::json::object scope;
    scope["project"] = std::move(project);

    boost::json::object auth;
    auth["identity"] = std::move(identity);
    auth["scope"] = std::move(scope);

    boost::json::object body;
    body["auth"] = std::move(auth);
    return boost::json::serialize(body);
}

std::optional<std::chrono::sys_seconds> parse_iam_time(std::string_view text) noexcept
{
    // YYYY-MM-DDTHH:MM:SS, then an optional fraction, then Z or an offset.
    if (text.size() < 20 || text[4] != '-' || text[7] != '-' || (text[10] != 'T' && text[10] != 't') ||
        text[13] != ':' || text[16] != ':')
        return std::nullopt;
    int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
    if (!read_number(text.substr(0, 4), year) || !read_number(text.substr(5, 2), month) ||
        !read_number(text.substr(8, 2), day) || !read_number(text.substr(11, 2), hour) ||
        !read_number(text.substr(14, 2), minute) || !read_number(text.substr(17, 2), second))
        return std::nullopt;
    if (hour > 23 || minute > 59 || second > 60)
        return std::nullopt;

    std::string_view rest = text.substr(19);
    if (!rest.empty() && rest.front() == '.') {
        std::size_t digits = 1;
        while (digits < rest.size() && rest[digits] >= '0' && rest[digits] <= '9')
            ++digits;
        if (digits == 1)
            return std::nullopt;
        rest.remove_prefix(digits);
    }

    std::chrono::minutes offset{0};
    if (rest == "Z" || rest == "z") {
        // UTC
    } else if (rest.size() == 6 && (rest[0] == '+' || rest[0] == '-') && rest[3] == ':') {
        int offset_hours = 0, offset_minutes = 0;
        if (!read_number(rest.substr(1, 2), offset_hours) || !read_number(rest.substr(4, 2), offset_minutes))
            return std::nullopt;
        offset = std::chrono::hours(offset_hours) + std::chrono::minutes(offset_minutes);
        if (rest[0] == '-')
            offset = -offset;
    } else {
        return std::nullopt;
    }

    std::chrono::year_month_day date{std::chrono::year(year), std::chrono::month(static_cast<unsigned>(month)),
                                     std::chrono::day(static_cast<unsigned>(day))};
    if (!date.ok())
        return std::nullopt;
    return std::chrono::sys_days(date) + std::chrono::hours(hour) + std::chrono::minutes(minute) +
           std::chrono::seconds(second) - offset;
}

fetched_token read_iam_token_response(const http_response& response, std::string_view endpoint_url,
                                      std::chrono::system_clock::time_point local_now)
{
    std::string prefix = "IAM token request to " + std::string(endpoint_url) + " failed: ";

    if (response.status != 201 && response.status != 200) {
        std::string code;
        std::string message;
        std::string request_id = response.request_id;
        if (!read_keystone_error(response.body, code, message)) {
            error_body body = parse_error_body(response.body);
            code = std::move(body.code);
            message = std::move(body.message);
            if (request_id.empty())
                request_id = std::move(body.request_id);
        }

        error_info info;
        info.http_status = response.status;
        info.service_code = std::move(code);
        info.request_id = std::move(request_id);
        info.message = prefix + (message.empty() ? "no error message in the response" : message);
        throw_error(classify_status(response.status, info.service_code), std::move(info));
    }

    if (response.subject_token.empty())
        throw_bad_token_response(response, prefix + "the response has no X-Subject-Token header");
    if (contains_control_character(response.subject_token))
        throw_bad_token_response(response, prefix + "the X-Subject-Token header contains a control character");

    boost::system::error_code ec;
    boost::json::parse_options tolerant;
    tolerant.allow_trailing_commas = true;
    boost::json::value parsed = boost::json::parse(response.body, ec, {}, tolerant);
    const boost::json::value* expires_at = nullptr;
    if (!ec && parsed.is_object()) {
        if (const boost::json::value* token = parsed.as_object().if_contains("token"); token && token->is_object())
            expires_at = token->as_object().if_contains("expires_at");
    }
    if (expires_at == nullptr || !expires_at->is_string())
        throw_bad_token_response(response, prefix + "the response body has no token.expires_at string");

    std::string_view expires_text = expires_at->as_string();
    auto expires = parse_iam_time(expires_text);
    if (!expires)
        throw_bad_token_response(response, prefix + "token.expires_at '" + std::string(expires_text.substr(0, 64)) + "' is not an ISO 8601 UTC time");

    auto issued = std::chrono::floor<std::chrono::seconds>(parse_date_header(response.date).value_or(local_now));
    fetched_token result;
    result.token = response.subject_token;
    result.lifetime = *expires - issued;
    return result;
}

iam_token_source::iam_token_source(boost::asio::any_io_executor executor, const iam_password_options& options,
                                   swr::endpoint endpoint, const logger& log)
    : endpoint_(std::move(endpoint)),
      url_(endpoint_.url()),
      body_(iam_password_request_body(options)),
      password_(options.password),
      time_(options.time ? options.time : system_time_source()),
      transport_(std::move(executor),
                 transport_settings{endpoint_, options.tls, options.timeouts, 2, options.max_header_bytes,
                                    options.max_body_bytes, options.proxy},
                 log)
{
}

boost::asio::awaitable<fetched_token> iam_token_source::fetch()
{
    outgoing_request request;
    request.method = "POST";
    request.host = endpoint_.host_header();
    request.path = std::string(iam_tokens_path);
    request.body = body_;
    request.set_header("Content-Type", "application/json;charset=utf8");
    request.set_header("Accept", "application/json");

    http_response response = co_await transport_.send(request);
    if (response.ec == errc::response_too_large) {
        error_info info;
        info.message = "IAM token response from " + url_ +
                       " is larger than iam_password_options::max_header_bytes or max_body_bytes; raise them";
        throw_error(response.ec, std::move(info));
    }
    if (response.ec) {
        error_info info;
        info.message = "IAM token request to " + url_ + " failed: " + response.info.message;
        throw_error(response.ec, std::move(info));
    }
    co_return read_iam_token_response(response, url_, time_->wall_now());
}

}  // namespace swr::detail

namespace swr {

std::shared_ptr<credentials_provider> make_iam_password_credentials(boost::asio::any_io_executor executor,
                                                                    iam_password_options options)
{
    swr::endpoint endpoint = detail::resolve_iam_endpoint(options);
    detail::logger log(options.log);
    auto source = std::make_shared<detail::iam_token_source>(executor, options, std::move(endpoint), log);

    detail::token_refresh_settings settings;
    settings.refresh_margin = options.refresh_margin;
    settings.source = "IAM at " + source->url();
    settings.kind = "iam-password";

    // The source lives as long as the provider's fetch function.
    detail::token_fetcher fetch = [source]() { return source->fetch(); };
    return std::make_shared<detail::refreshing_token_credentials>(std::move(executor), std::move(fetch),
                                                                  std::move(options.time), std::move(settings),
                                                                  log);
}

}  // namespace swr
