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

/// Settings of one scan, checked by `client::scan`.
struct scan_options {
    /// Items requested per page (`limit`), 1 to 1000. Default: 100. The
    /// server may return fewer; the scan then follows the server's size.
    std::int64_t page_size = 100;

    /// Requests in flight at once, 1 to 1024. Default: 4.
    std::size_t max_in_flight = 4;

    /// Pages fetched ahead of the caller and kept until it takes them.
    /// 0 (default) means `max_in_flight`. Whatever the total, the scan keeps
    /// at most `(max_in_flight + max_buffered_pages) * page_size` records.
    std::size_t max_buffered_pages = 0;

    /// Shared rate limit; every attempt, retries included, first waits for a
    /// token. The scan keeps it alive. Null (default): no limit.
    std::shared_ptr<rate_limiter> limiter;

    /// Offset of the first record to fetch, 0 or more, e.g. where a failed
    /// scan stopped. Default: 0.
    std::int64_t start_offset = 0;

    /// Longest time the whole scan may take, from the first `next` call. On
    /// expiry the scan fails with `errc::timeout` and reports where to
    /// resume. Zero or negative: no limit. Default: 0.
    std::chrono::milliseconds deadline{0};

    /// What a change of the listing during the scan (pages reporting
    /// different totals) does: `report` marks the summary inconsistent and
    /// incomplete and goes on; `fail` ends the scan with
    /// `errc::inconsistent_listing`. Default: `report`.
    enum class on_change { report, fail } on_listing_change = on_change::report;

    /// Whether the scan opens up to `max_in_flight` connections, idle ones
    /// included, while its first page is requested, so that the pages after
    /// it wait for no handshake. A client's first connection opens alone, so
    /// a wrong CA or proxy password fails once. A one-page listing pays up
    /// to `max_in_flight - 1` needless handshakes. Default: true.
    bool warm_up_connections = true;

    /// Pages requested together with the first one, before the total is
    /// known, instead of after it: the next pages of `page_size` records, at
    /// most `max_in_flight - 1`. This saves one round trip per scan, which
    /// counts when a listing takes only a few rounds of `max_in_flight`
    /// requests. Responses past the end of the listing, successes and
    /// failures alike, are dropped, so a listing shorter than these pages
    /// pays for requests it did not need (rate limiter tokens included).
    /// Default: 0.
    std::size_t speculative_pages = 0;
};

/// Counters of a scan, updated as pages are delivered and final once the stream ends.
struct scan_summary {
    std::int64_t pages = 0;      ///< Pages delivered to the caller.
    std::int64_t items = 0;      ///< Items delivered to the caller.
    /// Requests sent (successful or not), retries included. An attempt that
    /// failed before sending, e.g. because no IAM token could be obtained,
    /// is not counted.
    std::int64_t requests = 0;
    std::int64_t retries = 0;    ///< Requests sent after the first of each page, except re-sends with renewed credentials.
    std::int64_t throttled = 0;  ///< Pages that met throttling at least once.
    std::uint64_t bytes = 0;     ///< Body bytes of the 2xx responses received.
    /// Time from the first `next` call to the end of the scan (while it runs,
    /// to the latest page delivered).
    std::chrono::nanoseconds elapsed{};
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
/// `scan_options::max_in_flight`) and handed out in order. Each attempt
/// first takes a token from the rate limiter, if any. The scan runs on
/// strands of the client's executor.
///
/// Only one `next`/`async_next` may be outstanding at a time; a second one
/// completes with `asio::error::in_progress`. Destroying the stream, or
/// cancelling a pending `async_next` through its cancellation slot, stops the
/// scan. It cancels every request in flight and every wait for the rate
/// limiter or a retry, and once those cancellations have run, nothing of the
/// scan remains queued on the executor. `cancel`, `error` and `summary` may be
/// called from any thread. A moved-from stream may only be assigned to or destroyed.
class page_stream {
public:
    /// Completion signature of `async_next`: the error, then the page, or
    /// `std::nullopt` after the last one or on error.
    using page_signature = void(boost::system::error_code, std::optional<page>);

    page_stream(page_stream&&) noexcept;

    /// Takes over `other`'s scan, after stopping the scan this stream had.
    page_stream& operator=(page_stream&& other) noexcept;

    /// Stops the scan, as `cancel` does. The scan's state lives on until its
    /// cancelled requests have ended on the executor.
    ~page_stream();

    /// Returns the next page, or `std::nullopt` after the last one. Throws
    /// `swr::exception` with the code and details of the error that ended the
    /// scan. Cancelling the awaiting coroutine (terminal) stops the scan.
    boost::asio::awaitable<std::optional<page>> next();

    /// Completes with the next page, `std::nullopt` after the last one, or an
    /// error code: the failed request's, `errc::timeout` for the deadline,
    /// `errc::inconsistent_listing`, or `asio::error::operation_aborted` after
    /// a cancellation. When several requests fail, the error reported is
    /// the one at the lowest offset, where delivery stops. `error()` then
    /// returns the details, and later calls complete the same way. The
    /// completion runs on the token's associated executor, or the client's,
    /// never inside this call. Terminal cancellation of this operation stops
    /// the whole scan; other cancellation types are ignored. With a deferred
    /// token, the stream must still exist, not moved from, when the operation
    /// starts.
    template <class CompletionToken>
    auto async_next(CompletionToken&& token)
    {
        return boost::asio::async_initiate<CompletionToken, page_signature>(
            [this](auto handler) { initiate_next(std::move(handler)); }, token);
    }

    /// Gives back the items of a page the caller is done with. The scan
    /// parses later pages into them and reuses their strings' memory, where
    /// a page of 100 repositories otherwise allocates about 800 strings.
    /// Optional: a page that is destroyed instead frees its memory.
    /// `used.items` is left empty. Safe to call from any thread.
    void recycle(page&& used);

    /// Stops the scan: requests in flight are cancelled, and a pending or
    /// later `async_next` completes with `asio::error::operation_aborted`.
    /// Returns at once, from any thread; does nothing once the scan has ended.
    void cancel();

    /// Returns the details of the error that ended the scan, complete once
    /// `next` or `async_next` has reported that error; empty without an error.
    error_info error() const;

    /// Returns the counters as of the latest page delivered; final once the
    /// stream has ended.
    scan_summary summary() const;

private:
    friend class client;
    explicit page_stream(std::shared_ptr<detail::scan_state> state) noexcept;

    void initiate_next(boost::asio::any_completion_handler<page_signature> handler);

    std::shared_ptr<detail::scan_state> state_;
};

/// A stream of single repositories over a `page_stream`, in listing order.
/// Only one `next` may be outstanding at a time.
class item_stream {
public:
    /// Takes ownership of `pages`.
    explicit item_stream(page_stream pages) noexcept;

    /// Returns the next repository, or `std::nullopt` after the last one.
    /// Throws `swr::exception` like `page_stream::next`.
    boost::asio::awaitable<std::optional<repository>> next();

    /// Returns the page stream underneath, e.g. for `summary()` or `cancel()`.
    page_stream& pages() noexcept { return pages_; }

private:
    page_stream pages_;
    std::optional<page> current_;
    std::size_t index_ = 0;
};

}  // namespace swr

#endif
