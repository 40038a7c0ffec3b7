#ifndef SWR_EMULATOR_AKSK_VERIFIER_HPP
#define SWR_EMULATOR_AKSK_VERIFIER_HPP

// Checks SDK-HMAC-SHA256 (AK/SK) signatures the way Huawei Cloud's API gateway
// does, with no I/O. This is a second implementation, separate from the
// client's signer, so that a mistake in either one makes the tests fail.

#include "emulator/http_request.hpp"

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace swr::emulator_detail {

/// Name of the signing algorithm, the first word of the `Authorization` value.
inline constexpr std::string_view aksk_algorithm = "SDK-HMAC-SHA256";

/// Largest accepted distance between `X-Sdk-Date` and the server's clock.
inline constexpr std::chrono::minutes max_signature_age{15};

/// Outcome of checking one signed request.
enum class signature_verdict {
    accepted,
    malformed_authorization,  ///< Not `SDK-HMAC-SHA256 Access=…, SignedHeaders=…, Signature=…`.
    unknown_access_key,
    date_not_signed,          ///< `x-sdk-date` is missing from `SignedHeaders`.
    invalid_date,             ///< `X-Sdk-Date` is missing or not `YYYYMMDDTHHMMSSZ`.
    date_out_of_window,       ///< More than `max_signature_age` from the server's clock.
    signed_header_missing,    ///< A name in `SignedHeaders` is not in the request.
    invalid_target,           ///< The path or query has a malformed `%` escape.
    bad_signature,
};

/// The three parameters of an `Authorization: SDK-HMAC-SHA256 ...` value.
struct aksk_authorization {
    std::string access_key;
    std::string signed_headers;  ///< Lower-case names joined by `;`, as sent.
    std::string signature;       ///< Lower-case hex, as sent.
};

/// Parses an `Authorization` value. Returns nothing unless the algorithm is
/// `SDK-HMAC-SHA256` and `Access`, `SignedHeaders` and `Signature` each
/// appear once, separated by commas and optional spaces.
std::optional<aksk_authorization> parse_aksk_authorization(std::string_view value);

/// Parses `YYYYMMDDTHHMMSSZ` (UTC). Returns nothing for any other form or an
/// impossible date.
std::optional<std::chrono::system_clock::time_point> parse_sdk_date(std::string_view text);

/// Builds the canonical request of `request` for the given signed header
/// names (lower case, `;`-separated). Returns nothing when the target has a
/// malformed escape or a signed header is absent.
std::optional<std::string> canonical_request(const request_head& request, std::string_view signed_headers);

/// Lower-case hex of HMAC-SHA256(`key`, `data`).
std::string hmac_sha256_hex(std::string_view key, std::string_view data);

/// Lower-case hex of SHA-256(`data`).
std::string sha256_hex(std::string_view data);

/// Checks the `Authorization` header of `request` against the one key pair
/// the emulator knows. `now` is the server's clock, skew included.
signature_verdict verify_aksk_signature(const request_head& request, std::string_view access_key,
                                        std::string_view secret_key, std::chrono::system_clock::time_point now);

}  // namespace swr::emulator_detail

#endif
