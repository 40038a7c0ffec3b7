#ifndef SWR_ENDPOINT_HPP
#define SWR_ENDPOINT_HPP

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace swr {

/// HTTPS origin that a client connects to.
struct endpoint {
    std::string host;           ///< Host name or IP literal, without brackets.
    std::uint16_t port = 443;   ///< TCP port.

    /// `Host` header value: the host (bracketed if IPv6), plus `:port` unless 443.
    std::string host_header() const;

    /// The origin as a URL, e.g. `https://127.0.0.1:8443`.
    std::string url() const;
};

/// Parses an `https://host[:port]` URL (a trailing `/` is allowed; a path,
/// query, fragment or user info is not). Returns an empty string on success,
/// otherwise a message naming the value and what to change.
std::string parse_endpoint(std::string_view url, endpoint& out);

/// Returns the SWR API URL of `region` (e.g. `cn-north-4`), or an empty
/// string when the region is not in the official SDKs' table.
std::string region_endpoint_url(std::string_view region);

/// Returns every region name in the table, in the table's order.
std::vector<std::string_view> known_regions();

}  // namespace swr

#endif
