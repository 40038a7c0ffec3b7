#ifndef SWR_CONTENT_RANGE_HPP
#define SWR_CONTENT_RANGE_HPP

#include <cstdint>
#include <optional>
#include <string_view>

namespace swr {

/// SWR's `Content-Range: {offset}-{count}/{total}` header.
///
/// Unlike HTTP's byte ranges, the second number is the count of records on
/// the page, not the index of the last one.
struct content_range {
    std::int64_t offset = 0;  ///< Offset of the first record on the page.
    std::int64_t count = 0;   ///< Number of records on the page.
    std::int64_t total = 0;   ///< Number of records in the whole listing.

    friend bool operator==(const content_range&, const content_range&) = default;
};

/// Parses the header value. Surrounding spaces are allowed; anything else
/// that is not three non-negative decimal integers fitting int64, in the
/// form above, returns `std::nullopt`.
std::optional<content_range> parse_content_range(std::string_view value) noexcept;

}  // namespace swr

#endif
