#include "signer.hpp"
#include "errors.hpp"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <algorithm>
#include <array>
#include <cstdio>

namespace swr::detail {
namespace {

constexpr char hex_digits[] = "0123456789abcdef";
constexpr char upper_hex_digits[] = "0123456789ABCDEF";

bool is_unreserved(unsigned char c) noexcept
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
           c == '.' || c == '~';
}

int hex_value(char c) noexcept
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

std::string to_hex(const unsigned char* data, std::size_t size)
{
    std::string text;
    text.reserve(size * 2);
    for (std::size_t i = 0; i < size; ++i) {
        text += hex_digits[data[i] >> 4];
        text += hex_digits[data[i] & 0x0f];
    }
    return text;
}

std::string to_lower(std::string_view text)
{
    std::string lower(text);
    for (char& c : lower) {
        if (c >= 'A' && c <= 'Z')
            c = static_cast<char>(c - 'A' + 'a');
    }
    return lower;
}

std::string_view trim(std::string_view text) noexcept
{
    while (!text.empty() && (text.front() == ' ' || text.front() == '\t'))
        text.remove_prefix(1);
    while (!text.empty() && (text.back() == ' ' || text.back() == '\t'))
        text.remove_suffix(1);
    return text;
}

// Canonical headers ("name:value\n" each, sorted by name) and the
// signed-header list ("a;b;c").
std::pair<std::string, std::string> canonical_headers(const name_value_list& headers)
{
    name_value_list signed_headers;
    for (const auto& [name, value] : headers) {
        if (name.find('_') != std::string::npos)
            continue;
        signed_headers.emplace_back(to_lower(name), std::string(trim(value)));
    }
    std::sort(signed_headers.begin(), signed_headers.end());

    std::string block;
    std::string list;
    for (const auto& [name, value] : signed_headers) {
        block += name + ":" + value + "\n";
        if (!list.empty())
            list += ';';
        list += name;
    }
    return {std::move(block), std::move(list)};
}

}  // namespace

std::string percent_encode(std::string_view text)
{
    std::string encoded;
    encoded.reserve(text.size());
    for (char c : text) {
        auto byte = static_cast<unsigned char>(c);
        if (is_unreserved(byte)) {
            encoded += c;
            continue;
        }
        encoded += '%';
        encoded += upper_hex_digits[byte >> 4];
        encoded += upper_hex_digits[byte & 0x0f];
    }
    return encoded;
}

std::string percent_decode(std::string_view text, bool plus_is_space)
{
    std::string decoded;
    decoded.reserve(text.size());
    for (std::size_t i = 0; i < text.size(); ++i) {
        char c = text[i];
        if (c == '+' && plus_is_space) {
            decoded += ' ';
            continue;
        }
        if (c == '%' && i + 2 < text.size() && hex_value(text[i + 1]) >= 0 && hex_value(text[i + 2]) >= 0) {
            decoded += static_cast<char>(hex_value(text[i + 1]) * 16 + hex_value(text[i + 2]));
            i += 2;
            continue;
        }
        decoded += c;
    }
    return decoded;
}

std::string canonical_uri(std::string_view path)
{
    // Segments are split on the '/' of the request line before decoding, so
    // an encoded "%2F" stays inside its segment.
    std::string uri;
    std::size_t start = 0;
    for (;;) {
        std::size_t slash = path.find('/', start);
        std::string_view segment = path.substr(start, slash == std::string_view::npos ? path.npos : slash - start);
        uri += percent_encode(percent_decode(segment, false));
        if (slash == std::string_view::npos)
            break;
        uri += '/';
        start = slash + 1;
    }
    if (uri.empty() || uri.back() != '/')
        uri += '/';
    return uri;
}

name_value_list parse_query(std::string_view encoded_query)
{
    name_value_list params;
    while (!encoded_query.empty()) {
        std::size_t amp = encoded_query.find('&');
        std::string_view pair = encoded_query.substr(0, amp);
        encoded_query.remove_prefix(amp == std::string_view::npos ? encoded_query.size() : amp + 1);
        if (pair.empty())
            continue;

        std::size_t equals = pair.find('=');
        std::string_view name = pair.substr(0, equals);
        std::string_view value = equals == std::string_view::npos ? std::string_view{} : pair.substr(equals + 1);
        params.emplace_back(percent_decode(name, true), percent_decode(value, true));
    }
    return params;
}

std::string canonical_query(name_value_list params)
{
    std::sort(params.begin(), params.end());
    std::string query;
    for (const auto& [name, value] : params) {
        if (!query.empty())
            query += '&';
        query += percent_encode(name);
        query += '=';
        query += percent_encode(value);
    }
    return query;
}

std::string sha256_hex(std::string_view data)
{
    std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
    unsigned int size = 0;
    if (EVP_Digest(data.data(), data.size(), digest.data(), &size, EVP_sha256(), nullptr) != 1)
        throw_invalid_argument("OpenSSL could not compute SHA-256; check the OpenSSL configuration");
    return to_hex(digest.data(), size);
}

std::string hmac_sha256_hex(std::string_view key, std::string_view data)
{
    std::array<unsigned char, EVP_MAX_MD_SIZE> mac{};
    unsigned int size = 0;
    const unsigned char* result =
        HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
             reinterpret_cast<const unsigned char*>(data.data()), data.size(), mac.data(), &size);
    if (result == nullptr)
        throw_invalid_argument("OpenSSL could not compute HMAC-SHA256; check the OpenSSL configuration");
    return to_hex(mac.data(), size);
}

std::string format_sdk_date(std::chrono::system_clock::time_point time)
{
    using namespace std::chrono;
    auto seconds = floor<std::chrono::seconds>(time);
    auto day = floor<days>(seconds);
    year_month_day date{day};
    hh_mm_ss clock{seconds - day};

    char text[32];
    std::snprintf(text, sizeof text, "%04d%02u%02uT%02d%02d%02dZ", static_cast<int>(date.year()),
                  static_cast<unsigned>(date.month()), static_cast<unsigned>(date.day()),
                  static_cast<int>(clock.hours().count()), static_cast<int>(clock.minutes().count()),
                  static_cast<int>(clock.seconds().count()));
    return text;
}

signature_parts sign(const signing_input& input, std::string_view sdk_date, std::string_view secret_key)
{
    signature_parts parts;
    auto [header_block, header_list] = canonical_headers(input.headers);
    parts.signed_headers = std::move(header_list);

    // The parts are joined by '\n'. The header block ends with its own
    // '\n', so a blank line precedes the signed-header list.
    parts.canonical_request = input.method + "\n" + canonical_uri(input.path) + "\n" +
                              canonical_query(input.query) + "\n" + header_block + "\n" + parts.signed_headers +
                              "\n" + sha256_hex(input.body);

    parts.string_to_sign = std::string(signing_algorithm) + "\n" + std::string(sdk_date) + "\n" +
                           sha256_hex(parts.canonical_request);
    parts.signature = hmac_sha256_hex(secret_key, parts.string_to_sign);
    return parts;
}

std::string authorization_value(std::string_view access_key, const signature_parts& parts)
{
    return std::string(signing_algorithm) + " Access=" + std::string(access_key) +
           ", SignedHeaders=" + parts.signed_headers + ", Signature=" + parts.signature;
}

}  // namespace swr::detail
