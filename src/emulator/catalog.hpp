#ifndef SWR_EMULATOR_CATALOG_HPP
#define SWR_EMULATOR_CATALOG_HPP

// The repositories an emulator serves, with their JSON rendered once at load
// time, and the filtering, ordering and paging of a listing.

#include "emulator/query.hpp"

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace swr::emulator_detail {

/// One repository with every field of the SWR response except `total_range`,
/// which depends on the request.
struct repository_record {
    std::string name;
    std::string category;
    std::string description;
    std::int64_t size = 0;
    bool is_public = false;
    std::int64_t num_images = 0;
    std::int64_t num_download = 0;
    std::string created_at;
    std::string updated_at;
    std::string logo;
    std::string url;
    std::string path;
    std::string internal_path;
    std::string domain_name;
    std::string namespace_name;
    std::vector<std::string> tags;
    bool status = false;

    friend bool operator==(const repository_record&, const repository_record&) = default;
};

/// Renders `record` as a JSON object in the field order of the SWR reference,
/// without `total_range` and without the closing brace, so that a listing can
/// append `,"total_range":N}`.
std::string render_record_prefix(const repository_record& record);

/// The records of a listing: indexes into one center's data, in response order.
struct listing_page {
    sharing_center center = sharing_center::self;
    std::int64_t offset = 0;

    /// Number of records that match the filters, on all pages.
    std::int64_t total = 0;

    std::vector<std::uint32_t> records;
};

/// The repositories of both centers.
///
/// Filled with `add()` first, then only read. Reading is thread-safe: the
/// sort orders are computed on first use, under `std::call_once`. A changed
/// listing is a new catalog (see `with_change`).
class catalog {
public:
    catalog();

    /// Adds every record of both lists, in order.
    ///
    /// @throws std::length_error when a center has more than 2^32 - 2 records.
    catalog(std::vector<repository_record> self, std::vector<repository_record> thirdparty);

    catalog(const catalog&) = delete;
    catalog& operator=(const catalog&) = delete;

    /// Appends one record to a center, rendering its JSON now; only the
    /// rendered JSON and the fields used to filter and sort are kept. Must
    /// not be called once `select()` has been.
    ///
    /// @throws std::length_error when the center already has 2^32 - 2 records.
    void add(sharing_center center, const repository_record& record);

    std::size_t size(sharing_center center) const;

    /// Returns a copy in which `remove` records of `center`, from `position`
    /// on in data order, are gone and `inserted` are at `position`. Positions
    /// past the end mean the end. The other center is shared, not copied.
    ///
    /// @throws std::length_error when the center would have more than 2^32 - 2 records.
    std::shared_ptr<const catalog> with_change(sharing_center center, std::int64_t position, std::int64_t remove,
                                               const std::vector<repository_record>& inserted) const;

    /// Selects the records of one page. Ties of the sort key are ordered by
    /// namespace, then name, then position in the data, so pages of the same
    /// query never overlap or skip a record.
    listing_page select(const listing_query& query) const;

    /// Renders a page as the response body: a JSON array whose items carry
    /// `total_range` = `page.total`.
    std::string render(const listing_page& page) const;

private:
    // The fields that filtering and sorting use, plus the pre-rendered JSON.
    struct entry {
        std::string name;
        std::string namespace_name;
        std::string domain_name;
        std::string updated_at;
        std::size_t tag_count = 0;
        bool status = false;
        std::string json_prefix;
    };

    // Sort orders: one per column other than `dataset`, each ascending and descending.
    static constexpr std::size_t order_count = 10;

    struct shelf {
        std::vector<entry> entries;
        mutable std::array<std::once_flag, order_count> sorted_once;
        mutable std::array<std::vector<std::uint32_t>, order_count> sorted;
    };

    const shelf& shelf_of(sharing_center center) const;
    shelf& shelf_of(sharing_center center);
    const std::vector<std::uint32_t>& order_of(const shelf& records, order_column column,
                                               order_direction direction) const;

    // Shared between a catalog and the copies `with_change` makes of it.
    std::array<std::shared_ptr<shelf>, 2> shelves_;
};

}  // namespace swr::emulator_detail

#endif
