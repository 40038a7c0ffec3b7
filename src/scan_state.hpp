#ifndef SWR_SRC_SCAN_STATE_HPP
#define SWR_SRC_SCAN_STATE_HPP

#include "client_impl.hpp"
#include "recycle_pool.hpp"
#include "recent_keys.hpp"
#include "scan_planner.hpp"

#include <swr/page_stream.hpp>

#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>

#include <chrono>
#include <map>
#include <memory>
#include <mutex>

namespace swr::detail {

/// Validates `request` and `options` and creates the state of a new scan.
/// Throws `swr::exception` (`errc::invalid_argument`) naming the bad value.
std::shared_ptr<scan_state> make_scan_state(std::shared_ptr<client_impl> client,
                                            const shared_repositories_request& request, scan_options options);

/// The running part of a `page_stream`.
///
/// Every member below the constructor runs on `strand_`; the public entry
/// points post there, so the caller may use any thread. Requests run on
/// `strand_` too, and their network exchanges on the connections' strands.
class scan_state : public std::enable_shared_from_this<scan_state> {
public:
    using handler_type = boost::asio::any_completion_handler<page_stream::page_signature>;

    scan_state(std::shared_ptr<client_impl> client, shared_repositories_request request, scan_options options);

    void next(handler_type handler);
    void cancel();
    void recycle(std::vector<repository> items);
    error_info error() const;
    scan_summary summary() const;

private:
    struct request_in_flight {
        std::shared_ptr<boost::asio::cancellation_signal> signal;  // for waits on the scan's strand
        std::shared_ptr<cancel_hook> hook;  // for the network exchange
        bool received = false;   // the response is in and counted; its outcome is on its way
        bool cancelled = false;  // cancelled because the listing ends before it
    };

    // A response waiting for its turn: its page, and its body when that is
    // parsed on delivery, with what an error would report.
    struct ready_page {
        page result;
        std::optional<unparsed_body> body;
        error_info info;
    };

    void start_next(handler_type handler, std::uint64_t ticket);
    void launch_requests();
    void launch(page_slot slot);
    void on_received(page_slot slot, std::int64_t count, std::optional<std::int64_t> total,
                     const std::string& request_id);
    bool accept_response(page_slot slot, std::int64_t count, std::optional<std::int64_t> total,
                         const std::string& request_id);
    void on_outcome(page_slot slot, fetch_outcome outcome);
    void keep_ready(page_slot slot, fetch_outcome outcome);
    void on_failure(page_slot slot, boost::system::error_code ec, error_info info);
    void settle_pending_failures();
    void fail(boost::system::error_code ec, error_info info);
    void stop_requests();
    void cancel_past_end();
    void cancel_request(request_in_flight& request);
    bool precedes_failure(boost::system::error_code ec, const error_info& info) const noexcept;
    bool deliverable_after_failure(std::int64_t offset) const noexcept;
    void deliver();
    void complete(boost::system::error_code ec, std::optional<page> result);
    void update_summary();
    void start_deadline();
    void check_listing_change(page_slot slot, std::optional<std::int64_t> total, const std::string& request_id);
    bool parse_ready_page(ready_page& ready);
    void drop_recent_duplicates(page& result);

    std::shared_ptr<client_impl> client_;
    boost::asio::strand<boost::asio::any_io_executor> strand_;
    shared_repositories_request request_;
    scan_options options_;
    scan_planner planner_;

    std::map<std::int64_t, ready_page> ready_;  // by offset
    std::map<std::int64_t, request_in_flight> in_flight_;

    // Failures of speculative pages that may lie past the end of the listing.
    struct pending_failure {
        page_slot slot;
        boost::system::error_code ec;
        error_info info;
    };
    std::map<std::int64_t, pending_failure> pending_failures_;
    std::optional<handler_type> waiting_;
    std::uint64_t waiting_ticket_ = 0;

    std::shared_ptr<item_pool> pool_;

    // Keys of the most recently delivered items, to drop an item that a
    // shift of the listing brings back on the next pages.
    recent_keys recent_;

    std::optional<boost::asio::steady_timer> deadline_timer_;
    bool stopped_ = false;
    bool ended_ = false;
    bool summary_final_ = false;  // set once the stream ended and published its summary
    boost::system::error_code error_;
    error_info error_info_;

    std::chrono::steady_clock::time_point started_{};
    std::chrono::steady_clock::time_point finished_{};
    scan_summary progress_;  // owned by the strand; copied into summary_
    mutable std::mutex summary_mutex_;
    scan_summary summary_;
    error_info published_error_;
};

}  // namespace swr::detail

#endif
