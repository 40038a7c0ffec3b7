// Lists the repositories this account shares in several regions at once,
// with one client per region and one rate limiter that all clients share.
// The limiter keeps the requests of all regions together under 50 per
// second, for example to stay within a budget of the whole account.
//
// Usage: SWR_AUTH_TOKEN=... multi_region_inventory CA_FILE REGION_OR_ENDPOINT...
// Each REGION_OR_ENDPOINT is a region such as cn-north-4 or an HTTPS origin
// such as https://127.0.0.1:8443. An empty CA_FILE ("") selects the system
// trust store. Prints "REGION: N repositories, R requests" per region and
// the number of requests the shared limiter granted.

#include <swr/swr.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>

#include <cstdlib>
#include <exception>
#include <iostream>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace asio = boost::asio;

// One region's client and the result of its scan.
struct region_scan {
    std::string name;
    swr::client client;
    swr::scan_summary summary;
};

// Scans the repositories the account shares in one region.
asio::awaitable<void> scan(region_scan& region, std::shared_ptr<swr::rate_limiter> limiter)
{
    swr::shared_repositories_request request;
    request.center = swr::center::self;

    swr::scan_options options;
    options.max_in_flight = 4;
    options.limiter = std::move(limiter);

    swr::page_stream pages = region.client.scan(request, options);
    while (std::optional<swr::page> page = co_await pages.next()) {
        // An inventory would store page->items here.
    }
    region.summary = pages.summary();
}

int main(int argc, char** argv)
{
    const char* token = std::getenv("SWR_AUTH_TOKEN");
    if (argc < 3 || !token) {
        std::cerr << "usage: SWR_AUTH_TOKEN=... " << argv[0] << " CA_FILE REGION_OR_ENDPOINT...\n";
        return 2;
    }

    asio::io_context io;
    auto limiter = std::make_shared<swr::rate_limiter>(50.0, 10.0);

    // One client per region. The vector is complete before the scans start,
    // so the references they hold stay valid.
    std::vector<region_scan> regions;
    for (int i = 2; i < argc; ++i) {
        std::string_view target = argv[i];
        swr::client_options options;
        if (target.starts_with("https://"))
            options.endpoint = target;
        else
            options.region = target;
        options.tls.ca_file = argv[1];
        options.credentials = swr::make_token_credentials(token);
        regions.push_back(region_scan{std::string(target), swr::client(io.get_executor(), options), {}});
    }

    int status = 0;
    for (region_scan& region : regions) {
        asio::co_spawn(io, scan(region, limiter), [&](std::exception_ptr error) {
            try {
                if (error)
                    std::rethrow_exception(error);
            } catch (const std::exception& failure) {
                std::cerr << region.name << ": scan failed: " << failure.what() << '\n';
                status = 1;
            }
        });
    }
    io.run();

    for (const region_scan& region : regions)
        std::cout << region.name << ": " << region.summary.items << " repositories, " << region.summary.requests
                  << " requests\n";
    std::cout << "the shared limiter granted " << limiter->granted() << " requests\n";
    return status;
}
