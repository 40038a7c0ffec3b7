// Runs a scan inside an io_context that serves other work at the same time.
// A timer ticks every 10 ms on the same thread while the pages arrive. Its
// tick count grows during the scan because no library call blocks the loop.
//
// Usage: SWR_AUTH_TOKEN=... embedded_scan ENDPOINT [CA_FILE]
// Prints one line per page, then "N repositories in P pages" and
// "the timer ticked T times during the scan".

#include <swr/swr.hpp>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <exception>
#include <iostream>

namespace asio = boost::asio;
using namespace std::chrono_literals;

// The other work of the program: counts 10 ms ticks until `running` is false.
asio::awaitable<void> tick(asio::steady_timer& timer, const bool& running, std::uint64_t& ticks)
{
    while (running) {
        timer.expires_after(10ms);
        auto [error] = co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
        if (error)
            co_return;  // cancelled by the end of the scan
        ++ticks;
    }
}

// Scans the repositories shared with this account, then stops the ticker.
asio::awaitable<void> scan(swr::client& client, asio::steady_timer& timer, bool& running,
                           const std::uint64_t& ticks)
{
    swr::shared_repositories_request request;
    request.center = swr::center::thirdparty;

    swr::scan_options options;
    options.max_in_flight = 2;

    swr::page_stream pages = client.scan(request, options);
    while (std::optional<swr::page> page = co_await pages.next())
        std::cout << "page at offset " << page->offset << ": " << page->items.size()
                  << " repositories, timer ticks so far: " << ticks << '\n';

    running = false;
    timer.cancel();

    swr::scan_summary summary = pages.summary();
    std::cout << summary.items << " repositories in " << summary.pages << " pages\n"
              << "the timer ticked " << ticks << " times during the scan\n";
}

int main(int argc, char** argv)
{
    const char* token = std::getenv("SWR_AUTH_TOKEN");
    if (argc < 2 || !token) {
        std::cerr << "usage: SWR_AUTH_TOKEN=... " << argv[0] << " ENDPOINT [CA_FILE]\n";
        return 2;
    }

    asio::io_context io;
    swr::client_options options;
    options.endpoint = argv[1];
    options.tls.ca_file = argc > 2 ? argv[2] : "";
    options.credentials = swr::make_token_credentials(token);
    swr::client client(io.get_executor(), options);

    // Both coroutines run on the one thread that calls io.run().
    asio::steady_timer timer(io);
    bool running = true;
    std::uint64_t ticks = 0;
    asio::co_spawn(io, tick(timer, running, ticks), asio::detached);

    int status = 0;
    asio::co_spawn(io, scan(client, timer, running, ticks), [&](std::exception_ptr error) {
        if (!error)
            return;
        running = false;
        timer.cancel();
        try {
            std::rethrow_exception(error);
        } catch (const std::exception& failure) {
            std::cerr << "scan failed: " << failure.what() << '\n';
            status = 1;
        }
    });
    io.run();
    return status;
}
