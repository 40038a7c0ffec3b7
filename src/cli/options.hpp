#ifndef SWR_CLI_OPTIONS_HPP
#define SWR_CLI_OPTIONS_HPP

#include <swr/log.hpp>
#include <swr/request.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace swr::cli {

/// Exit statuses of `swr-shared-repos`. They are listed in `--help` and stay
/// stable across versions, so scripts may branch on them.
enum exit_status : int {
    exit_success = 0,       ///< The listing is complete and was written.
    exit_scan_failed = 1,   ///< Network, TLS, timeout or server error, or writing the output failed.
    exit_usage = 2,         ///< Unknown option, missing or invalid value, missing credentials, or an
                            ///< `--output` file that cannot be created.
    exit_auth_failed = 3,   ///< The server answered 401 or 403 (not throttling), or the proxy 407.
    exit_incomplete = 4,    ///< The listing ended short of its total or changed during the scan.
    exit_interrupted = 130, ///< SIGINT: the scan was cancelled; what arrived was written or kept.
    exit_terminated = 143,  ///< SIGTERM: as for SIGINT; 128 + the signal number, as a shell reports it.
};

/// When the progress line is drawn on standard error (`--progress`).
enum class progress_mode {
    automatic, ///< When standard error is a terminal and the listing is not written to one.
    always,    ///< Even when standard error is a file or a pipe.
    never,
};

std::string_view to_string(progress_mode mode) noexcept;
bool parse_progress_mode(std::string_view text, progress_mode& mode) noexcept;

/// Output format of the listing on standard output.
enum class output_format { table, ndjson, json, csv };

std::string_view to_string(output_format format) noexcept;
bool parse_output_format(std::string_view text, output_format& format) noexcept;

/// Allowed ranges of the numeric options, shown in `--help` and in errors.
inline constexpr std::size_t max_concurrency = 256;
inline constexpr std::int64_t max_attempts_limit = 100;
inline constexpr std::int64_t max_connect_timeout_ms = 600'000;
inline constexpr std::int64_t max_request_timeout_ms = 3'600'000;
inline constexpr double max_rate = 100'000.0;
inline constexpr double max_burst = 100'000.0;

/// Settings of one run, as given on the command line and already validated.
struct options {
    /// HTTPS origin from `--endpoint`; empty when `--region` was given.
    std::string endpoint;

    /// Region name from `--region`; empty when `--endpoint` was given.
    std::string region;

    /// PEM file of trusted CA certificates; empty means the system store.
    std::string ca_file;

    /// File containing an IAM token (`--token-file`); empty when not given.
    std::string token_file;

    /// Access key (AK) for AK/SK signing (`--ak`); empty when not given.
    /// Printable ASCII without spaces. Not a secret, unlike the SK, which is
    /// only read from `secret_key_file`.
    std::string access_key;

    /// File containing the secret key (SK) of `access_key` (`--sk-file`).
    std::string secret_key_file;

    /// File containing the security token of temporary AK/SK credentials
    /// (`--security-token-file`); empty when not given.
    std::string security_token_file;

    /// Project id (`--project-id`): `X-Project-Id` of AK/SK signing, or the
    /// project an IAM token is scoped to. Empty when not given.
    std::string project_id;

    /// IAM user name for password authentication (`--iam-user`); empty when
    /// not given.
    std::string iam_user;

    /// Account (domain) name that owns `iam_user` (`--iam-domain`).
    std::string iam_domain;

    /// Project name an IAM token is scoped to (`--iam-project`); empty means
    /// `project_id`, else `HUAWEICLOUD_SDK_PROJECT_ID`, else the region name.
    std::string iam_project;

    /// HTTPS origin of IAM (`--iam-endpoint`); empty means the one derived
    /// from `region`.
    std::string iam_endpoint;

    /// File containing the IAM user's password (`--iam-password-file`); empty
    /// means the `SWR_IAM_PASSWORD` variable.
    std::string iam_password_file;

    /// HTTP proxy URL from `--proxy`, `http://[USER@]HOST[:PORT]`, never
    /// with a password. Empty means `https_proxy` or `HTTPS_PROXY`, if set.
    std::string proxy;

    /// File containing the proxy password (`--proxy-password-file`); empty
    /// when not given.
    std::string proxy_password_file;

    /// Hosts reached without the proxy (`--no-proxy`), in the `NO_PROXY`
    /// syntax. Unset means `no_proxy` or `NO_PROXY`; empty proxies every host.
    std::optional<std::string> no_proxy;

    /// Listing request: center, filters, ordering and query form.
    shared_repositories_request request;

    /// Records per request. Default: 100.
    std::int64_t page_size = 100;

    /// Requests in flight at once. Default: 4.
    std::size_t concurrency = 4;

    /// Pages requested together with the first, below `concurrency`. Default: 0.
    std::size_t speculative_pages = 0;

    /// Requests per second on average; unset means no limit.
    std::optional<double> rate;

    /// Requests that may start at once when the rate limit has tokens saved up.
    /// Only used with `rate`. Default: 1.
    double burst = 1.0;

    /// Attempts per request, the first included; 1 disables retries. Default: 5.
    std::size_t max_attempts = 5;

    /// Offset of the first record to fetch. Default: 0.
    std::int64_t start_offset = 0;

    /// Limit for the TCP connect and, separately, for the TLS handshake. Default: 10 s.
    std::chrono::milliseconds connect_timeout{10'000};

    /// Limit for sending one request and reading its whole response. Default: 30 s.
    std::chrono::milliseconds request_timeout{30'000};

    output_format format = output_format::table;

    /// File the listing is written to (`--output`), renamed into place only
    /// when the listing is complete. Default: "-", standard output.
    std::string output_path = "-";

    /// When the progress line is drawn (`--progress`). Default: automatic.
    progress_mode progress = progress_mode::automatic;

    /// `--quiet`: no progress line, and no summary line after a complete
    /// listing. Errors and the summary of an incomplete listing are still
    /// written. Default: false.
    bool quiet = false;

    /// Lowest level of library messages written to standard error. Default:
    /// off, because the program reports the error that ends a scan itself.
    log_level log = log_level::off;
};

/// Action requested by the command line.
enum class command { run, help, version, invalid };

/// Result of `parse_options`.
struct parse_result {
    command action = command::invalid;

    /// Valid when `action` is `command::run`.
    cli::options options;

    /// When `action` is `command::invalid`: one line naming the option, the
    /// value and what is allowed.
    std::string error;
};

/// Parses the arguments after the program name.
///
/// Accepts `--option value` and `--option=value`; the last of repeated
/// options wins. Control characters in `--ak`, `--project-id` and the
/// `--iam-*` names are rejected, and values quoted in errors have their
/// control characters escaped. `--help` or `-h` anywhere returns `command::help` whatever
/// else is wrong. Reads no files and no environment: files of secrets are
/// only recorded here, and the rules that depend on the environment are
/// checked by `plan_credentials` (credentials.hpp).
parse_result parse_options(std::span<const std::string_view> args);

/// Returns every option `parse_options` accepts, long and short forms,
/// including `--help` and `--version`, in the order of its tables. Tests use
/// it to check that `help_text` documents each one.
std::vector<std::string_view> option_names();

/// Returns the options of `option_names` that take a value.
std::vector<std::string_view> value_option_names();

/// Returns the text of `--help`: usage, every option with its unit, default
/// and range, token handling, formats and exit statuses.
std::string help_text();

}  // namespace swr::cli

#endif
