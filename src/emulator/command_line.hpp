#ifndef SWR_EMULATOR_COMMAND_LINE_HPP
#define SWR_EMULATOR_COMMAND_LINE_HPP

// The command line of the `swr-emulator` executable.

#include <swr/emulator.hpp>

#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace swr::emulator_detail {

/// A command line that cannot be used; the message names the option and value.
class usage_error : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

/// Settings read from the command line.
struct command_line {
    /// Everything but `token`, which is read from `token_file` or the
    /// environment, never from the command line.
    emulator_options options;

    std::size_t threads = 1;

    /// Empty: no `--token-file`. Read by `load_credential_files`.
    std::string token_file;

    /// Empty: no `--sk-file`. Read by `load_credential_files`.
    std::string secret_key_file;

    /// Empty: no `--iam-users-file`. Read by `load_credential_files`.
    std::string iam_users_file;

    /// Whether `--tls-dir` was given; otherwise the caller picks a new directory.
    bool tls_dir_given = false;

    /// Empty: no `--faults`. Read by `load_faults`.
    std::string faults_file;

    /// Whether `--fault-probability` and `--fault-seed` were given; they
    /// take precedence over the values in the faults file.
    bool fault_probability_given = false;
    bool fault_seed_given = false;

    bool show_help = false;
    bool show_version = false;
};

/// Largest `--threads` value.
inline constexpr std::size_t max_threads = 256;

/// Largest `--latency-ms` value: one hour.
inline constexpr std::int64_t max_latency_ms = 3'600'000;

/// Parses the arguments after the program name. Options take their value as
/// the next argument or after `=` (`--port 8443`, `--port=8443`). `--help`
/// or `-h` anywhere returns `show_help` whatever else is wrong.
///
/// @throws usage_error for an unknown option, a missing or invalid value,
/// an argument that is not an option, or `--token`, `--sk` or `--password`.
command_line parse_command_line(const std::vector<std::string>& arguments);

/// Reads `command.faults_file`, when set, into `command.options`: its rules,
/// and its `fault_probability` and `fault_seed` unless the command line gave them.
///
/// @throws usage_error naming `--faults`, the file and, for invalid content,
/// the line, field and value.
void load_faults(command_line& command);

/// Largest `--clock-skew-s` magnitude and `--token-lifetime-s` value, in seconds.
inline constexpr std::int64_t max_clock_skew_s = 10LL * 366 * 24 * 3600;
inline constexpr std::int64_t max_token_lifetime_s = 366LL * 24 * 3600;

/// Reads `command.secret_key_file` (the SK on its first line),
/// `command.iam_users_file` (a JSON array of
/// `{"name": …, "password": …, "domain": …}`) and `command.token_file` (the
/// token on its first line), when set, into `command.options`. Blanks around
/// the first lines are removed.
///
/// @throws usage_error naming the option, the file and what is wrong with
/// it, never a secret from it: a directory, an empty first line, an SK that
/// is not printable ASCII without spaces, a token with a control character,
/// or the same user name twice in one domain. Also when `--ak` and
/// `--sk-file` are not given together.
void load_credential_files(command_line& command);

/// The `--help` text: every option with its unit, range and default, the
/// environment, the exit statuses and the format of a faults file.
std::string usage_text();

/// Every option `parse_command_line` accepts, aliases such as `-h` included.
std::vector<std::string_view> option_names();

/// One option as `--help` shows it.
struct option_summary {
    std::string_view name;
    std::string_view argument;     ///< e.g. "N"; empty for an option without a value.
    std::string_view description;  ///< What it sets, with its unit and range.
    std::string_view default_text; ///< Empty only for options without a value.
};

/// The options of `usage_text`, in its order. The strings live as long as the program.
std::vector<option_summary> option_summaries();

}  // namespace swr::emulator_detail

#endif
