#ifndef SWR_REQUEST_HPP
#define SWR_REQUEST_HPP

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace swr {

/// Side of the sharing relation to list.
enum class center {
    self,        ///< Repositories this account shares with others.
    thirdparty,  ///< Repositories other accounts share with this one.
};

/// Column to order the listing by (`order_column`), sent under the name of
/// the JSON field.
enum class order_column {
    updated_at,      ///< Last update time.
    name,            ///< Repository name.
    tag_count,       ///< Number of tags.
    namespace_name,  ///< Namespace, sent as `namespace`.
    domain_name,     ///< Owning account.
};

/// Direction of the ordering (`order_type`).
enum class order_type {
    asc,   ///< Ascending.
    desc,  ///< Descending.
};

/// Wire form of the query parameters.
enum class query_form {
    /// One `filter=center::self|name::x|limit::100|offset::0` parameter, as
    /// documented for the operation. The default.
    filter,
    /// Separate `center=`, `name=`, `limit=`, ... parameters, as the official
    /// SDKs send them.
    separate,
};

/// Returns the name of `value` as sent on the wire, e.g. `thirdparty` or
/// `namespace`, or `unknown` for a value outside the enumeration.
std::string_view to_string(center value) noexcept;
std::string_view to_string(order_column value) noexcept;
std::string_view to_string(order_type value) noexcept;
std::string_view to_string(query_form value) noexcept;

/// Parses a name as written by `to_string` (case-sensitive). Returns false,
/// leaving `value` unchanged, for any other text.
bool parse_center(std::string_view text, center& value) noexcept;
bool parse_order_column(std::string_view text, order_column& value) noexcept;
bool parse_order_type(std::string_view text, order_type& value) noexcept;
bool parse_query_form(std::string_view text, query_form& value) noexcept;

/// Filters and ordering of `GET /v2/manage/shared-repositories`, without paging.
struct shared_repositories_request {
    /// Side of the sharing relation, sent in every request because the API
    /// requires it. Default: `center::self`.
    swr::center center = center::self;

    /// Repository name filter. A `/` in the name is sent as `$`, as the API
    /// expects. Empty means no filter.
    std::string name;

    /// Namespace (organization) filter. Empty means no filter.
    std::string namespace_name;

    /// Ordering column; unset leaves the server's default order.
    std::optional<swr::order_column> order_column;

    /// Ordering direction, which `validate` rejects without `order_column`.
    /// Unset: the server's default direction.
    std::optional<swr::order_type> order_type;

    /// Wire form of the query. Default: `query_form::filter`.
    query_form form = query_form::filter;
};

/// Smallest and largest page size the API accepts (`limit`).
inline constexpr std::int64_t min_page_size = 1;
inline constexpr std::int64_t max_page_size = 1000;

/// Path of the operation.
inline constexpr std::string_view shared_repositories_path = "/v2/manage/shared-repositories";

/// Checks `request` for values that the chosen form cannot carry, an unknown
/// `center`, and `order_type` without `order_column`.
///
/// In the filter form, `|` separates terms and `::` separates a key from its
/// value, so a name or namespace containing either would change the filter's
/// meaning; such values are rejected. Control characters are rejected in both
/// forms. Returns an empty string when valid, otherwise a message naming the
/// field, the value and what to do.
std::string validate(const shared_repositories_request& request);

/// Percent-encodes `text` keeping only `A-Z a-z 0-9 - _ . ~`, with upper-case
/// hex digits (space becomes `%20`), as every official SDK does.
std::string percent_encode(std::string_view text);

/// Builds the query string (without `?`) for one page of `request`.
///
/// `limit` and `offset` are always sent together, and `name` with each `/`
/// replaced by `$`. The request must have passed `validate`.
std::string build_query(const shared_repositories_request& request, std::int64_t limit,
                        std::int64_t offset);

}  // namespace swr

#endif
