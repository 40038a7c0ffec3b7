#ifndef SWR_SRC_RESPONSE_HPP
#define SWR_SRC_RESPONSE_HPP

#include <swr/error.hpp>

#include <string>
#include <string_view>

namespace swr::detail {

/// Service error code and message found in an error response body.
struct error_body {
    std::string code;        ///< e.g. `SVCSTG.SWR.4000056` or `APIG.0308`.
    std::string message;     ///< The server's message, shortened to a readable length.
    std::string request_id;  ///< The gateway's `request_id`, when present.
};

/// Extracts the error code and message from any of the formats SWR and its
/// API gateway use: the current SWR object (`errors` array plus
/// `error_code`/`error_msg`), the older bare array of
/// `{errorCode, errorMessage}`, and the gateway's `{error_code, error_msg,
/// request_id}`. Anything else yields an empty code and, for short
/// printable bodies, the body text as the message.
error_body parse_error_body(std::string_view body);

/// Maps an HTTP status and service error code to the library's error.
errc classify_status(int status, std::string_view service_code) noexcept;

/// True for SWR's own "too many requests" codes, which come with 403.
bool is_swr_throttling_code(std::string_view service_code) noexcept;

}  // namespace swr::detail

#endif
