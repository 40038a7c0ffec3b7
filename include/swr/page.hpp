#ifndef SWR_PAGE_HPP
#define SWR_PAGE_HPP

#include <swr/content_range.hpp>
#include <swr/repository.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace swr {

/// One page of a listing.
struct page {
    std::int64_t offset = 0;  ///< Offset that was requested.
    std::int64_t limit = 0;   ///< Page size that was requested.
    /// Repositories in listing order. In a scan, items already delivered
    /// shortly before are dropped (see `scan_summary::duplicates_dropped`).
    std::vector<repository> items;
    /// Parsed `Content-Range`, when the server sent one.
    std::optional<swr::content_range> content_range;
    std::string request_id;   ///< `X-Request-Id` of the response.
    std::uint64_t body_bytes = 0;  ///< Size of the response body in bytes.
};

}  // namespace swr

#endif
