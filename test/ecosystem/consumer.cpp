// A program that uses swr-async as a package or a subproject would: it
// starts swr::emulator in this process on 127.0.0.1, scans it with
// swr::client and checks that every repository arrived.
//
// Usage: consumer TLS_DIR
// Prints "consumer: N of 250 repositories" and exits with 0 when N is 250.

#include <swr/emulator.hpp>
#include <swr/swr.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>

#include <cstdint>
#include <exception>
#include <future>
#include <iostream>

namespace asio = boost::asio;

namespace {

constexpr std::int64_t repository_count = 250;

asio::awaitable<std::int64_t> count_repositories(swr::client& client)
{
    swr::shared_repositories_request request;
    request.center = swr::center::self;

    swr::page_stream pages = client.scan(request);
    std::int64_t items = 0;
    while (std::optional<swr::page> page = co_await pages.next())
        items += static_cast<std::int64_t>(page->items.size());
    co_return items;
}

}  // namespace

int main(int argc, char** argv)
{
    if (argc != 2) {
        std::cerr << "usage: " << argv[0] << " TLS_DIR\n";
        return 2;
    }

    try {
        swr::emulator_options emulator_options;
        emulator_options.tls_dir = argv[1];
        emulator_options.repositories = repository_count;
        emulator_options.token = "consumer-token";
        swr::emulator_thread emulator(emulator_options);

        asio::io_context io;
        swr::client_options options;
        options.endpoint = emulator.get().endpoint_url();
        options.tls.ca_file = emulator.get().ca_file();
        options.credentials = swr::make_token_credentials("consumer-token");
        swr::client client(io.get_executor(), options);

        std::future<std::int64_t> items = asio::co_spawn(io, count_repositories(client), asio::use_future);
        io.run();

        std::int64_t received = items.get();
        std::cout << "consumer: " << received << " of " << repository_count << " repositories\n";
        return received == repository_count ? 0 : 1;
    } catch (const std::exception& failure) {
        std::cerr << "consumer failed: " << failure.what() << '\n';
        return 1;
    }
}
