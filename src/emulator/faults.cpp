#include "emulator/faults.hpp"

#include "emulator/responses.hpp"

#include <algorithm>
#include <stdexcept>

namespace swr::emulator_detail {

namespace {

constexpr std::array<std::string_view, fault_kind_count> kind_names = {
    "status",         "latency",    "stall_after_headers", "stall_mid_body",
    "reset_mid_headers", "reset_mid_body", "short_body",   "close_without_notify",
    "idle_close",     "trickle",    "page_size_cap",       "mutate",
    "content_range",
};

template <typename... Visitors>
struct overloaded : Visitors... {
    using Visitors::operator()...;
};
template <typename... Visitors>
overloaded(Visitors...) -> overloaded<Visitors...>;

bool equals_ignoring_case(std::string_view a, std::string_view b)
{
    return std::equal(a.begin(), a.end(), b.begin(), b.end(), [](char x, char y) {
        auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; };
        return lower(x) == lower(y);
    });
}

// A header field name must be an RFC 9110 token.
bool is_token(std::string_view name)
{
    constexpr std::string_view symbols = "!#$%&'*+-.^_`|~";
    return !name.empty() && std::all_of(name.begin(), name.end(), [&](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
               symbols.find(c) != std::string_view::npos;
    });
}

bool has_line_break_or_nul(std::string_view text)
{
    return text.find_first_of(std::string_view("\r\n\0", 3)) != std::string_view::npos;
}

std::optional<rule_problem> problem(std::string field, std::string message)
{
    return rule_problem{std::move(field), std::move(message)};
}

std::optional<rule_problem> check_duration(std::string field, std::chrono::milliseconds value)
{
    if (value.count() < 0 || value > max_fault_duration) {
        return problem(std::move(field), std::to_string(value.count()) + " ms is out of range: use 0 to " +
                                             std::to_string(max_fault_duration.count()) + " ms");
    }
    return std::nullopt;
}

std::optional<rule_problem> check_status(const status_fault& fault)
{
    if (fault.status < min_fault_status || fault.status > max_fault_status) {
        return problem("status", std::to_string(fault.status) + " is out of range: use " +
                                     std::to_string(min_fault_status) + " to " + std::to_string(max_fault_status));
    }
    if ((fault.status == 204 || fault.status == 304) && fault.body && !fault.body->empty()) {
        return problem("body", "must be empty for status " + std::to_string(fault.status) +
                                   ", which has no body in HTTP");
    }
    for (std::size_t i = 0; i < fault.headers.size(); ++i) {
        const auto& [name, value] = fault.headers[i];
        std::string field = "headers[" + std::to_string(i) + "]";
        if (!is_token(name)) {
            return problem(field, "name '" + name + "' is not a valid header field name");
        }
        for (std::string_view reserved : {"Content-Length", "Transfer-Encoding", "Connection"}) {
            if (equals_ignoring_case(name, reserved)) {
                return problem(field, "name '" + name +
                                          "' is set by the emulator itself; use short_body for a wrong "
                                          "Content-Length, idle_close to close the connection");
            }
        }
        if (has_line_break_or_nul(value)) {
            return problem(field, "the value of '" + name + "' contains CR, LF or NUL");
        }
    }
    return std::nullopt;
}

std::optional<rule_problem> check_action(const fault_action& action)
{
    return std::visit(
        overloaded{
            [](const status_fault& fault) { return check_status(fault); },
            [](const latency_fault& fault) { return check_duration("delay", fault.delay); },
            [](const stall_after_headers_fault& fault) -> std::optional<rule_problem> {
                return fault.duration ? check_duration("duration", *fault.duration) : std::nullopt;
            },
            [](const stall_mid_body_fault& fault) -> std::optional<rule_problem> {
                return fault.duration ? check_duration("duration", *fault.duration) : std::nullopt;
            },
            [](const idle_close_fault& fault) { return check_duration("idle", fault.idle); },
            [](const trickle_fault& fault) -> std::optional<rule_problem> {
                if (fault.chunk_bytes < 1 || fault.chunk_bytes > max_trickle_chunk) {
                    return problem("chunk_bytes", std::to_string(fault.chunk_bytes) + " is out of range: use 1 to " +
                                                      std::to_string(max_trickle_chunk));
                }
                return check_duration("interval", fault.interval);
            },
            [](const page_size_cap_fault& fault) -> std::optional<rule_problem> {
                if (fault.max_items < 0) {
                    return problem("max_items", std::to_string(fault.max_items) + " is negative: use 0 or more");
                }
                return std::nullopt;
            },
            [](const mutate_fault& fault) -> std::optional<rule_problem> {
                if (fault.remove < 0) {
                    return problem("remove", std::to_string(fault.remove) + " is negative: use 0 or more");
                }
                if (fault.insert < 0 || fault.insert > max_inserted_repositories) {
                    return problem("insert", std::to_string(fault.insert) + " is out of range: use 0 to " +
                                                 std::to_string(max_inserted_repositories));
                }
                if (fault.position < 0) {
                    return problem("position", std::to_string(fault.position) + " is negative: use 0 or more");
                }
                if (fault.insert == 0 && fault.remove == 0) {
                    return problem("insert", "0 together with remove 0 changes nothing: set insert or remove");
                }
                return std::nullopt;
            },
            [](const content_range_fault& fault) -> std::optional<rule_problem> {
                if (fault.value && has_line_break_or_nul(*fault.value)) {
                    return problem("value", "contains CR, LF or NUL");
                }
                return std::nullopt;
            },
            // The cut points are clamped to the response's size when it is sent.
            [](const reset_mid_headers_fault&) -> std::optional<rule_problem> { return std::nullopt; },
            [](const reset_mid_body_fault&) -> std::optional<rule_problem> { return std::nullopt; },
            [](const short_body_fault&) -> std::optional<rule_problem> { return std::nullopt; },
            [](const close_without_notify_fault&) -> std::optional<rule_problem> { return std::nullopt; },
        },
        action);
}

std::optional<sharing_center> center_named(std::string_view name)
{
    if (name == "self") {
        return sharing_center::self;
    }
    if (name == "thirdparty") {
        return sharing_center::thirdparty;
    }
    return std::nullopt;
}

// Adds `action` to `decision` unless an action of its group is already
// there; returns whether it was added.
bool add_action(const fault_rule& rule, const request_facts& request, const fault_action& action,
                fault_decision& decision)
{
    bool added = std::visit(
        overloaded{
            [&](const status_fault& fault) {
                if (decision.status) {
                    return false;
                }
                decision.status = fault;
                return true;
            },
            [&](const latency_fault& fault) {
                decision.delay += fault.delay;
                return true;
            },
            [&](const idle_close_fault& fault) {
                if (decision.idle_close) {
                    return false;
                }
                decision.idle_close = fault.idle;
                return true;
            },
            [&](const page_size_cap_fault& fault) {
                if (decision.page_size_cap) {
                    return false;
                }
                decision.page_size_cap = fault.max_items;
                return true;
            },
            [&](const content_range_fault& fault) {
                if (decision.content_range) {
                    return false;
                }
                decision.content_range = fault;
                return true;
            },
            [&](const mutate_fault& fault) {
                std::optional<sharing_center> center = rule.center.empty() ? request.center : center_named(rule.center);
                if (!center) {
                    return false;
                }
                decision.mutations.push_back({*center, fault});
                return true;
            },
            // The remaining alternatives are the delivery faults.
            [&](const auto& fault) {
                if (!std::holds_alternative<std::monostate>(decision.delivery)) {
                    return false;
                }
                decision.delivery = fault;
                return true;
            },
        },
        action);
    if (added) {
        decision.applied.push_back(kind_of(action));
    }
    return added;
}

}  // namespace

fault_kind kind_of(const fault_action& action)
{
    return static_cast<fault_kind>(action.index());
}

std::string_view fault_kind_name(fault_kind kind)
{
    return kind_names[static_cast<std::size_t>(kind)];
}

std::optional<fault_kind> fault_kind_from_name(std::string_view name)
{
    for (std::size_t i = 0; i < kind_names.size(); ++i) {
        if (kind_names[i] == name) {
            return static_cast<fault_kind>(i);
        }
    }
    return std::nullopt;
}

std::optional<rule_problem> check_fault_rule(const fault_rule& rule)
{
    if (rule.request && *rule.request == 0) {
        return problem("request", "0 is invalid: requests are numbered from 1");
    }
    if (rule.offset && *rule.offset < 0) {
        return problem("offset", std::to_string(*rule.offset) + " is negative: use 0 or more");
    }
    if (!rule.center.empty() && !center_named(rule.center)) {
        return problem("center", "'" + rule.center + "' is invalid: use self or thirdparty, or leave it empty for any");
    }
    return check_action(rule.action);
}

void validate_fault_rules(const std::vector<fault_rule>& rules, std::string_view owner)
{
    for (std::size_t i = 0; i < rules.size(); ++i) {
        if (auto found = check_fault_rule(rules[i])) {
            throw std::invalid_argument(std::string(owner) + "[" + std::to_string(i) + "] (" +
                                        std::string(fault_kind_name(kind_of(rules[i].action))) + ")." +
                                        found->field + ": " + found->message);
        }
    }
}

bool rule_matches(const fault_rule& rule, const request_facts& request)
{
    if (rule.request && *rule.request != request.number) {
        return false;
    }
    if (rule.offset && (!request.offset || *rule.offset != *request.offset)) {
        return false;
    }
    if (!rule.center.empty() && (!request.center || center_named(rule.center) != request.center)) {
        return false;
    }
    return true;
}

std::optional<fault_action> random_fault(std::uint64_t seed, std::uint64_t number, double probability)
{
    if (!(probability > 0)) {
        return std::nullopt;
    }

    // Two draws from a stream seeded by the seed and the request number:
    // whether to inject, then which fault.
    std::uint64_t state = seed ^ (number * 0xD1B54A32D192ED03ULL);
    double draw = static_cast<double>(splitmix64(state) >> 11) * 0x1.0p-53;
    if (!(draw < probability)) {
        return std::nullopt;
    }
    switch (splitmix64(state) % 8) {
    case 0:
        return status_fault{500, std::nullopt, {}};
    case 1:
        return status_fault{502, std::nullopt, {}};
    case 2:
        return status_fault{503, std::nullopt, {}};
    case 3:
        return status_fault{504, std::nullopt, {}};
    case 4:
        return status_fault{429, std::nullopt, {{"Retry-After", "0"}}};
    case 5:
        return reset_mid_body_fault{};
    case 6:
        return short_body_fault{};
    default:
        return close_without_notify_fault{};
    }
}

std::optional<status_body_template> default_status_body(unsigned status)
{
    switch (status) {
    case 400:
        return status_body_template{"SVCSTG.SWR.4000014", "Invalid request parameters", false};
    case 401:
        return status_body_template{"APIG.0301", "Incorrect IAM authentication information: token expires", true};
    case 403:
        return status_body_template{"SVCSTG.SWR.4031032", "Too many requests, please try again later", false};
    case 404:
        return status_body_template{
            "APIG.0101", "The API does not exist or has not been published in the environment", true};
    case 429:
        return status_body_template{"APIG.0308", "policy user over ratelimit,limit:200,time:1 second", true};
    case 500:
        return status_body_template{"SVCSTG.SWR.5000008", "Failed to list shared repositories", false};
    case 502:
    case 503:
        return status_body_template{"APIG.0202", "Backend unavailable", true};
    case 504:
        return status_body_template{"APIG.0203", "Backend timeout", true};
    default:
        break;
    }
    if (status >= 500) {
        return status_body_template{"SVCSTG.SWR.5000008", "Internal server error", false};
    }
    if (status >= 400) {
        return status_body_template{"SVCSTG.SWR.4000014", "Invalid request", false};
    }
    return std::nullopt;
}

fault_schedule::fault_schedule(std::vector<fault_rule> rules, double probability, std::uint64_t seed)
    : probability_(probability), seed_(seed), rules_(arm(std::move(rules)))
{
}

std::vector<fault_schedule::armed_rule> fault_schedule::arm(std::vector<fault_rule> rules)
{
    std::vector<armed_rule> armed;
    armed.reserve(rules.size());
    for (fault_rule& rule : rules) {
        std::uint64_t times = rule.times;
        armed.push_back({std::move(rule), times});
    }
    return armed;
}

void fault_schedule::replace_rules(std::vector<fault_rule> rules)
{
    std::vector<armed_rule> armed = arm(std::move(rules));
    std::lock_guard lock(mutex_);
    rules_ = std::move(armed);
    requests_ = 0;
}

fault_decision fault_schedule::next(request_facts request)
{
    fault_decision decision;
    {
        std::lock_guard lock(mutex_);
        request.number = ++requests_;
        for (armed_rule& armed : rules_) {
            bool limited = armed.rule.times != 0;
            if (limited && armed.remaining == 0) {
                continue;
            }
            if (!rule_matches(armed.rule, request) || !add_action(armed.rule, request, armed.rule.action, decision)) {
                continue;
            }
            if (limited) {
                --armed.remaining;
            }
        }
    }
    decision.request_number = request.number;

    // A random fault only where the rules left the response and its delivery alone.
    if (!decision.status && std::holds_alternative<std::monostate>(decision.delivery)) {
        if (auto chosen = random_fault(seed_, request.number, probability_)) {
            fault_rule unused;
            add_action(unused, request, *chosen, decision);
            decision.random = true;
        }
    }
    return decision;
}

}  // namespace swr::emulator_detail
