#ifndef SWR_CLI_CREDENTIALS_HPP
#define SWR_CLI_CREDENTIALS_HPP

// Choice of the credential source of swr-shared-repos, and the provider
// built from it.
//
// One source is used, the first that applies:
//
// 1. the command line: `--token-file`, `--ak` with `--sk-file`, or
//    `--iam-user` with `--iam-domain` (parse_options rejects two of them);
// 2. AK/SK from `HUAWEICLOUD_SDK_AK` and `HUAWEICLOUD_SDK_SK`;
// 3. the IAM token in `SWR_AUTH_TOKEN`.
//
// Within a source, an option beats the variable for the same value:
// `--project-id` beats `HUAWEICLOUD_SDK_PROJECT_ID`, and
// `--iam-password-file` beats `SWR_IAM_PASSWORD`. The project id variable
// also scopes the token of `--iam-user` when `--iam-project` is not given.
//
// An empty variable counts as unset. Spaces, tabs and line endings around a
// token, AK, SK, security token or project id are removed, from files and
// variables alike, and a variable that contains nothing else is rejected as
// blank. A password keeps its spaces, but one of spaces only is rejected.

#include "options.hpp"

#include <swr/credentials.hpp>
#include <swr/log.hpp>

#include <boost/asio/any_io_executor.hpp>

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace swr::cli {

/// Names of the environment variables that hold credentials.
inline constexpr std::string_view token_variable = "SWR_AUTH_TOKEN";
inline constexpr std::string_view access_key_variable = "HUAWEICLOUD_SDK_AK";
inline constexpr std::string_view secret_key_variable = "HUAWEICLOUD_SDK_SK";
inline constexpr std::string_view project_id_variable = "HUAWEICLOUD_SDK_PROJECT_ID";
inline constexpr std::string_view security_token_variable = "HUAWEICLOUD_SDK_SECURITY_TOKEN";
inline constexpr std::string_view iam_password_variable = "SWR_IAM_PASSWORD";

/// Returns the value of an environment variable, or nullopt when it is unset
/// or empty. Tests pass a map instead of the process environment.
using environment_lookup = std::function<std::optional<std::string>(std::string_view name)>;

/// Returns a lookup of the process environment (`std::getenv`).
environment_lookup process_environment();

/// Authentication method and the source of its secret.
enum class credential_method {
    token_file,      ///< IAM token in the file of `--token-file`.
    token_variable,  ///< IAM token in `SWR_AUTH_TOKEN`.
    aksk_files,      ///< `--ak`, SK in the file of `--sk-file`.
    aksk_variables,  ///< `HUAWEICLOUD_SDK_AK` and `HUAWEICLOUD_SDK_SK`.
    iam_password,    ///< `--iam-user`, password from a file or `SWR_IAM_PASSWORD`.
};

/// Source of one secret: a file named by an option, or an environment
/// variable.
struct secret_source {
    /// Path of the file; empty when the secret is in `variable`.
    std::string file;

    /// Option that named `file`, e.g. `--sk-file`.
    std::string option;

    /// Environment variable, used when `file` is empty.
    std::string variable;

    /// Returns e.g. `file '/run/sk' (--sk-file)` or `SWR_AUTH_TOKEN`.
    std::string describe() const;
};

/// The credential source chosen for a run. Contains the names of files and
/// variables, and values that are not secret, but never a secret.
struct credential_plan {
    credential_method method = credential_method::token_variable;

    /// Token (token methods), SK (AK/SK methods) or password (IAM).
    secret_source secret;

    /// Security token of temporary AK/SK credentials, when there is one.
    std::optional<secret_source> security_token;

    /// AK/SK methods: the access key.
    std::string access_key;

    /// AK/SK methods: `X-Project-Id`. IAM: project id of the token's scope,
    /// from `--project-id` or `HUAWEICLOUD_SDK_PROJECT_ID`, or empty to
    /// scope it by `iam_project` or the region's name.
    std::string project_id;

    /// Option or variable that gave `project_id`, for the log.
    std::string project_id_origin;

    /// IAM: user, account (domain), project name and endpoint, as in `options`.
    std::string iam_user;
    std::string iam_domain;
    std::string iam_project;
    std::string iam_endpoint;

    /// Credential variables that are set but not used, because a source of
    /// higher precedence was chosen, e.g. `SWR_AUTH_TOKEN` next to `--ak`.
    std::vector<std::string> unused_variables;
};

/// Result of `plan_credentials`: a plan, or an error message.
struct credential_plan_result {
    std::optional<credential_plan> plan;

    /// When `plan` is empty: one line naming the missing or conflicting
    /// option or variable and what to set, with control characters escaped.
    /// Never contains a secret.
    std::string error;
};

/// Chooses the credential source for `options` (already checked by
/// `parse_options`) by the precedence in this file's header. Reads the
/// environment through `environment` and reads no files. The variables the
/// plan uses are checked: a blank one, or an AK or project id with a control
/// character, is an error. A secret variable's content is checked again by
/// `make_credentials`.
credential_plan_result plan_credentials(const options& options, const environment_lookup& environment);

/// Returns one line for the log naming the method and where each value
/// comes from, e.g. `credentials: AK/SK signing with access key AK1 from
/// --ak, secret key from file '/run/sk' (--sk-file), project id from
/// --project-id`. Never contains a secret; control characters in paths are
/// escaped.
std::string describe(const credential_plan& plan);

/// Reads the secrets of `plan` and returns the provider.
///
/// `options` gives the region, CA file and timeouts that an IAM provider
/// uses for its own connection; `executor` runs its token requests and `log`
/// receives their messages. Nothing is sent before the first request.
/// Throws `swr::exception` (`errc::invalid_argument`) naming the file or
/// variable that is missing, unreadable, empty or invalid, never its content.
std::shared_ptr<credentials_provider> make_credentials(const credential_plan& plan, const options& options,
                                                       const environment_lookup& environment,
                                                       boost::asio::any_io_executor executor, log_options log);

}  // namespace swr::cli

#endif
