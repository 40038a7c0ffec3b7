#include "scan_state.hpp"
#include "errors.hpp"

#include <swr/page_stream.hpp>

#include <boost/asio/append.hpp>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/associated_cancellation_slot.hpp>
#include <boost/asio/associated_executor.hpp>
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <algorithm>
#include <exception>
#include <functional>
#include <string>

namespace swr {
namespace detail {

namespace asio = boost::asio;
using boost::system::error_code;

namespace {

void reject(std::string message)
{
    throw_invalid_argument(std::move(message));
}

// Fetches one page of the scan on the scan's strand. The body is parsed
// only when the page is delivered (scan_state::deliver).
asio::awaitable<fetch_outcome> run_request(std::shared_ptr<client_impl> client,
                                           std::shared_ptr<rate_limiter> limiter,
                                           shared_repositories_request request, page_slot slot,
                                           std::shared_ptr<cancel_hook> hook)
{
    co_return co_await client->fetch(request, slot.offset, slot.limit, limiter.get(), std::move(hook),
                                     body_parsing::when_delivered);
}

// Invokes `handler` outside the strand, never inline: a hop through the
// client's executor, then a dispatch to the handler's associated executor
// (a type-erased handler's executor supports dispatch but not post).
void post_completion(asio::any_io_executor executor, scan_state::handler_type handler, error_code ec,
                     std::optional<page> result)
{
    asio::post(executor, [executor, handler = std::move(handler), ec, result = std::move(result)]() mutable {
        auto target = asio::get_associated_executor(handler, executor);
        asio::dispatch(target, asio::append(std::move(handler), ec, std::move(result)));
    });
}

}  // namespace

std::shared_ptr<scan_state> make_scan_state(std::shared_ptr<client_impl> client,
                                            const shared_repositories_request& request, scan_options options)
{
    if (auto error = validate(request); !error.empty())
        reject(error);
    if (options.page_size < min_page_size || options.page_size > max_page_size) {
        reject("invalid page_size " + std::to_string(options.page_size) + ": use 1 to 1000 records per page");
    }
    if (options.max_in_flight < 1 || options.max_in_flight > 1024) {
        reject("invalid max_in_flight " + std::to_string(options.max_in_flight) + ": use 1 to 1024 requests");
    }
    if (options.start_offset < 0)
        reject("invalid start_offset " + std::to_string(options.start_offset) + ": use 0 or more");
    if (options.speculative_pages >= options.max_in_flight && options.speculative_pages > 0) {
        reject("invalid speculative_pages " + std::to_string(options.speculative_pages) +
               ": use 0 to max_in_flight - 1 (" + std::to_string(options.max_in_flight - 1) + ")");
    }
    if (options.max_buffered_pages == 0)
        options.max_buffered_pages = options.max_in_flight;
    return std::make_shared<scan_state>(std::move(client), request, std::move(options));
}

scan_state::scan_state(std::shared_ptr<client_impl> client, shared_repositories_request request,
                       scan_options options)
    : client_(std::move(client)),
      strand_(asio::make_strand(client_->executor)),
      request_(std::move(request)),
      options_(std::move(options)),
      planner_(options_.start_offset, options_.page_size, options_.max_in_flight, options_.max_buffered_pages,
               options_.speculative_pages),
      // Pages are parsed one at a time on delivery, but the caller may hold
      // several before giving them back: as many as the scan may buffer, plus one.
      pool_(std::make_shared<item_pool>(options_.max_in_flight + options_.max_buffered_pages + 1)),
      // A shift of the listing by up to the pages held at once is covered.
      recent_(static_cast<std::size_t>(options_.page_size) * (options_.max_in_flight + options_.max_buffered_pages + 2))
{
    progress_.next_offset = options_.start_offset;
    summary_ = progress_;
}

void scan_state::next(handler_type handler)
{
    // A per-call ticket lets a late cancellation of an earlier call be ignored.
    static std::atomic<std::uint64_t> tickets{1};
    std::uint64_t ticket = tickets.fetch_add(1, std::memory_order_relaxed);

    auto slot = asio::get_associated_cancellation_slot(handler);
    if (slot.is_connected()) {
        std::weak_ptr<scan_state> weak = weak_from_this();
        slot.assign([weak, ticket](asio::cancellation_type type) {
            if (!(type & asio::cancellation_type::terminal))
                return;
            if (auto self = weak.lock()) {
                asio::post(self->strand_, [self, ticket] {
                    if (self->waiting_ && self->waiting_ticket_ == ticket)
                        self->fail(asio::error::operation_aborted, message_info("scan cancelled by the caller"));
                });
            }
        });
    }

    asio::post(strand_, [self = shared_from_this(), handler = std::move(handler), ticket]() mutable {
        self->start_next(std::move(handler), ticket);
    });
}

void scan_state::start_next(handler_type handler, std::uint64_t ticket)
{
    if (waiting_) {
        post_completion(client_->executor, std::move(handler), asio::error::in_progress, std::nullopt);
        return;
    }
    waiting_ = std::move(handler);
    waiting_ticket_ = ticket;

    if (started_ == std::chrono::steady_clock::time_point{}) {
        started_ = std::chrono::steady_clock::now();
        if (options_.warm_up_connections)
            client_->transport.warm_up(options_.max_in_flight);
        if (client_->log.enabled(log_level::info)) {
            client_->log.write(log_level::info, "scan started: center " + std::string(to_string(request_.center)) +
                                                    ", page size " + std::to_string(options_.page_size) +
                                                    ", max in flight " + std::to_string(options_.max_in_flight) +
                                                    ", start offset " + std::to_string(options_.start_offset));
        }
        start_deadline();
    }
    launch_requests();
    deliver();
}

void scan_state::start_deadline()
{
    if (options_.deadline.count() <= 0)
        return;
    deadline_timer_.emplace(strand_, options_.deadline);
    deadline_timer_->async_wait([self = shared_from_this()](error_code ec) {
        if (ec)
            return;
        self->fail(errc::timeout, message_info("the scan deadline of " + std::to_string(self->options_.deadline.count()) +
                                               " ms passed"));
    });
}

void scan_state::recycle(std::vector<repository> items)
{
    pool_->give(std::move(items));
}

void scan_state::cancel()
{
    asio::post(strand_, [self = shared_from_this()] {
        self->fail(asio::error::operation_aborted, message_info("scan cancelled"));
    });
}

void scan_state::launch_requests()
{
    if (stopped_)
        return;
    while (auto slot = planner_.next_request())
        launch(*slot);
}

namespace {

// Returns ": " and the message of an exception that ended a request
// coroutine, or nothing for a cancellation, which is the expected case.
std::string exception_text(const std::exception_ptr& error)
{
    try {
        std::rethrow_exception(error);
    } catch (const boost::system::system_error& failure) {
        if (failure.code() == asio::error::operation_aborted)
            return {};
        return std::string(": ") + failure.what();
    } catch (const std::exception& failure) {
        return std::string(": ") + failure.what();
    } catch (...) {
        return ": unknown exception";
    }
}

}  // namespace

void scan_state::launch(page_slot slot)
{
    auto signal = std::make_shared<asio::cancellation_signal>();
    auto hook = std::make_shared<cancel_hook>();
    in_flight_.emplace(slot.offset, request_in_flight{signal, hook});

    // The request runs on the scan's strand, and only its exchange moves to
    // the connection's strand. A strand per request cost an allocation, and
    // a pass through its queue at each step of the request.
    asio::co_spawn(strand_, run_request(client_, options_.limiter, request_, slot, hook),
                   asio::bind_cancellation_slot(
                       signal->slot(), [self = shared_from_this(), slot](std::exception_ptr error,
                                                                          fetch_outcome outcome) mutable {
                           if (error) {
                               outcome.ec = errc::cancelled;
                               outcome.info.offset = slot.offset;
                               outcome.info.message = "request abandoned" + exception_text(error);
                           }
                           asio::post(self->strand_, [self, slot, outcome = std::move(outcome)]() mutable {
                               self->on_outcome(slot, std::move(outcome));
                           });
                       }));
}

void scan_state::on_received(page_slot slot, std::int64_t count, std::optional<std::int64_t> total,
                             const std::string& request_id)
{
    auto request = in_flight_.find(slot.offset);
    if (request == in_flight_.end() || stopped_)
        return;
    request->second.received = true;
    if (accept_response(slot, count, total, request_id))
        launch_requests();
}

// Gives the planner the record count and total of the response to `slot`.
// Returns false when the scan failed or stopped.
bool scan_state::accept_response(page_slot slot, std::int64_t count, std::optional<std::int64_t> total,
                                 const std::string& request_id)
{
    std::string problem = planner_.on_response(slot, count, total);
    if (!problem.empty()) {
        error_info info;
        info.message = std::move(problem);
        info.offset = slot.offset;
        info.request_id = request_id;
        fail(errc::inconsistent_listing, std::move(info));
        return false;
    }
    if (!progress_.total)
        progress_.total = planner_.total();
    check_listing_change(slot, total, request_id);
    if (!pending_failures_.empty() && !stopped_)
        settle_pending_failures();
    if (!stopped_)
        cancel_past_end();
    return !stopped_;
}

// Cancels the requests at or past the known end of the listing: speculative
// pages past it, and pages past an end that shrank.
void scan_state::cancel_past_end()
{
    auto end = planner_.known_end();
    if (!end)
        return;
    for (auto request = in_flight_.lower_bound(*end); request != in_flight_.end(); ++request) {
        if (request->second.received || request->second.cancelled)
            continue;
        request->second.cancelled = true;
        cancel_request(request->second);
    }
}

void scan_state::cancel_request(request_in_flight& request)
{
    // Requests run on the scan's strand, so their cancellation is emitted there.
    request.hook->cancel();
    asio::post(strand_, [signal = request.signal] { signal->emit(asio::cancellation_type::terminal); });
}

void scan_state::on_outcome(page_slot slot, fetch_outcome outcome)
{
    // A response that arrived lets the scan send its next requests before
    // the rest of the outcome is handled.
    if (!outcome.ec && outcome.unparsed)
        on_received(slot, outcome.record_count(), outcome.total(), outcome.page.request_id);

    bool received = false;
    if (auto request = in_flight_.find(slot.offset); request != in_flight_.end()) {
        received = request->second.received;
        in_flight_.erase(request);
    }
    progress_.requests += static_cast<std::int64_t>(outcome.attempts);
    std::size_t repeats = outcome.attempts > 1 ? outcome.attempts - 1 : 0;
    progress_.retries += static_cast<std::int64_t>(repeats - std::min(repeats, outcome.renewals));
    progress_.throttled += outcome.throttled ? 1 : 0;
    progress_.bytes += outcome.page.body_bytes;

    if (outcome.ec) {
        if (!received)
            planner_.on_abandoned(slot);
        on_failure(slot, outcome.ec, std::move(outcome.info));
        return;
    }
    if (stopped_) {
        // A page whose response was in when the scan failed is still
        // delivered if every page before it is (see stop_requests).
        if (received && deliverable_after_failure(slot.offset) && !planner_.discarded(slot.offset))
            keep_ready(slot, std::move(outcome));
        update_summary();
        deliver();
        return;
    }
    if (!received && !accept_response(slot, static_cast<std::int64_t>(outcome.page.items.size()), outcome.total(),
                                      outcome.page.request_id)) {
        update_summary();
        deliver();
        return;
    }
    if (!planner_.discarded(slot.offset))
        keep_ready(slot, std::move(outcome));
    launch_requests();
    deliver();
}

void scan_state::keep_ready(page_slot slot, fetch_outcome outcome)
{
    ready_.emplace(slot.offset,
                   ready_page{std::move(outcome.page), std::move(outcome.unparsed), std::move(outcome.info)});
}

void scan_state::on_failure(page_slot slot, error_code ec, error_info info)
{
    switch (planner_.on_failure(slot)) {
    case scan_planner::failure_effect::fatal:
        fail(ec, std::move(info));
        return;
    case scan_planner::failure_effect::pending:
        // A speculative page, which the scan needs only if it lies before the
        // end. The responses to the pages before it decide that.
        pending_failures_.emplace(slot.offset, pending_failure{slot, ec, std::move(info)});
        return;
    case scan_planner::failure_effect::harmless:
        if (client_->log.enabled(log_level::debug)) {
            client_->log.write(log_level::debug, "ignored the failure of a request past the end of the listing: " +
                                                 info.to_string());
        }
        update_summary();
        launch_requests();
        deliver();
        return;
    }
}

// Decides the pending failures of speculative pages that the latest responses
// settled. Those past the end are dropped, and any other fails the scan.
void scan_state::settle_pending_failures()
{
    for (auto pending = pending_failures_.begin(); pending != pending_failures_.end();) {
        auto effect = planner_.effect_of_failure(pending->second.slot);
        if (effect == scan_planner::failure_effect::pending) {
            ++pending;
            continue;
        }
        pending_failure failure = std::move(pending->second);
        pending = pending_failures_.erase(pending);
        if (effect == scan_planner::failure_effect::fatal) {
            fail(failure.ec, std::move(failure.info));
            return;
        }
    }
}

void scan_state::check_listing_change(page_slot slot, std::optional<std::int64_t> total,
                                      const std::string& request_id)
{
    if (planner_.consistent() || !progress_.consistent)
        return;
    progress_.consistent = false;

    std::string message = "the listing changed during the scan: the page at offset " +
                          std::to_string(slot.offset) + " reports a total of " +
                          std::to_string(total.value_or(-1)) + ", the first page " +
                          std::to_string(planner_.total().value_or(-1));
    if (client_->log.enabled(log_level::warning))
        client_->log.write(log_level::warning, message + "; records may be missing or repeated");
    if (options_.on_listing_change == scan_options::on_change::fail) {
        error_info info = message_info(std::move(message));
        info.offset = slot.offset;
        info.request_id = request_id;
        fail(errc::inconsistent_listing, std::move(info));
    }
}

// Parses the body of the page about to be delivered into items the caller
// gave back, so the items are written just before the caller reads them.
// With 64 requests in flight, up to about 126 pages waited for an earlier
// one, and items parsed on arrival had left the cache by their turn.
// A bad body is then a failure of its request, handled as one: it fails the
// scan unless the page lies past the end of the listing. Returns false for
// a bad body, after on_failure has gone on with the scan.
bool scan_state::parse_ready_page(ready_page& ready)
{
    ready.result.items = pool_->take();
    error_code ec = parse_page_body(ready.result, *ready.body, ready.info);
    client_->transport.recycle_body(std::move(ready.body->text));
    ready.body.reset();
    if (!ec)
        return true;
    pool_->give(std::move(ready.result.items));
    on_failure(page_slot{ready.result.offset, ready.result.limit}, ec, std::move(ready.info));
    return false;
}

void scan_state::drop_recent_duplicates(page& result)
{
    auto next_kept = result.items.begin();
    for (auto& item : result.items) {
        if (recent_.contains_or_add(item.namespace_name, item.name)) {
            ++progress_.duplicates_dropped;
            continue;
        }
        if (&*next_kept != &item)
            *next_kept = std::move(item);
        ++next_kept;
    }
    result.items.erase(next_kept, result.items.end());
}

void scan_state::fail(error_code ec, error_info info)
{
    // A stream destroyed after its last page cancels a scan that already ended.
    if (ended_)
        return;
    if (!error_ || precedes_failure(ec, info)) {
        error_ = ec;
        error_info_ = std::move(info);
        // Pages before the failed one may still be delivered, so where the
        // caller must resume is known only when the stream ends.
        if (client_->log.enabled(log_level::error))
            client_->log.write(log_level::error, "scan failed: " + ec.message() + ": " + error_info_.to_string());
    }
    stop_requests();
    deliver();
}

// Returns whether a failure at `info.offset` comes before the one the scan
// recorded, so that delivery stops there first and it is the one to report.
// A body is parsed at its page's turn, so its failure can come after that of
// a later page. A cancellation neither replaces nor is replaced.
bool scan_state::precedes_failure(error_code ec, const error_info& info) const noexcept
{
    if (error_ == asio::error::operation_aborted || ec == asio::error::operation_aborted || !info.offset)
        return false;
    return !error_info_.offset || *info.offset < *error_info_.offset;
}

// Returns whether the page at `offset` may still be delivered after the
// scan failed: true for a failure, not a cancellation, at a later offset.
bool scan_state::deliverable_after_failure(std::int64_t offset) const noexcept
{
    if (!error_ || error_ == asio::error::operation_aborted || ended_)
        return false;
    return !error_info_.offset || offset < *error_info_.offset;
}

void scan_state::stop_requests()
{
    if (stopped_)
        return;
    stopped_ = true;
    if (deadline_timer_)
        deadline_timer_->cancel();
    if (options_.warm_up_connections)
        client_->transport.cancel_warm_ups();
    // After a failure, a request whose response is in needs no network. It
    // may finish, so that its page is delivered if it comes before the failed one.
    for (auto& [offset, request] : in_flight_) {
        if (request.received && deliverable_after_failure(offset))
            continue;
        cancel_request(request);
    }
}

void scan_state::deliver()
{
    if (!waiting_)
        return;

    auto next = ready_.find(planner_.next_delivery());
    if (next != ready_.end() && planner_.discarded(next->first)) {
        // A speculative page past the end, stored before the end was known.
        ready_.erase(next);
        next = ready_.end();
    }
    // After a failure only pages before the failed one are delivered, and
    // after a cancellation none, even one that has already arrived.
    if (next != ready_.end() && error_ && !deliverable_after_failure(next->first))
        next = ready_.end();
    if (next != ready_.end()) {
        ready_page ready = std::move(next->second);
        ready_.erase(next);
        if (ready.body && !parse_ready_page(ready))
            return;
        page result = std::move(ready.result);
        auto count = static_cast<std::int64_t>(result.items.size());
        planner_.on_delivered(count);
        drop_recent_duplicates(result);
        ++progress_.pages;
        progress_.items += static_cast<std::int64_t>(result.items.size());
        progress_.next_offset = planner_.next_delivery();
        if (planner_.finished())
            finished_ = std::chrono::steady_clock::now();
        update_summary();
        complete({}, std::move(result));
        return;
    }

    if (error_) {
        // A page whose response is in, and whose outcome is on its way, may yet be delivered.
        auto arriving = in_flight_.find(planner_.next_delivery());
        if (arriving != in_flight_.end() && arriving->second.received && deliverable_after_failure(arriving->first))
            return;
        // Pages after the failed one are dropped: the caller resumes from next_offset.
        if (!ended_ && error_ != asio::error::operation_aborted) {
            std::string resume = std::to_string(planner_.next_delivery());
            error_info_.message += "; records from offset " + resume +
                                   " on were not delivered: resume with start_offset " + resume;
            if (client_->log.enabled(log_level::warning))
                client_->log.write(log_level::warning, "scan ended: resume with start_offset " + resume);
        }
        ready_.clear();
        ended_ = true;
        if (deadline_timer_)
            deadline_timer_->cancel();
        if (finished_ == std::chrono::steady_clock::time_point{})
            finished_ = std::chrono::steady_clock::now();
        update_summary();
        summary_final_ = true;
        complete(error_, std::nullopt);
        return;
    }

    // A speculative request past the end may still be parsing; the summary
    // counts it once it is done.
    if (planner_.finished() && in_flight_.empty()) {
        ended_ = true;
        if (deadline_timer_)
            deadline_timer_->cancel();
        progress_.complete = planner_.consistent();
        update_summary();
        summary_final_ = true;
        if (client_->log.enabled(log_level::info)) {
            client_->log.write(log_level::info, "scan finished: " + std::to_string(progress_.pages) + " pages, " +
                                                    std::to_string(progress_.items) + " items, " +
                                                    std::to_string(progress_.requests) + " requests");
        }
        complete({}, std::nullopt);
    }
}

void scan_state::complete(error_code ec, std::optional<page> result)
{
    handler_type handler = std::move(*waiting_);
    waiting_.reset();
    post_completion(client_->executor, std::move(handler), ec, std::move(result));
}

void scan_state::update_summary()
{
    // Requests that end after the stream do not change its final summary.
    if (summary_final_)
        return;
    auto end = finished_ == std::chrono::steady_clock::time_point{} ? std::chrono::steady_clock::now() : finished_;
    progress_.elapsed = started_ == std::chrono::steady_clock::time_point{} ? std::chrono::nanoseconds{}
                                                                            : end - started_;
    std::lock_guard lock(summary_mutex_);
    summary_ = progress_;
    published_error_ = error_info_;
}

error_info scan_state::error() const
{
    std::lock_guard lock(summary_mutex_);
    return published_error_;
}

scan_summary scan_state::summary() const
{
    std::lock_guard lock(summary_mutex_);
    return summary_;
}

}  // namespace detail

page_stream::page_stream(std::shared_ptr<detail::scan_state> state) noexcept : state_(std::move(state)) {}

page_stream::page_stream(page_stream&&) noexcept = default;

page_stream& page_stream::operator=(page_stream&& other) noexcept
{
    if (this != &other) {
        if (state_)
            state_->cancel();
        state_ = std::move(other.state_);
    }
    return *this;
}

page_stream::~page_stream()
{
    if (state_)
        state_->cancel();
}

void page_stream::initiate_next(boost::asio::any_completion_handler<page_signature> handler)
{
    state_->next(std::move(handler));
}

boost::asio::awaitable<std::optional<page>> page_stream::next()
{
    auto [ec, result] = co_await async_next(boost::asio::as_tuple(boost::asio::use_awaitable));
    if (ec)
        throw_error(ec, error());
    co_return std::move(result);
}

void page_stream::cancel()
{
    state_->cancel();
}

void page_stream::recycle(page&& used)
{
    state_->recycle(std::move(used.items));
    used.items.clear();
}

error_info page_stream::error() const
{
    return state_->error();
}

scan_summary page_stream::summary() const
{
    return state_->summary();
}

item_stream::item_stream(page_stream pages) noexcept : pages_(std::move(pages)) {}

boost::asio::awaitable<std::optional<repository>> item_stream::next()
{
    while (!current_ || index_ >= current_->items.size()) {
        current_ = co_await pages_.next();
        index_ = 0;
        if (!current_)
            co_return std::nullopt;
    }
    co_return std::move(current_->items[index_++]);
}

}  // namespace swr
