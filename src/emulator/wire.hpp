#ifndef SWR_EMULATOR_WIRE_HPP
#define SWR_EMULATOR_WIRE_HPP

// Turns a response plan into the bytes a connection writes and the steps
// around them (pauses, resets, closes), so that every delivery fault is
// decided and tested here and server.cpp only carries the steps out.

#include "emulator/handler.hpp"

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <vector>

namespace swr::emulator_detail {

/// One thing a connection does while sending a response.
struct wire_step {
    enum class kind {
        /// Write `bytes`: in one write when `chunk_bytes` is 0, otherwise in
        /// writes of `chunk_bytes` with a pause of `duration` between them.
        write,

        /// Wait for `duration`.
        pause,

        /// Read and discard until the client closes the connection or the
        /// emulator stops, then close the socket. Ends the connection.
        wait_for_client_close,

        /// Reset the TCP connection: SO_LINGER 0, then close. Ends the connection.
        reset,

        /// Send TLS close_notify, then close the socket. Ends the connection.
        close_with_notify,

        /// Close TCP without a TLS close_notify. Ends the connection.
        close_without_notify,
    };

    kind action = kind::write;
    std::string bytes;
    std::size_t chunk_bytes = 0;
    std::chrono::milliseconds duration{0};

    friend bool operator==(const wire_step&, const wire_step&) = default;
};

/// Everything a connection does to send one response.
struct wire_plan {
    std::vector<wire_step> steps;

    /// Whether the client receives the whole response (status line, header
    /// block and every byte of the body).
    bool complete = true;

    /// Whether the last step ends the connection; otherwise it can read the
    /// next request.
    bool ends_connection = false;

    /// When the connection stays open: close it (with close_notify) once it
    /// has been idle this long. Empty: the usual idle timeout.
    std::optional<std::chrono::milliseconds> idle_close;
};

/// Renders the status line and header block of `plan`, blank line included:
/// the plan's fields in order, then `Content-Length` (except for 204 and
/// 304) and, without keep-alive, `Connection: close`.
std::string render_response_head(const response_plan& plan, bool keep_alive);

/// Plans the sending of `plan`: its delay, then its bytes in the way its
/// delivery fault sets, then a clean close when the connection is not kept
/// alive or `plan.idle_close` is 0.
wire_plan plan_wire(const response_plan& plan, bool keep_alive);

}  // namespace swr::emulator_detail

#endif
