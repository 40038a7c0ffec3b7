// parse_repositories, its complete parser and the field table both parsers use.
//
// The complete parser hands Boost.JSON's push parser a `page_reader`, which
// writes each token into the field it belongs to, so no DOM is built. Its
// results and errors are those of reading a DOM: a key given twice counts
// with its last value (`null` included), and of the first item in error it
// reports the first field in API order.

#include "page_parser.hpp"

#include <boost/json/basic_parser_impl.hpp>
#include <boost/json/error.hpp>
#include <boost/json/parse_options.hpp>

#include <bitset>
#include <cstddef>
#include <string>

namespace swr {
namespace detail {

namespace {

namespace json = boost::json;
using boost::system::error_code;

constexpr std::size_t field_count = repository_fields.size();
constexpr std::size_t no_field = field_count;

// Kinds of JSON values, named as in error messages.
enum class value_kind { null, boolean, integer, number, string, array, object };

std::string_view kind_name(value_kind kind) noexcept
{
    switch (kind) {
    case value_kind::null: return "null";
    case value_kind::boolean: return "boolean";
    case value_kind::integer: return "integer";
    case value_kind::number: return "number";
    case value_kind::string: return "string";
    case value_kind::array: return "array";
    case value_kind::object: return "object";
    }
    return "unknown";
}

std::string expected_text(field_type type)
{
    switch (type) {
    case field_type::text: return "expected a string";
    case field_type::integer:
    case field_type::optional_integer: return "expected an integer";
    case field_type::boolean: return "expected a boolean";
    case field_type::strings: return "expected an array of strings";
    }
    return "unexpected value";
}

// Receives the parser's tokens and fills the items. The body must be an
// array of objects. The reader counts open containers to know whether a
// token is the body, an item, a field value, a tag, or something nested in
// an unknown field, which is ignored. A problem with a field is held until
// the item ends, because a later value of the same key replaces it. After
// the first item in error the reader records nothing more but keeps
// counting, so that a syntax error later in the body is still reported.
class page_reader {
public:
    static constexpr std::size_t max_object_size = static_cast<std::size_t>(-1);
    static constexpr std::size_t max_array_size = static_cast<std::size_t>(-1);
    static constexpr std::size_t max_key_size = static_cast<std::size_t>(-1);
    static constexpr std::size_t max_string_size = static_cast<std::size_t>(-1);

    explicit page_reader(std::vector<repository>& items) : items_(items) {}

    const std::string& error() const noexcept { return error_; }

    bool on_document_begin(error_code&) { return true; }
    bool on_document_end(error_code&) { return true; }

    bool on_object_begin(error_code&)
    {
        if (depth_ == 1) {
            begin_item();
        } else {
            on_value(value_kind::object);
        }
        ++depth_;
        return true;
    }

    bool on_object_end(std::size_t, error_code&)
    {
        --depth_;
        if (depth_ == 1)
            end_item();
        return true;
    }

    bool on_array_begin(error_code&)
    {
        if (at_field() && repository_fields[field_].type == field_type::strings) {
            // A new list replaces the tags of an earlier `tags` key.
            clear_field_error(field_);
            current().tags.clear();
            in_tags_ = true;
            tag_index_ = 0;
        } else if (depth_ > 0) {
            on_value(value_kind::array);
        }
        ++depth_;
        return true;
    }

    bool on_array_end(std::size_t, error_code&)
    {
        --depth_;
        if (depth_ == 2)
            in_tags_ = false;
        return true;
    }

    bool on_key_part(json::string_view part, std::size_t, error_code&)
    {
        if (depth_ == 2)
            pending_.append(part.data(), part.size());
        return true;
    }

    bool on_key(json::string_view last, std::size_t, error_code&)
    {
        if (depth_ != 2)
            return true;
        if (pending_.empty()) {
            field_ = find_field({last.data(), last.size()}, guess_);
            return true;
        }
        pending_.append(last.data(), last.size());
        field_ = find_field(pending_, guess_);
        pending_.clear();
        return true;
    }

    bool on_string_part(json::string_view part, std::size_t, error_code&)
    {
        if (stores_string())
            pending_.append(part.data(), part.size());
        return true;
    }

    bool on_string(json::string_view last, std::size_t, error_code&)
    {
        if (!stores_string()) {
            on_value(value_kind::string);
            return true;
        }
        std::string* target = nullptr;
        if (depth_ == 3) {
            target = &current().tags.emplace_back();
            ++tag_index_;
        } else {
            clear_field_error(field_);
            target = text_member(current(), field_);
            if (field_ == name_field)
                name_present_ = true;
        }
        if (pending_.empty()) {
            target->assign(last.data(), last.size());
        } else {
            pending_.append(last.data(), last.size());
            *target = pending_;
            pending_.clear();
        }
        return true;
    }

    bool on_number_part(json::string_view, error_code&) { return true; }

    bool on_int64(std::int64_t value, json::string_view, error_code&)
    {
        if (!at_field()) {
            on_value(value_kind::integer);
            return true;
        }
        if (std::int64_t* target = integer_member(current(), field_)) {
            clear_field_error(field_);
            *target = value;
        } else if (repository_fields[field_].type == field_type::optional_integer) {
            clear_field_error(field_);
            current().total_range = value;
        } else {
            on_value(value_kind::integer);
        }
        return true;
    }

    bool on_uint64(std::uint64_t value, json::string_view, error_code&)
    {
        field_type type = at_field() ? repository_fields[field_].type : field_type::text;
        if (type == field_type::integer || type == field_type::optional_integer) {
            set_field_error(field_, "integer " + std::to_string(value) + " is out of the int64 range");
            return true;
        }
        on_value(value_kind::integer);
        return true;
    }

    bool on_double(double, json::string_view, error_code&)
    {
        on_value(value_kind::number);
        return true;
    }

    bool on_bool(bool value, error_code&)
    {
        bool* target = at_field() ? boolean_member(current(), field_) : nullptr;
        if (target) {
            clear_field_error(field_);
            *target = value;
        } else {
            on_value(value_kind::boolean);
        }
        return true;
    }

    bool on_null(error_code&)
    {
        // A null field has its default, as if it were absent.
        if (at_field()) {
            clear_field_error(field_);
            reset_field(current(), field_);
            if (field_ == name_field)
                name_present_ = false;
            return true;
        }
        on_value(value_kind::null);
        return true;
    }

    bool on_comment_part(json::string_view, error_code&) { return true; }
    bool on_comment(json::string_view, error_code&) { return true; }

private:
    repository& current() { return items_.back(); }

    // Whether the next token is the value of a known field of an item that
    // is still being read.
    bool at_field() const noexcept { return depth_ == 2 && field_ < no_field && error_.empty(); }

    // Whether a string token is stored: the value of a text field, or a tag.
    bool stores_string() const noexcept
    {
        if (depth_ == 3)
            return in_tags_ && error_.empty();
        return at_field() && repository_fields[field_].type == field_type::text;
    }

    void begin_item()
    {
        index_ = position_++;
        if (!error_.empty())
            return;
        items_.emplace_back();
        name_present_ = false;
        field_ = no_field;
        guess_ = 0;
    }

    // Reports the first field in API order that is in error, if any.
    void end_item()
    {
        if (!error_.empty() || (field_errors_.none() && name_present_))
            return;
        for (std::size_t field = 0; field < field_count; ++field) {
            if (field_errors_.test(field)) {
                fail(field, messages_[field]);
                break;
            }
            if (field == name_field && !name_present_) {
                fail(field, "is missing or null");
                break;
            }
        }
        field_errors_.reset();
    }

    // Any value that was not stored: an error where one was expected.
    void on_value(value_kind kind)
    {
        switch (depth_) {
        case 0:
            fail_body("body is a JSON " + std::string(kind_name(kind)) + ", expected an array");
            break;
        case 1:
            index_ = position_++;
            fail_body("item " + std::to_string(index_) + " is " + std::string(kind_name(kind)) +
                      ", expected an object");
            break;
        case 2:
            if (at_field()) {
                set_field_error(field_, expected_text(repository_fields[field_].type) + ", got " +
                                            std::string(kind_name(kind)));
            }
            break;
        case 3:
            // Only the first element that is not a string is reported.
            if (in_tags_ && !field_errors_.test(field_)) {
                set_field_error(field_, "element " + std::to_string(tag_index_) + " is " +
                                            std::string(kind_name(kind)) + ", expected a string");
            }
            ++tag_index_;
            break;
        default:
            break;
        }
    }

    void set_field_error(std::size_t field, std::string problem)
    {
        if (!error_.empty())
            return;
        field_errors_.set(field);
        messages_[field] = std::move(problem);
    }

    void clear_field_error(std::size_t field) { field_errors_.reset(field); }

    void fail(std::size_t field, const std::string& problem)
    {
        fail_body("item " + std::to_string(index_) + " field '" + std::string(repository_fields[field].key) +
                  "': " + problem);
    }

    void fail_body(std::string message)
    {
        if (error_.empty())
            error_ = std::move(message);
    }

    std::vector<repository>& items_;
    std::string error_;
    std::string pending_;  // parts of a key or string split by escapes

    std::bitset<field_count> field_errors_;  // fields of the current item in error
    std::array<std::string, field_count> messages_;

    std::size_t depth_ = 0;         // containers open before the current token
    std::size_t position_ = 0;      // elements of the body array seen so far
    std::size_t index_ = 0;         // index of the current item
    std::size_t field_ = no_field;  // field of the last key in the current item
    std::size_t guess_ = 0;
    std::size_t tag_index_ = 0;
    bool name_present_ = false;
    bool in_tags_ = false;
};

}  // namespace

std::size_t find_field_in_table(std::string_view key, std::size_t& guess) noexcept
{
    for (std::size_t i = 0; i < field_count; ++i) {
        if (repository_fields[i].key == key) {
            guess = i + 1;
            return i;
        }
    }
    return no_field;
}

void reset_field(repository& item, std::size_t field)
{
    if (std::string* text = text_member(item, field)) {
        text->clear();
    } else if (std::int64_t* integer = integer_member(item, field)) {
        *integer = 0;
    } else if (bool* flag = boolean_member(item, field)) {
        *flag = false;
    } else if (field < field_count && repository_fields[field].type == field_type::strings) {
        item.tags.clear();
    } else if (field < field_count && repository_fields[field].type == field_type::optional_integer) {
        item.total_range.reset();
    }
}

parsed_page parse_page_complete(std::string_view body)
{
    parsed_page result;
    json::parse_options options;
    options.allow_trailing_commas = true;

    json::basic_parser<page_reader> parser(options, result.items);
    error_code ec;
    std::size_t used = parser.write_some(false, body.data(), body.size(), ec);
    if (!ec && used < body.size())
        ec = json::error::extra_data;

    if (ec) {
        result.items.clear();
        result.error = "body is not valid JSON: " + ec.message();
    } else if (!parser.handler().error().empty()) {
        result.items.clear();
        result.error = parser.handler().error();
    }
    return result;
}

std::string parse_repositories_into(std::string_view body, std::vector<repository>& items)
{
    if (parse_page_fast(body, items))
        return {};
    parsed_page parsed = parse_page_complete(body);
    items = std::move(parsed.items);
    return std::move(parsed.error);
}

}  // namespace detail

parsed_page parse_repositories(std::string_view body)
{
    parsed_page result;
    result.error = detail::parse_repositories_into(body, result.items);
    return result;
}

}  // namespace swr
