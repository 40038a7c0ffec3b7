#ifndef SWR_SRC_PROXY_HPP
#define SWR_SRC_PROXY_HPP

// Choice of the HTTP proxy for an endpoint: proxy URLs, NO_PROXY lists and
// the environment variables. No I/O; the CONNECT exchange is in
// proxy_tunnel.hpp.

#include "logger.hpp"
#include "redact.hpp"

#include <swr/client.hpp>
#include <swr/endpoint.hpp>

#include <boost/asio/ip/address.hpp>

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace swr::detail {

/// Returns the value of an environment variable, or nullopt when it is unset
/// or empty. Tests pass a map instead of the process environment.
using environment_lookup = std::function<std::optional<std::string>(std::string_view name)>;

/// Returns a lookup of the process environment (`std::getenv`). Like every
/// `getenv`, it races with `setenv` on other threads.
environment_lookup process_environment();

/// An HTTP proxy as given by a proxy URL.
struct proxy_server {
    /// Host and port of the proxy. Port 80 when the URL has none.
    swr::endpoint address{.host = {}, .port = 80};

    /// User name and password for Basic authentication, percent-decoded.
    /// Empty user name: no `Proxy-Authorization` header is sent.
    std::string username;
    std::string password;

    /// The proxy as `http://host:port`, without the user name or password.
    std::string url() const;
};

/// Parses a proxy URL, `http://[user[:password]@]host[:port][/]`, or the same
/// without `http://`. Returns an empty string on success, otherwise a message
/// naming the value with its user name and password masked, and what to change.
std::string parse_proxy_url(std::string_view text, proxy_server& out);

/// Returns `url` with everything between the scheme and the last `@`
/// replaced by `***`, so that a message can quote a proxy URL that carries
/// a password, even one that does not parse.
std::string mask_url_credentials(std::string_view url);

/// A parsed `NO_PROXY` list; see `proxy_options::no_proxy` for the syntax.
class no_proxy_list {
public:
    /// Parses `text`. Entries that cannot match any host, such as `10.0.0.0/99`
    /// or `host:port` with an invalid port, are ignored and listed in `ignored()`.
    static no_proxy_list parse(std::string_view text);

    /// Returns the first entry, as written, that matches `host` (a name or an
    /// IP literal, brackets allowed) and `port`; nullopt when none does.
    std::optional<std::string> match(std::string_view host, std::uint16_t port) const;

    /// Entries that were ignored, as written.
    const std::vector<std::string>& ignored() const noexcept { return ignored_; }

private:
    struct entry {
        std::string text;               // as written, for messages
        bool any = false;               // `*`
        std::string domain;             // lower case, without a leading `.` or `*.`; empty for addresses
        std::optional<boost::asio::ip::address> network;
        unsigned prefix_length = 0;     // bits of `network` that must match
        std::optional<std::uint16_t> port;
    };

    static std::optional<entry> parse_entry(std::string_view text);
    static bool matches(const entry& rule, std::string_view host,
                        const std::optional<boost::asio::ip::address>& address);

    std::vector<entry> entries_;
    std::vector<std::string> ignored_;
};

/// The proxy that a transport tunnels through, with its credentials ready to send.
struct proxy_route {
    proxy_server server;

    /// Source of the proxy URL, e.g. `proxy_options::url` or `HTTPS_PROXY`.
    std::string source;

    /// `Proxy-Authorization` value (`Basic ...`), or empty without a user name. A secret.
    std::string authorization;

    /// Masks the password and `authorization` in logs and errors while the route lives.
    std::vector<secret_registration> secrets;
};

/// Outcome of `choose_proxy`.
struct proxy_choice {
    /// The proxy to use; nullopt to connect directly.
    std::optional<proxy_route> route;

    /// One line for the log: the proxy and where it came from, or why there
    /// is none. Never contains a password.
    std::string description;

    /// `NO_PROXY` entries that were ignored, with the source of the list.
    std::vector<std::string> ignored_entries;
};

/// Chooses the proxy for connections to `target` as `options` say, reading
/// variables through `environment` only when `options.use_environment` is set.
///
/// Throws `swr::exception` (`errc::invalid_argument`) when the chosen proxy
/// URL is invalid, uses another scheme than `http`, or the credentials are
/// invalid; the message names the setting or variable and never the
/// password. A URL is checked even when `NO_PROXY` then exempts `target`.
proxy_choice choose_proxy(const proxy_options& options, const swr::endpoint& target,
                          const environment_lookup& environment);

/// Calls `choose_proxy` with the process environment, writes the choice to
/// `log` (info) and the ignored `NO_PROXY` entries (warning), and returns
/// the route. Throws as `choose_proxy` does.
std::optional<proxy_route> make_proxy_route(const proxy_options& options, const swr::endpoint& target,
                                            const logger& log);

/// Returns `Basic base64(user ":" password)` (RFC 7617).
std::string basic_authorization(std::string_view username, std::string_view password);

/// Returns `host:port`, with an IPv6 host in brackets: the request target and
/// `Host` of CONNECT.
std::string authority_text(const swr::endpoint& target);

}  // namespace swr::detail

#endif
