#ifndef SWR_SRC_REDACT_HPP
#define SWR_SRC_REDACT_HPP

#include <string>
#include <string_view>

namespace swr::detail {

/// Text that replaces every masked value.
inline constexpr std::string_view redacted_text = "***";

/// Secrets shorter than this are not registered, because masking every
/// occurrence of a two- or three-character string would garble messages.
inline constexpr std::size_t min_secret_length = 4;

/// Returns `text` with every secret masked: the values of the
/// `Authorization`, `Proxy-Authorization`, `X-Auth-Token`, `X-Subject-Token`
/// and `X-Security-Token` headers (names matched case-insensitively, written
/// as `name: value`, `name=value` or the JSON `"name": "value"`), the
/// password of URLs written as `scheme://user:password@host`, and every
/// string currently registered with `secret_registration`.
///
/// An `Authorization` or `Proxy-Authorization` value and any value after
/// `name:` may contain spaces, so they are masked to the end of the line. A
/// URL's password is masked up to the last `@` before the next blank or quote. A value after `name=` ends at
/// whitespace, `&`, `,`, `;` or a quote. Thread-safe.
std::string redact(std::string_view text);

/// Registration of one secret with the process-wide list that `redact`
/// masks, for as long as the object lives. Registering the same secret
/// twice is counted, so it stays masked until both registrations end.
/// Empty secrets and secrets shorter than `min_secret_length` are ignored.
class secret_registration {
public:
    secret_registration() = default;
    explicit secret_registration(std::string secret);
    ~secret_registration();

    secret_registration(secret_registration&& other) noexcept;
    secret_registration& operator=(secret_registration&& other) noexcept;
    secret_registration(const secret_registration&) = delete;
    secret_registration& operator=(const secret_registration&) = delete;

private:
    void release() noexcept;

    std::string secret_;
};

}  // namespace swr::detail

#endif
