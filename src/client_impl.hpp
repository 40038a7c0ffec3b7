#ifndef SWR_SRC_CLIENT_IMPL_HPP
#define SWR_SRC_CLIENT_IMPL_HPP

#include "logger.hpp"
#include "transport.hpp"

#include <swr/client.hpp>

#include <memory>
#include <optional>

namespace swr::detail {

/// Result of fetching one page: the page, or an error with its details.
struct fetch_outcome {
    boost::system::error_code ec;
    error_info info;
    swr::page page;

    /// Total reported by the response: Content-Range, else the items' `total_range`.
    std::optional<std::int64_t> total() const;
};

/// State shared by a client and every stream and operation started from it.
class client_impl {
public:
    client_impl(boost::asio::any_io_executor executor, client_options options, swr::endpoint endpoint);

    /// Fetches one page. Never throws for I/O, HTTP or parse errors; they
    /// are returned in the outcome with the offset filled in.
    boost::asio::awaitable<fetch_outcome> fetch(const shared_repositories_request& request, std::int64_t offset,
                                                std::int64_t limit);

    boost::asio::any_io_executor executor;
    client_options options;
    swr::endpoint endpoint;
    logger log;
    detail::transport transport;

private:
    void read_error_response(const http_response& response, fetch_outcome& outcome) const;
    void read_page(http_response& response, fetch_outcome& outcome) const;
};

}  // namespace swr::detail

#endif
