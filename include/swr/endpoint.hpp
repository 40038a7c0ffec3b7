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
    std::uint16_t port = 443;   ///< TCP port. Default: 443.

    /// Returns the `Host` header value: the host (bracketed if IPv6), plus
    /// `:port` unless 443.
    std::string host_header() const;

    /// Returns the origin as a URL, always with the port, e.g.
    /// `https://127.0.0.1:8443` or `https://[::1]:443`.
    std::string url() const;
};

/// Parses an `https://host[:port]` URL (a trailing `/` is allowed; a path,
/// query, fragment or user info is not), with port 443 when none is given.
/// Returns an empty string on success, otherwise a message naming the value
/// and what to change, and leaves `out` unchanged.
std::string parse_endpoint(std::string_view url, endpoint& out);

/// Returns the SWR API URL of `region` (e.g. `cn-north-4`, matched exactly),
/// or an empty string when the region is not in the official SDKs' table.
std::string region_endpoint_url(std::string_view region);

/// Returns every region name in the table, in the table's order.
std::vector<std::string_view> known_regions();

}  // namespace swr

#endif
