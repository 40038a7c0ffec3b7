#ifndef SWR_EMULATOR_QUERY_HPP
#define SWR_EMULATOR_QUERY_HPP

// Decoding and validation of the query string of
// `GET /v2/manage/shared-repositories`, written independently of the client
// library so that the emulator catches the client's encoding mistakes.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace swr::emulator_detail {

/// Side of the sharing relation that a listing shows.
enum class sharing_center { self, thirdparty };

/// Sort key of a listing. `dataset` keeps the order of the loaded data.
enum class order_column { dataset, updated_at, name, tag_count, namespace_name, domain_name };

enum class order_direction { asc, desc };

/// Default page size when only `offset` is given.
inline constexpr std::int64_t default_limit = 100;

/// Largest `limit` the service accepts.
inline constexpr std::int64_t max_limit = 1000;

/// An error response of the SWR service: HTTP status, `SVCSTG.SWR.*` code and message.
struct api_error {
    unsigned status = 400;
    std::string code;
    std::string message;

    friend bool operator==(const api_error&, const api_error&) = default;
};

/// One `name=value` pair of a query string, both percent-decoded.
struct query_parameter {
    std::string name;
    std::string value;

    friend bool operator==(const query_parameter&, const query_parameter&) = default;
};

/// A validated listing request.
struct listing_query {
    sharing_center center = sharing_center::self;

    /// Substring that the repository name must contain, `$` already turned into `/`.
    std::optional<std::string> name;

    /// Exact namespace.
    std::optional<std::string> namespace_name;

    /// Exact owning account.
    std::optional<std::string> domain_name;

    /// Exact `status` value.
    std::optional<bool> status;

    std::optional<std::int64_t> limit;
    std::optional<std::int64_t> offset;

    order_column column = order_column::dataset;
    order_direction direction = order_direction::asc;

    friend bool operator==(const listing_query&, const listing_query&) = default;
};

/// The slice of the ordered, filtered records that a listing returns.
struct page_window {
    std::int64_t offset = 0;

    /// Maximum number of records; `INT64_MAX` when the request has neither
    /// `limit` nor `offset`.
    std::int64_t limit = 0;

    /// Whether the response carries `Content-Range` (only when `limit` or
    /// `offset` was given).
    bool content_range = false;

    friend bool operator==(const page_window&, const page_window&) = default;
};

/// Decodes `%XX` escapes (either case of hex digit). Every other byte,
/// `+` included, is kept as it is, because the SDKs send a space as `%20`.
/// Returns nothing when a `%` is not followed by two hex digits.
std::optional<std::string> percent_decode(std::string_view text);

/// Checks that `text` is well-formed UTF-8 (no overlong forms, surrogates or
/// code points above U+10FFFF).
bool is_valid_utf8(std::string_view text);

/// Splits a raw query string (without `?`) at `&` and `=` and decodes names
/// and values. Empty segments (`a=1&&b=2`) are skipped and a segment without
/// `=` has an empty value.
std::variant<std::vector<query_parameter>, api_error> split_query(std::string_view query);

/// Validates the query string of a listing in either form: the single
/// `filter=key::value|...` parameter, separate parameters, or both at once
/// (as the Node SDK sends `center` beside `filter`). A key given twice must
/// have the same value both times. Unknown separate parameters are ignored,
/// unknown filter keys are rejected.
std::variant<listing_query, api_error> parse_listing_query(std::string_view query);

/// Applies the paging defaults: offset alone uses a limit of 100, limit alone
/// an offset of 0, and neither returns every record.
page_window window_of(const listing_query& query);

}  // namespace swr::emulator_detail

#endif
