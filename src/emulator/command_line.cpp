#include "emulator/command_line.hpp"

#include "emulator/dataset.hpp"

#include <swr/emulator.hpp>

#include <boost/json.hpp>

#include <charconv>
#include <fstream>
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

command_line parse_command_line(const std::vector<std::string>& arguments)
{
    command_line result;
    for (std::size_t i = 0; i < arguments.size(); ++i) {
        std::string_view argument = arguments[i];
        if (argument == "--help" || argument == "-h") {
            result.show_help = true;
            continue;
        }
        if (argument.substr(0, 2) != "--") {
            throw usage_error("unexpected argument '" + std::string(argument) + "'; options start with --");
        }

        // Split `--name=value`, or take the value from the next argument.
        std::string_view option = argument;
        std::optional<std::string_view> inline_value;
        if (std::size_t equals = argument.find('='); equals != std::string_view::npos) {
            option = argument.substr(0, equals);
            inline_value = argument.substr(equals + 1);
        }
        if (option == "--sk" || option == "--password") {
            throw usage_error(std::string(option) +
                              " is not accepted, because other users can read the command line; use " +
                              (option == "--sk" ? "--sk-file FILE" : "--iam-users-file FILE"));
        }
        if (option == "--token") {
            throw usage_error("--token is not accepted, because other users can read the command line; "
                              "use --token-file FILE or the SWR_EMULATOR_TOKEN environment variable");
        }
        auto value = [&]() -> std::string_view {
            if (inline_value) {
                return *inline_value;
            }
            if (i + 1 >= arguments.size()) {
                throw usage_error("missing value for " + std::string(option));
            }
            return arguments[++i];
        };

        emulator_options& options = result.options;
        if (option == "--host") {
            std::string_view host = value();
            if (host != "127.0.0.1" && host != "::1") {
                invalid_value(option, host, "127.0.0.1 or ::1 (the emulator listens on loopback only)");
            }
            options.bind_address = std::string(host);
        } else if (option == "--port") {
            options.port = static_cast<std::uint16_t>(parse_integer(option, value(), 0, 65535));
        } else if (option == "--tls-dir") {
            std::string_view directory = value();
            if (directory.empty()) {
                invalid_value(option, directory, "a directory path");
            }
            options.tls_dir = std::string(directory);
            result.tls_dir_given = true;
        } else if (option == "--repositories") {
            options.repositories = parse_integer(option, value(), 0, max_generated_repositories);
        } else if (option == "--data") {
            options.data_file = std::string(value());
        } else if (option == "--token-file") {
            result.token_file = std::string(value());
        } else if (option == "--ak") {
            std::string_view access_key = value();
            if (access_key.empty()) {
                invalid_value(option, access_key, "an access key (AK)");
            }
            options.access_key = std::string(access_key);
        } else if (option == "--sk-file") {
            result.secret_key_file = std::string(value());
        } else if (option == "--iam-users-file") {
            result.iam_users_file = std::string(value());
        } else if (option == "--token-lifetime-s") {
            options.token_lifetime = std::chrono::seconds(parse_integer(option, value(), 1, max_token_lifetime_s));
        } else if (option == "--clock-skew-s") {
            options.clock_skew =
                std::chrono::seconds(parse_integer(option, value(), -max_clock_skew_s, max_clock_skew_s));
        } else if (option == "--latency-ms") {
            options.latency = std::chrono::milliseconds(parse_integer(option, value(), 0, max_latency_ms));
        } else if (option == "--rate") {
            options.rate_limit = parse_rate(option, value(), "a number of requests per second, 0 or more");
        } else if (option == "--burst") {
            std::string_view text = value();
            options.rate_burst = parse_rate(option, text, "a number of requests, 0 or at least 1");
            if (options.rate_burst > 0 && options.rate_burst < 1) {
                invalid_value(option, text, "a number of requests, 0 or at least 1");
            }
        } else if (option == "--faults") {
            std::string_view path = value();
            if (path.empty()) {
                invalid_value(option, path, "the path of a JSON faults file");
            }
            result.faults_file = std::string(path);
        } else if (option == "--fault-probability") {
            std::string_view text = value();
            options.fault_probability = parse_rate(option, text, "a probability from 0 to 1");
            if (options.fault_probability > 1) {
                invalid_value(option, text, "a probability from 0 to 1");
            }
            result.fault_probability_given = true;
        } else if (option == "--fault-seed") {
            options.fault_seed = parse_seed(option, value());
            result.fault_seed_given = true;
        } else if (option == "--threads") {
            result.threads = static_cast<std::size_t>(
                parse_integer(option, value(), 1, static_cast<std::int64_t>(max_threads)));
        } else {
            throw usage_error("unknown option " + std::string(option));
        }
    }

    if (result.options.repositories > 0 && !result.options.data_file.empty()) {
        throw usage_error("--repositories and --data cannot be combined; use one source of repositories");
    }
    if (result.options.rate_burst > 0 && result.options.rate_limit == 0) {
        throw usage_error("--burst needs --rate");
    }
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
    std::ifstream file(path, std::ios::binary);
    if (!file) {
        throw usage_error("invalid value '" + path + "' for " + option + ": the file cannot be opened");
    }
    std::ostringstream content;
    content << file.rdbuf();
    return content.str();
}

// The SK is the first line without surrounding blanks.
std::string read_secret_key(const std::string& path)
{
    std::string content = read_file("--sk-file", path);
    std::string line = content.substr(0, content.find('\n'));
    std::size_t first = line.find_first_not_of(" \t\r");
    std::size_t last = line.find_last_not_of(" \t\r");
    if (first == std::string::npos) {
        throw usage_error("invalid value '" + path + "' for --sk-file: the first line is empty");
    }
    return line.substr(first, last - first + 1);
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
}

std::string usage_text()
{
    return R"(Usage: swr-emulator [OPTION]...
Serve a local emulation of Huawei Cloud SWR's GET /v2/manage/shared-repositories
and IAM's POST /v3/auth/tokens over HTTPS, on loopback only. On start, prints three lines to standard output:
"endpoint URL", "ca-file PATH" and "ready". Stops on SIGINT or SIGTERM and prints
its counters to standard error.

Options:
  --host ADDRESS       address to listen on: 127.0.0.1 or ::1 (default: 127.0.0.1)
  --port N             TCP port, 0 picks a free one (default: 0)
  --tls-dir DIR        directory of ca.pem, server.pem and server.key; a new CA is
                       created there when none of them exists (default: a new
                       directory under $TMPDIR or /tmp, removed on exit)
  --repositories N     generated repositories per center, self and thirdparty,
                       0 to 10000000; the same N gives the same data (default: 0)
  --data FILE          serve the repositories of this JSON file instead, an object
                       keyed by center: {"self": [...], "thirdparty": [...]}
  --token-file FILE    accept X-Auth-Token equal to the first line of FILE;
                       the SWR_EMULATOR_TOKEN environment variable is used when
                       this is absent. With none of --token-file, --ak and
                       --iam-users-file, listings need no credentials.
  --ak AK              accept SDK-HMAC-SHA256 (AK/SK) signatures made with this
                       access key; needs --sk-file (default: signatures rejected)
  --sk-file FILE       secret key (SK) of --ak, the first line of FILE; the SK is
                       never accepted on the command line
  --iam-users-file FILE
                       issue tokens on POST /v3/auth/tokens to the users of this
                       JSON file: [{"name": ..., "password": ..., "domain": ...}]
  --token-lifetime-s N lifetime of the tokens issued, in seconds, 1 to 31622400
                       (default: 86400)
  --clock-skew-s N     seconds added to the emulator's clock when it checks
                       X-Sdk-Date (15 minutes allowed) and token expiry; negative
                       puts it behind (default: 0)
  --latency-ms N       delay before every response, in milliseconds, 0 to
                       3600000 (default: 0)
  --rate R             rate limit in requests per second over all connections;
                       beyond it the answer is 429 APIG.0308 (default: 0, off)
  --burst B            rate limit bucket size in requests (default: 0, which
                       means max(1, R))
  --faults FILE        inject the faults of this JSON scenario file (format below)
  --fault-probability P
                       probability, 0 to 1, that a request no rule touched gets a
                       random retryable fault: 500, 502, 503, 504, 429 with
                       Retry-After: 0, a reset mid-body, a short body or a close
                       without TLS close_notify; overrides the file (default: 0)
  --fault-seed N       seed of the random faults: the same seed gives request
                       number K the same fault; overrides the file (default: 0)
  --threads N          threads serving connections, 1 to 256 (default: 1)
  -h, --help           print this help and exit

Besides the listing, GET /emulator/stats returns the counters as JSON, faults
injected included.
Exit status: 0 after a clean stop, 1 when starting fails, 2 for invalid options.

Faults file:
  {"fault_probability": 0.05, "fault_seed": 42,
   "rules": [
     {"request": 1, "action": "status", "status": 429, "headers": {"Retry-After": "3"}},
     {"offset": 200, "center": "self", "times": 0, "action": "reset_mid_body"}]}
  Requests are numbered from 1; /emulator/stats is not counted. Every rule that
  matches a request applies in order and uses up one of its "times". A request
  gets at most one action of each kind, and the delivery faults (stall_*, reset_*,
  short_body, close_without_notify, trickle) count as one kind; a later rule of a
  kind already applied keeps its uses. Latencies add up, mutations all apply.
  Match fields of every rule (all optional; absent matches any):
    request N        1-based request number
    offset N         the listing's offset (a listing without one has offset 0)
    center C         self or thirdparty
    times N          matching requests the rule applies to, 0 for all (default: 1)
  Actions and their fields (durations in milliseconds, at most 3600000):
    status           status (200 to 599, required), body (default: the body SWR or
                     its gateway sends, e.g. 429 APIG.0308, 503 APIG.0202, 500
                     SVCSTG.SWR.5000008, 403 SVCSTG.SWR.4031032), headers (an object,
                     or an array of [name, value] pairs when a name repeats)
    latency          delay_ms (required): wait before the response
    stall_after_headers
                     duration_ms: send the headers, then nothing for that long
                     (absent: until the client closes), then the body
    stall_mid_body   duration_ms, body_bytes: the same after part of the body
    reset_mid_headers
                     header_bytes: send part of the headers, then reset the TCP
                     connection
    reset_mid_body   body_bytes: send the headers and part of the body, then reset
    short_body       body_bytes: send fewer body bytes than Content-Length, then
                     close with TLS close_notify
    close_without_notify
                     body_bytes: send part of the body, then close TCP without
                     TLS close_notify
    idle_close       idle_ms (default 0): answer, then close the keep-alive
                     connection after that much idle time (0: at once)
    trickle          chunk_bytes (1 to 65536, default 16), interval_ms (default
                     10): send the response in small writes with pauses
    page_size_cap    max_items (required): serve at most that many repositories
    mutate           insert (0 to 100000), remove, position (defaults 0): change
                     the listing of the center before answering; it stays changed
    content_range    value (required): the Content-Range to send, or null to omit it
  body_bytes and header_bytes default to half, and are always short of the whole.
)";
}

}  // namespace swr::emulator_detail
