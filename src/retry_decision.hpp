#ifndef SWR_SRC_RETRY_DECISION_HPP
#define SWR_SRC_RETRY_DECISION_HPP

#include <swr/retry.hpp>

#include <boost/system/error_code.hpp>

#include <chrono>
#include <string>
#include <string_view>

namespace swr::detail {

/// Category of a failed attempt, which decides whether it may be retried.
enum class failure_kind {
    permanent,  ///< Sending again cannot help (4xx, certificates, limits, cancellation).
    transient,  ///< Network failure, timeout, truncated response, 500/502/503/504, a proxy's 502/503/504.
    throttled,  ///< 429 or SWR's 403 throttling codes, other than an exhausted quota.
};

/// Classifies a failed attempt by its error, HTTP status, service code and message.
failure_kind classify_failure(boost::system::error_code ec, int http_status, std::string_view service_code,
                              std::string_view message) noexcept;

/// True when a throttling message reports an exhausted quota (a limit per
/// day), which no retry fixes.
bool is_quota_exhausted(std::string_view message) noexcept;

/// Retry settings of a client that decide about a failed attempt.
struct retry_settings {
    retry_policy retry;
    backoff_policy backoff;
    throttle_policy throttle;
};

/// Facts about a failed attempt that the decision needs.
struct failed_attempt {
    failure_kind kind = failure_kind::permanent;
    std::size_t attempt = 1;                       ///< 1 for the first attempt.
    std::chrono::nanoseconds elapsed{};            ///< Since the first attempt started.
    std::string_view retry_after;                  ///< Raw `Retry-After` header, possibly empty.
    std::chrono::system_clock::time_point wall_now{};  ///< For HTTP-date `Retry-After` values.
};

/// Outcome of a retry decision.
struct retry_decision {
    bool retry = false;
    std::chrono::milliseconds delay{0};
    /// Reason the request is not retried, for the error message. Empty when retried.
    std::string reason;
};

/// Decides whether and when to retry, drawing jitter from `uniform` (a
/// number in [0, 1)) and a token from `budget` only when a retry is chosen.
retry_decision decide_retry(const retry_settings& settings, const failed_attempt& failure, double uniform,
                            retry_budget* budget);

/// Upper bound of the backoff before retry `retry_number` (1-based).
std::chrono::milliseconds backoff_ceiling(const backoff_policy& backoff, std::size_t retry_number) noexcept;

}  // namespace swr::detail

#endif
