#include "emulator/aksk_verifier.hpp"

#include "emulator/query.hpp"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>

#include <algorithm>
#include <variant>
#include <vector>

namespace swr::emulator_detail {

namespace {

std::string_view trim(std::string_view text)
{
    auto is_space = [](char c) { return c == ' ' || c == '\t'; };
    while (!text.empty() && is_space(text.front())) {
        text.remove_prefix(1);
    }
    while (!text.empty() && is_space(text.back())) {
        text.remove_suffix(1);
    }
    return text;
}

std::string to_hex(const unsigned char* bytes, std::size_t size)
{
    static constexpr char digits[] = "0123456789abcdef";
    std::string hex;
    hex.reserve(size * 2);
    for (std::size_t i = 0; i < size; ++i) {
        hex.push_back(digits[bytes[i] >> 4]);
        hex.push_back(digits[bytes[i] & 0x0F]);
    }
    return hex;
}

bool is_unreserved(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
           c == '.' || c == '~';
}

// Percent-encodes every byte outside the RFC 3986 unreserved set, with upper-case hex.
std::string encode_unreserved(std::string_view text)
{
    static constexpr char digits[] = "0123456789ABCDEF";
    std::string encoded;
    encoded.reserve(text.size());
    for (char c : text) {
        auto byte = static_cast<unsigned char>(c);
        if (is_unreserved(byte)) {
            encoded.push_back(c);
        } else {
            encoded.push_back('%');
            encoded.push_back(digits[byte >> 4]);
            encoded.push_back(digits[byte & 0x0F]);
        }
    }
    return encoded;
}

// Decodes each path segment and encodes it again, then appends the `/` that
// signing adds to a path not ending in one.
std::optional<std::string> canonical_uri(std::string_view path)
{
    std::string uri;
    std::size_t start = 0;
    while (start <= path.size()) {
        std::size_t slash = path.find('/', start);
        std::size_t end = slash == std::string_view::npos ? path.size() : slash;
        std::optional<std::string> segment = percent_decode(path.substr(start, end - start));
        if (!segment) {
            return std::nullopt;
        }
        uri += encode_unreserved(*segment);
        if (slash == std::string_view::npos) {
            break;
        }
        uri.push_back('/');
        start = slash + 1;
    }
    if (uri.empty() || uri.back() != '/') {
        uri.push_back('/');
    }
    return uri;
}

// Sorts the decoded parameters by name, then value, and encodes them again.
std::optional<std::string> canonical_query(std::string_view query)
{
    auto split = split_query(query);
    if (std::holds_alternative<api_error>(split)) {
        return std::nullopt;
    }
    std::vector<query_parameter> parameters = std::get<std::vector<query_parameter>>(std::move(split));
    std::sort(parameters.begin(), parameters.end(), [](const query_parameter& a, const query_parameter& b) {
        return a.name != b.name ? a.name < b.name : a.value < b.value;
    });

    std::string text;
    for (const query_parameter& parameter : parameters) {
        if (!text.empty()) {
            text.push_back('&');
        }
        text += encode_unreserved(parameter.name);
        text.push_back('=');
        text += encode_unreserved(parameter.value);
    }
    return text;
}

// Splits `a;b;c`; an empty list or an empty name yields nothing.
std::optional<std::vector<std::string_view>> split_signed_headers(std::string_view list)
{
    std::vector<std::string_view> names;
    std::size_t start = 0;
    while (true) {
        std::size_t semicolon = list.find(';', start);
        std::string_view name = list.substr(start, semicolon == std::string_view::npos ? list.npos : semicolon - start);
        if (name.empty()) {
            return std::nullopt;
        }
        names.push_back(name);
        if (semicolon == std::string_view::npos) {
            return names;
        }
        start = semicolon + 1;
    }
}

// The SDKs send the names lower-case, sorted and without repeats; the
// canonical request depends on that order, so any other list is rejected.
bool is_well_formed_header_list(const std::vector<std::string_view>& names)
{
    for (std::string_view name : names) {
        if (std::any_of(name.begin(), name.end(), [](char c) { return c >= 'A' && c <= 'Z'; })) {
            return false;
        }
    }
    return std::adjacent_find(names.begin(), names.end(), std::greater_equal<>()) == names.end();
}

int parse_digits(std::string_view text)
{
    int value = 0;
    for (char c : text) {
        value = value * 10 + (c - '0');
    }
    return value;
}

}  // namespace

std::optional<aksk_authorization> parse_aksk_authorization(std::string_view value)
{
    value = trim(value);
    if (value.substr(0, aksk_algorithm.size()) != aksk_algorithm || value.size() == aksk_algorithm.size() ||
        value[aksk_algorithm.size()] != ' ') {
        return std::nullopt;
    }
    value.remove_prefix(aksk_algorithm.size() + 1);

    // Three `Name=value` parameters separated by commas, in any order.
    std::optional<std::string> access;
    std::optional<std::string> signed_headers;
    std::optional<std::string> signature;
    std::size_t start = 0;
    while (start <= value.size()) {
        std::size_t comma = value.find(',', start);
        std::string_view item =
            trim(value.substr(start, comma == std::string_view::npos ? value.npos : comma - start));
        std::size_t equals = item.find('=');
        if (equals == std::string_view::npos) {
            return std::nullopt;
        }
        std::string_view name = item.substr(0, equals);
        std::string value_text(item.substr(equals + 1));
        std::optional<std::string>* slot = name == "Access"          ? &access
                                           : name == "SignedHeaders" ? &signed_headers
                                           : name == "Signature"     ? &signature
                                                                     : nullptr;
        if (slot == nullptr || slot->has_value() || value_text.empty()) {
            return std::nullopt;
        }
        *slot = std::move(value_text);
        if (comma == std::string_view::npos) {
            break;
        }
        start = comma + 1;
    }
    if (!access || !signed_headers || !signature) {
        return std::nullopt;
    }
    return aksk_authorization{std::move(*access), std::move(*signed_headers), std::move(*signature)};
}

std::optional<std::chrono::system_clock::time_point> parse_sdk_date(std::string_view text)
{
    if (text.size() != 16 || text[8] != 'T' || text[15] != 'Z') {
        return std::nullopt;
    }
    for (std::size_t i = 0; i < 15; ++i) {
        if (i != 8 && (text[i] < '0' || text[i] > '9')) {
            return std::nullopt;
        }
    }

    using namespace std::chrono;
    year_month_day day{year{parse_digits(text.substr(0, 4))},
                       month{static_cast<unsigned>(parse_digits(text.substr(4, 2)))},
                       std::chrono::day{static_cast<unsigned>(parse_digits(text.substr(6, 2)))}};
    int hour = parse_digits(text.substr(9, 2));
    int minute = parse_digits(text.substr(11, 2));
    int second = parse_digits(text.substr(13, 2));
    if (!day.ok() || hour > 23 || minute > 59 || second > 59) {
        return std::nullopt;
    }
    return sys_days{day} + hours{hour} + minutes{minute} + seconds{second};
}

std::optional<std::string> canonical_request(const request_head& request, std::string_view signed_headers)
{
    std::size_t question_mark = request.target.find('?');
    std::string_view path = request.target.substr(0, question_mark);
    std::string_view query =
        question_mark == std::string_view::npos ? std::string_view() : request.target.substr(question_mark + 1);

    std::optional<std::string> uri = canonical_uri(path);
    std::optional<std::string> sorted_query = canonical_query(query);
    std::optional<std::vector<std::string_view>> names = split_signed_headers(signed_headers);
    if (!uri || !sorted_query || !names) {
        return std::nullopt;
    }

    // One `name:trimmed value` line per signed header, then an empty line.
    std::string headers;
    for (std::string_view name : *names) {
        std::optional<std::string_view> value = find_header(request, name);
        if (!value) {
            return std::nullopt;
        }
        headers.append(name).append(":").append(trim(*value)).append("\n");
    }

    std::string text;
    text.append(request.method).append("\n");
    text.append(*uri).append("\n");
    text.append(*sorted_query).append("\n");
    text.append(headers).append("\n");
    text.append(signed_headers).append("\n");
    text.append(sha256_hex(request.body));
    return text;
}

std::string hmac_sha256_hex(std::string_view key, std::string_view data)
{
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int size = 0;
    HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()), reinterpret_cast<const unsigned char*>(data.data()),
         data.size(), digest, &size);
    return to_hex(digest, size);
}

std::string sha256_hex(std::string_view data)
{
    unsigned char digest[SHA256_DIGEST_LENGTH];
    SHA256(reinterpret_cast<const unsigned char*>(data.data()), data.size(), digest);
    return to_hex(digest, sizeof digest);
}

signature_verdict verify_aksk_signature(const request_head& request, std::string_view access_key,
                                        std::string_view secret_key, std::chrono::system_clock::time_point now)
{
    // The header's form, the key and the signed-header list come first.
    std::optional<std::string_view> header = find_header(request, "Authorization");
    std::optional<aksk_authorization> authorization =
        header ? parse_aksk_authorization(*header) : std::nullopt;
    if (!authorization) {
        return signature_verdict::malformed_authorization;
    }
    if (!equals_constant_time(authorization->access_key, access_key)) {
        return signature_verdict::unknown_access_key;
    }
    std::optional<std::vector<std::string_view>> names = split_signed_headers(authorization->signed_headers);
    if (!names || !is_well_formed_header_list(*names)) {
        return signature_verdict::malformed_authorization;
    }
    if (std::find(names->begin(), names->end(), "x-sdk-date") == names->end()) {
        return signature_verdict::date_not_signed;
    }

    // The date must be well-formed and close to the server's clock.
    std::optional<std::string_view> date_text = find_header(request, "X-Sdk-Date");
    std::optional<std::chrono::system_clock::time_point> date =
        date_text ? parse_sdk_date(trim(*date_text)) : std::nullopt;
    if (!date) {
        return signature_verdict::invalid_date;
    }
    if (*date > now + max_signature_age || *date < now - max_signature_age) {
        return signature_verdict::date_out_of_window;
    }

    // Rebuild the canonical request and the string to sign, then compare signatures.
    for (std::string_view name : *names) {
        if (!find_header(request, name)) {
            return signature_verdict::signed_header_missing;
        }
    }
    std::optional<std::string> canonical = canonical_request(request, authorization->signed_headers);
    if (!canonical) {
        return signature_verdict::invalid_target;
    }
    std::string string_to_sign =
        std::string(aksk_algorithm) + "\n" + std::string(trim(*date_text)) + "\n" + sha256_hex(*canonical);
    std::string expected = hmac_sha256_hex(secret_key, string_to_sign);
    if (!equals_constant_time(authorization->signature, expected)) {
        return signature_verdict::bad_signature;
    }
    return signature_verdict::accepted;
}

}  // namespace swr::emulator_detail
