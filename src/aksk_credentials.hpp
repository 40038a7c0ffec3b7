#ifndef SWR_SRC_AKSK_CREDENTIALS_HPP
#define SWR_SRC_AKSK_CREDENTIALS_HPP

#include "redact.hpp"

#include <swr/credentials.hpp>

#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

namespace swr::detail {

/// Smallest clock skew that the AK/SK provider corrects. The measurement is
/// a few seconds off, because the `Date` header has a resolution of one
/// second and the response takes time to arrive. A skew below a minute
/// cannot explain an expired signature, whose window is 15 minutes.
inline constexpr std::chrono::seconds min_skew_correction{60};

/// True when a 401 message reports that the signature or its date expired
/// (e.g. "signature expired"), as opposed to a wrong signature or an expired
/// token. Case-insensitive.
bool is_expired_signature_message(std::string_view message) noexcept;

/// Parses an HTTP `Date` header (IMF-fixdate, RFC 850 or asctime form).
std::optional<std::chrono::system_clock::time_point> parse_date_header(std::string_view value) noexcept;

/// Signs each request with an AK/SK pair; see `make_aksk_credentials`.
///
/// The clock correction and its generation number are guarded by a mutex,
/// so the provider may be used from several threads.
class aksk_credentials final : public credentials_provider {
public:
    aksk_credentials(std::string access_key, std::string secret_key, std::string project_id,
                     std::string security_token, std::shared_ptr<time_source> time);

    boost::asio::awaitable<void> authorize(outgoing_request& request) override;
    boost::asio::awaitable<bool> on_rejected(const auth_rejection& rejection) override;
    std::string describe_rejection(const auth_rejection& rejection) const override;
    std::string_view kind() const noexcept override { return "aksk"; }

private:
    struct clock_correction {
        std::chrono::seconds offset;  ///< Added to the local clock when signing.
        std::uint64_t generation;     ///< Incremented by each correction; starts at 1.
    };

    clock_correction current_correction() const;

    std::string access_key_;
    std::string secret_key_;
    std::string project_id_;
    std::string security_token_;
    secret_registration secret_key_registration_;
    secret_registration security_token_registration_;
    std::shared_ptr<time_source> time_;

    mutable std::mutex mutex_;
    std::chrono::seconds offset_{0};
    std::uint64_t generation_ = 1;
};

}  // namespace swr::detail

#endif
