#include "token_refresher.hpp"
#include "errors.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/experimental/concurrent_channel.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <algorithm>

namespace swr::detail {

// One token request and the callers waiting for it. The result fields are
// guarded by the provider's mutex; closing `done` wakes every waiter.
struct refreshing_token_credentials::flight {
    flight(const boost::asio::any_io_executor& executor, bool after_rejection)
        : done(executor), after_rejection(after_rejection)
    {
    }

    boost::asio::experimental::concurrent_channel<void(boost::system::error_code)> done;
    bool after_rejection;  // started by a 401 rather than by expiry
    bool finished = false;
    bool succeeded = false;
    boost::system::error_code ec;
    error_info info;
};

namespace {

// Maximum lifetime taken from a token source. A far-future expiry would
// overflow the steady clock's nanosecond time points.
constexpr std::chrono::seconds max_lifetime{std::chrono::hours(24 * 366)};

// The token source rejected the user's credentials: asking again cannot
// succeed and may lock the user.
bool is_credentials_failure(const boost::system::error_code& ec) noexcept
{
    return ec == errc::bad_request || ec == errc::unauthorized || ec == errc::forbidden;
}

}  // namespace

refreshing_token_credentials::refreshing_token_credentials(boost::asio::any_io_executor executor,
                                                           token_fetcher fetch, std::shared_ptr<time_source> time,
                                                           token_refresh_settings settings, const logger& log)
    : executor_(std::move(executor)),
      fetch_(std::move(fetch)),
      time_(time ? std::move(time) : system_time_source()),
      settings_(std::move(settings)),
      log_(log)
{
}

std::uint64_t refreshing_token_credentials::fetch_count() const
{
    std::lock_guard lock(mutex_);
    return fetches_;
}

bool refreshing_token_credentials::has_valid_token_locked(std::chrono::steady_clock::time_point now) const
{
    return generation_ != 0 && now < expires_;
}

void refreshing_token_credentials::use_token_locked(outgoing_request& request) const
{
    request.set_header("X-Auth-Token", token_);
    request.credentials_generation = generation_;
}

std::shared_ptr<refreshing_token_credentials::flight> refreshing_token_credentials::begin_refresh_locked(
    bool after_rejection)
{
    flight_ = std::make_shared<flight>(executor_, after_rejection);
    ++fetches_;
    return flight_;
}

void refreshing_token_credentials::launch_refresh(std::shared_ptr<flight> refresh)
{
    // Called without the mutex: co_spawn may start the coroutine at once,
    // and finishing it takes the mutex.
    boost::asio::co_spawn(executor_, run_refresh(shared_from_this(), std::move(refresh)), boost::asio::detached);
}

boost::asio::awaitable<void> refreshing_token_credentials::run_refresh(
    std::shared_ptr<refreshing_token_credentials> self, std::shared_ptr<flight> refresh)
{
    std::optional<fetched_token> token;
    boost::system::error_code ec;
    error_info info;
    try {
        token = co_await self->fetch_();
        if (token->token.empty()) {
            token.reset();
            ec = errc::bad_response;
            info.message = "the token from " + self->settings_.source + " is empty";
        }
    } catch (const swr::exception& error) {
        ec = error.code();
        info = error.info();
    } catch (const std::exception& error) {
        ec = errc::bad_response;
        info.message = "token request to " + self->settings_.source + " failed: " + error.what();
    }

    self->finish_refresh(*refresh, std::move(token), ec, std::move(info));
    refresh->done.close();
}

void refreshing_token_credentials::finish_refresh(flight& refresh, std::optional<fetched_token> token,
                                                  boost::system::error_code ec, error_info info)
{
    std::string log_line;
    log_level level = log_level::info;
    {
        std::lock_guard lock(mutex_);
        auto now = time_->now();
        last_fetch_end_ = now;
        if (token) {
            // Register the new token before anything could print it, and keep
            // the previous one masked while requests that carry it finish.
            previous_secret_ = std::move(current_secret_);
            current_secret_ = secret_registration(token->token);
            token_ = std::move(token->token);
            auto lifetime = std::min(token->lifetime, max_lifetime);
            expires_ = now + lifetime;
            ++generation_;
            token_after_rejection_ = refresh.after_rejection;
            unproven_.store(refresh.after_rejection, std::memory_order_release);
            refresh.succeeded = true;
            log_line = "obtained a token from " + settings_.source + ", valid for " +
                       std::to_string(lifetime.count()) + " s";
        } else {
            level = log_level::warning;
            log_line = info.message.empty() ? "token request to " + settings_.source + " failed: " + ec.message()
                                            : info.to_string();
            if (is_credentials_failure(ec)) {
                credentials_rejected_.emplace(ec, info);
                log_line += "; no further token requests, because repeated failed logins can lock the user";
            }
            refresh.ec = ec;
            refresh.info = std::move(info);
        }
        refresh.finished = true;
        flight_.reset();
    }

    if (log_.enabled(level))
        log_.write(level, log_line);
}

boost::asio::awaitable<void> refreshing_token_credentials::wait_for(std::shared_ptr<flight> refresh)
{
    {
        std::lock_guard lock(mutex_);
        if (refresh->finished)
            co_return;
    }

    // Completes with channel_closed when the request ends, or with
    // operation_aborted when this caller is cancelled.
    auto [ec] = co_await refresh->done.async_receive(boost::asio::as_tuple(boost::asio::use_awaitable));
    (void)ec;

    std::lock_guard lock(mutex_);
    if (!refresh->finished)
        throw_error(errc::cancelled, message_info("cancelled while waiting for a token from " + settings_.source));
}

boost::asio::awaitable<void> refreshing_token_credentials::authorize(outgoing_request& request)
{
    std::shared_ptr<flight> refresh;
    bool launch = false;
    bool authorized = false;
    {
        std::lock_guard lock(mutex_);
        if (credentials_rejected_)
            throw_error(credentials_rejected_->first, credentials_rejected_->second);

        // A valid token is used at once. When it expires within the margin,
        // its replacement is fetched in the background.
        auto now = time_->now();
        if (has_valid_token_locked(now)) {
            bool expiring = now + settings_.refresh_margin >= expires_;
            bool may_start = !last_fetch_end_ || now - *last_fetch_end_ >= settings_.retry_interval;
            if (expiring && !flight_ && may_start) {
                refresh = begin_refresh_locked(false);
                launch = true;
            }
            use_token_locked(request);
            authorized = true;
        } else if (flight_) {
            refresh = flight_;
        } else {
            refresh = begin_refresh_locked(false);
            launch = true;
        }
    }
    if (launch)
        launch_refresh(refresh);
    if (authorized)
        co_return;

    co_await wait_for(refresh);

    std::lock_guard lock(mutex_);
    if (has_valid_token_locked(time_->now())) {
        use_token_locked(request);
        co_return;
    }
    if (!refresh->succeeded)
        throw_error(refresh->ec, refresh->info);
    throw_error(errc::bad_response, message_info("the token from " + settings_.source +
                                                 " had expired when it arrived; check the clock of this host"));
}

boost::asio::awaitable<bool> refreshing_token_credentials::on_rejected(const auth_rejection& rejection)
{
    std::shared_ptr<flight> refresh;
    bool launch = false;
    {
        std::lock_guard lock(mutex_);
        if (credentials_rejected_)
            co_return false;

        // The rejected token has been replaced already: send with the new one.
        bool rejected_current = rejection.credentials_generation == 0 || rejection.credentials_generation >= generation_;
        if (!rejected_current)
            co_return true;

        if (flight_) {
            refresh = flight_;
        } else if (token_after_rejection_) {
            // This token replaced a rejected one and was rejected too;
            // another token is unlikely to fare better.
            co_return false;
        } else {
            refresh = begin_refresh_locked(true);
            launch = true;
        }
    }
    if (launch)
        launch_refresh(refresh);

    co_await wait_for(refresh);

    std::lock_guard lock(mutex_);
    if (!refresh->succeeded)
        throw_error(refresh->ec, refresh->info);
    co_return true;
}

void refreshing_token_credentials::on_accepted(std::uint64_t credentials_generation) noexcept
{
    if (!unproven_.load(std::memory_order_acquire))
        return;
    std::lock_guard lock(mutex_);
    if (credentials_generation == generation_) {
        token_after_rejection_ = false;
        unproven_.store(false, std::memory_order_release);
    }
}

std::string refreshing_token_credentials::describe_rejection(const auth_rejection& rejection) const
{
    std::lock_guard lock(mutex_);
    bool rejected_current = rejection.credentials_generation == 0 || rejection.credentials_generation >= generation_;
    if (rejected_current && token_after_rejection_) {
        return "a new token from " + settings_.source +
               " replaced the rejected one and was rejected too; check the user's SWR permissions and the "
               "token's project scope";
    }
    return {};
}

}  // namespace swr::detail
