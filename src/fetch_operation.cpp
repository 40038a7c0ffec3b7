// async_fetch_page: one page request as an Asio asynchronous operation.
#include "client_impl.hpp"
#include "errors.hpp"

#include <swr/client.hpp>

#include <boost/asio/associated_cancellation_slot.hpp>
#include <boost/asio/associated_executor.hpp>
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/execution/outstanding_work.hpp>
#include <boost/asio/prefer.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/strand.hpp>

#include <atomic>
#include <exception>
#include <memory>
#include <utility>

namespace swr::detail {
namespace {

namespace asio = boost::asio;
using handler_type = asio::any_completion_handler<fetch_page_signature>;

/// State of one `async_fetch_page` that the request coroutine and the
/// caller's cancellation slot share.
struct fetch_operation {
    /// The request coroutine runs here, and its cancellation is emitted here.
    asio::any_io_executor strand;
    asio::cancellation_signal signal;
    std::shared_ptr<cancel_hook> hook = std::make_shared<cancel_hook>();
    std::atomic<bool> cancel_requested{false};
};

/// Hands `ec` and `result` to `handler` on its associated executor, after
/// disconnecting the caller's cancellation slot there.
void complete(handler_type handler, asio::any_io_executor fallback, boost::system::error_code ec, page result)
{
    auto executor = asio::get_associated_executor(handler, fallback);
    asio::dispatch(executor, [handler = std::move(handler), ec, result = std::move(result)]() mutable {
        auto slot = asio::get_associated_cancellation_slot(handler);
        if (slot.is_connected())
            slot.clear();
        std::move(handler)(ec, std::move(result));
    });
}

/// Completes without I/O: posted to the client's executor first, so the
/// handler never runs inside the initiating call.
void reject(handler_type handler, asio::any_io_executor fallback, error_info* info, std::string message)
{
    if (info)
        *info = message_info(std::move(message));
    asio::post(fallback, [handler = std::move(handler), fallback]() mutable {
        complete(std::move(handler), fallback, make_error_code(errc::invalid_argument), page{});
    });
}

std::string check_arguments(const shared_repositories_request& request, std::int64_t offset, std::int64_t limit)
{
    if (auto error = validate(request); !error.empty())
        return error;
    // The upper bound is the server's to enforce (it returns 400), so that a
    // caller can probe a server whose maximum differs from the documented one.
    if (limit < min_page_size)
        return "invalid limit " + std::to_string(limit) + ": use 1 or more records per page";
    if (offset < 0)
        return "invalid offset " + std::to_string(offset) + ": use 0 or more";
    return {};
}

/// Connects the caller's cancellation slot, if any, to `operation`. Any
/// cancellation type aborts the whole request: a GET changes nothing on the
/// server, so stopping it has no side effect to undo.
void connect_cancellation(handler_type& handler, const std::shared_ptr<fetch_operation>& operation)
{
    auto slot = asio::get_associated_cancellation_slot(handler);
    if (!slot.is_connected())
        return;
    slot.assign([weak = std::weak_ptr<fetch_operation>(operation)](asio::cancellation_type) {
        auto self = weak.lock();
        if (!self)
            return;
        self->cancel_requested = true;
        self->hook->cancel();
        asio::post(self->strand, [self] { self->signal.emit(asio::cancellation_type::terminal); });
    });
}

/// Owns the request for the coroutine's whole life: `client_impl::fetch`
/// takes it by reference.
asio::awaitable<fetch_outcome> run_fetch(std::shared_ptr<client_impl> impl, shared_repositories_request request,
                                         std::int64_t offset, std::int64_t limit, std::shared_ptr<cancel_hook> hook)
{
    co_return co_await impl->fetch(request, offset, limit, nullptr, std::move(hook));
}

}  // namespace

void initiate_fetch_page(std::shared_ptr<client_impl> impl, handler_type handler, shared_repositories_request request,
                         std::int64_t offset, std::int64_t limit, error_info* info)
{
    if (auto problem = check_arguments(request, offset, limit); !problem.empty()) {
        reject(std::move(handler), impl->executor, info, std::move(problem));
        return;
    }

    auto operation = std::make_shared<fetch_operation>();
    operation->strand = asio::make_strand(impl->executor);
    connect_cancellation(handler, operation);

    // Keeps the handler's executor from running out of work while the
    // request runs on the client's executor, which may be another one.
    auto handler_work = asio::prefer(asio::get_associated_executor(handler, impl->executor),
                                     asio::execution::outstanding_work.tracked);

    auto fetch = run_fetch(impl, std::move(request), offset, limit, operation->hook);
    auto on_done = [impl, operation, info, offset, handler = std::move(handler), handler_work](
                       std::exception_ptr error, fetch_outcome outcome) mutable {
        if (error) {
            // Only a cancelled wait throws out of client_impl::fetch.
            outcome.ec = asio::error::operation_aborted;
            outcome.info = message_info("request cancelled");
            outcome.info.offset = offset;
        }
        if (outcome.ec && operation->cancel_requested)
            outcome.ec = asio::error::operation_aborted;
        if (outcome.ec) {
            if (info)
                *info = std::move(outcome.info);
            outcome.page = page{};
        }
        complete(std::move(handler), impl->executor, outcome.ec, std::move(outcome.page));
    };
    asio::co_spawn(operation->strand, std::move(fetch),
                   asio::bind_cancellation_slot(operation->signal.slot(), std::move(on_done)));
}

}  // namespace swr::detail
