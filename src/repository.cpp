#include <swr/repository.hpp>

#include <boost/json/serialize.hpp>
#include <boost/json/string_view.hpp>

#include <string>

namespace swr {
namespace json = boost::json;

namespace {

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
