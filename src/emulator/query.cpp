#include "emulator/query.hpp"

#include <array>
#include <charconv>
#include <limits>
#include <utility>

namespace swr::emulator_detail {

namespace {

constexpr std::string_view invalid_parameter_code = "SVCSTG.SWR.4000014";
constexpr std::string_view invalid_page_size_code = "SVCSTG.SWR.4000056";
constexpr std::string_view invalid_filter_code = "SVCSTG.SWR.4001035";
constexpr std::string_view missing_parameter_code = "SVCSTG.SWR.4001036";

// Keys accepted both as separate parameters and as `filter` terms.
constexpr std::array<std::string_view, 9> listing_keys = {
    "center", "name", "namespace", "domain_name", "status",
    "limit", "offset", "order_column", "order_type",
};

// Maximum length of a client value quoted in an error message, in bytes.
constexpr std::size_t max_quoted_value = 64;

int hex_digit_value(char c)
{
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }
    if (c >= 'A' && c <= 'F') {
        return c - 'A' + 10;
    }
    return -1;
}

// Quotes a client value for an error message, cut at a character boundary.
std::string quote(std::string_view value)
{
    if (value.size() > max_quoted_value) {
        std::size_t end = max_quoted_value;
        while (end > 0 && (static_cast<unsigned char>(value[end]) & 0xC0) == 0x80) {
            --end;
        }
        return "'" + std::string(value.substr(0, end)) + "...'";
    }
    return "'" + std::string(value) + "'";
}

api_error invalid_parameter(std::string message)
{
    return {400, std::string(invalid_parameter_code), std::move(message)};
}

api_error invalid_filter(std::string message)
{
    return {400, std::string(invalid_filter_code), std::move(message)};
}

bool is_listing_key(std::string_view key)
{
    for (std::string_view known : listing_keys) {
        if (key == known) {
            return true;
        }
    }
    return false;
}

// Parses an optionally negative decimal integer that fills all of `text`.
std::optional<std::int64_t> parse_int64(std::string_view text)
{
    std::int64_t value = 0;
    const char* first = text.data();
    const char* last = text.data() + text.size();
    if (text.empty() || text.front() == '+') {
        return std::nullopt;
    }
    auto [end, ec] = std::from_chars(first, last, value);
    if (ec != std::errc() || end != last) {
        return std::nullopt;
    }
    return value;
}

// Whether `text` is a decimal integer too large for int64, e.g. `99999999999999999999`.
bool is_out_of_range_integer(std::string_view text)
{
    std::int64_t value = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    return ec == std::errc::result_out_of_range && end == text.data() + text.size();
}

struct listing_term {
    std::string key;
    std::string value;
    bool from_filter = false;
};

// Splits a decoded `filter` value, `key::value|key::value`, into terms.
std::optional<api_error> split_filter(std::string_view filter, std::vector<listing_term>& terms)
{
    std::size_t start = 0;
    while (start <= filter.size()) {
        std::size_t bar = filter.find('|', start);
        if (bar == std::string_view::npos) {
            bar = filter.size();
        }
        std::string_view term = filter.substr(start, bar - start);
        start = bar + 1;

        // A term must be `key::value`; an empty term comes from `||` or a trailing `|`.
        std::size_t separator = term.find("::");
        if (separator == std::string_view::npos) {
            return invalid_filter("Invalid filter: term " + quote(term) +
                                  " is not of the form key::value");
        }
        std::string_view key = term.substr(0, separator);
        if (!is_listing_key(key)) {
            return invalid_filter("Invalid filter: unknown key " + quote(key));
        }
        terms.push_back({std::string(key), std::string(term.substr(separator + 2)), true});
    }
    return std::nullopt;
}

// Stores one term in `values`, rejecting a key given twice with different values.
std::optional<api_error> merge_term(const listing_term& term,
                                    std::vector<listing_term>& values)
{
    for (const listing_term& seen : values) {
        if (seen.key != term.key) {
            continue;
        }
        if (seen.value == term.value) {
            return std::nullopt;
        }
        std::string conflict = term.key + " is given twice with different values " + quote(seen.value) + " and " +
                               quote(term.value);
        if (seen.from_filter || term.from_filter) {
            return invalid_filter("Invalid filter: " + conflict);
        }
        return invalid_parameter("Invalid parameter: " + conflict);
    }
    values.push_back(term);
    return std::nullopt;
}

const std::string* find_value(const std::vector<listing_term>& values, std::string_view key)
{
    for (const listing_term& term : values) {
        if (term.key == key) {
            return &term.value;
        }
    }
    return nullptr;
}

std::optional<api_error> parse_limit(const std::string& text, std::optional<std::int64_t>& limit)
{
    std::optional<std::int64_t> value = parse_int64(text);
    if (!value && is_out_of_range_integer(text)) {
        return api_error{400, std::string(invalid_page_size_code),
                         "Invalid page size: limit " + quote(text) + " is not between 1 and 1000"};
    }
    if (!value) {
        return invalid_parameter("Invalid parameter: limit " + quote(text) + " is not an integer");
    }
    // NOTE: whether the service also rejects limit=0 is not documented; 0 is
    // rejected here because a client paging with it would never advance.
    if (*value < 1 || *value > max_limit) {
        return api_error{400, std::string(invalid_page_size_code),
                         "Invalid page size: limit " + quote(text) + " is not between 1 and 1000"};
    }
    limit = value;
    return std::nullopt;
}

std::optional<api_error> parse_offset(const std::string& text, std::optional<std::int64_t>& offset)
{
    std::optional<std::int64_t> value = parse_int64(text);
    if (!value || *value < 0) {
        return invalid_parameter("Invalid parameter: offset " + quote(text) +
                                 " is not a non-negative integer");
    }
    offset = value;
    return std::nullopt;
}

std::optional<api_error> parse_order_column(const std::string& text, order_column& column)
{
    static constexpr std::array<std::pair<std::string_view, order_column>, 5> columns = {{
        {"updated_at", order_column::updated_at},
        {"name", order_column::name},
        {"tag_count", order_column::tag_count},
        {"namespace", order_column::namespace_name},
        {"domain_name", order_column::domain_name},
    }};
    for (const auto& [spelling, value] : columns) {
        if (text == spelling) {
            column = value;
            return std::nullopt;
        }
    }
    return invalid_parameter("Invalid parameter: order_column " + quote(text) +
                             " is not one of updated_at, name, tag_count, namespace, domain_name");
}

// Turns the merged key/value pairs into a listing query.
std::variant<listing_query, api_error> build_query(const std::vector<listing_term>& values)
{
    listing_query query;

    const std::string* center_value = find_value(values, "center");
    if (center_value == nullptr) {
        return api_error{400, std::string(missing_parameter_code),
                         "Missing parameter: center is required (self or thirdparty)"};
    }
    if (*center_value == "self") {
        query.center = sharing_center::self;
    } else if (*center_value == "thirdparty") {
        query.center = sharing_center::thirdparty;
    } else {
        return invalid_parameter("Invalid parameter: center " + quote(*center_value) +
                                 " is not self or thirdparty");
    }

    // A `/` in a repository name is written as `$`.
    if (const std::string* name = find_value(values, "name")) {
        std::string pattern = *name;
        for (char& c : pattern) {
            if (c == '$') {
                c = '/';
            }
        }
        query.name = std::move(pattern);
    }
    if (const std::string* value = find_value(values, "namespace")) {
        query.namespace_name = *value;
    }
    if (const std::string* value = find_value(values, "domain_name")) {
        query.domain_name = *value;
    }
    if (const std::string* value = find_value(values, "status")) {
        if (*value != "true" && *value != "false") {
            return invalid_parameter("Invalid parameter: status " + quote(*value) +
                                     " is not true or false");
        }
        query.status = *value == "true";
    }

    if (const std::string* value = find_value(values, "limit")) {
        if (auto error = parse_limit(*value, query.limit)) {
            return *error;
        }
    }
    if (const std::string* value = find_value(values, "offset")) {
        if (auto error = parse_offset(*value, query.offset)) {
            return *error;
        }
    }

    // NOTE: order_type without order_column keeps the dataset order; the
    // service's behaviour in that case is not documented.
    if (const std::string* value = find_value(values, "order_column")) {
        if (auto error = parse_order_column(*value, query.column)) {
            return *error;
        }
    }
    if (const std::string* value = find_value(values, "order_type")) {
        if (*value == "asc") {
            query.direction = order_direction::asc;
        } else if (*value == "desc") {
            query.direction = order_direction::desc;
        } else {
            return invalid_parameter("Invalid parameter: order_type " + quote(*value) +
                                     " is not asc or desc");
        }
    }
    return query;
}

}  // namespace

std::optional<std::string> percent_decode(std::string_view text)
{
    std::string decoded;
    decoded.reserve(text.size());
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (text[i] != '%') {
            decoded.push_back(text[i]);
            continue;
        }
        if (i + 2 >= text.size()) {
            return std::nullopt;
        }
        int high = hex_digit_value(text[i + 1]);
        int low = hex_digit_value(text[i + 2]);
        if (high < 0 || low < 0) {
            return std::nullopt;
        }
        decoded.push_back(static_cast<char>(high * 16 + low));
        i += 2;
    }
    return decoded;
}

bool is_valid_utf8(std::string_view text)
{
    std::size_t i = 0;
    while (i < text.size()) {
        auto byte = static_cast<unsigned char>(text[i]);
        if (byte < 0x80) {
            ++i;
            continue;
        }

        // Length of the sequence and the smallest code point it may encode.
        std::size_t length = 0;
        std::uint32_t code_point = 0;
        std::uint32_t minimum = 0;
        if ((byte & 0xE0) == 0xC0) {
            length = 2;
            code_point = byte & 0x1F;
            minimum = 0x80;
        } else if ((byte & 0xF0) == 0xE0) {
            length = 3;
            code_point = byte & 0x0F;
            minimum = 0x800;
        } else if ((byte & 0xF8) == 0xF0) {
            length = 4;
            code_point = byte & 0x07;
            minimum = 0x10000;
        } else {
            return false;
        }
        if (text.size() - i < length) {
            return false;
        }

        for (std::size_t k = 1; k < length; ++k) {
            auto continuation = static_cast<unsigned char>(text[i + k]);
            if ((continuation & 0xC0) != 0x80) {
                return false;
            }
            code_point = (code_point << 6) | (continuation & 0x3F);
        }
        if (code_point < minimum || code_point > 0x10FFFF ||
            (code_point >= 0xD800 && code_point <= 0xDFFF)) {
            return false;
        }
        i += length;
    }
    return true;
}

std::variant<std::vector<query_parameter>, api_error> split_query(std::string_view query)
{
    std::vector<query_parameter> parameters;
    std::size_t start = 0;
    while (start <= query.size()) {
        std::size_t ampersand = query.find('&', start);
        if (ampersand == std::string_view::npos) {
            ampersand = query.size();
        }
        std::string_view segment = query.substr(start, ampersand - start);
        start = ampersand + 1;
        if (segment.empty()) {
            continue;
        }

        std::size_t equals = segment.find('=');
        std::string_view raw_name = segment.substr(0, equals);
        std::string_view raw_value =
            equals == std::string_view::npos ? std::string_view() : segment.substr(equals + 1);

        std::optional<std::string> name = percent_decode(raw_name);
        if (!name) {
            return invalid_parameter("Invalid parameter: malformed percent-encoding in name " +
                                     quote(raw_name));
        }
        std::optional<std::string> value = percent_decode(raw_value);
        if (!value) {
            return invalid_parameter("Invalid parameter: malformed percent-encoding in the value of " +
                                     quote(*name));
        }
        if (!is_valid_utf8(*name) || !is_valid_utf8(*value)) {
            return invalid_parameter("Invalid parameter: the value of " + quote(*name) +
                                     " is not valid UTF-8 once decoded");
        }
        parameters.push_back({std::move(*name), std::move(*value)});
    }
    return parameters;
}

std::variant<listing_query, api_error> parse_listing_query(std::string_view query)
{
    auto split = split_query(query);
    if (auto* error = std::get_if<api_error>(&split)) {
        return std::move(*error);
    }
    auto& parameters = std::get<std::vector<query_parameter>>(split);

    // Gather the terms of both forms, then merge them key by key.
    std::vector<listing_term> terms;
    for (query_parameter& parameter : parameters) {
        if (parameter.name == "filter") {
            if (auto error = split_filter(parameter.value, terms)) {
                return *error;
            }
        } else if (is_listing_key(parameter.name)) {
            terms.push_back({std::move(parameter.name), std::move(parameter.value), false});
        }
    }

    std::vector<listing_term> values;
    for (const listing_term& term : terms) {
        if (auto error = merge_term(term, values)) {
            return *error;
        }
    }
    return build_query(values);
}

page_window window_of(const listing_query& query)
{
    if (!query.limit && !query.offset) {
        return {0, std::numeric_limits<std::int64_t>::max(), false};
    }
    return {query.offset.value_or(0), query.limit.value_or(default_limit), true};
}

}  // namespace swr::emulator_detail
