#include "options.hpp"

#include "escape.hpp"

#include <swr/endpoint.hpp>

#include <array>
#include <charconv>
#include <cmath>
#include <functional>
#include <limits>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

namespace swr::cli {
namespace {

constexpr std::array<std::string_view, 4> format_names = {"table", "ndjson", "json", "csv"};

// Quotes a value for a message, with its control characters escaped.
std::string quoted(std::string_view text)
{
    std::string result = "'";
    result += escape_control_characters(text);
    result += '\'';
    return result;
}

std::string invalid_value(std::string_view option, std::string_view value, std::string_view expected)
{
    return "invalid value " + quoted(value) + " for " + std::string(option) + ": expected " +
           std::string(expected);
}

// Parses a whole decimal integer in [min, max]. Spaces, suffixes and a
// leading '+' are rejected.
bool parse_integer(std::string_view text, std::int64_t min, std::int64_t max, std::int64_t& out)
{
    std::int64_t value = 0;
    const char* end = text.data() + text.size();
    auto [ptr, ec] = std::from_chars(text.data(), end, value);
    if (ec != std::errc() || ptr != end || text.empty())
        return false;
    if (value < min || value > max)
        return false;
    out = value;
    return true;
}

// Parses a whole finite decimal number in (min_exclusive, max].
bool parse_number(std::string_view text, double min_exclusive, double max, double& out)
{
    double value = 0;
    const char* end = text.data() + text.size();
    auto [ptr, ec] = std::from_chars(text.data(), end, value, std::chars_format::general);
    if (ec != std::errc() || ptr != end || text.empty() || !std::isfinite(value))
        return false;
    if (!(value > min_exclusive) || value > max)
        return false;
    out = value;
    return true;
}

std::string range_text(std::int64_t min, std::int64_t max)
{
    return "an integer from " + std::to_string(min) + " to " + std::to_string(max);
}

// Formats a limit such as 100000 without a fractional part.
std::string limit_text(double value)
{
    return std::to_string(static_cast<std::int64_t>(value));
}

// One option that takes a value: its name, and a function that stores the
// value in `options` or returns an error message.
struct value_option {
    std::string_view name;
    std::function<std::string(std::string_view value, options& out)> apply;
};

std::string apply_integer(std::string_view option, std::string_view value, std::int64_t min, std::int64_t max,
                          std::int64_t& out)
{
    if (!parse_integer(value, min, max, out))
        return invalid_value(option, value, range_text(min, max));
    return {};
}

std::string apply_milliseconds(std::string_view option, std::string_view value, std::int64_t max,
                               std::chrono::milliseconds& out)
{
    std::int64_t number = 0;
    if (!parse_integer(value, 1, max, number))
        return invalid_value(option, value, range_text(1, max) + " (milliseconds)");
    out = std::chrono::milliseconds(number);
    return {};
}

// Stores a value that must not be empty, such as a path or a name.
std::string apply_text(std::string_view option, std::string_view value, std::string_view expected,
                       std::string& out)
{
    if (value.empty())
        return invalid_value(option, value, expected);
    out = std::string(value);
    return {};
}

// Stores a name or id that is echoed in the log and sent in a header or a
// JSON body, such as an IAM user name: not empty, and without control
// characters, which could forge a log line or split a header.
std::string apply_name(std::string_view option, std::string_view value, std::string_view expected,
                       std::string& out)
{
    if (contains_control_character(value)) {
        return "invalid value " + quoted(value) + " for " + std::string(option) +
               ": it contains a line break or another control character (shown escaped); expected " +
               std::string(expected);
    }
    return apply_text(option, value, expected, out);
}

// Stores an access key (AK), which goes into the Authorization header.
std::string apply_access_key(std::string_view value, options& out)
{
    if (!value.empty() && !is_printable_ascii_word(value)) {
        return "invalid value " + quoted(value) +
               " for --ak: an access key (AK) consists of printable ASCII characters, without spaces, control "
               "characters or non-ASCII bytes";
    }
    return apply_text("--ak", value, "an access key (AK)", out.access_key);
}

// Checks the scheme of a --proxy URL and that it carries no password. The
// client's constructor checks the rest before any connection.
std::string check_proxy_argument(std::string_view value)
{
    if (value.empty())
        return invalid_value("--proxy", value, "http://[USER@]HOST[:PORT]");

    auto scheme_end = value.find("://");
    if (scheme_end != std::string_view::npos) {
        std::string scheme(value.substr(0, scheme_end));
        for (char& c : scheme)
            c = c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
        if (scheme != "http") {
            return "--proxy: the scheme '" + scheme + "://' is not supported; only http:// proxies, which tunnel "
                   "HTTPS with CONNECT, are supported";
        }
    }

    std::string_view authority = scheme_end == std::string_view::npos ? value : value.substr(scheme_end + 3);
    auto at = authority.rfind('@');
    if (at != std::string_view::npos && authority.substr(0, at).find(':') != std::string_view::npos) {
        return "--proxy must not contain a password, because arguments are visible to other users: use "
               "--proxy-password-file FILE, or set HTTPS_PROXY";
    }
    return {};
}

const std::vector<value_option>& value_options()
{
    static const std::vector<value_option> table = {
        {"--endpoint",
         [](std::string_view value, options& out) {
             swr::endpoint parsed;
             if (std::string error = parse_endpoint(value, parsed); !error.empty())
                 return "--endpoint: " + error;
             out.endpoint = std::string(value);
             return std::string();
         }},
        {"--region",
         [](std::string_view value, options& out) {
             if (region_endpoint_url(value).empty()) {
                 std::string names;
                 for (std::string_view name : known_regions())
                     names += (names.empty() ? "" : ", ") + std::string(name);
                 return invalid_value("--region", value, "one of " + names);
             }
             out.region = std::string(value);
             return std::string();
         }},
        {"--ca-file",
         [](std::string_view value, options& out) {
             if (value.empty())
                 return invalid_value("--ca-file", value, "the path of a PEM file");
             out.ca_file = std::string(value);
             return std::string();
         }},
        {"--token-file",
         [](std::string_view value, options& out) {
             if (value.empty())
                 return invalid_value("--token-file", value, "the path of a file containing the token");
             out.token_file = std::string(value);
             return std::string();
         }},
        {"--ak",
         [](std::string_view value, options& out) { return apply_access_key(value, out); }},
        {"--sk-file",
         [](std::string_view value, options& out) {
             return apply_text("--sk-file", value, "the path of a file containing the secret key (SK)",
                               out.secret_key_file);
         }},
        {"--security-token-file",
         [](std::string_view value, options& out) {
             return apply_text("--security-token-file", value, "the path of a file containing the security token",
                               out.security_token_file);
         }},
        {"--project-id",
         [](std::string_view value, options& out) {
             return apply_name("--project-id", value, "a project id", out.project_id);
         }},
        {"--iam-user",
         [](std::string_view value, options& out) {
             return apply_name("--iam-user", value, "an IAM user name", out.iam_user);
         }},
        {"--iam-domain",
         [](std::string_view value, options& out) {
             return apply_name("--iam-domain", value, "the account (domain) name that owns the IAM user",
                               out.iam_domain);
         }},
        {"--iam-project",
         [](std::string_view value, options& out) {
             return apply_name("--iam-project", value, "a project name such as cn-north-4", out.iam_project);
         }},
        {"--iam-endpoint",
         [](std::string_view value, options& out) {
             swr::endpoint parsed;
             if (std::string error = parse_endpoint(value, parsed); !error.empty())
                 return "--iam-endpoint: " + error;
             out.iam_endpoint = std::string(value);
             return std::string();
         }},
        {"--iam-password-file",
         [](std::string_view value, options& out) {
             return apply_text("--iam-password-file", value, "the path of a file containing the password",
                               out.iam_password_file);
         }},
        {"--proxy",
         [](std::string_view value, options& out) {
             if (std::string error = check_proxy_argument(value); !error.empty())
                 return error;
             out.proxy = std::string(value);
             return std::string();
         }},
        {"--proxy-password-file",
         [](std::string_view value, options& out) {
             return apply_text("--proxy-password-file", value, "the path of a file containing the proxy password",
                               out.proxy_password_file);
         }},
        {"--no-proxy",
         [](std::string_view value, options& out) {
             out.no_proxy = std::string(value);
             return std::string();
         }},
        {"--center",
         [](std::string_view value, options& out) {
             if (!parse_center(value, out.request.center))
                 return invalid_value("--center", value, "self or thirdparty");
             return std::string();
         }},
        {"--name",
         [](std::string_view value, options& out) {
             out.request.name = std::string(value);
             return std::string();
         }},
        {"--namespace",
         [](std::string_view value, options& out) {
             out.request.namespace_name = std::string(value);
             return std::string();
         }},
        {"--order-column",
         [](std::string_view value, options& out) {
             order_column column{};
             if (!parse_order_column(value, column))
                 return invalid_value("--order-column", value, "updated_at, name, tag_count, namespace or domain_name");
             out.request.order_column = column;
             return std::string();
         }},
        {"--order-type",
         [](std::string_view value, options& out) {
             order_type type{};
             if (!parse_order_type(value, type))
                 return invalid_value("--order-type", value, "asc or desc");
             out.request.order_type = type;
             return std::string();
         }},
        {"--query-form",
         [](std::string_view value, options& out) {
             if (!parse_query_form(value, out.request.form))
                 return invalid_value("--query-form", value, "filter or separate");
             return std::string();
         }},
        {"--page-size",
         [](std::string_view value, options& out) {
             return apply_integer("--page-size", value, min_page_size, max_page_size, out.page_size);
         }},
        {"--concurrency",
         [](std::string_view value, options& out) {
             std::int64_t number = 0;
             std::string error =
                 apply_integer("--concurrency", value, 1, static_cast<std::int64_t>(max_concurrency), number);
             if (error.empty())
                 out.concurrency = static_cast<std::size_t>(number);
             return error;
         }},
        {"--speculative-pages",
         [](std::string_view value, options& out) {
             std::int64_t number = 0;
             std::string error = apply_integer("--speculative-pages", value, 0,
                                               static_cast<std::int64_t>(max_concurrency) - 1, number);
             if (error.empty())
                 out.speculative_pages = static_cast<std::size_t>(number);
             return error;
         }},
        {"--rate",
         [](std::string_view value, options& out) {
             double number = 0;
             if (!parse_number(value, 0.0, max_rate, number)) {
                 return invalid_value("--rate", value,
                                      "requests per second, a number greater than 0 and at most " +
                                          limit_text(max_rate));
             }
             out.rate = number;
             return std::string();
         }},
        {"--burst",
         [](std::string_view value, options& out) {
             double number = 0;
             if (!parse_number(value, 0.0, max_burst, number) || number < 1.0) {
                 return invalid_value("--burst", value,
                                      "a number of requests from 1 to " + limit_text(max_burst));
             }
             out.burst = number;
             return std::string();
         }},
        {"--max-attempts",
         [](std::string_view value, options& out) {
             std::int64_t number = 0;
             std::string error = apply_integer("--max-attempts", value, 1, max_attempts_limit, number);
             if (error.empty())
                 out.max_attempts = static_cast<std::size_t>(number);
             return error;
         }},
        {"--start-offset",
         [](std::string_view value, options& out) {
             return apply_integer("--start-offset", value, 0, std::numeric_limits<std::int64_t>::max(),
                                  out.start_offset);
         }},
        {"--connect-timeout-ms",
         [](std::string_view value, options& out) {
             return apply_milliseconds("--connect-timeout-ms", value, max_connect_timeout_ms, out.connect_timeout);
         }},
        {"--request-timeout-ms",
         [](std::string_view value, options& out) {
             return apply_milliseconds("--request-timeout-ms", value, max_request_timeout_ms, out.request_timeout);
         }},
        {"--format",
         [](std::string_view value, options& out) {
             if (!parse_output_format(value, out.format))
                 return invalid_value("--format", value, "table, ndjson, json or csv");
             return std::string();
         }},
        {"--log-level",
         [](std::string_view value, options& out) {
             if (!parse_log_level(value, out.log))
                 return invalid_value("--log-level", value, "trace, debug, info, warning, error or off");
             return std::string();
         }},
        {"--output",
         [](std::string_view value, options& out) {
             return apply_text("--output", value, "a file path, or - for standard output", out.output_path);
         }},
        {"--progress",
         [](std::string_view value, options& out) {
             if (!parse_progress_mode(value, out.progress))
                 return invalid_value("--progress", value, "auto, always or never");
             return std::string();
         }},
    };
    return table;
}

const value_option* find_option(std::string_view name)
{
    for (const value_option& option : value_options()) {
        if (option.name == name)
            return &option;
    }
    return nullptr;
}

// One option that takes no value.
struct flag_option {
    std::string_view name;
    void (*apply)(options& out);
};

constexpr std::array<flag_option, 2> flag_options = {{
    {"--quiet", [](options& out) { out.quiet = true; }},
    {"-q", [](options& out) { out.quiet = true; }},
}};

const flag_option* find_flag(std::string_view name)
{
    for (const flag_option& flag : flag_options) {
        if (flag.name == name)
            return &flag;
    }
    return nullptr;
}

// Options that end parsing, handled before the tables.
constexpr std::array<std::string_view, 3> command_options = {"--help", "-h", "--version"};

parse_result invalid(std::string message)
{
    parse_result result;
    result.action = command::invalid;
    result.error = std::move(message);
    return result;
}

// Options that would take a secret as an argument, and where the secret
// goes instead. Other users of the machine can read command lines.
struct secret_argument {
    std::string_view name;
    std::string_view instead;
};

constexpr std::array<secret_argument, 7> secret_arguments = {{
    {"--token", "set SWR_AUTH_TOKEN or use --token-file FILE"},
    {"--sk", "use --sk-file FILE or set HUAWEICLOUD_SDK_SK"},
    {"--secret-key", "use --sk-file FILE or set HUAWEICLOUD_SDK_SK"},
    {"--security-token", "use --security-token-file FILE or set HUAWEICLOUD_SDK_SECURITY_TOKEN"},
    {"--password", "use --iam-password-file FILE or set SWR_IAM_PASSWORD"},
    {"--iam-password", "use --iam-password-file FILE or set SWR_IAM_PASSWORD"},
    {"--proxy-password", "use --proxy-password-file FILE or put the password in HTTPS_PROXY"},
}};

// Returns the error for an option that would take a secret, or an empty string.
std::string reject_secret_argument(std::string_view name)
{
    for (const secret_argument& argument : secret_arguments) {
        if (argument.name == name) {
            return std::string(name) + " is not accepted because arguments are visible to other users: " +
                   std::string(argument.instead);
        }
    }
    return {};
}

// Checks the credential options that must or must not come together. The
// rules that depend on the environment are in plan_credentials.
std::string check_credential_options(const options& parsed)
{
    // At most one source may be chosen on the command line.
    std::vector<std::string_view> sources;
    if (!parsed.token_file.empty())
        sources.push_back("--token-file");
    if (!parsed.access_key.empty())
        sources.push_back("--ak");
    if (!parsed.iam_user.empty())
        sources.push_back("--iam-user");
    if (sources.size() > 1) {
        return std::string(sources[0]) + " and " + std::string(sources[1]) +
               " select different credential sources: use one of --token-file, --ak or --iam-user";
    }

    // Options that belong to one source.
    const std::array<std::pair<std::string_view, const std::string*>, 2> aksk_options = {{
        {"--sk-file", &parsed.secret_key_file},
        {"--security-token-file", &parsed.security_token_file},
    }};
    for (const auto& [name, value] : aksk_options) {
        if (!value->empty() && parsed.access_key.empty())
            return std::string(name) + " requires --ak";
    }
    const std::array<std::pair<std::string_view, const std::string*>, 4> iam_options = {{
        {"--iam-domain", &parsed.iam_domain},
        {"--iam-project", &parsed.iam_project},
        {"--iam-endpoint", &parsed.iam_endpoint},
        {"--iam-password-file", &parsed.iam_password_file},
    }};
    for (const auto& [name, value] : iam_options) {
        if (!value->empty() && parsed.iam_user.empty())
            return std::string(name) + " requires --iam-user";
    }
    if (!parsed.project_id.empty() && !parsed.token_file.empty())
        return "--project-id is not used with --token-file: the token is already scoped to a project";

    // AK/SK from files.
    if (!parsed.access_key.empty() && parsed.secret_key_file.empty())
        return "--ak requires --sk-file FILE, the file containing the secret key (SK)";

    // IAM password authentication.
    if (!parsed.iam_user.empty()) {
        if (parsed.iam_domain.empty())
            return "--iam-user requires --iam-domain NAME, the account (domain) name that owns the user";
        if (!parsed.iam_project.empty() && !parsed.project_id.empty())
            return "--iam-project and --project-id were both given: scope the token with one of them";
        if (parsed.region.empty() && parsed.iam_endpoint.empty()) {
            return "--iam-user with --endpoint requires --iam-endpoint URL, the HTTPS origin of IAM "
                   "(it is derived only from --region)";
        }
    }
    return {};
}

// Checks the rules that involve several options, once all are read.
std::string check_combination(const options& parsed, bool center_given, bool burst_given)
{
    if (parsed.endpoint.empty() && parsed.region.empty())
        return "missing --endpoint URL or --region NAME: there is no default endpoint";
    if (!parsed.endpoint.empty() && !parsed.region.empty())
        return "--endpoint and --region were both given: use one of them";
    if (!center_given)
        return "missing --center: use --center self or --center thirdparty";
    if (parsed.request.order_type && !parsed.request.order_column)
        return "--order-type requires --order-column";
    if (burst_given && !parsed.rate)
        return "--burst requires --rate";
    if (parsed.speculative_pages > 0 && parsed.speculative_pages >= parsed.concurrency) {
        return "--speculative-pages " + std::to_string(parsed.speculative_pages) +
               " needs a --concurrency above it (now " + std::to_string(parsed.concurrency) +
               "): the first page and the speculative ones are in flight together";
    }
    if (std::string error = validate(parsed.request); !error.empty())
        return error;
    if (std::string error = check_credential_options(parsed); !error.empty())
        return error;
    return {};
}

}  // namespace

std::string_view to_string(output_format format) noexcept
{
    auto index = static_cast<std::size_t>(format);
    return index < format_names.size() ? format_names[index] : std::string_view("unknown");
}

bool parse_output_format(std::string_view text, output_format& format) noexcept
{
    for (std::size_t i = 0; i < format_names.size(); ++i) {
        if (format_names[i] == text) {
            format = static_cast<output_format>(i);
            return true;
        }
    }
    return false;
}

std::string_view to_string(progress_mode mode) noexcept
{
    switch (mode) {
    case progress_mode::automatic:
        return "auto";
    case progress_mode::always:
        return "always";
    case progress_mode::never:
        return "never";
    }
    return "unknown";
}

bool parse_progress_mode(std::string_view text, progress_mode& mode) noexcept
{
    for (progress_mode candidate : {progress_mode::automatic, progress_mode::always, progress_mode::never}) {
        if (to_string(candidate) == text) {
            mode = candidate;
            return true;
        }
    }
    return false;
}

std::vector<std::string_view> value_option_names()
{
    std::vector<std::string_view> names;
    for (const value_option& option : value_options())
        names.push_back(option.name);
    return names;
}

std::vector<std::string_view> option_names()
{
    std::vector<std::string_view> names = value_option_names();
    for (const flag_option& flag : flag_options)
        names.push_back(flag.name);
    names.insert(names.end(), command_options.begin(), command_options.end());
    return names;
}

parse_result parse_options(std::span<const std::string_view> args)
{
    // Help wins over every other problem, so `--help` always works.
    for (std::string_view arg : args) {
        if (arg == "--help" || arg == "-h") {
            parse_result result;
            result.action = command::help;
            return result;
        }
    }

    parse_result result;
    result.action = command::run;
    bool center_given = false;
    bool burst_given = false;

    for (std::size_t i = 0; i < args.size(); ++i) {
        std::string_view arg = args[i];
        if (arg == "--version") {
            result.action = command::version;
            return result;
        }
        if (const flag_option* flag = find_flag(arg)) {
            flag->apply(result.options);
            continue;
        }
        if (!arg.starts_with("--"))
            return invalid("unexpected argument " + quoted(arg) + ": options start with '--'; see --help");

        // Split `--name=value`, or else take the value from the next argument.
        std::string_view name = arg;
        std::optional<std::string_view> value;
        if (auto equals = arg.find('='); equals != std::string_view::npos) {
            name = arg.substr(0, equals);
            value = arg.substr(equals + 1);
        }

        if (std::string error = reject_secret_argument(name); !error.empty())
            return invalid(std::move(error));
        if (find_flag(name))
            return invalid(std::string(name) + " takes no value; see --help");
        const value_option* option = find_option(name);
        if (!option)
            return invalid("unknown option " + quoted(name) + "; see --help");

        // A following argument that starts with "--" is the next option, not
        // a value. Write `--name=--x` to pass such a value.
        if (!value) {
            if (i + 1 >= args.size() || args[i + 1].starts_with("--"))
                return invalid("missing value for " + std::string(name) + "; see --help");
            value = args[++i];
        }

        if (std::string error = option->apply(*value, result.options); !error.empty())
            return invalid(std::move(error));
        center_given = center_given || name == "--center";
        burst_given = burst_given || name == "--burst";
    }

    if (std::string error = check_combination(result.options, center_given, burst_given); !error.empty())
        return invalid(std::move(error));
    return result;
}

}  // namespace swr::cli
