// swr-shared-repos: lists shared SWR repositories and streams them to standard
// output or to the --output file. Option parsing, formatting and the summary text live in the
// swr_cli_core library, and this file does the I/O on one io_context.

#include "credentials.hpp"
#include "escape.hpp"
#include "format.hpp"
#include "listing_output.hpp"
#include "options.hpp"
#include "proxy.hpp"
#include "report.hpp"
#include "status_output.hpp"
#include "stop_signals.hpp"

#include <swr/client.hpp>
#include <swr/credentials.hpp>
#include <swr/error.hpp>
#include <swr/page_stream.hpp>
#include <swr/rate_limiter.hpp>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

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

// State shared by the scan coroutines, the signal handler and main.
struct scan_run {
    scan_run(const cli::options& options, swr::page_stream stream, cli::status_output& status,
             cli::listing_output& output)
        : options(options), stream(std::move(stream)), status(status), formatter(cli::make_formatter(options.format)),
          output(output)
    {
    }

    const cli::options& options;
    swr::page_stream stream;
    cli::status_output& status;
    std::unique_ptr<cli::formatter> formatter;
    cli::listing_output& output;
    std::chrono::steady_clock::time_point started = std::chrono::steady_clock::now();

    /// Pages the scan will deliver, known once the first page arrived.
    std::optional<std::int64_t> total_pages;

    /// SIGINT or SIGTERM once one arrived, else 0.
    int signal_number = 0;

    /// Whether the closing part of the listing was written.
    bool finished = false;

    /// Whether write_listing returned, so the progress line stops.
    bool ended = false;
};

// Writes `buffer` to the listing output and empties it. Returns false after
// a write error.
bool write_buffer(scan_run& run, std::string& buffer)
{
    bool written = run.output.write(buffer);
    buffer.clear();
    return written;
}

// Pulls every page from the stream and writes it out as soon as it arrives.
asio::awaitable<void> write_listing(scan_run& run)
{
    std::string buffer;
    run.formatter->begin(buffer);
    if (!write_buffer(run, buffer))
        co_return;

    for (;;) {
        std::optional<swr::page> page = co_await run.stream.next();
        if (!page)
            break;

        run.formatter->write_page(page->items, buffer);
        if (!write_buffer(run, buffer)) {
            run.stream.cancel();
            co_return;
        }

        // The first page reports the total and reveals the page size the server uses.
        swr::scan_summary so_far = run.stream.summary();
        if (!run.total_pages && so_far.total) {
            auto received = static_cast<std::int64_t>(page->items.size());
            bool short_page = received > 0 && received < page->limit && page->offset + received < *so_far.total;
            run.total_pages = cli::expected_pages(so_far.total, run.options.start_offset,
                                                  short_page ? received : page->limit);
        }
        // The next pages are parsed into these items, which saves about 800
        // allocations a page.
        run.stream.recycle(std::move(*page));
    }

    run.formatter->finish(buffer);
    if (write_buffer(run, buffer))
        run.finished = true;
}

// Returns the progress line for the scan so far, fitted to the terminal.
std::string render_progress(const scan_run& run)
{
    swr::scan_summary so_far = run.stream.summary();
    cli::progress progress;
    progress.pages = so_far.pages;
    progress.total_pages = run.total_pages;
    progress.items = so_far.items;
    if (so_far.total)
        progress.total_items = std::max<std::int64_t>(0, *so_far.total - run.options.start_offset);
    progress.requests = so_far.requests;
    progress.elapsed = std::chrono::steady_clock::now() - run.started;

    // Without a terminal (--progress always into a file), COLUMNS or 80.
    std::size_t fallback_width = 80;
    if (const char* columns = std::getenv("COLUMNS"); columns != nullptr && std::atoi(columns) > 0)
        fallback_width = static_cast<std::size_t>(std::atoi(columns));
    return cli::format_progress(progress, cli::terminal_width(STDERR_FILENO, fallback_width));
}

// Redraws the progress line 10 times a second until `timer` is cancelled,
// so the rate and the ETA move on while a slow page is awaited.
asio::awaitable<void> show_progress(scan_run& run, asio::steady_timer& timer)
{
    for (;;) {
        run.status.show_progress(render_progress(run));
        timer.expires_after(std::chrono::milliseconds(100));
        auto [ec] = co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
        if (ec || run.ended)
            co_return;
    }
}

// Returns the library's log settings: `--log-level`, written to standard error.
swr::log_options make_log_options(const cli::options& options, cli::status_output& status)
{
    swr::log_options settings;
    settings.level = options.log;
    settings.sink = [&status](swr::log_level level, std::string_view message) {
        status.print_line(std::string(swr::to_string(level)) + ": " + std::string(message));
    };
    return settings;
}

swr::client_options make_client_options(const cli::options& options,
                                        std::shared_ptr<swr::credentials_provider> credentials,
                                        cli::status_output& status)
{
    swr::client_options settings;
    settings.endpoint = options.endpoint;
    settings.region = options.region;
    settings.credentials = std::move(credentials);
    settings.tls.ca_file = options.ca_file;
    settings.proxy = cli::make_proxy_options(options);
    settings.timeouts.connect = options.connect_timeout;
    settings.timeouts.handshake = options.connect_timeout;
    settings.timeouts.request = options.request_timeout;
    settings.retry.max_attempts = options.max_attempts;
    settings.max_idle_connections = options.concurrency;
    settings.log = make_log_options(options, status);
    return settings;
}

swr::scan_options make_scan_options(const cli::options& options)
{
    swr::scan_options settings;
    settings.page_size = options.page_size;
    settings.max_in_flight = options.concurrency;
    settings.speculative_pages = options.speculative_pages;
    settings.start_offset = options.start_offset;
    if (options.rate)
        settings.limiter = std::make_shared<swr::rate_limiter>(*options.rate, options.burst);
    return settings;
}

// Returns the exit status for the end of a scan stopped by `signal_number`.
int signal_exit_status(int signal_number)
{
    return signal_number == SIGTERM ? cli::exit_terminated : cli::exit_interrupted;
}

// Decides the exit status of a scan that ended, and reports its error.
int decide_exit_status(scan_run& run, const std::exception_ptr& failure)
{
    const bool stopped_by_signal = run.signal_number != 0;
    if (failure) {
        int exit_status = cli::exit_scan_failed;
        try {
            std::rethrow_exception(failure);
        } catch (const swr::exception& e) {
            exit_status = cli::exit_status_for(e.code(), stopped_by_signal);
            if (exit_status != cli::exit_interrupted)
                run.status.print_line("error: " + cli::error_text(e));
        } catch (const boost::system::system_error& e) {
            exit_status = cli::exit_status_for(e.code(), stopped_by_signal);
            if (exit_status != cli::exit_interrupted)
                run.status.print_line("error: " + std::string(e.what()));
        } catch (const std::exception& e) {
            run.status.print_line("error: " + std::string(e.what()));
        }
        return exit_status == cli::exit_interrupted ? signal_exit_status(run.signal_number) : exit_status;
    }
    if (!run.output.error().empty()) {
        run.status.print_line("error: " + run.output.error());
        return cli::exit_scan_failed;
    }
    if (stopped_by_signal && !run.finished)
        return signal_exit_status(run.signal_number);
    return cli::exit_status_for(run.stream.summary());
}

// Renames a complete listing into place, or keeps an incomplete one as
// FILE.partial, and returns the final exit status.
int settle_output(scan_run& run, int exit_status, std::int64_t records)
{
    if (exit_status == cli::exit_success) {
        std::string error = run.output.commit();
        if (error.empty())
            return exit_status;
        run.status.print_line("error: " + error);
        exit_status = cli::exit_scan_failed;
    }
    if (std::string note = run.output.abandon(records); !note.empty())
        run.status.print_line(note);
    return exit_status;
}

// Runs the scan to the end, writing the listing to `output`, and returns the
// exit status.
int run_scan(const cli::options& options, const cli::credential_plan& plan, cli::listing_output& output)
{
    const bool listing_on_terminal = !output.is_file() && ::isatty(STDOUT_FILENO) == 1;
    cli::status_output status(stderr, program_name,
                              cli::should_show_progress(options.progress, options.quiet,
                                                        ::isatty(STDERR_FILENO) == 1, listing_on_terminal));
    asio::io_context io;

    // The log names the credential source, never a secret.
    if (options.log <= swr::log_level::info)
        status.print_line("info: " + cli::describe(plan));

    // Reading the secrets, the client and the stream check every setting
    // before any network I/O, so an invalid_argument here is a usage error.
    std::optional<swr::client> client;
    std::optional<swr::page_stream> stream;
    try {
        std::shared_ptr<swr::credentials_provider> credentials = cli::make_credentials(
            plan, options, cli::process_environment(), io.get_executor(), make_log_options(options, status));
        client.emplace(io.get_executor(), make_client_options(options, std::move(credentials), status));
        stream.emplace(client->scan(options.request, make_scan_options(options)));
    } catch (const swr::exception& e) {
        status.print_line("error: " + cli::error_text(e));
        return e.code() == swr::errc::invalid_argument ? cli::exit_usage : cli::exit_scan_failed;
    }

    scan_run run(options, std::move(*stream), status, output);

    // The first SIGINT or SIGTERM cancels the scan, which then ends with what
    // was already written. A second one exits at once, keeping that too.
    // Blocked only here, so a signal still ends the program while a secret
    // file (a FIFO, say) blocks its read. No thread starts before io.run().
    swr::detail::stop_signals signals(io.get_executor());
    std::function<void(boost::system::error_code, int)> on_signal = [&](boost::system::error_code ec,
                                                                         int signal_number) {
        if (ec)
            return;
        if (run.signal_number != 0) {
            if (std::string note = run.output.abandon(run.stream.summary().items); !note.empty())
                status.print_line(note);
            std::fflush(stdout);
            std::_Exit(signal_exit_status(signal_number));
        }
        run.signal_number = signal_number;
        status.print_line(signal_number == SIGINT
                              ? "interrupted; stopping the scan (press Ctrl-C again to exit at once)"
                              : "terminated; stopping the scan (a second SIGTERM exits at once)");
        run.stream.cancel();
        signals.async_wait(on_signal);
    };
    signals.async_wait(on_signal);

    asio::steady_timer progress_timer(io);
    if (status.shows_progress())
        asio::co_spawn(io, show_progress(run, progress_timer), asio::detached);

    std::exception_ptr failure;
    asio::co_spawn(io, write_listing(run), [&](std::exception_ptr error) {
        failure = error;
        run.ended = true;
        signals.cancel();
        progress_timer.cancel();
    });
    io.run();

    // Decide the exit status, put the listing in place and report.
    const swr::scan_summary summary = run.stream.summary();
    int exit_status = decide_exit_status(run, failure);
    exit_status = settle_output(run, exit_status, summary.items);
    if (exit_status != cli::exit_success || !options.quiet)
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
        std::fprintf(stderr, "%s: error: %s\n", program_name.data(),
                     cli::escape_control_characters(parsed.error).c_str());
        return cli::exit_usage;
    case cli::command::run:
        break;
    }

    std::string error = check_ca_file(parsed.options.ca_file);
    cli::credential_plan_result credentials;
    if (error.empty()) {
        credentials = cli::plan_credentials(parsed.options, cli::process_environment());
        error = credentials.error;
    }
    // The output file is created before any connection, so that a wrong
    // path is reported at once rather than after a long scan.
    cli::listing_output output;
    if (error.empty())
        error = output.open(parsed.options.output_path);
    if (!error.empty()) {
        std::fprintf(stderr, "%s: error: %s\n", program_name.data(), cli::escape_control_characters(error).c_str());
        return cli::exit_usage;
    }

    // Buffer standard output in 64 KiB blocks. write_listing still flushes after every page.
    static char output_buffer[1 << 16];
    std::setvbuf(stdout, output_buffer, _IOFBF, sizeof output_buffer);

    return run_scan(parsed.options, *credentials.plan, output);
}
