#ifndef SWR_LOG_HPP
#define SWR_LOG_HPP

#include <cstddef>
#include <functional>
#include <string_view>

namespace swr {

/// Severity of a log message, from the most verbose to none.
enum class log_level {
    trace,    ///< Most verbose. The library itself writes no message at this level.
    debug,    ///< Each response, and each connection opened or closed.
    info,     ///< Scans started and finished, renewed credentials, IAM tokens, the proxy choice.
    warning,  ///< Retries, throttling pauses, failed requests and token requests, changed listings.
    error,    ///< Failed scans.
    off,      ///< As `log_options::level`, turns logging off.
};

/// Returns the lower-case name of `level` ("trace" ... "off"), or "unknown"
/// for a value outside the enumeration.
std::string_view to_string(log_level level) noexcept;

/// Parses a level name as written by `to_string` (case-sensitive). Returns
/// false, leaving `level` unchanged, for any other text.
bool parse_log_level(std::string_view text, log_level& level) noexcept;

/// Where and how much the library logs. Silent by default.
///
/// Messages below `level` are never formatted. The sink is called
/// synchronously from any thread that runs the client's executor, and from
/// the thread that constructs the client or IAM provider (the proxy choice),
/// so it must be thread-safe when the executor is multi-threaded. It must
/// not throw. Messages have secrets masked before they reach the sink.
struct log_options {
    /// Lowest level that reaches the sink. Default: `off`.
    log_level level = log_level::off;

    /// Receives each message (one line, no trailing newline); the view is
    /// valid only during the call. Empty (default): nothing is logged.
    std::function<void(log_level, std::string_view)> sink;

    /// Messages of one kind (retries, throttling pauses, connections
    /// closed, failed requests) written per second at most; the ones over
    /// the limit are counted, and the count is appended to the next message
    /// of that kind that is written. 0: no limit. Default: 10.
    std::size_t repeat_limit = 10;
};

}  // namespace swr

#endif
