#include "first_connection_gate.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <chrono>

namespace swr::detail {

namespace asio = boost::asio;

first_connection_gate::first_connection_gate(asio::any_io_executor executor) : executor_(std::move(executor)) {}

asio::awaitable<first_connection_gate::turn> first_connection_gate::enter(std::shared_ptr<cancel_hook> hook,
                                                                          http_response& failure)
{
    {
        std::lock_guard lock(mutex_);
        if (opened_)
            co_return turn::open_freely;
        if (!opening_) {
            opening_ = true;
            co_return turn::open_first;
        }
    }
    // The wait runs on a strand of its own, where its timer is also
    // cancelled, so callers on a multi-threaded executor are safe. Like an
    // exchange, it gets no cancellation slot (Asio 1.26's co_spawn can
    // forward a cancellation to a finished operation): `hook` cancels it.
    co_return co_await asio::co_spawn(asio::make_strand(executor_), wait(std::move(hook), failure),
                                      asio::bind_cancellation_slot(asio::cancellation_slot(), asio::use_awaitable));
}

asio::awaitable<first_connection_gate::turn> first_connection_gate::wait(std::shared_ptr<cancel_hook> hook,
                                                                         http_response& failure)
{
    auto self = std::make_shared<waiter>();
    self->timer = std::make_shared<asio::steady_timer>(co_await asio::this_coro::executor,
                                                       std::chrono::steady_clock::time_point::max());
    if (hook) {
        hook->arm([timer = self->timer] {
            asio::post(timer->get_executor(), [timer] { timer->cancel(); });
        });
    }
    turn result = turn::open_freely;
    for (;;) {
        {
            std::lock_guard lock(mutex_);
            if (self->failure) {
                failure = std::move(*self->failure);
                result = turn::failed;
                break;
            }
            if (opened_)
                break;
            if (!opening_) {
                opening_ = true;
                result = turn::open_first;
                break;
            }
            // Registered under the lock, and every step from here to the
            // wait below runs on this strand without a pause, so a wake-up
            // or a cancellation posted here finds the wait started.
            self->timer->expires_at(std::chrono::steady_clock::time_point::max());
            waiters_.push_back(self);
        }
        co_await self->timer->async_wait(asio::as_tuple(asio::use_awaitable));
        if (hook && hook->cancelled()) {
            result = turn::cancelled;
            break;
        }
    }
    if (hook)
        hook->disarm();
    co_return result;
}

void first_connection_gate::opened()
{
    {
        std::lock_guard lock(mutex_);
        opened_ = true;
        opening_ = false;
    }
    wake_all(nullptr);
}

void first_connection_gate::failed(const http_response& failure)
{
    {
        std::lock_guard lock(mutex_);
        opening_ = false;
    }
    wake_all(&failure);
}

void first_connection_gate::abandoned()
{
    {
        std::lock_guard lock(mutex_);
        opening_ = false;
    }
    wake_all(nullptr);
}

void first_connection_gate::wake_all(const http_response* failure)
{
    std::vector<std::shared_ptr<waiter>> waiters;
    {
        std::lock_guard lock(mutex_);
        waiters.swap(waiters_);
        if (failure) {
            for (auto& waiting : waiters)
                waiting->failure = *failure;
        }
    }
    for (auto& waiting : waiters)
        asio::post(waiting->timer->get_executor(), [timer = waiting->timer] { timer->cancel(); });
}

}  // namespace swr::detail
