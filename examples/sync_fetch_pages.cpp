// Pages through a listing from a plain synchronous main. A one-thread
// asio::thread_pool runs the client, and asio::use_future turns each
// async_fetch_page into a std::future that main waits on.
//
// Usage: SWR_AUTH_TOKEN=... sync_fetch_pages ENDPOINT [CA_FILE]
// Prints one line per page, then "N repositories in R requests".

#include <swr/swr.hpp>

#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_future.hpp>

#include <cstdint>
#include <cstdlib>
#include <future>
#include <iostream>
#include <optional>

namespace asio = boost::asio;

int main(int argc, char** argv)
{
    const char* token = std::getenv("SWR_AUTH_TOKEN");
    if (argc < 2 || !token) {
        std::cerr << "usage: SWR_AUTH_TOKEN=... " << argv[0] << " ENDPOINT [CA_FILE]\n";
        return 2;
    }

    // The pool is declared before the client, so the client is destroyed
    // first. The pool's destructor then stops and joins its thread.
    asio::thread_pool pool(1);
    swr::client_options options;
    options.endpoint = argv[1];
    options.tls.ca_file = argc > 2 ? argv[2] : "";
    options.credentials = swr::make_token_credentials(token);
    swr::client client(pool.get_executor(), options);

    swr::shared_repositories_request request;
    request.center = swr::center::thirdparty;
    const std::int64_t limit = 100;

    std::int64_t offset = 0;
    std::int64_t requests = 0;
    while (true) {
        // On failure the future throws boost::system::system_error, and
        // `info` contains the HTTP status, service error code and request id.
        swr::error_info info;
        std::future<swr::page> future = client.async_fetch_page(request, offset, limit, info, asio::use_future);
        swr::page page;
        try {
            page = future.get();
        } catch (const boost::system::system_error& failure) {
            std::cerr << "page at offset " << offset << " failed: " << info.to_string() << " ("
                      << failure.code().message() << ")\n";
            return 1;
        }
        ++requests;

        std::cout << "page at offset " << offset << ": " << page.items.size() << " repositories\n";

        // The listing ends at the total in Content-Range, or at an empty page
        // when the server sends no total. An empty page before the total
        // would lose records, so it is an error.
        std::optional<std::int64_t> total;
        if (page.content_range)
            total = page.content_range->total;
        if (page.items.empty()) {
            if (total && offset < *total) {
                std::cerr << "empty page at offset " << offset << " before the total of " << *total << '\n';
                return 1;
            }
            break;
        }
        offset += static_cast<std::int64_t>(page.items.size());
        if (total && offset >= *total)
            break;
    }

    std::cout << offset << " repositories in " << requests << " requests\n";
    return 0;
}
