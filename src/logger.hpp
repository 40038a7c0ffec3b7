#ifndef SWR_SRC_LOGGER_HPP
#define SWR_SRC_LOGGER_HPP

#include "redact.hpp"

#include <swr/log.hpp>

#include <string_view>

namespace swr::detail {

/// The library's one path to the caller's log sink.
///
/// Callers check `enabled` before building a message, so nothing is
/// formatted below the configured level. Messages must be built only from
/// values that are not secret: never from headers or credentials. As a
/// safety net, `write` passes every message through `redact`, which costs
/// nothing when the level is disabled.
class logger {
public:
    explicit logger(log_options options) : options_(std::move(options)) {}

    bool enabled(log_level level) const noexcept
    {
        return options_.sink && level != log_level::off && level >= options_.level;
    }

    void write(log_level level, std::string_view message) const
    {
        if (enabled(level))
            options_.sink(level, redact(message));
    }

private:
    log_options options_;
};

}  // namespace swr::detail

#endif
