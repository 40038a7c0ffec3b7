#ifndef SWR_LOG_HPP
#define SWR_LOG_HPP

#include <cstddef>
#include <functional>
#include <string_view>

namespace swr {

/// Severity of a log message, from the most verbose to none.
enum class log_level { trace, debug, info, warning, error, off };

/// Returns the lower-case name of `level` ("trace" ... "off").
std::string_view to_string(log_level level) noexcept;

/// Parses a level name as written by `to_string`; returns false for any other text.
bool parse_log_level(std::string_view text, log_level& level) noexcept;

/// Where and how much the library logs. Silent by default.
///
/// Messages below `level` are never formatted. The sink may be called from
/// any thread that runs the client's executor, so it must be thread-safe when
/// the executor is multi-threaded. Messages never contain secrets.
struct log_options {
    /// Lowest level that reaches the sink. Default: `off`.
    log_level level = log_level::off;

    /// Receives each message (one line, no trailing newline).
    std::function<void(log_level, std::string_view)> sink;

    /// Messages of one kind (retries, throttling pauses, connections
    /// closed, failed requests) written per second at most; the ones over
    /// the limit are counted, and the count is appended to the next message
    /// of that kind that is written. 0: no limit. Default: 10.
    std::size_t repeat_limit = 10;
};

}  // namespace swr

#endif
