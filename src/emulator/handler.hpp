#ifndef SWR_EMULATOR_HANDLER_HPP
#define SWR_EMULATOR_HANDLER_HPP

// Turns a parsed HTTP request into a response plan, with no I/O. The
// connection code in server.cpp only reads requests and carries out plans,
// so authentication (AK/SK signatures, static and IAM-issued tokens) and the
// IAM token endpoint are decided here and tested without sockets; their
// members are defined in authentication.cpp. Faults are decided here too:
// the plan carries the response as faulted and its delivery fault, which
// wire.hpp turns into bytes and steps.

#include "emulator/catalog.hpp"
#include "emulator/faults.hpp"
#include "emulator/http_request.hpp"
#include "emulator/iam_tokens.hpp"
#include "emulator/responses.hpp"
#include "emulator/stats.hpp"
#include "emulator/token_bucket.hpp"

#include <swr/emulator.hpp>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace swr::emulator_detail {

/// Path of the listing operation.
inline constexpr std::string_view shared_repositories_path = "/v2/manage/shared-repositories";

/// Path of the emulator's own counters; not authenticated, not counted.
inline constexpr std::string_view stats_path = "/emulator/stats";

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

    /// Delivery of the bytes: normal, or with one delivery fault.
    delivery_fault delivery;

    /// Idle time after this response at which the keep-alive connection is
    /// closed; 0 closes it at once. Empty: the usual idle timeout.
    std::optional<std::chrono::milliseconds> idle_close;

    /// Returns the value of header `name` (exact spelling), or nothing.
    std::optional<std::string_view> header(std::string_view name) const;
};

/// Whether requests to `target` are counted in the stats; only the stats
/// endpoint itself is not.
bool is_counted_target(std::string_view target);

/// First number of the generated records that `mutate_fault` inserts: above
/// every generated data set, so their names are new.
inline constexpr std::int64_t first_inserted_index = 10'000'000;

/// Routing, authentication, rate limiting, faults and the listing. Thread-safe.
class request_handler {
public:
    /// `options` must already be validated. `id_seed` varies the request ids.
    /// `faults` may be shared with the owner, which can then replace the
    /// rules; when null, the handler schedules `options.faults` itself.
    /// `tokens` likewise, so that the owner can expire them; when null, the
    /// handler keeps its own table.
    request_handler(const emulator_options& options, std::shared_ptr<const catalog> repositories,
                    stats_recorder& stats, std::uint64_t id_seed,
                    std::shared_ptr<fault_schedule> faults = nullptr,
                    std::shared_ptr<token_table> tokens = nullptr);

    response_plan handle(const request_head& request);

    /// Plans the response to a request that could not be parsed: 400, or 431
    /// when the header block exceeded its limit. No fault applies.
    response_plan reject_malformed(unsigned status, std::string_view reason);

    /// The repositories as changed by the mutations so far.
    std::shared_ptr<const catalog> current_catalog() const;

private:
    response_plan list_shared_repositories(const std::variant<listing_query, api_error>& parsed,
                                           const catalog& repositories, std::optional<std::int64_t> page_size_cap,
                                           std::string request_id) const;
    response_plan serve_stats(std::string request_id) const;
    response_plan status_response(const status_fault& fault, std::string request_id) const;

    void count_faults(const fault_decision& decision, const request_facts& request);
    std::shared_ptr<const catalog> apply_mutations(const std::vector<planned_mutation>& mutations);

    std::optional<response_plan> check_credentials(const request_head& request, const std::string& request_id) const;
    std::optional<response_plan> check_signature(const request_head& request, const std::string& request_id) const;
    std::optional<response_plan> check_token(std::string_view token, const request_head& request,
                                             const std::string& request_id) const;
    response_plan issue_token(const request_head& request, std::string request_id);
    std::chrono::system_clock::time_point server_time(const request_head& request) const;
    std::optional<response_plan> check_rate(const request_head& request, const std::string& request_id);

    response_plan swr_error(unsigned status, std::string_view code, std::string_view message,
                            std::string request_id) const;
    response_plan gateway_error(unsigned status, std::string_view code, std::string_view message,
                                std::string request_id) const;

    std::string token_;
    std::string access_key_;
    std::string secret_key_;
    std::string project_id_;
    std::chrono::seconds clock_skew_;
    std::vector<iam_user> iam_users_;
    bool authenticates_;  // whether listings need credentials at all
    std::shared_ptr<token_table> tokens_;
    std::chrono::milliseconds latency_;
    double rate_limit_;
    stats_recorder& stats_;
    request_id_generator request_ids_;
    std::shared_ptr<fault_schedule> faults_;
    std::function<void(std::string_view)> log_;
    std::atomic<std::uint64_t> random_faults_logged_{0};
    mutable std::atomic<std::uint64_t> signature_failures_logged_{0};
    std::atomic<std::uint64_t> token_failures_logged_{0};

    // Replaced as a whole by each mutation; requests keep the one they started with.
    mutable std::mutex catalog_mutex_;
    std::shared_ptr<const catalog> catalog_;
    std::int64_t inserted_ = 0;  // records inserted so far, under catalog_mutex_

    std::mutex bucket_mutex_;
    std::optional<token_bucket> bucket_;
};

}  // namespace swr::emulator_detail

#endif
