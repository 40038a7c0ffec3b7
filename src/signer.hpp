#ifndef SWR_SRC_SIGNER_HPP
#define SWR_SRC_SIGNER_HPP

// Huawei Cloud AK/SK request signing (SDK-HMAC-SHA256), without I/O.
//
// The signature covers a canonical request: method, canonical URI, canonical
// query, canonical headers, signed-header list and the hex SHA-256 of the
// body, joined by '\n'. The string to sign is
// "SDK-HMAC-SHA256\n{X-Sdk-Date}\n{hex SHA-256 of the canonical request}", and
// the signature is its lower-case hex HMAC-SHA256 keyed with the secret key's
// bytes. test/data/sign-vectors.json pins the results with vectors from the
// official Node SDK and from the Go, Java and Python SDKs' unit tests.

#include <chrono>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace swr::detail {

using name_value_list = std::vector<std::pair<std::string, std::string>>;

/// The parts of a request that the signature covers.
struct signing_input {
    std::string method;   ///< e.g. `GET`.
    std::string path;     ///< Path as on the request line, percent-encoded or not.
    name_value_list query;    ///< Decoded query parameters, in any order.
    name_value_list headers;  ///< Headers to sign, `x-sdk-date` included; names in any case.
    std::string body;     ///< Request body; empty for GET.
};

/// Intermediate values and result of signing, for tests and diagnostics.
struct signature_parts {
    std::string canonical_request;
    std::string string_to_sign;
    std::string signed_headers;  ///< e.g. `content-type;host;x-project-id;x-sdk-date`.
    std::string signature;       ///< Lower-case hex HMAC-SHA256.
};

/// Name of the signing algorithm, first word of the `Authorization` value.
inline constexpr std::string_view signing_algorithm = "SDK-HMAC-SHA256";

/// Signs `input` with `secret_key`. `sdk_date` is the `X-Sdk-Date` value
/// (`YYYYMMDDTHHMMSSZ`), which `input.headers` must also contain for the
/// server to accept the signature. Headers whose names contain `_` are left
/// out, as the official SDKs leave them out.
signature_parts sign(const signing_input& input, std::string_view sdk_date, std::string_view secret_key);

/// Returns the `Authorization` value:
/// `SDK-HMAC-SHA256 Access={access_key}, SignedHeaders={list}, Signature={hex}`.
std::string authorization_value(std::string_view access_key, const signature_parts& parts);

/// Percent-encodes every byte except `A-Z a-z 0-9 - _ . ~`, with upper-case
/// hex digits, so a space becomes `%20` and `/` becomes `%2F`.
std::string percent_encode(std::string_view text);

/// Decodes `%XX` escapes; with `plus_is_space`, `+` becomes a space.
/// A `%` not followed by two hex digits is kept as it is.
std::string percent_decode(std::string_view text, bool plus_is_space);

/// Returns the canonical URI of `path`: each segment decoded, then encoded
/// with `percent_encode`, and a trailing `/` added when missing. An empty
/// path gives `/`.
std::string canonical_uri(std::string_view path);

/// Splits an encoded query string (without `?`) into decoded name/value
/// pairs. `+` is read as a space, as in HTML form encoding; the client itself
/// always sends `%20` and `%2B`. A parameter without `=` gets an empty value.
name_value_list parse_query(std::string_view encoded_query);

/// Returns the canonical query: pairs sorted by decoded name, then decoded
/// value (byte order), each written as `encode(name)=encode(value)` (the `=`
/// kept for empty values) and joined by `&`.
///
/// NOTE: sorting the encoded strings instead would differ only where one
/// string has an encoded byte and the other an unreserved one at the same
/// position (e.g. `a.b` and `a/b`); no vector covers that case.
std::string canonical_query(name_value_list params);

/// Returns the lower-case hex SHA-256 of `data`.
std::string sha256_hex(std::string_view data);

/// Returns the lower-case hex HMAC-SHA256 of `data` keyed with `key`.
std::string hmac_sha256_hex(std::string_view key, std::string_view data);

/// Formats `time` as an `X-Sdk-Date` value, UTC `YYYYMMDDTHHMMSSZ`.
std::string format_sdk_date(std::chrono::system_clock::time_point time);

}  // namespace swr::detail

#endif
