#include "emulator/command_line.hpp"

#include "emulator/dataset.hpp"
#include "emulator/options.hpp"

#include <swr/emulator.hpp>

#include <boost/json.hpp>

#include <charconv>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <utility>
#include <cmath>
#include <optional>

namespace swr::emulator_detail {

namespace {

[[noreturn]] void invalid_value(std::string_view option, std::string_view value, std::string_view expected)
{
    throw usage_error("invalid value '" + std::string(value) + "' for " + std::string(option) + ": expected " +
                      std::string(expected));
}

std::int64_t parse_integer(std::string_view option, std::string_view text, std::int64_t minimum,
                           std::int64_t maximum)
{
    std::int64_t value = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (text.empty() || ec != std::errc() || end != text.data() + text.size() || value < minimum ||
        value > maximum) {
        invalid_value(option, text,
                      "an integer from " + std::to_string(minimum) + " to " + std::to_string(maximum));
    }
    return value;
}

double parse_rate(std::string_view option, std::string_view text, std::string_view expected)
{
    double value = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (text.empty() || ec != std::errc() || end != text.data() + text.size() || !std::isfinite(value) ||
        value < 0) {
        invalid_value(option, text, expected);
    }
    return value;
}

std::uint64_t parse_seed(std::string_view option, std::string_view text)
{
    std::uint64_t value = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (text.empty() || ec != std::errc() || end != text.data() + text.size()) {
        invalid_value(option, text, "an integer from 0 to 18446744073709551615");
    }
    return value;
}

}  // namespace

namespace {

// One option of swr-emulator: how `--help` shows it and how its value is
// stored. The parser and `usage_text` both read this table, so an option
// cannot be accepted without being documented.
struct option_spec {
    std::string_view name;
    std::string_view alias;     // e.g. "-h"; empty when there is none
    std::string_view argument;  // e.g. "N"; empty for an option without a value
    std::string description;    // what it sets, with its unit and range
    std::string default_text;   // empty only for options without a value
    void (*apply)(std::string_view option, std::string_view value, command_line& out);
};

std::string range_text(std::int64_t minimum, std::int64_t maximum)
{
    return std::to_string(minimum) + " to " + std::to_string(maximum);
}

const std::vector<option_spec>& option_table()
{
    static const std::vector<option_spec> table = {
        {"--host", "", "ADDRESS", "address to listen on: 127.0.0.1 or ::1; the emulator listens on loopback only",
         "127.0.0.1",
         [](std::string_view option, std::string_view host, command_line& out) {
             if (host != "127.0.0.1" && host != "::1")
                 invalid_value(option, host, "127.0.0.1 or ::1 (the emulator listens on loopback only)");
             out.options.bind_address = std::string(host);
         }},
        {"--port", "", "N", "TCP port, 0 to 65535; 0 picks a free one, shown on the endpoint line", "0",
         [](std::string_view option, std::string_view value, command_line& out) {
             out.options.port = static_cast<std::uint16_t>(parse_integer(option, value, 0, 65535));
         }},
        {"--tls-dir", "", "DIR",
         "directory of ca.pem, server.pem and server.key (a certificate for 127.0.0.1, ::1 and localhost); "
         "a new CA is created there when none of the three exists, and all three are reused when all exist",
         "a new directory under $TMPDIR or /tmp, removed on exit",
         [](std::string_view option, std::string_view directory, command_line& out) {
             if (directory.empty())
                 invalid_value(option, directory, "a directory path");
             out.options.tls_dir = std::string(directory);
             out.tls_dir_given = true;
         }},
        {"--repositories", "", "N",
         "generated repositories per center, self and thirdparty, " + range_text(0, max_generated_repositories) +
             "; the same N gives the same data; cannot be combined with --data",
         "0",
         [](std::string_view option, std::string_view value, command_line& out) {
             out.options.repositories = parse_integer(option, value, 0, max_generated_repositories);
         }},
        {"--data", "", "FILE",
         "serve the repositories of this JSON file instead, an object keyed by center: "
         "{\"self\": [...], \"thirdparty\": [...]}",
         "none",
         [](std::string_view option, std::string_view path, command_line& out) {
             if (path.empty())
                 invalid_value(option, path, "the path of a JSON data file");
             out.options.data_file = std::string(path);
         }},
        {"--token-file", "", "FILE",
         "accept X-Auth-Token equal to the first line of FILE. With no token, --ak or --iam-users-file, "
         "listings need no credentials",
         "the SWR_EMULATOR_TOKEN environment variable, else no token",
         [](std::string_view option, std::string_view path, command_line& out) {
             if (path.empty())
                 invalid_value(option, path, "the path of a file containing the token");
             out.token_file = std::string(path);
         }},
        {"--ak", "", "AK", "accept SDK-HMAC-SHA256 (AK/SK) signatures made with this access key; needs --sk-file",
         "none, signed requests are rejected",
         [](std::string_view option, std::string_view access_key, command_line& out) {
             if (access_key.empty())
                 invalid_value(option, access_key, "an access key (AK)");
             out.options.access_key = std::string(access_key);
         }},
        {"--sk-file", "", "FILE",
         "secret key (SK) of --ak: the first line of FILE, printable ASCII without spaces; the SK is never "
         "accepted on the command line",
         "none",
         [](std::string_view option, std::string_view path, command_line& out) {
             if (path.empty())
                 invalid_value(option, path, "the path of a file containing the secret key (SK)");
             out.secret_key_file = std::string(path);
         }},
        {"--project-id", "", "ID", "require X-Project-Id equal to ID in AK/SK-signed listings; needs --ak",
         "any X-Project-Id is accepted",
         [](std::string_view option, std::string_view project, command_line& out) {
             if (project.empty())
                 invalid_value(option, project, "a project id");
             out.options.project_id = std::string(project);
         }},
        {"--iam-users-file", "", "FILE",
         "issue tokens on POST /v3/auth/tokens to the users of this JSON file: "
         "[{\"name\": ..., \"password\": ..., \"domain\": ...}], each name at most once per domain",
         "none, every token request gets 401",
         [](std::string_view option, std::string_view path, command_line& out) {
             if (path.empty())
                 invalid_value(option, path, "the path of a JSON file of IAM users");
             out.iam_users_file = std::string(path);
         }},
        {"--token-lifetime-s", "", "N",
         "lifetime of the tokens issued, in seconds, " + range_text(1, max_token_lifetime_s), "86400",
         [](std::string_view option, std::string_view value, command_line& out) {
             out.options.token_lifetime = std::chrono::seconds(parse_integer(option, value, 1, max_token_lifetime_s));
         }},
        {"--clock-skew-s", "", "N",
         "seconds added to the emulator's clock when it checks X-Sdk-Date (15 minutes allowed) and token "
         "expiry, and in its Date header, " +
             range_text(-max_clock_skew_s, max_clock_skew_s) + "; negative puts it behind",
         "0",
         [](std::string_view option, std::string_view value, command_line& out) {
             out.options.clock_skew =
                 std::chrono::seconds(parse_integer(option, value, -max_clock_skew_s, max_clock_skew_s));
         }},
        {"--latency-ms", "", "N", "delay before every response, in milliseconds, " + range_text(0, max_latency_ms),
         "0",
         [](std::string_view option, std::string_view value, command_line& out) {
             out.options.latency = std::chrono::milliseconds(parse_integer(option, value, 0, max_latency_ms));
         }},
        {"--no-session-resumption", "", "", "issue no TLS session tickets or session IDs, so that every "
         "handshake is a full one", "",
         [](std::string_view, std::string_view, command_line& out) { out.options.session_resumption = false; }},
        {"--rate", "", "R",
         "rate limit in requests per second over all connections, 0 or more; beyond it the answer is "
         "429 APIG.0308",
         "0, no limit",
         [](std::string_view option, std::string_view value, command_line& out) {
             out.options.rate_limit = parse_rate(option, value, "a number of requests per second, 0 or more");
         }},
        {"--burst", "", "B", "size of the rate limit's bucket, in requests: 0, or at least 1; needs --rate",
         "0, which means max(1, R)",
         [](std::string_view option, std::string_view value, command_line& out) {
             out.options.rate_burst = parse_rate(option, value, "a number of requests, 0 or at least 1");
             if (out.options.rate_burst > 0 && out.options.rate_burst < 1)
                 invalid_value(option, value, "a number of requests, 0 or at least 1");
         }},
        {"--faults", "", "FILE", "inject the faults of this JSON scenario file, whose format is shown below", "none",
         [](std::string_view option, std::string_view path, command_line& out) {
             if (path.empty())
                 invalid_value(option, path, "the path of a JSON faults file");
             out.faults_file = std::string(path);
         }},
        {"--fault-probability", "", "P",
         "probability, 0 to 1, that a request no rule touched gets a random retryable fault: 500, 502, 503, "
         "504, 429 with Retry-After: 0, a reset mid-body, a short body or a close without TLS "
         "close_notify; overrides the faults file",
         "0",
         [](std::string_view option, std::string_view value, command_line& out) {
             out.options.fault_probability = parse_rate(option, value, "a probability from 0 to 1");
             if (out.options.fault_probability > 1)
                 invalid_value(option, value, "a probability from 0 to 1");
             out.fault_probability_given = true;
         }},
        {"--fault-seed", "", "N",
         "seed of the random faults, 0 to 18446744073709551615: the same seed gives request number K the "
         "same fault; overrides the faults file",
         "0",
         [](std::string_view option, std::string_view value, command_line& out) {
             out.options.fault_seed = parse_seed(option, value);
             out.fault_seed_given = true;
         }},
        {"--threads", "", "N",
         "threads serving connections, " + range_text(1, static_cast<std::int64_t>(max_threads)), "1",
         [](std::string_view option, std::string_view value, command_line& out) {
             out.threads = static_cast<std::size_t>(
                 parse_integer(option, value, 1, static_cast<std::int64_t>(max_threads)));
         }},
        {"--help", "-h", "", "print this help and exit", "",
         [](std::string_view, std::string_view, command_line& out) { out.show_help = true; }},
        {"--version", "", "", "print the version and exit", "",
         [](std::string_view, std::string_view, command_line& out) { out.show_version = true; }},
    };
    return table;
}

const option_spec* find_option(std::string_view name)
{
    for (const option_spec& spec : option_table()) {
        if (spec.name == name || (!spec.alias.empty() && spec.alias == name))
            return &spec;
    }
    return nullptr;
}

// Rejects the options that would take a secret on the command line, which
// other users of the machine can read.
void reject_secret_option(std::string_view option)
{
    if (option == "--sk" || option == "--password") {
        throw usage_error(std::string(option) +
                          " is not accepted, because other users can read the command line; use " +
                          (option == "--sk" ? "--sk-file FILE" : "--iam-users-file FILE"));
    }
    if (option == "--token") {
        throw usage_error("--token is not accepted, because other users can read the command line; "
                          "use --token-file FILE or the SWR_EMULATOR_TOKEN environment variable");
    }
}

// Checks the rules that involve several options, once all are read.
void check_combination(const command_line& result)
{
    if (result.options.repositories > 0 && !result.options.data_file.empty()) {
        throw usage_error("--repositories and --data cannot be combined; use one source of repositories");
    }
    if (result.options.rate_burst > 0 && result.options.rate_limit == 0) {
        throw usage_error("--burst needs --rate");
    }
    if (!result.options.project_id.empty() && result.options.access_key.empty()) {
        throw usage_error("--project-id needs --ak: the project id is checked on AK/SK-signed requests only");
    }
}

// Appends `text` to `out`, wrapped at word boundaries into lines of at most
// `width` columns that start at column `indent`. `column` is where the
// first word goes.
void append_wrapped(std::string& out, std::string_view text, std::size_t column, std::size_t indent,
                    std::size_t width)
{
    bool first_word = true;
    while (!text.empty()) {
        std::size_t end = text.find(' ');
        std::string_view word = text.substr(0, end);
        text = end == std::string_view::npos ? std::string_view() : text.substr(end + 1);
        if (word.empty())
            continue;

        if (!first_word && column + 1 + word.size() > width) {
            out += '\n';
            out.append(indent, ' ');
            column = indent;
        } else if (!first_word) {
            out += ' ';
            ++column;
        }
        out += word;
        column += word.size();
        first_word = false;
    }
    out += '\n';
}

// Formats the options part of `--help` from the table.
std::string options_help()
{
    constexpr std::size_t description_column = 23;
    constexpr std::size_t line_width = 79;

    std::string out = "Options:\n";
    for (const option_spec& spec : option_table()) {
        std::string head = "  ";
        if (!spec.alias.empty())
            head += std::string(spec.alias) + ", ";
        head += spec.name;
        if (!spec.argument.empty())
            head += " " + std::string(spec.argument);

        out += head;
        std::size_t column = head.size();
        if (column + 1 > description_column) {
            out += '\n';
            column = 0;
        }
        out.append(description_column - column, ' ');

        std::string description = spec.description;
        if (!spec.default_text.empty())
            description += " (default: " + spec.default_text + ")";
        append_wrapped(out, description, description_column, description_column, line_width);
    }
    return out;
}

}  // namespace

std::vector<std::string_view> option_names()
{
    std::vector<std::string_view> names;
    for (const option_spec& spec : option_table()) {
        names.push_back(spec.name);
        if (!spec.alias.empty())
            names.push_back(spec.alias);
    }
    return names;
}

std::vector<option_summary> option_summaries()
{
    std::vector<option_summary> summaries;
    for (const option_spec& spec : option_table())
        summaries.push_back({spec.name, spec.argument, spec.description, spec.default_text});
    return summaries;
}

command_line parse_command_line(const std::vector<std::string>& arguments)
{
    // Help wins over every other problem, so `--help` always works.
    command_line result;
    for (const std::string& argument : arguments) {
        if (argument == "--help" || argument == "-h") {
            result.show_help = true;
            return result;
        }
    }

    for (std::size_t i = 0; i < arguments.size(); ++i) {
        std::string_view argument = arguments[i];
        if (argument.substr(0, 2) != "--" && !find_option(argument)) {
            throw usage_error("unexpected argument '" + std::string(argument) + "'; options start with --");
        }

        // Split `--name=value`, or take the value from the next argument.
        std::string_view option = argument;
        std::optional<std::string_view> inline_value;
        if (std::size_t equals = argument.find('='); equals != std::string_view::npos) {
            option = argument.substr(0, equals);
            inline_value = argument.substr(equals + 1);
        }
        reject_secret_option(option);

        const option_spec* spec = find_option(option);
        if (spec == nullptr) {
            throw usage_error("unknown option " + std::string(option));
        }
        if (spec->argument.empty()) {
            if (inline_value) {
                throw usage_error(std::string(option) + " takes no value");
            }
            spec->apply(option, {}, result);
            continue;
        }

        std::string_view value;
        if (inline_value) {
            value = *inline_value;
        } else if (i + 1 < arguments.size()) {
            value = arguments[++i];
        } else {
            throw usage_error("missing value for " + std::string(option));
        }
        spec->apply(option, value, result);
    }

    check_combination(result);
    return result;
}

void load_faults(command_line& command)
{
    if (command.faults_file.empty()) {
        return;
    }
    fault_scenario scenario;
    try {
        scenario = load_fault_scenario(command.faults_file);
    } catch (const std::runtime_error& e) {
        throw usage_error(std::string("invalid --faults file: ") + e.what());
    }

    emulator_options& options = command.options;
    options.faults = std::move(scenario.rules);
    if (!command.fault_probability_given) {
        options.fault_probability = scenario.fault_probability;
    }
    if (!command.fault_seed_given) {
        options.fault_seed = scenario.fault_seed;
    }
}

namespace {

std::string read_file(const std::string& option, const std::string& path)
{
    // An ifstream opens a directory and reads it as empty, which would be
    // reported as an empty or invalid file.
    std::error_code ignored;
    if (std::filesystem::is_directory(path, ignored)) {
        throw usage_error("invalid value '" + path + "' for " + option + ": it is a directory; name a file");
    }
    std::ifstream file(path, std::ios::binary);
    if (!file) {
        throw usage_error("invalid value '" + path + "' for " + option + ": the file cannot be opened");
    }
    std::ostringstream content;
    content << file.rdbuf();
    return content.str();
}

// Returns the first line of the file without surrounding blanks.
std::string read_first_line(const std::string& option, const std::string& path)
{
    std::string content = read_file(option, path);
    std::string line = content.substr(0, content.find('\n'));
    std::size_t first = line.find_first_not_of(" \t\r");
    std::size_t last = line.find_last_not_of(" \t\r");
    if (first == std::string::npos) {
        throw usage_error("invalid value '" + path + "' for " + option + ": the first line is empty");
    }
    return line.substr(first, last - first + 1);
}

std::string read_secret_key(const std::string& path)
{
    std::string secret_key = read_first_line("--sk-file", path);
    if (!is_valid_secret_key(secret_key)) {
        throw usage_error("invalid value '" + path + "' for --sk-file: the secret key (SK) on its first line "
                          "contains a space, a control character such as NUL, or a non-ASCII byte; it must "
                          "consist of printable ASCII characters");
    }
    return secret_key;
}

std::string read_token(const std::string& path)
{
    std::string token = read_first_line("--token-file", path);
    for (char c : token) {
        auto byte = static_cast<unsigned char>(c);
        if (byte < 0x20 || byte == 0x7f) {
            throw usage_error("invalid value '" + path + "' for --token-file: the token on its first line "
                              "contains a control character");
        }
    }
    return token;
}

std::vector<iam_user> read_iam_users(const std::string& path)
{
    std::string content = read_file("--iam-users-file", path);
    auto fail = [&](const std::string& problem) {
        throw usage_error("invalid --iam-users-file " + path + ": " + problem +
                          "; expected a JSON array of {\"name\": ..., \"password\": ..., \"domain\": ...}");
    };

    // Boost.JSON's messages quote no input, so a password cannot leak through them.
    boost::system::error_code error;
    boost::json::value root = boost::json::parse(content, error);
    if (error) {
        fail("not valid JSON (" + error.message() + ")");
    }
    if (!root.is_array() || root.get_array().empty()) {
        fail("the top level is not a non-empty array");
    }

    std::vector<iam_user> users;
    for (std::size_t i = 0; i < root.get_array().size(); ++i) {
        const boost::json::object* entry = root.get_array()[i].if_object();
        iam_user user;
        for (auto [field, target] : {std::pair{"name", &user.name}, std::pair{"password", &user.password},
                                     std::pair{"domain", &user.domain}}) {
            const boost::json::value* value = entry ? entry->if_contains(field) : nullptr;
            if (value == nullptr || !value->is_string() || value->get_string().empty()) {
                fail("[" + std::to_string(i) + "]." + field + " is missing or not a non-empty string");
            }
            *target = std::string(value->get_string());
        }
        users.push_back(std::move(user));
    }

    // A repeated user would never be used, because the first entry decides.
    std::set<std::pair<std::string, std::string>> seen;
    for (std::size_t i = 0; i < users.size(); ++i) {
        if (!seen.insert({users[i].domain, users[i].name}).second) {
            fail("[" + std::to_string(i) + "] repeats user " + quoted_name(users[i].name) + " of domain " +
                 quoted_name(users[i].domain) + "; give each user of a domain one entry");
        }
    }
    return users;
}

}  // namespace

void load_credential_files(command_line& command)
{
    emulator_options& options = command.options;
    if (options.access_key.empty() != command.secret_key_file.empty()) {
        throw usage_error(options.access_key.empty() ? "--sk-file needs --ak" : "--ak needs --sk-file");
    }
    if (!command.secret_key_file.empty()) {
        options.secret_key = read_secret_key(command.secret_key_file);
    }
    if (!command.iam_users_file.empty()) {
        options.iam_users = read_iam_users(command.iam_users_file);
    }
    if (!command.token_file.empty()) {
        options.token = read_token(command.token_file);
    }
}

std::string usage_text()
{
    std::string text = R"(Usage: swr-emulator [OPTION]...
Serve a local emulation of Huawei Cloud SWR's
GET /v2/manage/shared-repositories and IAM's POST /v3/auth/tokens over HTTPS,
on loopback only. On start, prints three lines to standard output:
"endpoint URL", "ca-file PATH" and "ready". Stops on SIGINT or SIGTERM and
prints its counters to standard error. Options take their value as the next
argument or after '=' (--port=8443).

)";
    text += options_help();
    text += R"(
Environment:
  SWR_EMULATOR_TOKEN   token accepted in X-Auth-Token when --token-file is not
                       given. No secret (token, SK, password) is accepted as an
                       argument, and none is ever logged.

Besides the listing, GET /emulator/stats returns the counters as JSON, faults
injected included; it needs no credentials and is not counted.

Exit status: 0 after a clean stop (SIGINT or SIGTERM), 1 when starting fails
(e.g. the port is in use, or a data file is invalid), 2 for invalid options
or unreadable option files.

Faults file:
  {"fault_probability": 0.05, "fault_seed": 42,
   "rules": [
     {"request": 1, "action": "status", "status": 429,
      "headers": {"Retry-After": "3"}},
     {"offset": 200, "center": "self", "times": 0,
      "action": "reset_mid_body"}]}
  Requests are numbered from 1; /emulator/stats is not counted. Every rule
  that matches a request applies in order and uses up one of its "times". A
  request gets at most one action of each kind, and the delivery faults
  (stall_*, reset_*, short_body, close_without_notify, trickle) count as one
  kind; a later rule of a kind already applied keeps its uses. Latencies add
  up, mutations all apply.
  Match fields of every rule (all optional; absent matches any):
    request N        1-based request number
    offset N         the listing's offset (a listing without one has offset 0)
    center C         self or thirdparty
    times N          matching requests the rule applies to, 0 for all
                     (default: 1)
  Actions and their fields (durations in milliseconds, at most 3600000):
    status           status (200 to 599, required), body (default: the body
                     SWR or its gateway sends, e.g. 429 APIG.0308, 503
                     APIG.0202, 500 SVCSTG.SWR.5000008, 403
                     SVCSTG.SWR.4031032), headers (an object, or an array of
                     [name, value] pairs when a name repeats)
    latency          delay_ms (required): wait before the response
    stall_after_headers
                     duration_ms: send the headers, then nothing for that long
                     (absent: until the client closes), then the body
    stall_mid_body   duration_ms, body_bytes: the same after part of the body
    reset_mid_headers
                     header_bytes: send part of the headers, then reset the TCP
                     connection
    reset_mid_body   body_bytes: send the headers and part of the body, then
                     reset
    short_body       body_bytes: send fewer body bytes than Content-Length,
                     then close with TLS close_notify
    close_without_notify
                     body_bytes: send part of the body, then close TCP without
                     TLS close_notify
    idle_close       idle_ms (default 0): answer, then close the keep-alive
                     connection after that much idle time (0: at once)
    trickle          chunk_bytes (1 to 65536, default 16), interval_ms (default
                     10): send the response in small writes with pauses
    page_size_cap    max_items (required): serve at most that many repositories
    mutate           insert (0 to 100000), remove, position (defaults 0):
                     change the listing of the center before answering; it
                     stays changed
    content_range    value (required): the Content-Range to send, or null to
                     omit it
  body_bytes and header_bytes default to half, and are always short of the
  whole.
)";
    return text;
}

}  // namespace swr::emulator_detail
