#ifndef SWR_EMULATOR_HANDLER_HPP
#define SWR_EMULATOR_HANDLER_HPP

// Turns a parsed HTTP request into a response plan, with no I/O. The
// connection code in server.cpp only reads requests and carries out plans,
// so later behaviour (fault injection, AK/SK signatures, an IAM token
// endpoint) can be added here and tested without sockets.

#include "emulator/catalog.hpp"
#include "emulator/responses.hpp"
#include "emulator/stats.hpp"
#include "emulator/token_bucket.hpp"

#include <swr/emulator.hpp>

#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace swr::emulator_detail {

/// Path of the listing operation.
inline constexpr std::string_view shared_repositories_path = "/v2/manage/shared-repositories";

/// Path of the emulator's own counters; not authenticated, not counted.
inline constexpr std::string_view stats_path = "/emulator/stats";

/// One header field as received.
struct header_field {
    std::string_view name;
    std::string_view value;
};

/// The parts of a request that the handler reads. The views must outlive `handle()`.
struct request_head {
    std::string_view method;

    /// Origin-form target: path and optional `?query`, still percent-encoded.
    std::string_view target;

    std::vector<header_field> headers;
    std::chrono::steady_clock::time_point arrival;
};

/// The response a connection sends, and when.
struct response_plan {
    unsigned status = 200;

    /// Header fields besides `Content-Length` and `Connection`, which the
    /// connection sets.
    std::vector<std::pair<std::string, std::string>> headers;

    std::string body;

    /// Time to wait before writing the response.
    std::chrono::milliseconds delay{0};

    /// Number of repositories in `body`, for the counters.
    std::uint64_t items = 0;

    /// Returns the value of header `name` (exact spelling), or nothing.
    std::optional<std::string_view> header(std::string_view name) const;
};

/// Whether requests to `target` are counted in the stats; only the stats
/// endpoint itself is not.
bool is_counted_target(std::string_view target);

/// Routing, authentication, rate limiting and the listing. Thread-safe.
class request_handler {
public:
    /// `options` must already be validated. `id_seed` varies the request ids.
    request_handler(const emulator_options& options, std::shared_ptr<const catalog> repositories,
                    const stats_recorder& stats, std::uint64_t id_seed);

    response_plan handle(const request_head& request);

    /// Plans the response to a request that could not be parsed: 400, or 431
    /// when the header block exceeded its limit.
    response_plan reject_malformed(unsigned status, std::string_view reason);

private:
    response_plan list_shared_repositories(std::string_view query, std::string request_id);
    response_plan serve_stats(std::string request_id) const;

    std::optional<response_plan> check_token(const request_head& request, const std::string& request_id) const;
    std::optional<response_plan> check_rate(const request_head& request, const std::string& request_id);

    response_plan swr_error(unsigned status, std::string_view code, std::string_view message,
                            std::string request_id) const;
    response_plan gateway_error(unsigned status, std::string_view code, std::string_view message,
                                std::string request_id) const;

    std::string token_;
    std::chrono::milliseconds latency_;
    double rate_limit_;
    std::shared_ptr<const catalog> catalog_;
    const stats_recorder& stats_;
    request_id_generator request_ids_;

    std::mutex bucket_mutex_;
    std::optional<token_bucket> bucket_;
};

}  // namespace swr::emulator_detail

#endif
