// Streams every repository shared with this account and prints one line per
// repository, with up to 8 requests in flight under a 20 requests/s limit.
//
// Usage: scan_shared_repositories ENDPOINT [CA_FILE]
// The token is read from SWR_AUTH_TOKEN.

#include <swr/swr.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>

#include <cstdlib>
#include <iostream>
#include <utility>

namespace asio = boost::asio;

// [readme-begin]
asio::awaitable<void> list_shared(swr::client& client)
{
    swr::shared_repositories_request request;
    request.center = swr::center::thirdparty;

    swr::scan_options options;
    options.max_in_flight = 8;
    options.limiter = std::make_shared<swr::rate_limiter>(20.0, 5.0);

    swr::page_stream pages = client.scan(request, options);
    while (std::optional<swr::page> page = co_await pages.next()) {
        for (const swr::repository& repo : page->items)
            std::cout << repo.namespace_name << '/' << repo.name << '\t' << repo.size << '\n';
        pages.recycle(std::move(*page));  // the next pages reuse its memory
    }

    swr::scan_summary summary = pages.summary();
    std::cerr << summary.items << " repositories in " << summary.pages << " pages\n";
}
// [readme-end]

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

    int status = 0;
    asio::co_spawn(io, list_shared(client), [&](std::exception_ptr error) {
        try {
            if (error)
                std::rethrow_exception(error);
        } catch (const std::exception& failure) {
            std::cerr << "scan failed: " << failure.what() << '\n';
            status = 1;
        }
    });
    io.run();
    return status;
}
