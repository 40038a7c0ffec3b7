#include "emulator/catalog.hpp"

#include "emulator/responses.hpp"

#include <algorithm>
#include <limits>
#include <numeric>
#include <stdexcept>
#include <string_view>
#include <tuple>

namespace swr::emulator_detail {

namespace {

void append_field_name(std::string& out, std::string_view name)
{
    out.push_back(',');
    append_json_string(out, name);
    out.push_back(':');
}

void append_string_field(std::string& out, std::string_view name, std::string_view value)
{
    append_field_name(out, name);
    append_json_string(out, value);
}

void append_integer_field(std::string& out, std::string_view name, std::int64_t value)
{
    append_field_name(out, name);
    out += std::to_string(value);
}

void append_bool_field(std::string& out, std::string_view name, bool value)
{
    append_field_name(out, name);
    out += value ? "true" : "false";
}

std::size_t order_slot(order_column column, order_direction direction)
{
    // `dataset` has no slot, so the columns start at 1.
    auto column_index = static_cast<std::size_t>(column) - 1;
    return column_index * 2 + (direction == order_direction::desc ? 1 : 0);
}

}  // namespace

std::string render_record_prefix(const repository_record& record)
{
    std::string out = "{";
    append_json_string(out, "name");
    out.push_back(':');
    append_json_string(out, record.name);

    append_string_field(out, "category", record.category);
    append_string_field(out, "description", record.description);
    append_integer_field(out, "size", record.size);
    append_bool_field(out, "is_public", record.is_public);
    append_integer_field(out, "num_images", record.num_images);
    append_integer_field(out, "num_download", record.num_download);
    append_string_field(out, "created_at", record.created_at);
    append_string_field(out, "updated_at", record.updated_at);
    append_string_field(out, "logo", record.logo);
    append_string_field(out, "url", record.url);
    append_string_field(out, "path", record.path);
    append_string_field(out, "internal_path", record.internal_path);
    append_string_field(out, "domain_name", record.domain_name);
    append_string_field(out, "namespace", record.namespace_name);

    append_field_name(out, "tags");
    out.push_back('[');
    for (std::size_t i = 0; i < record.tags.size(); ++i) {
        if (i > 0) {
            out.push_back(',');
        }
        append_json_string(out, record.tags[i]);
    }
    out.push_back(']');

    append_bool_field(out, "status", record.status);
    return out;
}

catalog::catalog() : shelves_{std::make_shared<shelf>(), std::make_shared<shelf>()} {}

catalog::catalog(std::vector<repository_record> self, std::vector<repository_record> thirdparty) : catalog()
{
    shelf_of(sharing_center::self).entries.reserve(self.size());
    for (const repository_record& record : self) {
        add(sharing_center::self, record);
    }
    shelf_of(sharing_center::thirdparty).entries.reserve(thirdparty.size());
    for (const repository_record& record : thirdparty) {
        add(sharing_center::thirdparty, record);
    }
}

void catalog::add(sharing_center center, const repository_record& record)
{
    // Positions are stored as 32-bit indexes to keep the sort orders small.
    std::vector<entry>& entries = shelf_of(center).entries;
    if (entries.size() >= std::numeric_limits<std::uint32_t>::max() - 1) {
        throw std::length_error("a center has more than 2^32 - 2 repositories");
    }

    entry item;
    item.json_prefix = render_record_prefix(record);
    item.tag_count = record.tags.size();
    item.status = record.status;
    item.name = record.name;
    item.namespace_name = record.namespace_name;
    item.domain_name = record.domain_name;
    item.updated_at = record.updated_at;
    entries.push_back(std::move(item));
}

std::size_t catalog::size(sharing_center center) const
{
    return shelf_of(center).entries.size();
}

const catalog::shelf& catalog::shelf_of(sharing_center center) const
{
    return *shelves_[center == sharing_center::self ? 0 : 1];
}

catalog::shelf& catalog::shelf_of(sharing_center center)
{
    return *shelves_[center == sharing_center::self ? 0 : 1];
}

std::shared_ptr<const catalog> catalog::with_change(sharing_center center, std::int64_t position, std::int64_t remove,
                                                    const std::vector<repository_record>& inserted) const
{
    const std::vector<entry>& old_entries = shelf_of(center).entries;
    auto size = static_cast<std::int64_t>(old_entries.size());
    std::int64_t start = std::clamp<std::int64_t>(position, 0, size);
    std::int64_t end = start + std::clamp<std::int64_t>(remove, 0, size - start);

    // The unchanged center keeps its shelf, sort orders included.
    auto changed = std::make_shared<catalog>();
    std::size_t slot = center == sharing_center::self ? 0 : 1;
    changed->shelves_[1 - slot] = shelves_[1 - slot];

    // Records before the change, the inserted ones, then those after the removed range.
    std::vector<entry>& entries = changed->shelves_[slot]->entries;
    entries.reserve(old_entries.size() - static_cast<std::size_t>(end - start) + inserted.size());
    entries.insert(entries.end(), old_entries.begin(), old_entries.begin() + start);
    for (const repository_record& record : inserted) {
        changed->add(center, record);
    }
    entries.insert(entries.end(), old_entries.begin() + end, old_entries.end());
    if (entries.size() > std::numeric_limits<std::uint32_t>::max() - 1) {
        throw std::length_error("a center would have more than 2^32 - 2 repositories");
    }
    return changed;
}

const std::vector<std::uint32_t>& catalog::order_of(const shelf& records, order_column column,
                                                    order_direction direction) const
{
    std::size_t slot = order_slot(column, direction);
    std::call_once(records.sorted_once[slot], [&] {
        const std::vector<entry>& entries = records.entries;
        std::vector<std::uint32_t> order(entries.size());
        std::iota(order.begin(), order.end(), 0u);

        // -1, 0 or 1 for the sort key alone, ascending.
        auto compare_key = [column](const entry& a, const entry& b) -> int {
            switch (column) {
            case order_column::updated_at:
                return a.updated_at.compare(b.updated_at);
            case order_column::name:
                return a.name.compare(b.name);
            case order_column::tag_count:
                return a.tag_count < b.tag_count ? -1 : (a.tag_count > b.tag_count ? 1 : 0);
            case order_column::namespace_name:
                return a.namespace_name.compare(b.namespace_name);
            case order_column::domain_name:
                return a.domain_name.compare(b.domain_name);
            case order_column::dataset:
                break;
            }
            return 0;
        };

        // Only the key follows `direction`; the tie-breakers stay ascending.
        bool descending = direction == order_direction::desc;
        std::sort(order.begin(), order.end(), [&](std::uint32_t left, std::uint32_t right) {
            const entry& a = entries[left];
            const entry& b = entries[right];
            int key = compare_key(a, b);
            if (key != 0) {
                return descending ? key > 0 : key < 0;
            }
            return std::tie(a.namespace_name, a.name, left) < std::tie(b.namespace_name, b.name, right);
        });
        records.sorted[slot] = std::move(order);
    });
    return records.sorted[slot];
}

listing_page catalog::select(const listing_query& query) const
{
    const shelf& records = shelf_of(query.center);
    const std::vector<entry>& entries = records.entries;
    page_window window = window_of(query);

    listing_page page;
    page.center = query.center;
    page.offset = window.offset;

    const std::vector<std::uint32_t>* order = nullptr;
    if (query.column != order_column::dataset) {
        order = &order_of(records, query.column, query.direction);
    }
    auto position = [&](std::size_t rank) -> std::uint32_t {
        return order != nullptr ? (*order)[rank] : static_cast<std::uint32_t>(rank);
    };

    // `window.limit` may be INT64_MAX, so compare against the remaining count
    // instead of computing offset + limit.
    auto on_page = [&](std::int64_t rank) {
        return rank >= window.offset && rank - window.offset < window.limit;
    };

    // Without filters the page is a slice of the order.
    bool filtered = query.name || query.namespace_name || query.domain_name || query.status;
    if (!filtered) {
        page.total = static_cast<std::int64_t>(entries.size());
        for (std::int64_t rank = window.offset; on_page(rank) && rank < page.total; ++rank) {
            page.records.push_back(position(static_cast<std::size_t>(rank)));
        }
        return page;
    }

    // With filters every record is tested, to count the total.
    std::int64_t matched = 0;
    for (std::size_t rank = 0; rank < entries.size(); ++rank) {
        std::uint32_t index = position(rank);
        const entry& item = entries[index];
        if (query.name && item.name.find(*query.name) == std::string::npos) {
            continue;
        }
        if (query.namespace_name && item.namespace_name != *query.namespace_name) {
            continue;
        }
        if (query.domain_name && item.domain_name != *query.domain_name) {
            continue;
        }
        if (query.status && item.status != *query.status) {
            continue;
        }
        if (on_page(matched)) {
            page.records.push_back(index);
        }
        ++matched;
    }
    page.total = matched;
    return page;
}

std::string catalog::render(const listing_page& page) const
{
    const std::vector<entry>& entries = shelf_of(page.center).entries;
    std::string total_suffix = ",\"total_range\":" + std::to_string(page.total) + "}";

    std::size_t length = 2;
    for (std::uint32_t index : page.records) {
        length += entries[index].json_prefix.size() + total_suffix.size() + 1;
    }

    std::string body;
    body.reserve(length);
    body.push_back('[');
    for (std::size_t i = 0; i < page.records.size(); ++i) {
        if (i > 0) {
            body.push_back(',');
        }
        body += entries[page.records[i]].json_prefix;
        body += total_suffix;
    }
    body.push_back(']');
    return body;
}

}  // namespace swr::emulator_detail
