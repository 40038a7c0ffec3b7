#ifndef SWR_SRC_TOKEN_REFRESHER_HPP
#define SWR_SRC_TOKEN_REFRESHER_HPP

#include "logger.hpp"
#include "redact.hpp"

#include <swr/credentials.hpp>
#include <swr/error.hpp>
#include <swr/retry.hpp>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

namespace swr::detail {

/// A token from a token source and how long it stays valid from now.
struct fetched_token {
    std::string token;
    std::chrono::seconds lifetime{0};
};

/// Obtains a new token. Throws `swr::exception` on failure.
using token_fetcher = std::function<boost::asio::awaitable<fetched_token>()>;

/// Settings of a `refreshing_token_credentials`.
struct token_refresh_settings {
    /// A token is replaced once it expires within this margin. While it is
    /// still valid, requests keep using it and the replacement is fetched in
    /// the background.
    std::chrono::seconds refresh_margin{std::chrono::minutes(10)};

    /// A background refresh starts no sooner than this after the previous
    /// token request ended, so that a failing or short-lived token source is
    /// not asked on every request.
    std::chrono::seconds retry_interval{30};

    /// Description of the token source for log lines and errors, e.g.
    /// `IAM at https://127.0.0.1:9443`.
    std::string source;

    /// Value of `kind()`.
    std::string kind = "token";
};

/// Sends a token in `X-Auth-Token` and replaces it before it expires or
/// after the server rejects it, with one token request at a time.
///
/// Every caller that needs a new token while a request for one is running
/// waits for that request instead of starting another (single flight). The
/// request runs in a coroutine of its own on the provider's executor, so a
/// cancelled caller does not cancel it for the others. Each token gets a
/// generation number, which `authorize` stores in the request, so that
/// `on_rejected` can tell a rejection of an already replaced token (no new
/// request needed) from a rejection of the current one.
///
/// When the fetcher fails with `errc::bad_request`, `errc::unauthorized` or
/// `errc::forbidden` (the token source rejected the user's credentials),
/// every later call fails with that error without fetching again. All state
/// is guarded by a mutex, so the provider is safe on a multi-threaded
/// executor. Must be owned by a `std::shared_ptr`.
class refreshing_token_credentials final : public credentials_provider,
                                           public std::enable_shared_from_this<refreshing_token_credentials> {
public:
    refreshing_token_credentials(boost::asio::any_io_executor executor, token_fetcher fetch,
                                 std::shared_ptr<time_source> time, token_refresh_settings settings,
                                 const logger& log);

    /// Adds the current token; obtains one first when there is none or it
    /// has expired. Throws `swr::exception` with the fetcher's error, or
    /// `errc::cancelled` when the caller is cancelled while waiting.
    boost::asio::awaitable<void> authorize(outgoing_request& request) override;

    /// Returns true when the rejected request may be sent again with a newer
    /// token: one that replaced the rejected token already, or one obtained
    /// now. Returns false when the rejected token was itself obtained after a
    /// rejection. Throws `swr::exception` when obtaining the token fails.
    boost::asio::awaitable<bool> on_rejected(const auth_rejection& rejection) override;

    /// Marks the current token as working once a request with it succeeded,
    /// so that its later expiry is renewed like any other.
    void on_accepted(std::uint64_t credentials_generation) noexcept override;

    std::string describe_rejection(const auth_rejection& rejection) const override;

    std::string_view kind() const noexcept override { return settings_.kind; }

    /// Number of token requests started so far.
    std::uint64_t fetch_count() const;

private:
    struct flight;

    // Functions ending in _locked expect mutex_ to be held.
    std::shared_ptr<flight> begin_refresh_locked(bool after_rejection);
    void launch_refresh(std::shared_ptr<flight> refresh);
    static boost::asio::awaitable<void> run_refresh(std::shared_ptr<refreshing_token_credentials> self,
                                                    std::shared_ptr<flight> refresh);
    boost::asio::awaitable<void> wait_for(std::shared_ptr<flight> refresh);
    void finish_refresh(flight& refresh, std::optional<fetched_token> token, boost::system::error_code ec,
                        error_info info);
    bool has_valid_token_locked(std::chrono::steady_clock::time_point now) const;
    void use_token_locked(outgoing_request& request) const;

    boost::asio::any_io_executor executor_;
    token_fetcher fetch_;
    std::shared_ptr<time_source> time_;
    token_refresh_settings settings_;
    logger log_;

    mutable std::mutex mutex_;
    std::string token_;
    std::chrono::steady_clock::time_point expires_{};
    std::uint64_t generation_ = 0;        // 0: no token yet
    // The current token replaced a rejected one and no request with it has
    // succeeded yet. Mirrored in `unproven_` so that `on_accepted` can skip
    // the mutex on the common path.
    bool token_after_rejection_ = false;
    std::atomic<bool> unproven_{false};
    std::shared_ptr<flight> flight_;      // the token request in progress, if any
    std::optional<std::chrono::steady_clock::time_point> last_fetch_end_;
    std::optional<std::pair<boost::system::error_code, error_info>> credentials_rejected_;
    std::uint64_t fetches_ = 0;
    secret_registration current_secret_;
    secret_registration previous_secret_;
};

}  // namespace swr::detail

#endif
