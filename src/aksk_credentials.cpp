#include "aksk_credentials.hpp"
#include "credential_checks.hpp"
#include "errors.hpp"
#include "redact.hpp"
#include "signer.hpp"

#include <swr/credentials.hpp>
#include <swr/retry.hpp>

#include <algorithm>
#include <mutex>
#include <utility>

namespace swr {
namespace detail {
namespace {

// Signed dates must lie within this window of the server's clock.
constexpr std::chrono::minutes signature_window{15};

bool contains_ignoring_case(std::string_view text, std::string_view lower_word) noexcept
{
    if (lower_word.size() > text.size())
        return false;
    for (std::size_t at = 0; at + lower_word.size() <= text.size(); ++at) {
        bool match = true;
        for (std::size_t i = 0; i < lower_word.size() && match; ++i) {
            char c = text[at + i];
            if (c >= 'A' && c <= 'Z')
                c = static_cast<char>(c - 'A' + 'a');
            match = c == lower_word[i];
        }
        if (match)
            return true;
    }
    return false;
}

// "+3600 s" or "-12 s".
std::string signed_seconds(std::chrono::seconds value)
{
    return (value.count() >= 0 ? "+" : "") + std::to_string(value.count()) + " s";
}

}  // namespace

bool is_expired_signature_message(std::string_view message) noexcept
{
    // "signature expired", or a complaint about an expired X-Sdk-Date. A
    // message about an expired token is not one: re-signing cannot fix it.
    bool expired = contains_ignoring_case(message, "expire");
    bool about_signature = contains_ignoring_case(message, "signature") || contains_ignoring_case(message, "date");
    return expired && about_signature;
}

std::optional<std::chrono::system_clock::time_point> parse_date_header(std::string_view value) noexcept
{
    // parse_retry_after also accepts delay-seconds, which a Date header never is.
    auto first = value.find_first_not_of(" \t");
    if (first == std::string_view::npos || (value[first] >= '0' && value[first] <= '9'))
        return std::nullopt;

    // Measured from the epoch, the "delay" is the date itself.
    auto since_epoch = parse_retry_after(value, std::chrono::system_clock::time_point{});
    if (!since_epoch)
        return std::nullopt;
    return std::chrono::system_clock::time_point{} + *since_epoch;
}

aksk_credentials::aksk_credentials(std::string access_key, std::string secret_key, std::string project_id,
                                   std::string security_token, std::shared_ptr<time_source> time)
    : access_key_(std::move(access_key)),
      secret_key_(std::move(secret_key)),
      project_id_(std::move(project_id)),
      security_token_(std::move(security_token)),
      secret_key_registration_(secret_key_),
      security_token_registration_(security_token_),
      time_(time ? std::move(time) : system_time_source())
{
}

aksk_credentials::clock_correction aksk_credentials::current_correction() const
{
    std::lock_guard lock(mutex_);
    return {offset_, generation_};
}

boost::asio::awaitable<void> aksk_credentials::authorize(outgoing_request& request)
{
    clock_correction correction = current_correction();
    std::string date = format_sdk_date(time_->wall_now() + correction.offset);

    request.set_header("X-Sdk-Date", date);
    request.set_header("X-Project-Id", project_id_);
    if (!security_token_.empty())
        request.set_header("X-Security-Token", security_token_);

    // The Node and Python SDKs sign these headers; Host is set by the
    // transport from request.host.
    signing_input input;
    input.method = request.method;
    input.path = request.path;
    input.query = parse_query(request.query);
    input.body = request.body;
    if (auto content_type = request.header("Content-Type"); !content_type.empty())
        input.headers.emplace_back("content-type", std::string(content_type));
    if (!request.host.empty())
        input.headers.emplace_back("host", request.host);
    input.headers.emplace_back("x-project-id", project_id_);
    input.headers.emplace_back("x-sdk-date", date);
    if (!security_token_.empty())
        input.headers.emplace_back("x-security-token", security_token_);

    signature_parts parts = sign(input, date, secret_key_);
    request.set_header("Authorization", authorization_value(access_key_, parts));
    request.credentials_generation = correction.generation;
    co_return;
}

boost::asio::awaitable<bool> aksk_credentials::on_rejected(const auth_rejection& rejection)
{
    // Any other signature failure counts toward the key's lockout, so only an
    // expired date, which a corrected clock fixes, is worth another attempt.
    if (!is_expired_signature_message(rejection.message))
        co_return false;

    std::lock_guard lock(mutex_);

    // Another rejected request has corrected the clock since this one was signed.
    if (rejection.credentials_generation != 0 && rejection.credentials_generation < generation_)
        co_return true;

    auto server_time = parse_date_header(rejection.server_date);
    if (!server_time)
        co_return false;

    // A small difference cannot explain an expired date; re-signing would
    // only add a failure.
    auto local_time = time_->wall_now() + offset_;
    auto skew = std::chrono::round<std::chrono::seconds>(*server_time - local_time);
    if (std::chrono::abs(skew) < min_skew_correction)
        co_return false;

    offset_ += skew;
    ++generation_;
    co_return true;
}

std::string aksk_credentials::describe_rejection(const auth_rejection& rejection) const
{
    if (!is_expired_signature_message(rejection.message)) {
        if (!security_token_.empty() && contains_ignoring_case(rejection.message, "token")) {
            return "the temporary credentials (X-Security-Token) may have expired; this provider cannot renew "
                   "them, so create it again with new ones";
        }
        return "AK/SK signature failures are not sent again, because Huawei Cloud locks an access key for 5 "
               "minutes after 5 consecutive failures; check the access key, secret key and project id";
    }

    auto server_time = parse_date_header(rejection.server_date);
    if (!server_time) {
        return "the clock skew could not be measured because the response has no valid Date header; X-Sdk-Date "
               "must be within 15 minutes of the server's clock, so check the system clock";
    }

    clock_correction correction = current_correction();
    auto skew = std::chrono::round<std::chrono::seconds>(*server_time - time_->wall_now());
    std::string note = "clock skew measured from the response's Date header: the server's clock is " +
                       signed_seconds(skew) + " from the local clock";
    if (correction.offset.count() != 0)
        note += " (signing dates were already corrected by " + signed_seconds(correction.offset) + ")";
    note += "; X-Sdk-Date must be within " + std::to_string(signature_window.count()) +
            " minutes of the server's clock, so synchronise the system clock, e.g. with NTP";
    return note;
}

}  // namespace detail

std::shared_ptr<credentials_provider> make_aksk_credentials(std::string access_key, std::string secret_key,
                                                            std::string project_id, std::string security_token,
                                                            std::shared_ptr<time_source> time)
{
    if (access_key.empty())
        detail::throw_invalid_argument("the access key (AK) is empty; pass the AK of an IAM access key pair");
    if (secret_key.empty())
        detail::throw_invalid_argument("the secret key (SK) is empty; pass the SK of the IAM access key pair");
    if (project_id.empty()) {
        detail::throw_invalid_argument("the project id is empty; AK/SK signing for SWR needs the id of the "
                                       "region's project, shown in the console under My Credentials");
    }

    // The AK goes inside the Authorization value, where a space or comma
    // would break its syntax. The other values are never quoted in messages.
    auto bad_access_key_byte = [](char c) {
        auto byte = static_cast<unsigned char>(c);
        return c == ' ' || c == ',' || c == '=' || byte < 0x20 || byte >= 0x7f;
    };
    if (std::any_of(access_key.begin(), access_key.end(), bad_access_key_byte)) {
        detail::throw_invalid_argument("the access key (AK) contains a space, comma, '=', control character or "
                                       "non-ASCII byte; check its source");
    }
    if (detail::contains_control_character(secret_key))
        detail::throw_invalid_argument("the secret key (SK) contains a control character; check its source");
    if (detail::contains_control_character(project_id))
        detail::throw_invalid_argument("the project id contains a control character; check its source");
    if (detail::contains_control_character(security_token)) {
        detail::throw_invalid_argument("the security token contains a control character (e.g. a newline); "
                                       "check its source");
    }
    for (auto [name, value] : {std::pair<const char*, std::string_view>{"access key (AK)", access_key},
                               {"secret key (SK)", secret_key},
                               {"project id", project_id},
                               {"security token", security_token}}) {
        if (detail::too_long_for_header(value)) {
            detail::throw_invalid_argument(std::string("the ") + name + " has " + std::to_string(value.size()) +
                                           " bytes, more than the " + std::to_string(detail::max_credential_bytes) +
                                           " allowed; check its source");
        }
    }

    return std::make_shared<detail::aksk_credentials>(std::move(access_key), std::move(secret_key),
                                                      std::move(project_id), std::move(security_token),
                                                      std::move(time));
}

}  // namespace swr
