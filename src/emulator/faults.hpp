#ifndef SWR_EMULATOR_FAULTS_HPP
#define SWR_EMULATOR_FAULTS_HPP

// Which faults a request gets: rule checks, rule matching, the random faults
// and the schedule that numbers requests and uses up rules. No I/O.

#include "emulator/query.hpp"

#include <swr/emulator.hpp>

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace swr::emulator_detail {

/// The alternatives of `fault_action`, in the same order.
enum class fault_kind {
    status,
    latency,
    stall_after_headers,
    stall_mid_body,
    reset_mid_headers,
    reset_mid_body,
    short_body,
    close_without_notify,
    idle_close,
    trickle,
    page_size_cap,
    mutate,
    content_range,
};

inline constexpr std::size_t fault_kind_count = std::variant_size_v<fault_action>;

fault_kind kind_of(const fault_action& action);

/// Name of an action in scenario files and stats: `status`, `reset_mid_body`...
std::string_view fault_kind_name(fault_kind kind);

/// Finds an action by its scenario-file name.
std::optional<fault_kind> fault_kind_from_name(std::string_view name);

/// Range of `status_fault::status`.
inline constexpr unsigned min_fault_status = 200;
inline constexpr unsigned max_fault_status = 599;

/// Maximum duration of a fault's delay, stall or pause: one hour.
inline constexpr std::chrono::milliseconds max_fault_duration{3'600'000};

/// Largest `trickle_fault::chunk_bytes`.
inline constexpr std::size_t max_trickle_chunk = 65536;

/// Largest `mutate_fault::insert`.
inline constexpr std::int64_t max_inserted_repositories = 100'000;

/// An invalid field of a rule: its name in `fault_rule` or in the action's
/// struct, and what is wrong with its value.
struct rule_problem {
    std::string field;
    std::string message;
};

/// Checks one rule without I/O; returns the first problem found.
std::optional<rule_problem> check_fault_rule(const fault_rule& rule);

/// Checks every rule.
///
/// @throws std::invalid_argument `"{owner}[{index}].{field}: {message}"`.
void validate_fault_rules(const std::vector<fault_rule>& rules, std::string_view owner);

/// The facts about a request that rules match against. `center` and `offset`
/// are set only for a listing request with a valid query.
struct request_facts {
    std::uint64_t number = 0;
    std::optional<sharing_center> center;
    std::optional<std::int64_t> offset;
};

bool rule_matches(const fault_rule& rule, const request_facts& request);

/// Delivery of a response's bytes: normal (`monostate`) or with one delivery fault.
using delivery_fault =
    std::variant<std::monostate, stall_after_headers_fault, stall_mid_body_fault, reset_mid_headers_fault,
                 reset_mid_body_fault, short_body_fault, close_without_notify_fault, trickle_fault>;

/// A change to the listing of one center.
struct planned_mutation {
    sharing_center center = sharing_center::self;
    mutate_fault change;
};

/// Everything the rules and the random faults chose for one request.
struct fault_decision {
    /// Number given to the request, as matched by `fault_rule::request`.
    std::uint64_t request_number = 0;

    std::optional<status_fault> status;
    std::chrono::milliseconds delay{0};
    delivery_fault delivery;
    std::optional<std::chrono::milliseconds> idle_close;
    std::optional<std::int64_t> page_size_cap;
    std::optional<content_range_fault> content_range;
    std::vector<planned_mutation> mutations;

    /// Every action applied, in rule order, for the counters and the log.
    std::vector<fault_kind> applied;

    /// Whether the status or delivery fault was a random one.
    bool random = false;
};

/// The random fault of request `number`, or nothing. Depends only on the
/// three arguments: `probability` 0 never injects one, 1 always does.
std::optional<fault_action> random_fault(std::uint64_t seed, std::uint64_t number, double probability);

/// Error code, message and body format of the default body of a status fault.
struct status_body_template {
    std::string_view code;
    std::string_view message;

    /// Whether the body has the API gateway's format; otherwise SWR's.
    bool gateway = false;
};

/// The default body of `status` (see `status_fault::body`), or nothing below 400.
std::optional<status_body_template> default_status_body(unsigned status);

/// Numbers requests and decides their faults. Thread-safe.
class fault_schedule {
public:
    /// `rules` must already be valid (see `validate_fault_rules`).
    fault_schedule(std::vector<fault_rule> rules, double probability, std::uint64_t seed);

    /// Replaces the rules with their full `times` and restarts the numbering.
    /// `rules` must already be valid.
    void replace_rules(std::vector<fault_rule> rules);

    /// Gives the request the next number and decides its faults, using up
    /// one of `times` of every rule applied. `request.number` is ignored.
    fault_decision next(request_facts request);

private:
    struct armed_rule {
        fault_rule rule;

        // Uses left; unused when `rule.times` is 0 (every matching request).
        std::uint64_t remaining = 0;
    };

    static std::vector<armed_rule> arm(std::vector<fault_rule> rules);

    double probability_;
    std::uint64_t seed_;

    std::mutex mutex_;
    std::vector<armed_rule> rules_;
    std::uint64_t requests_ = 0;
};

}  // namespace swr::emulator_detail

#endif
