#ifndef SWR_CLI_STATUS_OUTPUT_HPP
#define SWR_CLI_STATUS_OUTPUT_HPP

#include "options.hpp"

#include <cstddef>
#include <cstdio>
#include <string>
#include <string_view>

namespace swr::cli {

/// Decides whether the progress line is drawn. `automatic` draws it only
/// when standard error is a terminal and the listing does not go to a
/// terminal, because a line redrawn with '\r' would garble listing rows
/// written to the same screen. `quiet` turns it off whatever the mode.
bool should_show_progress(progress_mode mode, bool quiet, bool stderr_is_terminal,
                          bool listing_on_terminal) noexcept;

/// Returns the width in columns of the terminal open on `descriptor`, or
/// `fallback` when it is not a terminal or reports a width of 0.
std::size_t terminal_width(int descriptor, std::size_t fallback) noexcept;

/// Standard error of the CLI: message lines, each prefixed with the program
/// name, and below them one progress line that is redrawn in place with
/// '\r' and cleared before every message and at the end.
///
/// Not thread-safe; the CLI uses it from its one thread.
class status_output {
public:
    /// Writes to `stream` (standard error in the CLI); draws the progress
    /// line only when `show_progress` is true.
    status_output(std::FILE* stream, std::string_view program_name, bool show_progress);

    bool shows_progress() const noexcept { return show_progress_; }

    /// Replaces the progress line with `text`, which must not contain a line
    /// break. Does nothing when progress is not shown.
    void show_progress(std::string_view text);

    /// Writes `PROGRAM: text` and a newline, after clearing the progress
    /// line. Control characters in `text` are escaped, so one call always
    /// writes one line.
    void print_line(std::string_view text);

    /// Blanks the progress line and returns the cursor to its start.
    void clear_progress();

private:
    void write(std::string_view text);

    std::FILE* stream_;
    std::string prefix_;
    bool show_progress_;
    std::size_t shown_width_ = 0;
};

}  // namespace swr::cli

#endif
