#include <swr/repository.hpp>

#include <boost/json/monotonic_resource.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include <string>

namespace swr {
namespace json = boost::json;

namespace {

std::string_view kind_name(json::kind kind) noexcept
{
    switch (kind) {
    case json::kind::null: return "null";
    case json::kind::bool_: return "boolean";
    case json::kind::int64:
    case json::kind::uint64: return "integer";
    case json::kind::double_: return "number";
    case json::kind::string: return "string";
    case json::kind::array: return "array";
    case json::kind::object: return "object";
    }
    return "unknown";
}

// Reads the fields of one item, remembering the first problem.
class item_reader {
public:
    item_reader(const json::object& object, std::size_t index) : object_(object), index_(index) {}

    const std::string& error() const noexcept { return error_; }

    void text(std::string_view key, std::string& out)
    {
        const json::value* value = find(key);
        if (!value)
            return;
        if (!value->is_string())
            return fail(key, "expected a string, got " + std::string(kind_name(value->kind())));
        out.assign(value->get_string().data(), value->get_string().size());
    }

    void integer(std::string_view key, std::int64_t& out)
    {
        const json::value* value = find(key);
        if (!value)
            return;
        if (value->is_int64()) {
            out = value->get_int64();
            return;
        }
        if (value->is_uint64())
            return fail(key, "integer " + std::to_string(value->get_uint64()) + " is out of the int64 range");
        fail(key, "expected an integer, got " + std::string(kind_name(value->kind())));
    }

    void optional_integer(std::string_view key, std::optional<std::int64_t>& out)
    {
        std::int64_t number = 0;
        if (!find(key))
            return;
        integer(key, number);
        if (error_.empty())
            out = number;
    }

    void boolean(std::string_view key, bool& out)
    {
        const json::value* value = find(key);
        if (!value)
            return;
        if (!value->is_bool())
            return fail(key, "expected a boolean, got " + std::string(kind_name(value->kind())));
        out = value->get_bool();
    }

    void strings(std::string_view key, std::vector<std::string>& out)
    {
        const json::value* value = find(key);
        if (!value)
            return;
        if (!value->is_array())
            return fail(key, "expected an array of strings, got " + std::string(kind_name(value->kind())));
        const json::array& array = value->get_array();
        out.reserve(array.size());
        for (std::size_t i = 0; i < array.size(); ++i) {
            if (!array[i].is_string()) {
                return fail(key, "element " + std::to_string(i) + " is " +
                                     std::string(kind_name(array[i].kind())) + ", expected a string");
            }
            out.emplace_back(array[i].get_string().data(), array[i].get_string().size());
        }
    }

    void required_text(std::string_view key, std::string& out)
    {
        if (!find(key))
            return fail(key, "is missing or null");
        text(key, out);
    }

private:
    // Returns the value of `key`, or null when the key is absent, null, or
    // an earlier field already failed.
    const json::value* find(std::string_view key) const
    {
        if (!error_.empty())
            return nullptr;
        const json::value* value = object_.if_contains(key);
        if (!value || value->is_null())
            return nullptr;
        return value;
    }

    void fail(std::string_view key, const std::string& problem)
    {
        if (error_.empty())
            error_ = "item " + std::to_string(index_) + " field '" + std::string(key) + "': " + problem;
    }

    const json::object& object_;
    std::size_t index_;
    std::string error_;
};

std::string read_item(const json::value& value, std::size_t index, repository& item)
{
    if (!value.is_object())
        return "item " + std::to_string(index) + " is " + std::string(kind_name(value.kind())) + ", expected an object";

    item_reader reader(value.get_object(), index);
    reader.required_text("name", item.name);
    reader.text("category", item.category);
    reader.text("description", item.description);
    reader.integer("size", item.size);
    reader.boolean("is_public", item.is_public);
    reader.integer("num_images", item.num_images);
    reader.integer("num_download", item.num_download);
    reader.text("created_at", item.created_at);
    reader.text("updated_at", item.updated_at);
    reader.text("logo", item.logo);
    reader.text("url", item.url);
    reader.text("path", item.path);
    reader.text("internal_path", item.internal_path);
    reader.text("domain_name", item.domain_name);
    reader.text("namespace", item.namespace_name);
    reader.strings("tags", item.tags);
    reader.boolean("status", item.status);
    reader.optional_integer("total_range", item.total_range);
    return reader.error();
}

void append_key(std::string& out, std::string_view key)
{
    out += '"';
    out += key;
    out += "\":";
}

void append_text(std::string& out, std::string_view key, const std::string& value)
{
    append_key(out, key);
    out += json::serialize(json::string_view(value));
    out += ',';
}

void append_number(std::string& out, std::string_view key, std::int64_t value)
{
    append_key(out, key);
    out += std::to_string(value);
    out += ',';
}

void append_bool(std::string& out, std::string_view key, bool value)
{
    append_key(out, key);
    out += value ? "true," : "false,";
}

}  // namespace

parsed_page parse_repositories(std::string_view body)
{
    parsed_page result;

    unsigned char buffer[4096];
    json::monotonic_resource resource(buffer, sizeof buffer);
    json::parse_options options;
    options.allow_trailing_commas = true;

    boost::system::error_code ec;
    json::value document = json::parse(json::string_view(body.data(), body.size()), ec, &resource, options);
    if (ec) {
        result.error = "body is not valid JSON: " + ec.message();
        return result;
    }
    if (!document.is_array()) {
        result.error = "body is a JSON " + std::string(kind_name(document.kind())) + ", expected an array";
        return result;
    }

    const json::array& array = document.get_array();
    result.items.resize(array.size());
    for (std::size_t i = 0; i < array.size(); ++i) {
        result.error = read_item(array[i], i, result.items[i]);
        if (!result.error.empty()) {
            result.items.clear();
            return result;
        }
    }
    return result;
}

std::string to_json(const repository& item)
{
    std::string out = "{";
    append_text(out, "name", item.name);
    append_text(out, "category", item.category);
    append_text(out, "description", item.description);
    append_number(out, "size", item.size);
    append_bool(out, "is_public", item.is_public);
    append_number(out, "num_images", item.num_images);
    append_number(out, "num_download", item.num_download);
    append_text(out, "created_at", item.created_at);
    append_text(out, "updated_at", item.updated_at);
    append_text(out, "logo", item.logo);
    append_text(out, "url", item.url);
    append_text(out, "path", item.path);
    append_text(out, "internal_path", item.internal_path);
    append_text(out, "domain_name", item.domain_name);
    append_text(out, "namespace", item.namespace_name);

    append_key(out, "tags");
    out += '[';
    for (std::size_t i = 0; i < item.tags.size(); ++i) {
        if (i != 0)
            out += ',';
        out += json::serialize(json::string_view(item.tags[i]));
    }
    out += "],";

    append_bool(out, "status", item.status);
    if (item.total_range)
        append_number(out, "total_range", *item.total_range);
    out.back() = '}';
    return out;
}

}  // namespace swr
