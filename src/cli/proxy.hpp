#ifndef SWR_CLI_PROXY_HPP
#define SWR_CLI_PROXY_HPP

// The HTTP proxy settings of swr-shared-repos. Unlike the library's default,
// the tool honours https_proxy, HTTPS_PROXY, no_proxy and NO_PROXY, as curl
// does, and `--proxy` and `--no-proxy` beat them.

#include "options.hpp"

#include <swr/client.hpp>

namespace swr::cli {

/// Returns the proxy settings for the SWR and IAM connections of a run:
/// `--proxy` or else the variables, and `--no-proxy` or else the variables.
/// The password of `--proxy-password-file`, without a trailing line ending,
/// replaces a password in HTTPS_PROXY.
///
/// Throws `swr::exception` (`errc::invalid_argument`) naming the file when
/// it cannot be read, is empty, contains only spaces or tabs, or contains a
/// control character, never quoting its content. Log lines and errors about
/// the proxy name `--proxy` and `--no-proxy` as the origin of those values.
proxy_options make_proxy_options(const options& options);

}  // namespace swr::cli

#endif
