#ifndef SWR_EMULATOR_RESPONSES_HPP
#define SWR_EMULATOR_RESPONSES_HPP

// JSON text and error bodies as SWR and its API gateway send them.

#include <atomic>
#include <cstdint>
#include <string>
#include <string_view>

namespace swr::emulator_detail {

/// `Content-Type` of SWR's responses, spelled as the service spells it.
inline constexpr std::string_view swr_content_type = "application/json;charset=utf8";

/// `Content-Type` of the API gateway's error responses.
inline constexpr std::string_view gateway_content_type = "application/json";

/// Appends `text` as a JSON string literal, quotes included. `text` must be
/// UTF-8; it is copied as it is apart from `"`, `\` and control characters.
void append_json_string(std::string& out, std::string_view text);

/// Renders an SWR error body in the current format, which carries both
/// generations of fields:
/// `{"errors":[{"errorCode","errorMessage","detail"}],"error_code","error_msg","details":[...]}`.
std::string render_swr_error(std::string_view code, std::string_view message);

/// Renders an API gateway error body: `{"error_code","error_msg","request_id"}`.
std::string render_gateway_error(std::string_view code, std::string_view message,
                                 std::string_view request_id);

/// Produces `X-Request-Id` values: 32 lower-case hex digits, unique for the
/// generator's lifetime. Thread-safe.
class request_id_generator {
public:
    /// `seed` makes the ids of different emulators differ.
    explicit request_id_generator(std::uint64_t seed);

    std::string next();

private:
    std::uint64_t seed_;
    std::atomic<std::uint64_t> counter_{0};
};

/// One step of the splitmix64 generator: advances `state` and returns a
/// well-mixed 64-bit value. Deterministic, so generated data is reproducible.
std::uint64_t splitmix64(std::uint64_t& state);

}  // namespace swr::emulator_detail

#endif
