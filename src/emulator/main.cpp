// swr-emulator: runs the SWR emulator until SIGINT or SIGTERM.

#include <swr/emulator.hpp>

#include "emulator/command_line.hpp"
#include "emulator/stats.hpp"
#include "stop_signals.hpp"

#include <boost/asio/io_context.hpp>

#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace {

namespace fs = std::filesystem;
using swr::emulator_detail::usage_error;

constexpr int exit_start_failed = 1;
constexpr int exit_usage = 2;

// Creates a private directory for the TLS files under $TMPDIR, or /tmp.
std::string make_temporary_tls_dir()
{
    const char* base = std::getenv("TMPDIR");
    std::string pattern = std::string(base != nullptr && *base != '\0' ? base : "/tmp") + "/swr-emulator-XXXXXX";
    if (::mkdtemp(pattern.data()) == nullptr) {
        throw std::runtime_error("cannot create a temporary TLS directory from " + pattern + ": " +
                                 std::strerror(errno));
    }
    return pattern;
}

int run(const std::vector<std::string>& arguments)
{
    swr::emulator_detail::command_line command = swr::emulator_detail::parse_command_line(arguments);
    if (command.show_help) {
        std::cout << swr::emulator_detail::usage_text();
        return EXIT_SUCCESS;
    }
    if (command.show_version) {
        std::cout << "swr-emulator " << SWR_EMULATOR_VERSION << '\n';
        return EXIT_SUCCESS;
    }

    // A data file that cannot be read is an invalid option value; a file
    // with invalid content is reported when the emulator starts.
    swr::emulator_options& options = command.options;
    if (!options.data_file.empty() && !std::ifstream(options.data_file)) {
        throw usage_error("invalid value '" + options.data_file + "' for --data: the file cannot be opened");
    }

    swr::emulator_detail::load_faults(command);
    swr::emulator_detail::load_credential_files(command);

    // The token comes from --token-file (read above) or the environment,
    // never the command line.
    if (command.token_file.empty()) {
        if (const char* token = std::getenv("SWR_EMULATOR_TOKEN"); token != nullptr) {
            options.token = token;
        }
    }

    std::mutex log_mutex;
    options.log = [&log_mutex](std::string_view message) {
        std::lock_guard lock(log_mutex);
        std::cerr << "swr-emulator: " << message << std::endl;
    };

    // Before the temporary directory and the threads: a signal during start-up
    // then waits until the emulator is ready, and the directory is removed.
    boost::asio::io_context context(static_cast<int>(command.threads));
    swr::detail::stop_signals signals(context.get_executor());

    std::string temporary_tls_dir;
    if (!command.tls_dir_given) {
        temporary_tls_dir = make_temporary_tls_dir();
        options.tls_dir = temporary_tls_dir;
    }
    struct directory_remover {
        const std::string& path;
        ~directory_remover()
        {
            std::error_code ignored;
            if (!path.empty()) {
                fs::remove_all(path, ignored);
            }
        }
    } remove_temporary_tls_dir{temporary_tls_dir};

    swr::emulator server(context.get_executor(), options);
    try {
        server.start();
    } catch (const std::exception& e) {
        std::cerr << "swr-emulator: error: " << e.what() << std::endl;
        return exit_start_failed;
    }

    signals.async_wait([&server, &options](const boost::system::error_code& error, int signal_number) {
        if (!error) {
            options.log("received signal " + std::to_string(signal_number) + ", stopping");
            server.stop();
        }
    });

    std::cout << "endpoint " << server.endpoint_url() << '\n'
              << "ca-file " << server.ca_file() << '\n'
              << "ready" << std::endl;

    std::vector<std::thread> threads;
    for (std::size_t i = 1; i < command.threads; ++i) {
        threads.emplace_back([&context] { context.run(); });
    }
    context.run();
    for (std::thread& thread : threads) {
        thread.join();
    }

    std::cerr << "swr-emulator: stopped; " << swr::emulator_detail::render_stats_line(server.stats()) << std::endl;
    return EXIT_SUCCESS;
}

}  // namespace

int main(int argc, char** argv)
{
    std::vector<std::string> arguments(argv + 1, argv + argc);
    try {
        return run(arguments);
    } catch (const usage_error& e) {
        std::cerr << "swr-emulator: " << e.what() << "\nTry 'swr-emulator --help' for the options.\n";
        return exit_usage;
    } catch (const std::invalid_argument& e) {
        std::cerr << "swr-emulator: " << e.what() << '\n';
        return exit_usage;
    } catch (const std::exception& e) {
        std::cerr << "swr-emulator: error: " << e.what() << '\n';
        return exit_start_failed;
    }
}
