#ifndef SWR_BENCH_CLIENT_SCAN_HPP
#define SWR_BENCH_CLIENT_SCAN_HPP

#include <swr/rate_limiter.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

namespace swr::bench {

/// One scan by the library, in this process, on a single-threaded `io_context`.
struct scan_settings {
    std::string endpoint;
    std::string ca_file;
    std::string token;
    std::size_t concurrency = 1;     ///< `scan_options::max_in_flight`; also the idle pool size.
    std::int64_t page_size = 100;
    std::int64_t start_offset = 0;
    std::size_t speculative_pages = 0;  ///< `scan_options::speculative_pages`.
    std::shared_ptr<rate_limiter> limiter;  ///< Null: no rate limit.
    bool recycle = true;  ///< Gives each page back with `page_stream::recycle`.
    int scans = 1;        ///< Scans in a row with the same client, which keeps its connections.

    /// Offset of a scan without the limiter that opens the client's connections
    /// before the counted scans; `after_warm_up` runs between them. Its pages
    /// are not counted, but wall time, CPU time and the client's figures include it.
    std::optional<std::int64_t> warm_up_offset;
    std::function<void()> after_warm_up;
};

/// Figures of one scan. CPU is that of the whole process, so the caller
/// runs nothing else meanwhile.
struct scan_result {
    std::int64_t pages = 0;
    std::int64_t items = 0;
    std::chrono::nanoseconds wall{0};  ///< From creating the client to the end of the stream.
    std::chrono::nanoseconds cpu{0};   ///< User plus system CPU of this process over `wall`.
    std::chrono::microseconds latency_median{0};  ///< Median time from sending a request to its whole response.
    std::uint64_t connections = 0;     ///< Connections the client opened.
};

/// Creates a client, scans the `self` center from `start_offset` to the end
/// and counts what arrives. The items are only counted, as a caller that
/// hands them on would at least have to touch them.
///
/// @throws swr::exception when the scan fails or is incomplete.
scan_result run_client_scan(const scan_settings& settings);

}  // namespace swr::bench

#endif
