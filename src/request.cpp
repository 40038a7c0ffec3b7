#include <swr/request.hpp>

#include <array>
#include <string>

namespace swr {
namespace {

constexpr std::array<std::string_view, 2> center_names = {"self", "thirdparty"};
constexpr std::array<std::string_view, 5> order_column_names = {"updated_at", "name", "tag_count", "namespace",
                                                                "domain_name"};
constexpr std::array<std::string_view, 2> order_type_names = {"asc", "desc"};
constexpr std::array<std::string_view, 2> query_form_names = {"filter", "separate"};

template <class Enum, std::size_t N>
bool parse_name(const std::array<std::string_view, N>& names, std::string_view text, Enum& value) noexcept
{
    for (std::size_t i = 0; i < N; ++i) {
        if (names[i] == text) {
            value = static_cast<Enum>(i);
            return true;
        }
    }
    return false;
}

template <std::size_t N>
std::string_view name_of(const std::array<std::string_view, N>& names, std::size_t index) noexcept
{
    return index < N ? names[index] : std::string_view("unknown");
}

bool is_unreserved(unsigned char c) noexcept
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
           c == '.' || c == '~';
}

// The API expects a '/' inside a repository name to be written as '$'.
std::string name_parameter(std::string_view name)
{
    std::string value(name);
    for (char& c : value) {
        if (c == '/')
            c = '$';
    }
    return value;
}

bool is_control(unsigned char c) noexcept
{
    return c < 0x20 || c == 0x7f;
}

// Quotes `value` for an error message, writing control characters as \xNN
// so that the message stays on one line.
std::string quoted(std::string_view value)
{
    static constexpr char hex[] = "0123456789ABCDEF";
    std::string out = "'";
    for (unsigned char c : value) {
        if (is_control(c)) {
            out += "\\x";
            out += hex[c >> 4];
            out += hex[c & 0x0f];
        } else {
            out += static_cast<char>(c);
        }
    }
    return out + "'";
}

std::string check_value(std::string_view field, std::string_view value, query_form form)
{
    for (unsigned char c : value) {
        if (is_control(c)) {
            return "invalid " + std::string(field) + " " + quoted(value) +
                   ": control characters cannot be sent; remove them";
        }
    }
    if (form == query_form::filter &&
        (value.find('|') != std::string_view::npos || value.find("::") != std::string_view::npos)) {
        return "invalid " + std::string(field) + " " + quoted(value) +
               ": '|' and '::' would change the meaning of the filter; remove them or use the separate "
               "query form";
    }
    return {};
}

// Appends one `key::value` term of the filter form, or one `key=value`
// parameter of the separate form.
class query_builder {
public:
    explicit query_builder(query_form form) : form_(form) {}

    void add(std::string_view key, std::string_view value)
    {
        if (form_ == query_form::filter) {
            if (!filter_.empty())
                filter_ += '|';
            filter_.append(key).append("::").append(value);
            return;
        }
        if (!query_.empty())
            query_ += '&';
        query_.append(key).append("=").append(percent_encode(value));
    }

    std::string finish() &&
    {
        if (form_ == query_form::filter)
            return "filter=" + percent_encode(filter_);
        return std::move(query_);
    }

private:
    query_form form_;
    std::string filter_;
    std::string query_;
};

}  // namespace

std::string_view to_string(center value) noexcept
{
    return name_of(center_names, static_cast<std::size_t>(value));
}

std::string_view to_string(order_column value) noexcept
{
    return name_of(order_column_names, static_cast<std::size_t>(value));
}

std::string_view to_string(order_type value) noexcept
{
    return name_of(order_type_names, static_cast<std::size_t>(value));
}

std::string_view to_string(query_form value) noexcept
{
    return name_of(query_form_names, static_cast<std::size_t>(value));
}

bool parse_center(std::string_view text, center& value) noexcept
{
    return parse_name(center_names, text, value);
}

bool parse_order_column(std::string_view text, order_column& value) noexcept
{
    return parse_name(order_column_names, text, value);
}

bool parse_order_type(std::string_view text, order_type& value) noexcept
{
    return parse_name(order_type_names, text, value);
}

bool parse_query_form(std::string_view text, query_form& value) noexcept
{
    return parse_name(query_form_names, text, value);
}

std::string validate(const shared_repositories_request& request)
{
    if (static_cast<std::size_t>(request.center) >= center_names.size())
        return "invalid center: use center::self or center::thirdparty";
    if (auto error = check_value("name", request.name, request.form); !error.empty())
        return error;
    if (auto error = check_value("namespace", request.namespace_name, request.form); !error.empty())
        return error;
    if (request.order_type && !request.order_column)
        return "order_type is set without order_column: set both, or neither";
    return {};
}

std::string percent_encode(std::string_view text)
{
    static constexpr char hex[] = "0123456789ABCDEF";
    std::string out;
    out.reserve(text.size() * 3);
    for (unsigned char c : text) {
        if (is_unreserved(c)) {
            out += static_cast<char>(c);
            continue;
        }
        out += '%';
        out += hex[c >> 4];
        out += hex[c & 0x0f];
    }
    return out;
}

std::string build_query(const shared_repositories_request& request, std::int64_t limit, std::int64_t offset)
{
    query_builder query(request.form);
    query.add("center", to_string(request.center));
    if (!request.name.empty())
        query.add("name", name_parameter(request.name));
    if (!request.namespace_name.empty())
        query.add("namespace", request.namespace_name);
    query.add("limit", std::to_string(limit));
    query.add("offset", std::to_string(offset));
    if (request.order_column) {
        query.add("order_column", to_string(*request.order_column));
        if (request.order_type)
            query.add("order_type", to_string(*request.order_type));
    }
    return std::move(query).finish();
}

}  // namespace swr
