#include "status_output.hpp"

#include "escape.hpp"

#include <sys/ioctl.h>
#include <unistd.h>

namespace swr::cli {

bool should_show_progress(progress_mode mode, bool quiet, bool stderr_is_terminal,
                          bool listing_on_terminal) noexcept
{
    if (quiet)
        return false;
    switch (mode) {
    case progress_mode::always:
        return true;
    case progress_mode::never:
        return false;
    case progress_mode::automatic:
        break;
    }
    return stderr_is_terminal && !listing_on_terminal;
}

std::size_t terminal_width(int descriptor, std::size_t fallback) noexcept
{
    winsize size{};
    if (::ioctl(descriptor, TIOCGWINSZ, &size) != 0 || size.ws_col == 0)
        return fallback;
    return size.ws_col;
}

status_output::status_output(std::FILE* stream, std::string_view program_name, bool show_progress)
    : stream_(stream), prefix_(std::string(program_name) + ": "), show_progress_(show_progress)
{
}

void status_output::show_progress(std::string_view text)
{
    if (!show_progress_)
        return;

    // Spaces cover the end of a longer line drawn before.
    std::string line = "\r";
    line += text;
    if (text.size() < shown_width_)
        line.append(shown_width_ - text.size(), ' ');
    shown_width_ = text.size();
    write(line);
}

void status_output::print_line(std::string_view text)
{
    clear_progress();
    std::string line = prefix_;
    line += escape_control_characters(text);
    line += '\n';
    write(line);
}

void status_output::clear_progress()
{
    if (shown_width_ == 0)
        return;
    std::string blank = "\r";
    blank.append(shown_width_, ' ');
    blank += '\r';
    write(blank);
    shown_width_ = 0;
}

void status_output::write(std::string_view text)
{
    std::fwrite(text.data(), 1, text.size(), stream_);
    std::fflush(stream_);
}

}  // namespace swr::cli
