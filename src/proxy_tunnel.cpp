#include "proxy_tunnel.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>

#include <string>
#include <string_view>
#include <tuple>

namespace swr::detail {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using boost::system::error_code;

constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);

// Names one tunnel in messages, e.g. `CONNECT localhost:8443 through proxy http://127.0.0.1:3128`.
struct tunnel_names {
    std::string connect;  // `CONNECT host:port`
    std::string proxy;    // `proxy http://host:port`
};

void fail(http_response& response, error_code ec, std::string message, int status = 0)
{
    response.ec = ec;
    response.info.message = std::move(message);
    response.info.http_status = status;
}

// Keeps printable ASCII of text the proxy sent, at most 80 characters, for messages.
std::string printable(std::string_view text)
{
    std::string result;
    for (char c : text.substr(0, 80)) {
        if (c >= 0x20 && c < 0x7f)
            result += c;
    }
    return result;
}

// Fills the failure of a write or read on the connection to the proxy.
void network_failure(http_response& response, error_code ec, const tunnel_names& names,
                     std::chrono::milliseconds connect_timeout)
{
    if (ec == beast::error::timeout) {
        fail(response, errc::timeout,
             names.connect + " through " + names.proxy + " timed out: no response within the connect timeout of " +
                 std::to_string(connect_timeout.count()) + " ms");
    } else if (ec == asio::error::operation_aborted) {
        fail(response, ec, "request cancelled");
    } else if (ec == http::error::end_of_stream || ec == asio::error::eof) {
        fail(response, ec, names.proxy + " closed the connection before responding to " + names.connect);
    } else if (ec == http::error::partial_message) {
        fail(response, ec, names.proxy + " closed the connection in the middle of its response to " + names.connect);
    } else if (ec == http::error::header_limit) {
        fail(response, errc::proxy_error,
             "the response of " + names.proxy + " to " + names.connect + " has a header larger than " +
                 std::to_string(max_proxy_header_bytes) + " bytes");
    } else if (ec.category() == make_error_code(http::error::end_of_stream).category()) {
        // Any other error of Beast's HTTP parser.
        fail(response, errc::proxy_error,
             names.proxy + " sent an invalid response to " + names.connect + ": " + ec.message());
    } else {
        fail(response, ec, names.connect + " through " + names.proxy + " failed: " + ec.message());
    }
}

// Returns the authentication schemes that a 407 response offers, e.g. "Negotiate, NTLM".
std::string offered_schemes(const http::response_header<>& header, bool& offers_basic)
{
    std::string schemes;
    offers_basic = false;
    auto [first, last] = header.equal_range(http::field::proxy_authenticate);
    for (auto field = first; field != last; ++field) {
        std::string_view value = field->value();
        std::string scheme = printable(value.substr(0, value.find_first_of(" ,")));
        std::string lower = scheme;
        for (char& c : lower)
            c = c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
        offers_basic = offers_basic || lower == "basic";
        schemes += (schemes.empty() ? "" : ", ") + scheme;
    }
    return schemes;
}

// Fills the failure for a non-2xx response.
void rejected(http_response& response, const http::response_header<>& header, const proxy_route& route,
              const tunnel_names& names)
{
    int status = static_cast<int>(header.result_int());
    std::string status_line = std::to_string(status) + " " + printable(header.reason());
    if (status != 407) {
        fail(response, errc::proxy_error, names.proxy + " rejected " + names.connect + ": " + status_line, status);
        return;
    }

    bool offers_basic = false;
    std::string schemes = offered_schemes(header, offers_basic);
    std::string message = names.proxy + " requires authentication for " + names.connect + " (" + status_line + "): ";
    if (!schemes.empty() && !offers_basic)
        message += "it asks for " + schemes + ", and only Basic authentication is supported";
    else if (route.server.username.empty())
        message += "no credentials were given; put USER:PASSWORD in the proxy URL or set "
                   "proxy_options::username and password";
    else
        message += "it rejected the credentials of user '" + route.server.username + "'";
    fail(response, errc::proxy_auth_required, std::move(message), status);
}

}  // namespace

asio::awaitable<bool> open_tunnel(beast::tcp_stream& stream, const proxy_route& route, const swr::endpoint& target,
                                  std::chrono::milliseconds connect_timeout, http_response& response)
{
    std::string authority = authority_text(target);
    tunnel_names names{"CONNECT " + authority, "proxy " + route.server.url()};

    // The request target and Host are both the authority (RFC 9110, 9.3.6).
    http::request<http::empty_body> request{http::verb::connect, authority, 11};
    request.set(http::field::host, authority);
    if (!route.authorization.empty())
        request.set(http::field::proxy_authorization, route.authorization);

    auto [write_ec, written] = co_await http::async_write(stream, request, use_tuple);
    if (write_ec) {
        network_failure(response, write_ec, names, connect_timeout);
        co_return false;
    }

    // Only the header matters: a 2xx response has no body, and after any
    // other the connection is closed.
    beast::flat_buffer buffer;
    http::response_parser<http::empty_body> parser;
    parser.header_limit(static_cast<std::uint32_t>(max_proxy_header_bytes));
    parser.skip(true);
    auto [read_ec, read] = co_await http::async_read_header(stream, buffer, parser, use_tuple);
    if (read_ec) {
        network_failure(response, read_ec, names, connect_timeout);
        co_return false;
    }

    const auto& header = parser.get().base();
    unsigned status = header.result_int();
    if (status < 200 || status > 299) {
        rejected(response, header, route, names);
        co_return false;
    }

    // The TLS client speaks first, so nothing may arrive before the handshake.
    if (buffer.size() != 0) {
        fail(response, errc::proxy_error,
             names.proxy + " sent " + std::to_string(buffer.size()) + " bytes after its response " +
                 std::to_string(status) + " to " + names.connect + ", before the TLS handshake");
        co_return false;
    }
    co_return true;
}

}  // namespace swr::detail
