#include "format.hpp"

#include <algorithm>
#include <array>
#include <cstdio>
#include <string>

namespace swr::cli {
namespace {

// Appends `text` padded with spaces to `width` columns, on the right
// (left-aligned) or on the left (right-aligned). Wider text is kept whole.
void append_padded(std::string& out, std::string_view text, std::size_t width, bool right_aligned)
{
    std::size_t used = display_width(text);
    std::size_t padding = used < width ? width - used : 0;
    if (right_aligned)
        out.append(padding, ' ');
    out += text;
    if (!right_aligned)
        out.append(padding, ' ');
}

class ndjson_formatter final : public formatter {
public:
    void begin(std::string&) override {}

    void write_page(std::span<const repository> items, std::string& out) override
    {
        for (const repository& item : items) {
            out += to_json(item);
            out += '\n';
        }
    }

    void finish(std::string&) override {}
};

class json_formatter final : public formatter {
public:
    void begin(std::string& out) override { out += '['; }

    void write_page(std::span<const repository> items, std::string& out) override
    {
        for (const repository& item : items) {
            out += first_ ? "\n" : ",\n";
            out += to_json(item);
            first_ = false;
        }
    }

    void finish(std::string& out) override { out += "\n]\n"; }

private:
    bool first_ = true;
};

class csv_formatter final : public formatter {
public:
    void begin(std::string& out) override
    {
        out += "namespace,name,category,description,size,is_public,num_images,num_download,created_at,"
               "updated_at,logo,url,path,internal_path,domain_name,tags,status,total_range\r\n";
    }

    void write_page(std::span<const repository> items, std::string& out) override
    {
        for (const repository& item : items)
            write_row(item, out);
    }

    void finish(std::string&) override {}

private:
    static void write_row(const repository& item, std::string& out)
    {
        std::string tags;
        for (const std::string& tag : item.tags) {
            if (!tags.empty())
                tags += ';';
            tags += tag;
        }

        const std::array<std::string, 18> fields = {
            item.namespace_name,
            item.name,
            item.category,
            item.description,
            std::to_string(item.size),
            item.is_public ? "true" : "false",
            std::to_string(item.num_images),
            std::to_string(item.num_download),
            item.created_at,
            item.updated_at,
            item.logo,
            item.url,
            item.path,
            item.internal_path,
            item.domain_name,
            std::move(tags),
            item.status ? "true" : "false",
            item.total_range ? std::to_string(*item.total_range) : std::string(),
        };
        for (std::size_t i = 0; i < fields.size(); ++i) {
            if (i != 0)
                out += ',';
            append_csv_field(out, fields[i]);
        }
        out += "\r\n";
    }
};

// Aligned columns whose widths are fixed by the first page, so every page
// can be written as it arrives.
class table_formatter final : public formatter {
public:
    void begin(std::string&) override {}

    void write_page(std::span<const repository> items, std::string& out) override
    {
        if (!header_written_)
            write_header(items, out);
        for (const repository& item : items)
            write_row(item, out);
    }

    void finish(std::string& out) override
    {
        if (!header_written_)
            write_header({}, out);
    }

private:
    static constexpr std::string_view separator = "  ";
    static constexpr std::size_t max_namespace_width = 30;
    static constexpr std::size_t max_name_width = 48;
    static constexpr std::size_t max_tags_width = 40;
    static constexpr std::size_t size_width = 10;  // "1023.9 GiB"

    void write_header(std::span<const repository> first_page, std::string& out)
    {
        namespace_width_ = std::string_view("NAMESPACE").size();
        name_width_ = std::string_view("NAME").size();
        tags_width_ = std::string_view("TAGS").size();
        downloads_width_ = std::string_view("DOWNLOADS").size();
        for (const repository& item : first_page) {
            namespace_width_ = std::max(namespace_width_, display_width(item.namespace_name));
            name_width_ = std::max(name_width_, display_width(item.name));
            tags_width_ = std::max(tags_width_, display_width(summarize_tags(item.tags, max_tags_width)));
            downloads_width_ = std::max(downloads_width_, std::to_string(item.num_download).size());
        }
        namespace_width_ = std::min(namespace_width_, max_namespace_width);
        name_width_ = std::min(name_width_, max_name_width);
        tags_width_ = std::min(tags_width_, max_tags_width);

        append_padded(out, "NAMESPACE", namespace_width_, false);
        out += separator;
        append_padded(out, "NAME", name_width_, false);
        out += separator;
        append_padded(out, "TAGS", tags_width_, false);
        out += separator;
        append_padded(out, "SIZE", size_width, true);
        out += separator;
        append_padded(out, "DOWNLOADS", downloads_width_, true);
        out += separator;
        out += "UPDATED_AT\n";
        header_written_ = true;
    }

    void write_row(const repository& item, std::string& out) const
    {
        append_padded(out, item.namespace_name, namespace_width_, false);
        out += separator;
        append_padded(out, item.name, name_width_, false);
        out += separator;
        append_padded(out, summarize_tags(item.tags, tags_width_), tags_width_, false);
        out += separator;
        append_padded(out, format_bytes(item.size < 0 ? 0 : static_cast<std::uint64_t>(item.size)), size_width,
                      true);
        out += separator;
        append_padded(out, std::to_string(item.num_download), downloads_width_, true);
        out += separator;
        out += item.updated_at;
        out += '\n';
    }

    bool header_written_ = false;
    std::size_t namespace_width_ = 0;
    std::size_t name_width_ = 0;
    std::size_t tags_width_ = 0;
    std::size_t downloads_width_ = 0;
};

}  // namespace

std::unique_ptr<formatter> make_formatter(output_format format)
{
    switch (format) {
    case output_format::table: return std::make_unique<table_formatter>();
    case output_format::ndjson: return std::make_unique<ndjson_formatter>();
    case output_format::json: return std::make_unique<json_formatter>();
    case output_format::csv: return std::make_unique<csv_formatter>();
    }
    return std::make_unique<table_formatter>();
}

void append_csv_field(std::string& out, std::string_view field)
{
    if (field.find_first_of(",\"\r\n") == std::string_view::npos) {
        out += field;
        return;
    }

    out += '"';
    for (char c : field) {
        if (c == '"')
            out += '"';
        out += c;
    }
    out += '"';
}

std::string format_bytes(std::uint64_t bytes)
{
    if (bytes < 1024)
        return std::to_string(bytes) + " B";

    static constexpr std::array<std::string_view, 6> units = {"KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
    double value = static_cast<double>(bytes) / 1024.0;
    std::size_t unit = 0;
    while (value >= 1024.0 && unit + 1 < units.size()) {
        value /= 1024.0;
        ++unit;
    }

    char text[32];
    std::snprintf(text, sizeof text, "%.1f %s", value, units[unit].data());
    return text;
}

std::size_t display_width(std::string_view text) noexcept
{
    // Count every byte except UTF-8 continuation bytes (10xxxxxx).
    return static_cast<std::size_t>(std::count_if(text.begin(), text.end(), [](char c) {
        return (static_cast<unsigned char>(c) & 0xC0) != 0x80;
    }));
}

std::string summarize_tags(std::span<const std::string> tags, std::size_t max_width)
{
    if (tags.empty())
        return "-";

    std::string joined;
    for (std::size_t i = 0; i < tags.size(); ++i) {
        std::string candidate = joined.empty() ? tags[i] : joined + "," + tags[i];
        std::size_t hidden_after = tags.size() - i - 1;
        std::size_t suffix_width = hidden_after == 0 ? 0 : 2 + std::to_string(hidden_after).size();
        if (display_width(candidate) + suffix_width > max_width) {
            std::string hidden = std::to_string(tags.size() - i);
            if (joined.empty())
                return tags.size() == 1 ? "1 tag" : hidden + " tags";
            return joined + ",+" + hidden;
        }
        joined = std::move(candidate);
    }
    return joined;
}

}  // namespace swr::cli
