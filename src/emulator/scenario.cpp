#include "emulator/scenario.hpp"

#include "emulator/faults.hpp"

#include <boost/json/serialize.hpp>
#include <boost/json/stream_parser.hpp>
#include <boost/json/value.hpp>

#include <algorithm>
#include <array>
#include <filesystem>
#include <fstream>
#include <limits>
#include <set>
#include <sstream>
#include <stdexcept>
#include <vector>

namespace swr::emulator_detail {

namespace {

namespace json = boost::json;

constexpr std::int64_t int64_max = std::numeric_limits<std::int64_t>::max();

std::string_view to_std(json::string_view text)
{
    return {text.data(), text.size()};
}

// Fields every rule may have, whatever its action.
constexpr std::array<std::string_view, 5> match_fields = {"action", "request", "offset", "center", "times"};

// The scenario-file fields of each action, in `fault_kind` order.
const std::array<std::vector<std::string_view>, fault_kind_count> action_fields = {{
    {"status", "body", "headers"},
    {"delay_ms"},
    {"duration_ms"},
    {"duration_ms", "body_bytes"},
    {"header_bytes"},
    {"body_bytes"},
    {"body_bytes"},
    {"body_bytes"},
    {"idle_ms"},
    {"chunk_bytes", "interval_ms"},
    {"max_items"},
    {"insert", "remove", "position"},
    {"value"},
}};

std::string join(const std::vector<std::string_view>& words)
{
    std::string text;
    for (std::string_view word : words) {
        if (!text.empty()) {
            text += ", ";
        }
        text += word;
    }
    return text;
}

std::string field_path(const std::string& parent, std::string_view key)
{
    return parent.empty() ? std::string(key) : parent + "." + std::string(key);
}

// Name in the file of a field that `check_fault_rule` names as in C++.
std::string file_field_name(const std::string& field)
{
    for (std::string_view duration : {"delay", "duration", "idle", "interval"}) {
        if (field == duration) {
            return field + "_ms";
        }
    }
    return field;
}

// Reads the values of one scenario, naming the file, line and field in every error.
class scenario_reader {
public:
    scenario_reader(std::string_view text, std::string_view origin) : origin_(origin), lines_(text) {}

    fault_scenario read(const json::value& document)
    {
        if (!document.is_object()) {
            fail("", "the top level must be an object with \"rules\", \"fault_probability\" and "
                     "\"fault_seed\", not " + describe(document));
        }

        fault_scenario scenario;
        for (const auto& [key, value] : document.get_object()) {
            std::string path(to_std(key));
            if (key == "rules") {
                read_rules(value, path, scenario.rules);
            } else if (key == "fault_probability") {
                scenario.fault_probability = read_probability(value, path);
            } else if (key == "fault_seed") {
                scenario.fault_seed = read_unsigned(value, path);
            } else {
                fail(path, "unknown field; the top level has rules, fault_probability and fault_seed");
            }
        }
        return scenario;
    }

private:
    [[noreturn]] void fail(const std::string& path, const std::string& problem) const
    {
        std::string where = path.empty() ? "top level" : path;
        throw std::runtime_error(std::string(origin_) + ":" + std::to_string(lines_.line_of(path)) + ": " + where +
                                 ": " + problem);
    }

    [[noreturn]] void invalid(const std::string& path, const json::value& value, const std::string& expected) const
    {
        fail(path, "invalid value " + describe(value) + ": expected " + expected);
    }

    // The value as JSON text, shortened when long.
    static std::string describe(const json::value& value)
    {
        std::string text = json::serialize(value);
        if (text.size() > 60) {
            text = text.substr(0, 57) + "...";
        }
        return text;
    }

    void read_rules(const json::value& value, const std::string& path, std::vector<fault_rule>& rules) const
    {
        if (!value.is_array()) {
            invalid(path, value, "an array of rules");
        }
        const json::array& list = value.get_array();
        for (std::size_t i = 0; i < list.size(); ++i) {
            rules.push_back(read_rule(list[i], path + "[" + std::to_string(i) + "]"));
        }
    }

    fault_rule read_rule(const json::value& value, const std::string& path) const
    {
        if (!value.is_object()) {
            invalid(path, value, "an object with an \"action\" field");
        }
        const json::object& fields = value.get_object();

        // The action decides which other fields are allowed.
        const json::value* action_name = fields.if_contains("action");
        if (action_name == nullptr) {
            fail(path, "missing field \"action\"; use one of: " + all_action_names());
        }
        if (!action_name->is_string()) {
            invalid(field_path(path, "action"), *action_name, "the name of an action as a string");
        }
        std::optional<fault_kind> kind = fault_kind_from_name(to_std(action_name->get_string()));
        if (!kind) {
            invalid(field_path(path, "action"), *action_name, "one of: " + all_action_names());
        }
        const std::vector<std::string_view>& own_fields = action_fields[static_cast<std::size_t>(*kind)];
        for (const auto& field : fields) {
            std::string_view key = to_std(field.key());
            bool known = std::find(match_fields.begin(), match_fields.end(), key) != match_fields.end() ||
                         std::find(own_fields.begin(), own_fields.end(), key) != own_fields.end();
            if (!known) {
                fail(field_path(path, key), "unknown field for action " + std::string(fault_kind_name(*kind)) +
                                                "; it takes request, offset, center, times" +
                                                (own_fields.empty() ? "" : ", " + join(own_fields)));
            }
        }

        fault_rule rule;
        if (const json::value* request = fields.if_contains("request")) {
            rule.request = read_unsigned(*request, field_path(path, "request"));
        }
        if (const json::value* offset = fields.if_contains("offset")) {
            rule.offset = read_integer(*offset, field_path(path, "offset"), 0, int64_max);
        }
        if (const json::value* center = fields.if_contains("center")) {
            rule.center = read_string(*center, field_path(path, "center"));
        }
        if (const json::value* times = fields.if_contains("times")) {
            rule.times = read_unsigned(*times, field_path(path, "times"));
        }
        rule.action = read_action(*kind, fields, path);

        // What the reads above cannot see: names, centers, combinations.
        if (auto found = check_fault_rule(rule)) {
            fail(field_path(path, file_field_name(found->field)), found->message);
        }
        return rule;
    }

    fault_action read_action(fault_kind kind, const json::object& fields, const std::string& path) const
    {
        // Reads an optional field with `read`, which gets the value and its path.
        auto optional_field = [&](std::string_view key, auto read) {
            const json::value* value = fields.if_contains(key);
            using result = decltype(read(*value, std::string()));
            return value == nullptr ? std::optional<result>() : std::optional<result>(read(*value, field_path(path, key)));
        };
        auto required_field = [&](std::string_view key, auto read) {
            const json::value* value = fields.if_contains(key);
            if (value == nullptr) {
                fail(path, "missing field \"" + std::string(key) + "\", which action " +
                               std::string(fault_kind_name(kind)) + " needs");
            }
            return read(*value, field_path(path, key));
        };
        auto duration = [this](const json::value& value, const std::string& at) {
            return std::chrono::milliseconds(read_integer(value, at, 0, max_fault_duration.count()));
        };
        auto byte_count = [this](const json::value& value, const std::string& at) {
            return static_cast<std::size_t>(read_integer(value, at, 0, int64_max));
        };
        auto count = [this](const json::value& value, const std::string& at) {
            return read_integer(value, at, 0, int64_max);
        };

        switch (kind) {
        case fault_kind::status: {
            status_fault fault;
            fault.status = static_cast<unsigned>(required_field("status", [this](const json::value& value, const std::string& at) {
                return read_integer(value, at, min_fault_status, max_fault_status);
            }));
            fault.body = optional_field("body", [this](const json::value& value, const std::string& at) {
                return read_string(value, at);
            });
            if (const json::value* headers = fields.if_contains("headers")) {
                fault.headers = read_headers(*headers, field_path(path, "headers"));
            }
            return fault;
        }
        case fault_kind::latency:
            return latency_fault{required_field("delay_ms", duration)};
        case fault_kind::stall_after_headers:
            return stall_after_headers_fault{optional_field("duration_ms", duration)};
        case fault_kind::stall_mid_body:
            return stall_mid_body_fault{optional_field("duration_ms", duration), optional_field("body_bytes", byte_count)};
        case fault_kind::reset_mid_headers:
            return reset_mid_headers_fault{optional_field("header_bytes", byte_count)};
        case fault_kind::reset_mid_body:
            return reset_mid_body_fault{optional_field("body_bytes", byte_count)};
        case fault_kind::short_body:
            return short_body_fault{optional_field("body_bytes", byte_count)};
        case fault_kind::close_without_notify:
            return close_without_notify_fault{optional_field("body_bytes", byte_count)};
        case fault_kind::idle_close:
            return idle_close_fault{optional_field("idle_ms", duration).value_or(std::chrono::milliseconds(0))};
        case fault_kind::trickle: {
            trickle_fault fault;
            fault.chunk_bytes = optional_field("chunk_bytes", [this](const json::value& value, const std::string& at) {
                                    return static_cast<std::size_t>(read_integer(value, at, 1, max_trickle_chunk));
                                }).value_or(fault.chunk_bytes);
            fault.interval = optional_field("interval_ms", duration).value_or(fault.interval);
            return fault;
        }
        case fault_kind::page_size_cap:
            return page_size_cap_fault{required_field("max_items", count)};
        case fault_kind::mutate: {
            mutate_fault fault;
            fault.remove = optional_field("remove", count).value_or(0);
            fault.insert = optional_field("insert", [this](const json::value& value, const std::string& at) {
                               return read_integer(value, at, 0, max_inserted_repositories);
                           }).value_or(0);
            fault.position = optional_field("position", count).value_or(0);
            return fault;
        }
        case fault_kind::content_range:
            return content_range_fault{required_field("value", [this](const json::value& value, const std::string& at) {
                return value.is_null() ? std::optional<std::string>() : std::optional<std::string>(read_header_value(value, at));
            })};
        }
        fail(path, "unhandled action");
    }

    // Header fields: an object, or an array of [name, value] pairs when a name repeats.
    std::vector<std::pair<std::string, std::string>> read_headers(const json::value& value, const std::string& path) const
    {
        std::vector<std::pair<std::string, std::string>> headers;
        if (value.is_object()) {
            for (const auto& field : value.get_object()) {
                std::string name(to_std(field.key()));
                headers.emplace_back(name, read_header_value(field.value(), field_path(path, name)));
            }
            return headers;
        }
        if (!value.is_array()) {
            invalid(path, value, "an object of header fields, or an array of [name, value] pairs");
        }
        const json::array& list = value.get_array();
        for (std::size_t i = 0; i < list.size(); ++i) {
            std::string at = path + "[" + std::to_string(i) + "]";
            const json::value& pair = list[i];
            if (!pair.is_array() || pair.get_array().size() != 2 || !pair.get_array()[0].is_string()) {
                invalid(at, pair, "a [name, value] pair such as [\"Retry-After\", \"3\"]");
            }
            headers.emplace_back(std::string(to_std(pair.get_array()[0].get_string())),
                                 read_header_value(pair.get_array()[1], at + "[1]"));
        }
        return headers;
    }

    // A header value: a string, or an integer written as one ("Retry-After": 3).
    std::string read_header_value(const json::value& value, const std::string& path) const
    {
        if (value.is_string()) {
            return std::string(to_std(value.get_string()));
        }
        if (value.is_int64() || value.is_uint64()) {
            return json::serialize(value);
        }
        invalid(path, value, "a string");
    }

    std::string read_string(const json::value& value, const std::string& path) const
    {
        if (!value.is_string()) {
            invalid(path, value, "a string");
        }
        return std::string(to_std(value.get_string()));
    }

    std::int64_t read_integer(const json::value& value, const std::string& path, std::int64_t minimum,
                              std::int64_t maximum) const
    {
        std::string expected = maximum == int64_max ? "an integer of " + std::to_string(minimum) + " or more"
                                                    : "an integer from " + std::to_string(minimum) + " to " +
                                                          std::to_string(maximum);
        if (!value.is_int64() || value.get_int64() < minimum || value.get_int64() > maximum) {
            invalid(path, value, expected);
        }
        return value.get_int64();
    }

    std::uint64_t read_unsigned(const json::value& value, const std::string& path) const
    {
        if (value.is_uint64()) {
            return value.get_uint64();
        }
        if (value.is_int64() && value.get_int64() >= 0) {
            return static_cast<std::uint64_t>(value.get_int64());
        }
        invalid(path, value, "an integer from 0 to 18446744073709551615");
    }

    double read_probability(const json::value& value, const std::string& path) const
    {
        double probability = -1;
        if (value.is_double()) {
            probability = value.get_double();
        } else if (value.is_int64()) {
            probability = static_cast<double>(value.get_int64());
        }
        if (!(probability >= 0 && probability <= 1)) {
            invalid(path, value, "a number from 0 to 1");
        }
        return probability;
    }

    static std::string all_action_names()
    {
        std::string names;
        for (std::size_t i = 0; i < fault_kind_count; ++i) {
            if (i > 0) {
                names += ", ";
            }
            names += fault_kind_name(static_cast<fault_kind>(i));
        }
        return names;
    }

    std::string_view origin_;
    json_line_index lines_;
};

// Parses `text` as JSON, naming the line and column of a syntax error.
json::value parse_json(std::string_view text, std::string_view origin)
{
    json::stream_parser parser;
    boost::system::error_code ec;
    std::size_t consumed = parser.write(text.data(), text.size(), ec);
    if (!ec) {
        parser.finish(ec);
    }
    if (ec) {
        std::size_t line = 1;
        std::size_t column = 1;
        for (std::size_t i = 0; i < consumed && i < text.size(); ++i) {
            if (text[i] == '\n') {
                ++line;
                column = 1;
            } else {
                ++column;
            }
        }
        throw std::runtime_error(std::string(origin) + ":" + std::to_string(line) + ":" + std::to_string(column) +
                                 ": invalid JSON: " + ec.message());
    }
    return parser.release();
}

}  // namespace

json_line_index::json_line_index(std::string_view text)
{
    // A container being scanned: its path, and where in it the scan is.
    struct frame {
        bool is_object = false;
        std::string path;
        std::size_t index = 0;
        std::string key;
        bool expect_key = true;
    };
    std::vector<frame> stack;
    std::size_t line = 1;
    bool in_string = false;
    bool escaped = false;
    bool string_is_key = false;
    bool in_literal = false;
    std::string key;

    auto value_path = [&]() -> std::string {
        if (stack.empty()) {
            return "";
        }
        const frame& parent = stack.back();
        if (parent.is_object) {
            return field_path(parent.path, parent.key);
        }
        return parent.path + "[" + std::to_string(parent.index) + "]";
    };

    for (char c : text) {
        // Inside a string only the closing quote matters; a key's text is kept.
        if (in_string) {
            if (escaped) {
                escaped = false;
            } else if (c == '\\') {
                escaped = true;
                continue;
            } else if (c == '"') {
                in_string = false;
                if (string_is_key) {
                    stack.back().key = key;
                }
                continue;
            }
            if (string_is_key) {
                key.push_back(c);
            }
            continue;
        }

        // A number or a literal (true, false, null) ends at a separator.
        bool separator = c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == ',' || c == ':' || c == ']' || c == '}';
        if (separator) {
            in_literal = false;
        }
        switch (c) {
        case '\n':
            ++line;
            break;
        case ' ':
        case '\t':
        case '\r':
            break;
        case '"':
            string_is_key = !stack.empty() && stack.back().is_object && stack.back().expect_key;
            if (string_is_key) {
                key.clear();
            } else {
                lines_.emplace(value_path(), line);
            }
            in_string = true;
            break;
        case ':':
            if (!stack.empty()) {
                stack.back().expect_key = false;
            }
            break;
        case ',':
            if (!stack.empty() && stack.back().is_object) {
                stack.back().expect_key = true;
            } else if (!stack.empty()) {
                ++stack.back().index;
            }
            break;
        case '{':
        case '[': {
            std::string path = value_path();
            lines_.emplace(path, line);
            frame opened;
            opened.is_object = c == '{';
            opened.path = std::move(path);
            stack.push_back(std::move(opened));
            break;
        }
        case '}':
        case ']':
            if (!stack.empty()) {
                stack.pop_back();
            }
            break;
        default:
            if (!in_literal) {
                lines_.emplace(value_path(), line);
                in_literal = true;
            }
        }
    }
}

std::size_t json_line_index::line_of(std::string path) const
{
    // Drop the last `.key` or `[index]` until a recorded path is found.
    for (;;) {
        if (auto found = lines_.find(path); found != lines_.end()) {
            return found->second;
        }
        std::size_t cut = path.find_last_of(".[");
        if (path.empty()) {
            return 1;
        }
        path.resize(cut == std::string::npos ? 0 : cut);
    }
}

fault_scenario parse_fault_scenario(std::string_view text, std::string_view origin)
{
    json::value document = parse_json(text, origin);
    scenario_reader reader(text, origin);
    return reader.read(document);
}

}  // namespace swr::emulator_detail

namespace swr {

fault_scenario load_fault_scenario(const std::string& path)
{
    std::error_code status_error;
    if (std::filesystem::is_directory(path, status_error)) {
        throw std::runtime_error("fault scenario file " + path + ": is a directory, not a JSON file");
    }
    std::ifstream file(path, std::ios::binary);
    if (!file) {
        throw std::runtime_error("fault scenario file " + path + ": cannot be opened for reading");
    }
    std::ostringstream contents;
    contents << file.rdbuf();
    if (file.bad()) {
        throw std::runtime_error("fault scenario file " + path + ": read failed");
    }
    return emulator_detail::parse_fault_scenario(contents.str(), path);
}

}  // namespace swr
