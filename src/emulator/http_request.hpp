#ifndef SWR_EMULATOR_HTTP_REQUEST_HPP
#define SWR_EMULATOR_HTTP_REQUEST_HPP

// The parts of a parsed HTTP request that the I/O-free code reads: the
// handler, the AK/SK verifier and the IAM token endpoint.

#include <chrono>
#include <optional>
#include <string_view>
#include <vector>

namespace swr::emulator_detail {

/// One header field as received.
struct header_field {
    std::string_view name;
    std::string_view value;
};

/// A request as the connection parsed it. The views must outlive every call that reads them.
struct request_head {
    std::string_view method;

    /// Origin-form target: path and optional `?query`, still percent-encoded.
    std::string_view target;

    std::vector<header_field> headers;

    /// Request body; empty for a GET.
    std::string_view body;

    /// Arrival on the steady clock, for the rate limit and the counters.
    std::chrono::steady_clock::time_point arrival;

    /// Arrival on the wall clock, before `emulator_options::clock_skew` is
    /// added; signature dates and token expiry are compared with it.
    std::chrono::system_clock::time_point wall_arrival;
};

/// Compares ASCII letters without regard to case; other bytes must be equal.
bool equals_ignoring_case(std::string_view a, std::string_view b);

/// Value of the first header field named `name` (any case), or nothing.
std::optional<std::string_view> find_header(const request_head& request, std::string_view name);

/// Compares in time that depends only on the lengths, so response timing does
/// not reveal how much of a guessed secret was right.
bool equals_constant_time(std::string_view a, std::string_view b);

}  // namespace swr::emulator_detail

#endif
