// A program compiled with only the flags of `pkg-config --cflags --libs
// swr-async`: it builds a client and a request query without any I/O, which
// links the library's client, transport, credentials and Boost.URL code.
// The client never connects, and its endpoint is on 127.0.0.1 all the same.
//
// Prints "pkg-config consumer: ENDPOINT QUERY" and exits with 0 when both
// have the expected values.

#include <swr/swr.hpp>

#include <boost/asio/io_context.hpp>

#include <exception>
#include <iostream>
#include <string>

int main()
{
    try {
        boost::asio::io_context io;
        swr::client_options options;
        options.endpoint = "https://127.0.0.1:9";
        options.credentials = swr::make_token_credentials("pkg-config-token");
        swr::client client(io.get_executor(), options);

        swr::shared_repositories_request request;
        request.center = swr::center::thirdparty;
        std::string query = swr::build_query(request, 100, 200);
        std::string url = client.endpoint().url();

        std::cout << "pkg-config consumer: " << url << ' ' << query << '\n';
        bool expected = url == "https://127.0.0.1:9" && query.find("offset") != std::string::npos;
        return expected ? 0 : 1;
    } catch (const std::exception& failure) {
        std::cerr << "pkg-config consumer failed: " << failure.what() << '\n';
        return 1;
    }
}
