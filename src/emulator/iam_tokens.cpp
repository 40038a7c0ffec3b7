#include "emulator/iam_tokens.hpp"

#include "emulator/aksk_verifier.hpp"
#include "emulator/http_request.hpp"

#include <boost/json.hpp>

#include <openssl/rand.h>

#include <cstdio>
#include <stdexcept>

namespace swr::emulator_detail {

namespace {

// Returns the string at `path` inside `root`, or nothing when a step is
// missing or the leaf is not a string.
std::optional<std::string> string_at(const boost::json::value& root, std::initializer_list<std::string_view> path)
{
    const boost::json::value* current = &root;
    for (std::string_view key : path) {
        const boost::json::object* object = current->if_object();
        current = object ? object->if_contains(key) : nullptr;
        if (current == nullptr) {
            return std::nullopt;
        }
    }
    if (!current->is_string()) {
        return std::nullopt;
    }
    return std::string(current->get_string());
}

std::string base64url(const unsigned char* bytes, std::size_t size)
{
    static constexpr char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    std::string text;
    text.reserve((size + 2) / 3 * 4);
    for (std::size_t i = 0; i + 2 < size; i += 3) {
        std::uint32_t group = (bytes[i] << 16) | (bytes[i + 1] << 8) | bytes[i + 2];
        text.push_back(alphabet[(group >> 18) & 63]);
        text.push_back(alphabet[(group >> 12) & 63]);
        text.push_back(alphabet[(group >> 6) & 63]);
        text.push_back(alphabet[group & 63]);
    }
    return text;
}

}  // namespace

std::variant<password_token_request, std::string> parse_password_token_request(std::string_view body)
{
    boost::system::error_code error;
    boost::json::value root = boost::json::parse(body, error);
    if (error) {
        return "the request body is not valid JSON: " + error.message();
    }

    const boost::json::value* methods = nullptr;
    if (const auto* auth = root.if_object() ? root.get_object().if_contains("auth") : nullptr) {
        if (const auto* identity = auth->if_object() ? auth->get_object().if_contains("identity") : nullptr) {
            methods = identity->if_object() ? identity->get_object().if_contains("methods") : nullptr;
        }
    }
    bool has_password_method = false;
    if (methods != nullptr && methods->is_array()) {
        for (const boost::json::value& method : methods->get_array()) {
            has_password_method = has_password_method || (method.is_string() && method.get_string() == "password");
        }
    }
    if (!has_password_method) {
        return std::string("auth.identity.methods must be an array containing \"password\"");
    }

    password_token_request request;
    auto user = string_at(root, {"auth", "identity", "password", "user", "name"});
    auto password = string_at(root, {"auth", "identity", "password", "user", "password"});
    auto domain = string_at(root, {"auth", "identity", "password", "user", "domain", "name"});
    if (!user) {
        return std::string("auth.identity.password.user.name is missing or not a string");
    }
    if (!password) {
        return std::string("auth.identity.password.user.password is missing or not a string");
    }
    if (!domain) {
        return std::string("auth.identity.password.user.domain.name is missing or not a string");
    }
    request.user = std::move(*user);
    request.password = std::move(*password);
    request.domain = std::move(*domain);
    request.project = string_at(root, {"auth", "scope", "project", "name"}).value_or("");
    return request;
}

bool is_known_user(const std::vector<iam_user>& users, const password_token_request& request)
{
    for (const iam_user& user : users) {
        if (user.name == request.user && user.domain == request.domain) {
            return equals_constant_time(user.password, request.password);
        }
    }
    return false;
}

std::string format_iam_time(std::chrono::system_clock::time_point time)
{
    using namespace std::chrono;
    sys_days day = floor<days>(time);
    year_month_day date{day};
    hh_mm_ss clock{floor<seconds>(time - day)};
    char text[40];
    std::snprintf(text, sizeof text, "%04d-%02u-%02uT%02d:%02d:%02d.000000Z", static_cast<int>(date.year()),
                  static_cast<unsigned>(date.month()), static_cast<unsigned>(date.day()),
                  static_cast<int>(clock.hours().count()), static_cast<int>(clock.minutes().count()),
                  static_cast<int>(clock.seconds().count()));
    return text;
}

token_table::token_table(std::chrono::seconds lifetime) : lifetime_(lifetime) {}

issued_token token_table::issue(std::chrono::system_clock::time_point now)
{
    // 3 random bytes make 4 base64url characters.
    unsigned char random[issued_token_chars / 4 * 3];
    if (RAND_bytes(random, sizeof random) != 1) {
        throw std::runtime_error("OpenSSL RAND_bytes failed to generate an IAM token");
    }
    issued_token token{base64url(random, sizeof random), now + lifetime_};

    std::lock_guard lock(mutex_);
    expiry_by_digest_[sha256_hex(token.value)] = token.expires_at;
    return token;
}

token_state token_table::check(std::string_view token, std::chrono::system_clock::time_point now) const
{
    std::string digest = sha256_hex(token);
    std::lock_guard lock(mutex_);
    auto found = expiry_by_digest_.find(digest);
    if (found == expiry_by_digest_.end()) {
        return token_state::unknown;
    }
    return now < found->second ? token_state::valid : token_state::expired;
}

void token_table::expire_all()
{
    std::lock_guard lock(mutex_);
    for (auto& [digest, expires_at] : expiry_by_digest_) {
        expires_at = std::chrono::system_clock::time_point::min();
    }
}

std::size_t token_table::size() const
{
    std::lock_guard lock(mutex_);
    return expiry_by_digest_.size();
}

}  // namespace swr::emulator_detail
