#include "redact.hpp"

#include <algorithm>
#include <array>
#include <map>
#include <mutex>
#include <optional>

namespace swr::detail {
namespace {

// Headers whose values are credentials, in lower case.
constexpr std::array<std::string_view, 5> secret_headers = {
    "proxy-authorization",
    "authorization",
    "x-auth-token",
    "x-subject-token",
    "x-security-token",
};

char to_lower(char c) noexcept
{
    return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}

bool starts_with_ignoring_case(std::string_view text, std::string_view lower_prefix) noexcept
{
    if (text.size() < lower_prefix.size())
        return false;
    for (std::size_t i = 0; i < lower_prefix.size(); ++i) {
        if (to_lower(text[i]) != lower_prefix[i])
            return false;
    }
    return true;
}

bool is_blank(char c) noexcept
{
    return c == ' ' || c == '\t';
}

bool is_quote(char c) noexcept
{
    return c == '"' || c == '\'';
}

bool ends_unquoted_value(char c) noexcept
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '&' || c == ',' || c == ';' || is_quote(c);
}

// Orders longer secrets first, so that a secret containing another one is
// masked as a whole.
struct longer_first {
    bool operator()(const std::string& a, const std::string& b) const noexcept
    {
        if (a.size() != b.size())
            return a.size() > b.size();
        return a < b;
    }
};

// Registered secrets with their registration counts.
struct secret_list {
    std::mutex mutex;
    std::map<std::string, std::size_t, longer_first> secrets;
};

secret_list& registered_secrets()
{
    static secret_list list;
    return list;
}

// Position of a credential header's value in a text, as [begin, end).
struct value_span {
    std::size_t begin = 0;
    std::size_t end = 0;
};

// Matches a secret header name at `at` followed by its separator; returns
// the value's span, or nothing when `at` does not start such a pair.
std::optional<value_span> find_header_value(std::string_view text, std::size_t at)
{
    for (std::string_view name : secret_headers) {
        if (!starts_with_ignoring_case(text.substr(at), name))
            continue;

        // Skip a closing quote of a JSON key, blanks, the separator, blanks
        // and an opening quote: `name: v`, `name=v`, `"name": "v"`.
        std::size_t i = at + name.size();
        if (i < text.size() && is_quote(text[i]))
            ++i;
        while (i < text.size() && is_blank(text[i]))
            ++i;
        if (i == text.size() || (text[i] != ':' && text[i] != '='))
            return std::nullopt;
        char separator = text[i++];
        while (i < text.size() && is_blank(text[i]))
            ++i;

        value_span span;
        if (i < text.size() && is_quote(text[i])) {
            char quote = text[i++];
            span.begin = i;
            span.end = std::min(text.find(quote, i), text.find_first_of("\r\n", i));
        } else if (separator == ':' || name.ends_with("authorization")) {
            span.begin = i;
            span.end = text.find_first_of("\r\n", i);
        } else {
            span.begin = i;
            span.end = i;
            while (span.end < text.size() && !ends_unquoted_value(text[span.end]))
                ++span.end;
        }
        span.end = std::min(span.end, text.size());
        return span;
    }
    return std::nullopt;
}

std::string mask_header_values(std::string_view text)
{
    std::string result;
    result.reserve(text.size());
    std::size_t i = 0;
    while (i < text.size()) {
        char first = to_lower(text[i]);
        std::optional<value_span> span;
        if (first == 'a' || first == 'x' || first == 'p')
            span = find_header_value(text, i);
        if (!span) {
            result += text[i++];
            continue;
        }

        result.append(text.substr(i, span->begin - i));
        if (span->end > span->begin)
            result += redacted_text;
        i = span->end;
    }
    return result;
}

bool ends_url(char c) noexcept
{
    return is_blank(c) || is_quote(c) || c == '\r' || c == '\n' || c == '<' || c == '>';
}

// Masks the password of every URL written as `scheme://user:password@host`,
// such as a proxy URL. The user name stays, and the password ends at the
// last `@` before the next blank, quote or end of line, so that an
// unencoded `@` or `/` in the password is masked too.
std::string mask_url_passwords(std::string_view text)
{
    std::string result;
    result.reserve(text.size());
    std::size_t copied = 0;
    for (std::size_t scheme_end = text.find("://"); scheme_end != std::string_view::npos;
         scheme_end = text.find("://", scheme_end + 3)) {
        std::size_t start = scheme_end + 3;
        if (start < copied)
            continue;
        std::size_t end = start;
        while (end < text.size() && !ends_url(text[end]))
            ++end;
        std::string_view authority = text.substr(start, end - start);
        auto at = authority.rfind('@');
        auto colon = authority.find(':');
        if (at == std::string_view::npos || colon == std::string_view::npos || colon > at)
            continue;
        result.append(text.substr(copied, start + colon + 1 - copied));
        result += redacted_text;
        copied = start + at;
    }
    result.append(text.substr(copied));
    return result;
}

void mask_registered_secrets(std::string& text)
{
    secret_list& list = registered_secrets();
    std::lock_guard lock(list.mutex);
    for (const auto& [secret, count] : list.secrets) {
        (void)count;
        for (std::size_t at = text.find(secret); at != std::string::npos;
             at = text.find(secret, at + redacted_text.size())) {
            text.replace(at, secret.size(), redacted_text);
        }
    }
}

}  // namespace

std::string redact(std::string_view text)
{
    std::string result = mask_header_values(mask_url_passwords(text));
    mask_registered_secrets(result);
    return result;
}

secret_registration::secret_registration(std::string secret)
{
    if (secret.size() < min_secret_length)
        return;
    secret_list& list = registered_secrets();
    std::lock_guard lock(list.mutex);
    ++list.secrets[secret];
    secret_ = std::move(secret);
}

secret_registration::~secret_registration()
{
    release();
}

secret_registration::secret_registration(secret_registration&& other) noexcept
    : secret_(std::move(other.secret_))
{
    other.secret_.clear();
}

secret_registration& secret_registration::operator=(secret_registration&& other) noexcept
{
    if (this != &other) {
        release();
        secret_ = std::move(other.secret_);
        other.secret_.clear();
    }
    return *this;
}

void secret_registration::release() noexcept
{
    if (secret_.empty())
        return;
    secret_list& list = registered_secrets();
    std::lock_guard lock(list.mutex);
    auto found = list.secrets.find(secret_);
    if (found != list.secrets.end() && --found->second == 0)
        list.secrets.erase(found);
    secret_.clear();
}

}  // namespace swr::detail
