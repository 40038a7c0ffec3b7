// Soak run: scans a large emulated listing while the emulator injects random
// retryable faults, then checks that every repository arrived exactly once.
//
// Usage: swr-soak [REPOSITORIES] [FAULT_PROBABILITY] [MAX_IN_FLIGHT]
// Defaults: 1000000 repositories, 0.01, 16. Everything runs on 127.0.0.1.

#include <swr/client.hpp>
#include <swr/emulator.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <string>
#include <unordered_set>

namespace asio = boost::asio;

namespace {

struct soak_settings {
    std::int64_t repositories = 1'000'000;
    double fault_probability = 0.01;
    std::size_t max_in_flight = 16;
};

soak_settings read_arguments(int argc, char** argv)
{
    soak_settings settings;
    if (argc > 1)
        settings.repositories = std::atoll(argv[1]);
    if (argc > 2)
        settings.fault_probability = std::atof(argv[2]);
    if (argc > 3)
        settings.max_in_flight = static_cast<std::size_t>(std::atoll(argv[3]));
    if (settings.repositories < 1 || settings.fault_probability < 0 || settings.fault_probability > 1 ||
        settings.max_in_flight < 1) {
        std::cerr << "usage: swr-soak [REPOSITORIES >= 1] [FAULT_PROBABILITY 0..1] [MAX_IN_FLIGHT >= 1]\n";
        std::exit(2);
    }
    return settings;
}

}  // namespace

int main(int argc, char** argv)
{
    soak_settings settings = read_arguments(argc, argv);
    auto tls_dir = std::filesystem::temp_directory_path() / ("swr-soak-" + std::to_string(::getpid()));

    swr::emulator_options server_options;
    server_options.tls_dir = tls_dir.string();
    server_options.repositories = settings.repositories;
    server_options.fault_probability = settings.fault_probability;
    server_options.fault_seed = 20261204;
    swr::emulator_thread server(server_options, 1);

    asio::io_context io;
    swr::client_options client_options;
    client_options.endpoint = server.get().endpoint_url();
    client_options.tls.ca_file = server.get().ca_file();
    client_options.credentials = swr::make_token_credentials("soak-token-unused");
    client_options.retry.max_attempts = 10;
    // Random 429s carry Retry-After: 0; keep the soak from pausing for seconds each time.
    client_options.throttle.min_pause = std::chrono::milliseconds(0);
    client_options.throttle.jitter = std::chrono::milliseconds(5);
    client_options.backoff.initial = std::chrono::milliseconds(5);
    client_options.retry_budget.capacity = 0;
    swr::client client(io.get_executor(), client_options);

    std::unordered_set<std::string> seen;
    std::int64_t delivered = 0;
    std::int64_t repeated = 0;
    swr::scan_summary summary;
    std::string failure;
    auto started = std::chrono::steady_clock::now();

    asio::co_spawn(
        io,
        [&]() -> asio::awaitable<void> {
            swr::shared_repositories_request request;
            request.center = swr::center::self;
            swr::scan_options scan;
            scan.page_size = 1000;
            scan.max_in_flight = settings.max_in_flight;
            auto stream = client.scan(request, scan);
            while (auto page = co_await stream.next()) {
                for (const auto& item : page->items) {
                    ++delivered;
                    if (!seen.insert(item.namespace_name + "/" + item.name).second)
                        ++repeated;
                }
            }
            summary = stream.summary();
        },
        [&](std::exception_ptr error) {
            try {
                if (error)
                    std::rethrow_exception(error);
            } catch (const std::exception& e) {
                failure = e.what();
            }
        });
    io.run();

    auto seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    auto faults = server.get().stats();
    std::error_code ignored;
    std::filesystem::remove_all(tls_dir, ignored);

    std::cout << "repositories expected " << settings.repositories << ", delivered " << delivered
              << ", distinct " << seen.size() << ", repeated " << repeated << "\n"
              << "requests " << summary.requests << ", retries " << summary.retries << ", throttled pages "
              << summary.throttled << ", server requests " << faults.requests << "\n"
              << "elapsed " << seconds << " s\n";
    if (!failure.empty()) {
        std::cout << "FAILED: " << failure << "\n";
        return 1;
    }
    bool exact = delivered == settings.repositories && repeated == 0 &&
                 static_cast<std::int64_t>(seen.size()) == settings.repositories && summary.complete;
    std::cout << (exact ? "OK: every repository arrived exactly once\n" : "FAILED: the listing is not exact\n");
    return exact ? 0 : 1;
}
