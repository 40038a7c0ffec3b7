#ifndef SWR_SRC_ERRORS_HPP
#define SWR_SRC_ERRORS_HPP

#include <swr/error.hpp>

#include <string>

namespace swr::detail {

/// Returns error details that carry only a message.
inline error_info message_info(std::string message)
{
    error_info info;
    info.message = std::move(message);
    return info;
}

/// Throws `swr::exception` with `errc::invalid_argument` and `message`.
[[noreturn]] inline void throw_invalid_argument(std::string message)
{
    throw_error(errc::invalid_argument, message_info(std::move(message)));
}

}  // namespace swr::detail

#endif
