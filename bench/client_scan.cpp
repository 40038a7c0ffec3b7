#include "client_scan.hpp"

#include "process.hpp"

#include <swr/client.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>

#include <exception>
#include <stdexcept>

namespace swr::bench {

namespace asio = boost::asio;

namespace {

swr::client_options make_client_options(const scan_settings& settings)
{
    swr::client_options options;
    options.endpoint = settings.endpoint;
    options.tls.ca_file = settings.ca_file;
    options.credentials = swr::make_token_credentials(settings.token);
    // As the CLI does: every connection of the scan stays open between requests.
    options.max_idle_connections = settings.concurrency;
    return options;
}

asio::awaitable<void> consume(swr::client& client, const scan_settings& settings, scan_result& result)
{
    swr::shared_repositories_request request;
    request.center = swr::center::self;
    swr::scan_options options;
    options.page_size = settings.page_size;
    options.max_in_flight = settings.concurrency;
    options.start_offset = settings.start_offset;
    options.speculative_pages = settings.speculative_pages;
    options.limiter = settings.limiter;

    swr::page_stream pages = client.scan(request, options);
    while (std::optional<swr::page> page = co_await pages.next()) {
        ++result.pages;
        result.items += static_cast<std::int64_t>(page->items.size());
        if (settings.recycle)
            pages.recycle(std::move(*page));
    }
    if (!pages.summary().complete)
        throw std::runtime_error("the scan ended incomplete");
}

}  // namespace

scan_result run_client_scan(const scan_settings& settings)
{
    scan_result result;
    auto cpu_before = own_cpu_time();
    auto started = std::chrono::steady_clock::now();

    asio::io_context io(1);
    swr::client client(io.get_executor(), make_client_options(settings));
    std::exception_ptr failure;
    asio::co_spawn(
        io,
        [&]() -> asio::awaitable<void> {
            if (settings.warm_up_offset) {
                scan_settings warm_up = settings;
                warm_up.start_offset = *settings.warm_up_offset;
                warm_up.limiter = nullptr;
                scan_result ignored;
                co_await consume(client, warm_up, ignored);
                if (settings.after_warm_up)
                    settings.after_warm_up();
            }
            for (int scan = 0; scan < settings.scans; ++scan)
                co_await consume(client, settings, result);
        },
        [&failure](std::exception_ptr error) { failure = error; });
    io.run();

    result.wall = std::chrono::steady_clock::now() - started;
    result.cpu = own_cpu_time() - cpu_before;
    swr::client_stats stats = client.stats();
    result.latency_median = stats.latency.quantile(0.5);
    result.connections = stats.connections_opened;
    if (failure)
        std::rethrow_exception(failure);
    return result;
}

}  // namespace swr::bench
