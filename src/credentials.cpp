#include "credential_checks.hpp"
#include "errors.hpp"
#include "redact.hpp"

#include <swr/credentials.hpp>
#include <swr/error.hpp>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <mutex>
#include <optional>

namespace swr {
namespace {

// A token file contains one token of a few KB, so anything larger is the wrong file.
constexpr std::size_t max_token_file_bytes = 64 * 1024;

bool iequals(std::string_view a, std::string_view b) noexcept
{
    return std::equal(a.begin(), a.end(), b.begin(), b.end(), [](char x, char y) {
        auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; };
        return lower(x) == lower(y);
    });
}

// Sends a fixed IAM token in X-Auth-Token.
class token_credentials final : public credentials_provider {
public:
    explicit token_credentials(std::string token) : secret_(token), token_(std::move(token)) {}

    boost::asio::awaitable<void> authorize(outgoing_request& request) override
    {
        request.set_header("X-Auth-Token", token_);
        co_return;
    }

    std::string_view kind() const noexcept override { return "token"; }

private:
    detail::secret_registration secret_;
    std::string token_;
};

// Returns the token stored in `path` without trailing whitespace, or throws
// naming the path. The message never quotes the file's content.
std::string read_token_file(const std::filesystem::path& path)
{
    std::ifstream file(path, std::ios::binary);
    if (!file) {
        detail::throw_invalid_argument("cannot read token file '" + path.string() + "': " + std::strerror(errno) +
                                       "; check the path and its permissions");
    }

    std::string content(max_token_file_bytes + 1, '\0');
    file.read(content.data(), static_cast<std::streamsize>(content.size()));
    if (file.bad())
        detail::throw_invalid_argument("cannot read token file '" + path.string() + "': read error");
    content.resize(static_cast<std::size_t>(file.gcount()));
    if (content.size() > max_token_file_bytes) {
        detail::throw_invalid_argument("token file '" + path.string() +
                                       "' is larger than 64 KiB; it should contain one IAM token");
    }

    auto end = content.find_last_not_of(" \t\r\n");
    content.erase(end == std::string::npos ? 0 : end + 1);
    if (content.empty())
        detail::throw_invalid_argument("token file '" + path.string() + "' is empty; write the IAM token into it");
    if (detail::too_long_for_header(content)) {
        detail::throw_invalid_argument("token file '" + path.string() + "' holds " + std::to_string(content.size()) +
                                       " bytes, more than the " + std::to_string(detail::max_credential_bytes) +
                                       " a token may have; it should contain one IAM token on one line");
    }
    if (detail::contains_control_character(content)) {
        detail::throw_invalid_argument("token file '" + path.string() +
                                       "' contains a control character inside the token; it should contain "
                                       "one IAM token on one line");
    }
    return content;
}

// Sends the token stored in a file in X-Auth-Token, and reads the file again
// after a 401 in case another process replaced the token.
class file_token_credentials final : public credentials_provider {
public:
    file_token_credentials(std::filesystem::path path, std::string token)
        : path_(std::move(path)), secret_(token), token_(std::move(token))
    {
    }

    boost::asio::awaitable<void> authorize(outgoing_request& request) override
    {
        std::lock_guard lock(mutex_);
        request.set_header("X-Auth-Token", token_);
        request.credentials_generation = generation_;
        co_return;
    }

    boost::asio::awaitable<bool> on_rejected(const auth_rejection& rejection) override
    {
        std::lock_guard lock(mutex_);

        // Another request's rejection already loaded a newer token.
        if (rejection.credentials_generation != 0 && rejection.credentials_generation < generation_)
            co_return true;

        // NOTE: the file is read with blocking I/O on the calling thread,
        // which is acceptable only because token files are small and local.
        std::string token = read_token_file(path_);
        if (token == token_)
            co_return false;
        previous_secret_ = std::exchange(secret_, detail::secret_registration(token));
        token_ = std::move(token);
        ++generation_;
        co_return true;
    }

    std::string describe_rejection(const auth_rejection& rejection) const override
    {
        (void)rejection;
        return "the token in '" + path_.string() + "' was rejected; write a valid token into the file";
    }

    std::string_view kind() const noexcept override { return "token-file"; }

private:
    std::filesystem::path path_;
    std::mutex mutex_;
    detail::secret_registration secret_;
    detail::secret_registration previous_secret_;
    std::string token_;
    std::uint64_t generation_ = 1;
};

// Returns the variable's value, or nothing when it is unset or empty.
std::optional<std::string> environment_value(const char* name)
{
    const char* value = std::getenv(name);
    if (value == nullptr || *value == '\0')
        return std::nullopt;
    return std::string(value);
}

}  // namespace

void outgoing_request::set_header(std::string_view name, std::string value)
{
    for (auto& [key, existing] : headers) {
        if (iequals(key, name)) {
            existing = std::move(value);
            return;
        }
    }
    headers.emplace_back(std::string(name), std::move(value));
}

std::string_view outgoing_request::header(std::string_view name) const noexcept
{
    for (const auto& [key, value] : headers) {
        if (iequals(key, name))
            return value;
    }
    return {};
}

std::shared_ptr<credentials_provider> make_token_credentials(std::string token)
{
    if (token.empty())
        detail::throw_invalid_argument("the auth token is empty; set SWR_AUTH_TOKEN or pass a token");
    // Reject what could split or corrupt a header line. The token itself is
    // never quoted in the message.
    if (detail::contains_control_character(token)) {
        detail::throw_invalid_argument("the auth token contains a control character (e.g. a newline); "
                                       "remove it from the token source");
    }
    if (detail::too_long_for_header(token)) {
        detail::throw_invalid_argument("the auth token has " + std::to_string(token.size()) + " bytes, more than the " +
                                       std::to_string(detail::max_credential_bytes) +
                                       " a token may have; check the token source");
    }
    return std::make_shared<token_credentials>(std::move(token));
}

std::shared_ptr<credentials_provider> make_token_credentials_from_file(const std::filesystem::path& path)
{
    std::string token = read_token_file(path);
    return std::make_shared<file_token_credentials>(path, std::move(token));
}

std::shared_ptr<credentials_provider> credentials_from_environment(std::shared_ptr<time_source> time)
{
    constexpr const char* ak_variable = "HUAWEICLOUD_SDK_AK";
    constexpr const char* sk_variable = "HUAWEICLOUD_SDK_SK";
    constexpr const char* project_variable = "HUAWEICLOUD_SDK_PROJECT_ID";
    constexpr const char* security_token_variable = "HUAWEICLOUD_SDK_SECURITY_TOKEN";
    constexpr const char* token_variable = "SWR_AUTH_TOKEN";

    auto access_key = environment_value(ak_variable);
    auto secret_key = environment_value(sk_variable);
    if (access_key || secret_key) {
        if (!access_key) {
            detail::throw_invalid_argument(std::string(sk_variable) + " is set but " + ak_variable +
                                           " is missing; set both for AK/SK signing, or unset " + sk_variable +
                                           " to use " + token_variable);
        }
        if (!secret_key) {
            detail::throw_invalid_argument(std::string(ak_variable) + " is set but " + sk_variable +
                                           " is missing; set both for AK/SK signing, or unset " + ak_variable +
                                           " to use " + token_variable);
        }
        auto project_id = environment_value(project_variable);
        if (!project_id) {
            detail::throw_invalid_argument(std::string(project_variable) +
                                           " is missing; AK/SK signing for SWR needs the id of the region's "
                                           "project, shown in the console under My Credentials");
        }
        return make_aksk_credentials(std::move(*access_key), std::move(*secret_key), std::move(*project_id),
                                     environment_value(security_token_variable).value_or(""), std::move(time));
    }

    if (auto token = environment_value(token_variable))
        return make_token_credentials(std::move(*token));

    detail::throw_invalid_argument(std::string("no credentials in the environment: set ") + token_variable +
                                   ", or " + ak_variable + ", " + sk_variable + " and " + project_variable);
}

}  // namespace swr
