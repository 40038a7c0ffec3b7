#ifndef SWR_EMULATOR_IAM_TOKENS_HPP
#define SWR_EMULATOR_IAM_TOKENS_HPP

// The emulator's IAM side, with no I/O: reading a password-method token
// request, and the table of tokens issued, with their expiry.

#include <swr/emulator.hpp>

#include <chrono>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <variant>
#include <vector>

namespace swr::emulator_detail {

/// Path of IAM's token operation, `POST` only.
inline constexpr std::string_view iam_tokens_path = "/v3/auth/tokens";

/// Length of an issued token: 4,096 base64url characters, because real IAM
/// tokens are several KB long and clients must cope with that.
inline constexpr std::size_t issued_token_chars = 4096;

/// The identity and scope of a password-method token request.
struct password_token_request {
    std::string user;
    std::string password;
    std::string domain;
    std::string project;  ///< `scope.project.name`; empty when absent.
};

/// Reads a body of the form
/// `{"auth":{"identity":{"methods":["password"],"password":{"user":{"name":…,"password":…,"domain":{"name":…}}}},"scope":{"project":{"name":…}}}}`.
/// The scope is optional. Returns a message naming the missing or invalid
/// field on failure; the message never contains the password.
std::variant<password_token_request, std::string> parse_password_token_request(std::string_view body);

/// Whether `request` names a user of `users` with the right password and domain.
/// The password comparison takes time that depends only on the lengths.
bool is_known_user(const std::vector<iam_user>& users, const password_token_request& request);

/// Formats `time` as IAM does in `expires_at`: `YYYY-MM-DDTHH:MM:SS.000000Z` (UTC).
std::string format_iam_time(std::chrono::system_clock::time_point time);

/// State of a token presented in `X-Auth-Token`.
enum class token_state {
    valid,
    expired,  ///< Issued here, but its lifetime ended or `expire_all()` was called.
    unknown,  ///< Never issued here.
};

/// A newly issued token.
struct issued_token {
    std::string value;
    std::chrono::system_clock::time_point expires_at;
};

/// Tokens issued by the emulator and when each expires. Thread-safe.
///
/// Tokens are kept by their SHA-256 digest, so the table holds no usable
/// token. Expired tokens stay, so that they keep getting "token expires"
/// rather than "not valid"; a test emulator issues few.
class token_table {
public:
    /// `lifetime` is how long each new token stays valid.
    explicit token_table(std::chrono::seconds lifetime);

    /// Issues a random token valid from `now` for the lifetime.
    issued_token issue(std::chrono::system_clock::time_point now);

    /// State of `token` at `now`.
    token_state check(std::string_view token, std::chrono::system_clock::time_point now) const;

    /// Ends the lifetime of every token issued so far; tokens issued later are not affected.
    void expire_all();

    /// Number of tokens issued so far.
    std::size_t size() const;

private:
    std::chrono::seconds lifetime_;
    mutable std::mutex mutex_;
    std::unordered_map<std::string, std::chrono::system_clock::time_point> expiry_by_digest_;
};

}  // namespace swr::emulator_detail

#endif
