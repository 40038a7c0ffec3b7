// swr-shared-repos: lists shared SWR repositories and streams them to standard
// output. Option parsing, formatting and the summary text live in the
// swr_cli_core library, and this file does the I/O on one io_context.

#include "format.hpp"
#include "options.hpp"
#include "report.hpp"

#include <swr/client.hpp>
#include <swr/credentials.hpp>
#include <swr/error.hpp>
#include <swr/page_stream.hpp>
#include <swr/rate_limiter.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <unistd.h>

namespace {

namespace asio = boost::asio;
namespace cli = swr::cli;

constexpr std::string_view program_name = "swr-shared-repos";
constexpr std::string_view token_variable = "SWR_AUTH_TOKEN";

// Writes to standard error, and keeps a progress line at the bottom when
// progress is enabled. Everything runs on the main thread.
class status_output {
public:
    explicit status_output(bool show_progress) : show_progress_(show_progress) {}

    bool shows_progress() const noexcept { return show_progress_; }

    // Redraws the progress line in place.
    void show_progress(const std::string& text)
    {
        if (!show_progress_)
            return;
        std::string line = "\r" + text;
        if (text.size() < shown_width_)
            line.append(shown_width_ - text.size(), ' ');
        shown_width_ = text.size();
        write(line);
    }

    // Writes one full line, first clearing the progress line if any.
    void print_line(std::string_view text)
    {
        clear_progress();
        std::string line(program_name);
        line += ": ";
        line += text;
        line += '\n';
        write(line);
    }

    void clear_progress()
    {
        if (shown_width_ == 0)
            return;
        std::string blank = "\r";
        blank.append(shown_width_, ' ');
        blank += '\r';
        write(blank);
        shown_width_ = 0;
    }

private:
    static void write(std::string_view text) { std::fwrite(text.data(), 1, text.size(), stderr); }

    bool show_progress_;
    std::size_t shown_width_ = 0;
};

// Writes the formatted listing to standard output, one flush per page.
class listing_output {
public:
    // Returns false and remembers errno when standard output cannot be written.
    bool write(std::string& text)
    {
        if (!text.empty() && std::fwrite(text.data(), 1, text.size(), stdout) != text.size())
            error_ = errno;
        if (error_ == 0 && std::fflush(stdout) != 0)
            error_ = errno;
        text.clear();
        return error_ == 0;
    }

    int error() const noexcept { return error_; }

private:
    int error_ = 0;
};

// Returns the credentials: the token file named by --token-file, else the
// token in SWR_AUTH_TOKEN. On failure returns null and sets `error` to a
// message that never contains the token.
std::shared_ptr<swr::credentials_provider> make_credentials(const cli::options& options, std::string& error)
{
    try {
        if (!options.token_file.empty()) {
            // The library would read a directory as an empty file; name the real problem.
            std::error_code ignored;
            if (std::filesystem::is_directory(options.token_file, ignored)) {
                error = "--token-file '" + options.token_file + "' is a directory; name the file containing the token";
                return nullptr;
            }

            // The provider reads the file again after a 401, so a process that
            // rewrites the file can renew the token during a long scan.
            return swr::make_token_credentials_from_file(options.token_file);
        }

        const char* variable = std::getenv(std::string(token_variable).c_str());
        if (variable == nullptr || *variable == '\0') {
            error = "no token: set " + std::string(token_variable) + " or pass --token-file FILE";
            return nullptr;
        }
        return swr::make_token_credentials(variable);
    } catch (const swr::exception& e) {
        error = e.info().message;
        return nullptr;
    }
}

// Returns an error message when the CA file cannot be opened, so that a
// typo is reported as a usage error before any connection is attempted.
std::string check_ca_file(const std::string& path)
{
    if (path.empty())
        return {};
    std::error_code ignored;
    if (std::filesystem::is_directory(path, ignored))
        return "--ca-file '" + path + "' is a directory; name a PEM file";
    std::ifstream file(path);
    if (!file)
        return "cannot read --ca-file '" + path + "': " + std::strerror(errno);
    return {};
}

// State shared by the scan coroutine, the signal handler and main.
struct scan_run {
    const cli::options& options;
    swr::page_stream stream;
    status_output& status;
    std::unique_ptr<cli::formatter> formatter;
    listing_output output;
    bool interrupted = false;
    bool finished = false;
};

// Pulls every page from the stream and writes it out as soon as it arrives.
asio::awaitable<void> write_listing(scan_run& run)
{
    using clock = std::chrono::steady_clock;
    const auto started = clock::now();
    auto last_redraw = clock::time_point{};
    std::optional<std::int64_t> total_pages;
    std::string buffer;

    run.formatter->begin(buffer);
    if (!run.output.write(buffer))
        co_return;

    for (;;) {
        std::optional<swr::page> page = co_await run.stream.next();
        if (!page)
            break;

        run.formatter->write_page(page->items, buffer);
        if (!run.output.write(buffer)) {
            run.stream.cancel();
            co_return;
        }

        // The first page reports the total and reveals the page size the server uses.
        swr::scan_summary so_far = run.stream.summary();
        if (!total_pages && so_far.total) {
            auto received = static_cast<std::int64_t>(page->items.size());
            bool short_page = received > 0 && received < page->limit && page->offset + received < *so_far.total;
            total_pages = cli::expected_pages(so_far.total, run.options.start_offset,
                                              short_page ? received : page->limit);
        }

        auto now = clock::now();
        if (run.status.shows_progress() && now - last_redraw >= std::chrono::milliseconds(100)) {
            cli::progress progress;
            progress.pages = so_far.pages;
            progress.total_pages = total_pages;
            progress.items = so_far.items;
            if (so_far.total)
                progress.total_items = std::max<std::int64_t>(0, *so_far.total - run.options.start_offset);
            progress.elapsed = now - started;
            run.status.show_progress(cli::format_progress(progress));
            last_redraw = now;
        }
    }

    run.formatter->finish(buffer);
    if (run.output.write(buffer))
        run.finished = true;
}

swr::client_options make_client_options(const cli::options& options,
                                        std::shared_ptr<swr::credentials_provider> credentials,
                                        status_output& status)
{
    swr::client_options settings;
    settings.endpoint = options.endpoint;
    settings.region = options.region;
    settings.credentials = std::move(credentials);
    settings.tls.ca_file = options.ca_file;
    settings.timeouts.connect = options.connect_timeout;
    settings.timeouts.handshake = options.connect_timeout;
    settings.timeouts.request = options.request_timeout;
    settings.retry.max_attempts = options.max_attempts;
    settings.max_idle_connections = options.concurrency;
    settings.log.level = options.log;
    settings.log.sink = [&status](swr::log_level level, std::string_view message) {
        status.print_line(std::string(swr::to_string(level)) + ": " + std::string(message));
    };
    return settings;
}

swr::scan_options make_scan_options(const cli::options& options)
{
    swr::scan_options settings;
    settings.page_size = options.page_size;
    settings.max_in_flight = options.concurrency;
    settings.start_offset = options.start_offset;
    if (options.rate)
        settings.limiter = std::make_shared<swr::rate_limiter>(*options.rate, options.burst);
    return settings;
}

// Runs the scan to the end and returns the exit status.
int run_scan(const cli::options& options, std::shared_ptr<swr::credentials_provider> credentials)
{
    // A progress line redrawn with '\r' would garble listing rows written to
    // the same terminal, so it is shown only when standard output goes elsewhere.
    status_output status(::isatty(STDERR_FILENO) == 1 && ::isatty(STDOUT_FILENO) == 0);
    asio::io_context io;

    // The client and the stream check every setting before any I/O, so an
    // invalid_argument here is a usage error.
    std::optional<swr::client> client;
    std::optional<swr::page_stream> stream;
    try {
        client.emplace(io.get_executor(), make_client_options(options, std::move(credentials), status));
        stream.emplace(client->scan(options.request, make_scan_options(options)));
    } catch (const swr::exception& e) {
        status.print_line("error: " + std::string(e.what()));
        return e.code() == swr::errc::invalid_argument ? cli::exit_usage : cli::exit_scan_failed;
    }

    scan_run run{options, std::move(*stream), status, cli::make_formatter(options.format), {}};

    // The first SIGINT cancels the scan, which then ends with what was already
    // written. A second one exits at once.
    asio::signal_set signals(io, SIGINT);
    std::function<void(boost::system::error_code, int)> on_signal = [&](boost::system::error_code ec, int) {
        if (ec)
            return;
        if (run.interrupted) {
            std::fflush(stdout);
            std::_Exit(cli::exit_interrupted);
        }
        run.interrupted = true;
        status.print_line("interrupted; stopping the scan (press Ctrl-C again to exit at once)");
        run.stream.cancel();
        signals.async_wait(on_signal);
    };
    signals.async_wait(on_signal);

    std::exception_ptr failure;
    asio::co_spawn(io, write_listing(run), [&](std::exception_ptr error) {
        failure = error;
        signals.cancel();
    });
    io.run();

    // Decide the exit status and report it.
    const swr::scan_summary summary = run.stream.summary();
    int exit_status = cli::exit_success;
    if (failure) {
        try {
            std::rethrow_exception(failure);
        } catch (const swr::exception& e) {
            exit_status = cli::exit_status_for(e.code(), run.interrupted);
            if (exit_status != cli::exit_interrupted)
                status.print_line("error: " + std::string(e.what()));
        } catch (const boost::system::system_error& e) {
            exit_status = cli::exit_status_for(e.code(), run.interrupted);
            if (exit_status != cli::exit_interrupted)
                status.print_line("error: " + std::string(e.what()));
        } catch (const std::exception& e) {
            exit_status = cli::exit_scan_failed;
            status.print_line("error: " + std::string(e.what()));
        }
    } else if (run.output.error() != 0) {
        exit_status = cli::exit_scan_failed;
        status.print_line("error: writing to standard output failed: " + std::string(std::strerror(run.output.error())));
    } else if (run.interrupted && !run.finished) {
        exit_status = cli::exit_interrupted;
    } else {
        exit_status = cli::exit_status_for(summary);
    }

    status.print_line(cli::format_summary(summary, exit_status));
    return exit_status;
}

}  // namespace

int main(int argc, char** argv)
{
    // A closed pipe on standard output must show up as a write error, so that
    // the scan stops cleanly and the summary is still printed.
    std::signal(SIGPIPE, SIG_IGN);

    std::vector<std::string_view> args(argv + 1, argv + argc);
    cli::parse_result parsed = cli::parse_options(args);

    switch (parsed.action) {
    case cli::command::help:
        std::fputs(cli::help_text().c_str(), stdout);
        return cli::exit_success;
    case cli::command::version:
        std::printf("%s %s\n", program_name.data(), SWR_CLI_VERSION);
        return cli::exit_success;
    case cli::command::invalid:
        std::fprintf(stderr, "%s: error: %s\n", program_name.data(), parsed.error.c_str());
        return cli::exit_usage;
    case cli::command::run:
        break;
    }

    std::string error = check_ca_file(parsed.options.ca_file);
    std::shared_ptr<swr::credentials_provider> credentials;
    if (error.empty())
        credentials = make_credentials(parsed.options, error);
    if (!credentials) {
        std::fprintf(stderr, "%s: error: %s\n", program_name.data(), error.c_str());
        return cli::exit_usage;
    }

    // Buffer standard output in 64 KiB blocks. write_listing still flushes after every page.
    static char output_buffer[1 << 16];
    std::setvbuf(stdout, output_buffer, _IOFBF, sizeof output_buffer);

    return run_scan(parsed.options, std::move(credentials));
}
