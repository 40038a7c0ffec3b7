#include "errors.hpp"

#include <swr/credentials.hpp>
#include <swr/error.hpp>

#include <algorithm>

namespace swr {
namespace {

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
    explicit token_credentials(std::string token) : token_(std::move(token)) {}

    boost::asio::awaitable<void> authorize(outgoing_request& request) override
    {
        request.set_header("X-Auth-Token", token_);
        co_return;
    }

    std::string_view kind() const noexcept override { return "token"; }

private:
    std::string token_;
};

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
    for (unsigned char c : token) {
        if (c < 0x20 || c == 0x7f) {
            detail::throw_invalid_argument("the auth token contains a control character (e.g. a newline); "
                                    "remove it from the token source");
        }
    }
    return std::make_shared<token_credentials>(std::move(token));
}

}  // namespace swr
