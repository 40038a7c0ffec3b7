#ifndef SWR_SRC_CLIENT_IMPL_HPP
#define SWR_SRC_CLIENT_IMPL_HPP

#include "logger.hpp"
#include "retry_decision.hpp"
#include "transport.hpp"

#include <swr/client.hpp>
#include <swr/rate_limiter.hpp>
#include <swr/retry.hpp>

#include <atomic>
#include <memory>
#include <mutex>
#include <optional>

namespace swr::detail {

/// The body of a successful response, kept to be parsed later.
struct unparsed_body {
    std::string text;
    std::string content_range;  ///< Raw `Content-Range` header, for error messages.
    int http_status = 0;
};

/// When `client_impl::fetch` parses the body of a successful response.
enum class body_parsing {
    now,  ///< before returning, into `page.items`
    /// Later, by `parse_page_body`, when `Content-Range` already gives the
    /// page's record count; otherwise now. A scan uses this to send its
    /// next request at once, and parses the page when it delivers it.
    when_delivered,
};

/// Result of fetching one page: the page, or an error with its details.
struct fetch_outcome {
    boost::system::error_code ec;
    error_info info;
    swr::page page;
    /// Attempts that sent the request, the first included. Attempts that
    /// failed before sending, because the credentials provider could not
    /// authorize the request, are not counted.
    std::size_t attempts = 0;
    bool sent = false;          ///< Whether the last attempt reached the transport and was not cancelled before writing.
    std::size_t renewals = 0;   ///< Attempts that re-sent a request with renewed credentials, not retries.
    bool throttled = false;     ///< Whether any attempt was throttled.
    std::string retry_after;    ///< `Retry-After` of the last response.
    std::string server_date;    ///< `Date` of the last response.
    std::uint64_t credentials_generation = 0;  ///< Set by the credentials provider's `authorize`.

    /// Set instead of `page.items` when the body is left to `parse_page_body`.
    std::optional<unparsed_body> unparsed;

    /// Total reported by the response: Content-Range, else the items' `total_range`.
    std::optional<std::int64_t> total() const;
    /// Records on the page: the parsed items, or Content-Range's count.
    std::int64_t record_count() const;
};

/// Parses `body` into `result.items`, reusing the elements it has, and
/// checks the count against `result.content_range`. On failure returns the error and
/// fills `info`, and `result.items` is then unspecified.
boost::system::error_code parse_page_body(swr::page& result, const unparsed_body& body, error_info& info);

/// The time before which no request of a client may start, after throttling.
class pause_gate {
public:
    void pause_until(std::chrono::steady_clock::time_point until);
    std::chrono::steady_clock::time_point paused_until() const;

private:
    mutable std::mutex mutex_;
    std::chrono::steady_clock::time_point until_{};
};

/// State shared by a client and every stream and operation started from it.
class client_impl {
public:
    client_impl(boost::asio::any_io_executor executor, client_options options, swr::endpoint endpoint);

    /// Fetches one page, retrying as the client's policies allow. Each
    /// attempt first waits out a throttling pause. Once its connection is
    /// open, it takes a token from `limiter`, when one is given.
    /// I/O, HTTP and parse errors are returned in the outcome, with the
    /// offset filled in, rather than thrown. `hook`, when given, aborts the
    /// wait for the limiter and a network exchange in progress. The awaiting
    /// coroutine's cancellation slot cancels the waits for a pause or a retry.
    boost::asio::awaitable<fetch_outcome> fetch(const shared_repositories_request& request, std::int64_t offset,
                                                std::int64_t limit, rate_limiter* limiter = nullptr,
                                                std::shared_ptr<cancel_hook> hook = nullptr,
                                                body_parsing parsing = body_parsing::now);

    boost::asio::any_io_executor executor;
    client_options options;
    swr::endpoint endpoint;
    logger log;
    detail::transport transport;
    std::shared_ptr<time_source> time;
    retry_budget budget;
    pause_gate gate;
    std::atomic<std::uint64_t> retries{0};
    std::atomic<std::uint64_t> throttled{0};
    std::atomic<std::uint64_t> throttle_pauses{0};

private:
    boost::asio::awaitable<fetch_outcome> fetch_once(const shared_repositories_request& request,
                                                     std::int64_t offset, std::int64_t limit,
                                                     rate_limiter* limiter, const std::shared_ptr<cancel_hook>& hook,
                                                     body_parsing parsing);
    boost::asio::awaitable<boost::system::error_code> wait_for_pause_end();
    void on_throttled(std::chrono::milliseconds pause, rate_limiter* limiter, const fetch_outcome& outcome);
    boost::asio::awaitable<bool> renew_credentials(const fetch_outcome& outcome);
    void read_error_response(const http_response& response, fetch_outcome& outcome) const;
    void read_page(http_response& response, fetch_outcome& outcome, body_parsing parsing) const;
};

}  // namespace swr::detail

#endif
