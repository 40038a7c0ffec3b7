#ifndef SWR_PAGE_STREAM_HPP
#define SWR_PAGE_STREAM_HPP

#include <swr/error.hpp>
#include <swr/page.hpp>
#include <swr/rate_limiter.hpp>

#include <boost/asio/any_completion_handler.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/awaitable.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>

namespace swr {

namespace detail {
class scan_state;
}

/// Settings of one scan.
struct scan_options {
    /// Items requested per page (`limit`), 1 to 1000. Default: 100. The
    /// server may return fewer; the scan then follows the server's size.
    std::int64_t page_size = 100;

    /// Requests in flight at once, at least 1. Default: 4.
    std::size_t max_in_flight = 4;

    /// Pages fetched ahead of the caller and held until it takes them.
    /// 0 means `max_in_flight`. Memory stays bounded by
    /// `max_in_flight + max_buffered_pages` pages whatever the total.
    std::size_t max_buffered_pages = 0;

    /// Shared rate limit; every request waits for a token. Null: no limit.
    std::shared_ptr<rate_limiter> limiter;

    /// Offset of the first record to fetch, e.g. where a failed scan stopped. Default: 0.
    std::int64_t start_offset = 0;

    /// Longest time the whole scan may take, from the first request. On
    /// expiry the scan fails with `errc::timeout` and reports where to
    /// resume. Zero: no limit. Default: 0.
    std::chrono::milliseconds deadline{0};

    /// What a change of the listing during the scan (pages reporting
    /// different totals) does: `report` marks the summary inconsistent and
    /// incomplete and goes on; `fail` ends the scan with
    /// `errc::inconsistent_listing`. Default: `report`.
    enum class on_change { report, fail } on_listing_change = on_change::report;
};

/// Counters of a scan, readable at any time and final once the stream ends.
struct scan_summary {
    std::int64_t pages = 0;      ///< Pages delivered to the caller.
    std::int64_t items = 0;      ///< Items delivered to the caller.
    std::int64_t requests = 0;   ///< Attempts completed (successful or not), retries included.
    std::int64_t retries = 0;    ///< Attempts after the first of each page, except re-sends with renewed credentials.
    std::int64_t throttled = 0;  ///< Pages that met throttling at least once.
    std::uint64_t bytes = 0;     ///< Response body bytes received.
    std::chrono::nanoseconds elapsed{};  ///< From the first request to the end.
    /// Total reported by the server on the first page, when it reported one.
    std::optional<std::int64_t> total;
    /// Offset from which a new scan would continue (the first record not delivered).
    std::int64_t next_offset = 0;
    /// True once every record up to the total was delivered and the
    /// listing did not change meanwhile.
    bool complete = false;
    /// False when pages reported different totals, i.e. the list changed during the scan.
    bool consistent = true;
    /// Items dropped because an item with the same (namespace, name) was
    /// delivered shortly before, as happens when the list shifts between pages.
    std::int64_t duplicates_dropped = 0;
};

/// An asynchronous generator of the pages of a listing, in offset order.
///
/// The first request learns the total and the page size the server uses;
/// the remaining pages are then fetched concurrently (up to
/// `scan_options::max_in_flight`) and handed out in order. Each request
/// first takes a token from the rate limiter, if any.
///
/// Only one `next`/`async_next` may be outstanding at a time. Destroying the
/// stream, or cancelling a pending `async_next` through its cancellation
/// slot, stops the scan and cancels every request in flight; nothing of it
/// remains queued on the executor afterwards.
class page_stream {
public:
    using page_signature = void(boost::system::error_code, std::optional<page>);

    page_stream(page_stream&&) noexcept;
    page_stream& operator=(page_stream&&) noexcept;
    ~page_stream();

    /// Returns the next page, or `std::nullopt` after the last one.
    /// Throws `swr::exception` with the details of a failed request.
    boost::asio::awaitable<std::optional<page>> next();

    /// Completes with the next page, `std::nullopt` after the last one, or an
    /// error code. `error()` then returns the details. The completion runs on
    /// the token's associated executor; per-operation cancellation (terminal)
    /// stops the whole scan.
    template <class CompletionToken>
    auto async_next(CompletionToken&& token)
    {
        return boost::asio::async_initiate<CompletionToken, page_signature>(
            [this](auto handler) { initiate_next(std::move(handler)); }, token);
    }

    /// Stops the scan: requests in flight are cancelled and a pending
    /// `async_next` completes with `asio::error::operation_aborted`.
    void cancel();

    /// Details of the error that ended the scan, if any.
    error_info error() const;

    /// Counters so far; final once the stream has ended.
    scan_summary summary() const;

private:
    friend class client;
    explicit page_stream(std::shared_ptr<detail::scan_state> state) noexcept;

    void initiate_next(boost::asio::any_completion_handler<page_signature> handler);

    std::shared_ptr<detail::scan_state> state_;
};

/// A stream of single repositories over a `page_stream`, in listing order.
class item_stream {
public:
    explicit item_stream(page_stream pages) noexcept;

    /// Returns the next repository, or `std::nullopt` after the last one.
    /// Throws `swr::exception` like `page_stream::next`.
    boost::asio::awaitable<std::optional<repository>> next();

    page_stream& pages() noexcept { return pages_; }

private:
    page_stream pages_;
    std::optional<page> current_;
    std::size_t index_ = 0;
};

}  // namespace swr

#endif
