// Fault injection in the emulator without sockets: rule checks and matching,
// the schedule, random faults, the handler's plans, the wire steps of every
// delivery fault, scenario files and the command line.

#define BOOST_TEST_MODULE emulator_fault_test
#include <boost/test/unit_test.hpp>

#include "emulator/catalog.hpp"
#include "emulator/command_line.hpp"
#include "emulator/dataset.hpp"
#include "emulator/faults.hpp"
#include "emulator/handler.hpp"
#include "emulator/options.hpp"
#include "emulator/scenario.hpp"
#include "emulator/stats.hpp"
#include "emulator/wire.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <stdexcept>
#include <string>
#include <thread>
#include <variant>
#include <vector>

using namespace swr::emulator_detail;
using namespace std::chrono_literals;
namespace json = boost::json;
namespace fs = std::filesystem;

namespace {

std::string message_of(const std::function<void()>& action)
{
    try {
        action();
    } catch (const std::exception& e) {
        return e.what();
    }
    return "(no exception)";
}

bool contains(const std::string& text, std::string_view part)
{
    return text.find(part) != std::string::npos;
}

swr::fault_rule rule_on_request(std::uint64_t number, swr::fault_action action)
{
    swr::fault_rule rule;
    rule.request = number;
    rule.action = std::move(action);
    return rule;
}

request_facts listing_facts(sharing_center center, std::int64_t offset)
{
    request_facts facts;
    facts.center = center;
    facts.offset = offset;
    return facts;
}

// A handler over 25 generated repositories per center, without a token.
struct handler_fixture {
    explicit handler_fixture(std::vector<swr::fault_rule> rules, double probability = 0, std::uint64_t seed = 0)
        : handler(with_log(make_options(std::move(rules), probability, seed)), make_catalog(), stats, 11)
    {
    }

    swr::emulator_options with_log(swr::emulator_options options)
    {
        options.log = [this](std::string_view line) { log.emplace_back(line); };
        return options;
    }

    static swr::emulator_options make_options(std::vector<swr::fault_rule> rules, double probability, std::uint64_t seed)
    {
        swr::emulator_options options;
        options.tls_dir = "/tmp/unused";
        options.faults = std::move(rules);
        options.fault_probability = probability;
        options.fault_seed = seed;
        return options;
    }

    static std::shared_ptr<const catalog> make_catalog()
    {
        return std::make_shared<const catalog>(generate_repositories(sharing_center::self, 25),
                                               generate_repositories(sharing_center::thirdparty, 25));
    }

    response_plan get(std::string_view target)
    {
        request_head request;
        request.method = "GET";
        request.target = target;
        request.arrival = std::chrono::steady_clock::now();
        return handler.handle(request);
    }

    std::vector<std::string> log;
    stats_recorder stats;
    request_handler handler;
};

json::value body_of(const response_plan& plan)
{
    return json::parse(plan.body);
}

// A plan with a known head and a 10-byte body.
response_plan small_plan()
{
    response_plan plan;
    plan.status = 200;
    plan.headers.emplace_back("Content-Type", "application/json");
    plan.body = "0123456789";
    return plan;
}

const std::string small_head = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 10\r\n\r\n";

wire_step write_step(std::string bytes, std::size_t chunk_bytes = 0, std::chrono::milliseconds interval = 0ms)
{
    return {wire_step::kind::write, std::move(bytes), chunk_bytes, interval};
}

wire_step pause_step(std::chrono::milliseconds duration)
{
    return {wire_step::kind::pause, {}, 0, duration};
}

wire_step end_step(wire_step::kind how)
{
    return {how, {}, 0, 0ms};
}

std::string describe(const std::vector<wire_step>& steps)
{
    std::string text;
    for (const wire_step& step : steps) {
        text += "[" + std::to_string(static_cast<int>(step.action)) + " " + std::to_string(step.bytes.size()) + "B " +
                std::to_string(step.chunk_bytes) + " " + std::to_string(step.duration.count()) + "ms]";
    }
    return text;
}

// Parses a scenario that must be rejected and returns the message.
std::string scenario_error(std::string_view text)
{
    return message_of([&] { parse_fault_scenario(text, "faults.json"); });
}

struct temporary_directory {
    temporary_directory()
    {
        std::string pattern = (fs::temp_directory_path() / "swr-fault-test-XXXXXX").string();
        if (::mkdtemp(pattern.data()) == nullptr) {
            throw std::runtime_error("mkdtemp failed for " + pattern);
        }
        path = pattern;
    }
    ~temporary_directory()
    {
        std::error_code ignored;
        fs::remove_all(path, ignored);
    }
    fs::path path;
};

}  // namespace

BOOST_AUTO_TEST_SUITE(rule_checks)

BOOST_AUTO_TEST_CASE(valid_rules_pass)
{
    std::vector<swr::fault_rule> rules = {
        rule_on_request(1, swr::status_fault{429, std::nullopt, {{"Retry-After", "-1"}}}),
        rule_on_request(2, swr::mutate_fault{0, 3, 10}),
        rule_on_request(3, swr::trickle_fault{1, 0ms}),
        rule_on_request(4, swr::page_size_cap_fault{0}),
        rule_on_request(5, swr::content_range_fault{""}),
        rule_on_request(6, swr::stall_after_headers_fault{}),
    };
    BOOST_CHECK_NO_THROW(validate_fault_rules(rules, "rules"));
}

BOOST_AUTO_TEST_CASE(invalid_rules_name_field_and_value)
{
    struct bad_case {
        swr::fault_rule rule;
        std::string expected;
    };
    swr::fault_rule zero_request = rule_on_request(0, swr::status_fault{});
    swr::fault_rule negative_offset;
    negative_offset.offset = -5;
    swr::fault_rule bad_center;
    bad_center.center = "others";
    std::vector<bad_case> cases = {
        {zero_request, "rules[0] (status).request: 0 is invalid"},
        {negative_offset, "rules[0] (status).offset: -5 is negative"},
        {bad_center, "rules[0] (status).center: 'others' is invalid: use self or thirdparty"},
        {rule_on_request(1, swr::status_fault{199, std::nullopt, {}}), "status: 199 is out of range: use 200 to 599"},
        {rule_on_request(1, swr::status_fault{600, std::nullopt, {}}), "status: 600 is out of range"},
        {rule_on_request(1, swr::status_fault{204, "x", {}}), "body: must be empty for status 204"},
        {rule_on_request(1, swr::status_fault{503, std::nullopt, {{"Retry After", "3"}}}),
         "headers[0]: name 'Retry After' is not a valid header field name"},
        {rule_on_request(1, swr::status_fault{503, std::nullopt, {{"content-length", "3"}}}),
         "headers[0]: name 'content-length' is set by the emulator itself"},
        {rule_on_request(1, swr::status_fault{503, std::nullopt, {{"A", "ok"}, {"X-Evil", "a\r\nB: c"}}}),
         "headers[1]: the value of 'X-Evil' contains CR, LF or NUL"},
        {rule_on_request(1, swr::latency_fault{-1ms}), "(latency).delay: -1 ms is out of range: use 0 to 3600000 ms"},
        {rule_on_request(1, swr::stall_mid_body_fault{3'600'001ms, std::nullopt}), "duration: 3600001 ms is out of range"},
        {rule_on_request(1, swr::idle_close_fault{-3ms}), "(idle_close).idle: -3 ms is out of range"},
        {rule_on_request(1, swr::trickle_fault{0, 1ms}), "chunk_bytes: 0 is out of range: use 1 to 65536"},
        {rule_on_request(1, swr::page_size_cap_fault{-1}), "max_items: -1 is negative"},
        {rule_on_request(1, swr::mutate_fault{0, 0, 0}), "insert: 0 together with remove 0 changes nothing"},
        {rule_on_request(1, swr::mutate_fault{0, 100'001, 0}), "insert: 100001 is out of range: use 0 to 100000"},
        {rule_on_request(1, swr::mutate_fault{-2, 0, 0}), "remove: -2 is negative"},
        {rule_on_request(1, swr::mutate_fault{0, 1, -1}), "position: -1 is negative"},
        {rule_on_request(1, swr::content_range_fault{"0-1/2\n"}), "(content_range).value: contains CR, LF or NUL"},
    };
    for (const bad_case& bad : cases) {
        std::string message = message_of([&] { validate_fault_rules({bad.rule}, "rules"); });
        BOOST_TEST(contains(message, bad.expected), message);
    }
}

BOOST_AUTO_TEST_CASE(emulator_options_check_faults)
{
    swr::emulator_options options;
    options.tls_dir = "/tmp/unused";
    options.fault_probability = 1.5;
    BOOST_TEST(contains(message_of([&] { validate_options(options); }),
                        "emulator_options::fault_probability 1.5 is invalid: use 0 (off) to 1"));

    options.fault_probability = 0.5;
    options.faults = {rule_on_request(1, swr::status_fault{}), rule_on_request(2, swr::trickle_fault{0, 1ms})};
    BOOST_TEST(contains(message_of([&] { validate_options(options); }),
                        "emulator_options::faults[1] (trickle).chunk_bytes: 0 is out of range"));

    options.faults.pop_back();
    BOOST_CHECK_NO_THROW(validate_options(options));
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(rule_matching)

BOOST_AUTO_TEST_CASE(request_number_offset_center_combine)
{
    swr::fault_rule rule;
    BOOST_TEST(rule_matches(rule, request_facts{7, std::nullopt, std::nullopt}));

    rule.request = 3;
    BOOST_TEST(rule_matches(rule, request_facts{3, std::nullopt, std::nullopt}));
    BOOST_TEST(!rule_matches(rule, request_facts{4, std::nullopt, std::nullopt}));

    rule.request.reset();
    rule.offset = 200;
    BOOST_TEST(rule_matches(rule, listing_facts(sharing_center::self, 200)));
    BOOST_TEST(!rule_matches(rule, listing_facts(sharing_center::self, 100)));
    BOOST_TEST(!rule_matches(rule, request_facts{1, std::nullopt, std::nullopt}));

    rule.center = "thirdparty";
    BOOST_TEST(rule_matches(rule, listing_facts(sharing_center::thirdparty, 200)));
    BOOST_TEST(!rule_matches(rule, listing_facts(sharing_center::self, 200)));

    // Number and offset together: both must match.
    rule.request = 2;
    request_facts second = listing_facts(sharing_center::thirdparty, 200);
    second.number = 2;
    BOOST_TEST(rule_matches(rule, second));
    second.number = 3;
    BOOST_TEST(!rule_matches(rule, second));
}

BOOST_AUTO_TEST_CASE(status_sequence_by_request_number)
{
    fault_schedule schedule({rule_on_request(1, swr::status_fault{429, std::nullopt, {}}),
                             rule_on_request(2, swr::status_fault{503, std::nullopt, {}}),
                             rule_on_request(3, swr::status_fault{500, std::nullopt, {}})},
                            0, 0);
    std::vector<unsigned> statuses;
    for (int i = 0; i < 4; ++i) {
        fault_decision decision = schedule.next({});
        BOOST_TEST(decision.request_number == static_cast<std::uint64_t>(i + 1));
        statuses.push_back(decision.status ? decision.status->status : 200);
    }
    BOOST_TEST((statuses == std::vector<unsigned>{429, 503, 500, 200}));
}

BOOST_AUTO_TEST_CASE(times_limits_uses)
{
    swr::fault_rule twice;
    twice.times = 2;
    twice.action = swr::reset_mid_body_fault{};
    swr::fault_rule always;
    always.times = 0;
    always.action = swr::latency_fault{5ms};
    fault_schedule schedule({twice, always}, 0, 0);

    for (int i = 1; i <= 5; ++i) {
        fault_decision decision = schedule.next({});
        bool reset = std::holds_alternative<swr::reset_mid_body_fault>(decision.delivery);
        BOOST_TEST(reset == (i <= 2), "request " << i);
        BOOST_TEST(decision.delay == 5ms, "request " << i);
    }
}

BOOST_AUTO_TEST_CASE(offset_rule_waits_for_its_page)
{
    swr::fault_rule rule;
    rule.offset = 40;
    rule.action = swr::status_fault{503, std::nullopt, {}};
    fault_schedule schedule({rule}, 0, 0);

    BOOST_TEST(!schedule.next(listing_facts(sharing_center::self, 0)).status);
    BOOST_TEST(!schedule.next(listing_facts(sharing_center::self, 20)).status);
    BOOST_TEST(schedule.next(listing_facts(sharing_center::self, 40)).status.has_value());

    // The one use is spent: the retry of the same page succeeds.
    BOOST_TEST(!schedule.next(listing_facts(sharing_center::self, 40)).status);
}

BOOST_AUTO_TEST_CASE(same_kind_conflict_keeps_uses)
{
    swr::fault_rule first;
    first.action = swr::status_fault{429, std::nullopt, {}};
    swr::fault_rule second;
    second.action = swr::status_fault{503, std::nullopt, {}};
    swr::fault_rule stall;
    stall.action = swr::stall_after_headers_fault{};
    swr::fault_rule reset;
    reset.action = swr::reset_mid_headers_fault{};
    fault_schedule schedule({first, second, stall, reset}, 0, 0);

    fault_decision one = schedule.next({});
    BOOST_TEST(one.status->status == 429u);
    BOOST_TEST(std::holds_alternative<swr::stall_after_headers_fault>(one.delivery));
    BOOST_TEST((one.applied == std::vector<fault_kind>{fault_kind::status, fault_kind::stall_after_headers}));

    // The skipped rules still had their use for the next request.
    fault_decision two = schedule.next({});
    BOOST_TEST(two.status->status == 503u);
    BOOST_TEST(std::holds_alternative<swr::reset_mid_headers_fault>(two.delivery));

    fault_decision three = schedule.next({});
    BOOST_TEST(three.applied.empty());
}

BOOST_AUTO_TEST_CASE(latencies_add_and_groups_combine)
{
    fault_schedule schedule({rule_on_request(1, swr::latency_fault{100ms}), rule_on_request(1, swr::latency_fault{50ms}),
                             rule_on_request(1, swr::page_size_cap_fault{3}), rule_on_request(1, swr::page_size_cap_fault{9}),
                             rule_on_request(1, swr::content_range_fault{std::nullopt}),
                             rule_on_request(1, swr::idle_close_fault{20ms}), rule_on_request(1, swr::trickle_fault{})},
                            0, 0);
    fault_decision decision = schedule.next({});
    BOOST_TEST(decision.delay == 150ms);
    BOOST_TEST(decision.page_size_cap.value() == 3);
    BOOST_TEST(decision.content_range.has_value());
    BOOST_TEST(!decision.content_range->value.has_value());
    BOOST_TEST(decision.idle_close.value() == 20ms);
    BOOST_TEST(std::holds_alternative<swr::trickle_fault>(decision.delivery));
    BOOST_TEST(decision.applied.size() == 6u);
}

BOOST_AUTO_TEST_CASE(mutation_needs_a_center)
{
    swr::fault_rule any_center;
    any_center.action = swr::mutate_fault{0, 2, 0};
    fault_schedule schedule({any_center}, 0, 0);

    // Not a listing and no center in the rule: nothing to change, use kept.
    fault_decision not_listing = schedule.next({});
    BOOST_TEST(not_listing.mutations.empty());
    BOOST_TEST(not_listing.applied.empty());

    fault_decision listing = schedule.next(listing_facts(sharing_center::thirdparty, 0));
    BOOST_TEST_REQUIRE(listing.mutations.size() == 1u);
    BOOST_TEST((listing.mutations[0].center == sharing_center::thirdparty));
    BOOST_TEST(listing.mutations[0].change.insert == 2);

    // A rule with a center changes that center whatever the request is.
    swr::fault_rule self_center;
    self_center.center = "self";
    self_center.action = swr::mutate_fault{1, 0, 0};
    self_center.request = 1;
    schedule.replace_rules({self_center});
    request_facts facts;
    BOOST_TEST(schedule.next(facts).mutations.empty());
}

BOOST_AUTO_TEST_CASE(replace_rules_restarts_numbering)
{
    fault_schedule schedule({rule_on_request(1, swr::status_fault{})}, 0, 0);
    BOOST_TEST(schedule.next({}).status.has_value());
    BOOST_TEST(!schedule.next({}).status.has_value());

    schedule.replace_rules({rule_on_request(2, swr::status_fault{502, std::nullopt, {}})});
    fault_decision first = schedule.next({});
    BOOST_TEST(first.request_number == 1u);
    BOOST_TEST(!first.status.has_value());
    fault_decision second = schedule.next({});
    BOOST_TEST(second.status->status == 502u);
}

BOOST_AUTO_TEST_CASE(concurrent_requests_use_exact_times)
{
    // Four threads take 1000 decisions each while the main thread replaces
    // the rules. A latency on every request of the new set marks which set
    // decided. Within each set the numbers run 1..N without gaps or repeats,
    // and each limited rule applies exactly min(times, N) times.
    swr::fault_rule old_limited;
    old_limited.times = 100;
    old_limited.action = swr::status_fault{503, std::nullopt, {}};
    fault_schedule schedule({old_limited}, 0, 0);

    // Threads 0 and 1 wait halfway for the new rules, so that both sets get
    // decisions; threads 2 and 3 race the replacement.
    std::vector<std::vector<fault_decision>> per_thread(4);
    std::atomic<int> decided{0};
    std::atomic<bool> replaced{false};
    std::vector<std::thread> threads;
    for (std::size_t t = 0; t < per_thread.size(); ++t) {
        threads.emplace_back([&, t] {
            for (int i = 0; i < 1000; ++i) {
                if (t < 2 && i == 500) {
                    while (!replaced.load()) {
                        std::this_thread::yield();
                    }
                }
                per_thread[t].push_back(schedule.next({}));
                ++decided;
            }
        });
    }
    swr::fault_rule new_limited;
    new_limited.times = 50;
    new_limited.action = swr::status_fault{502, std::nullopt, {}};
    swr::fault_rule new_marker;
    new_marker.times = 0;
    new_marker.action = swr::latency_fault{1ms};
    // Replace the rules while threads 2 and 3 are still deciding.
    while (decided.load() < 1000) {
        std::this_thread::yield();
    }
    schedule.replace_rules({new_limited, new_marker});
    replaced.store(true);
    for (std::thread& thread : threads) {
        thread.join();
    }

    std::set<std::uint64_t> old_numbers;
    std::set<std::uint64_t> new_numbers;
    std::uint64_t old_faults = 0;
    std::uint64_t new_faults = 0;
    for (const auto& list : per_thread) {
        for (const fault_decision& decision : list) {
            bool in_new_set = decision.delay == 1ms;
            auto& numbers = in_new_set ? new_numbers : old_numbers;
            BOOST_TEST(numbers.insert(decision.request_number).second, "number " << decision.request_number << " repeated");
            if (decision.status) {
                BOOST_TEST(decision.status->status == (in_new_set ? 502u : 503u));
                ++(in_new_set ? new_faults : old_faults);
            }
        }
    }
    BOOST_TEST(old_numbers.size() + new_numbers.size() == 4000u);
    BOOST_TEST(old_numbers.size() >= 1000u);
    BOOST_TEST(new_numbers.size() >= 1000u);
    BOOST_TEST(*old_numbers.rbegin() == old_numbers.size());
    BOOST_TEST(*new_numbers.rbegin() == new_numbers.size());
    BOOST_TEST(old_faults == std::min<std::uint64_t>(100, old_numbers.size()));
    BOOST_TEST(new_faults == std::min<std::uint64_t>(50, new_numbers.size()));
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(random_faults)

BOOST_AUTO_TEST_CASE(same_seed_same_faults)
{
    for (std::uint64_t number = 1; number <= 200; ++number) {
        auto a = random_fault(42, number, 0.3);
        auto b = random_fault(42, number, 0.3);
        BOOST_TEST_REQUIRE(a.has_value() == b.has_value());
        if (a) {
            BOOST_TEST(a->index() == b->index());
        }
    }
}

BOOST_AUTO_TEST_CASE(probability_bounds)
{
    for (std::uint64_t number = 1; number <= 500; ++number) {
        BOOST_TEST(!random_fault(7, number, 0).has_value());
        BOOST_TEST(random_fault(7, number, 1).has_value());
    }
}

BOOST_AUTO_TEST_CASE(only_retryable_faults_near_rate)
{
    // 4000 draws at 0.25: the count is within 6 standard deviations (about
    // 27 each) of 1000, and every fault is one a client may retry.
    std::map<std::size_t, int> by_kind;
    std::map<unsigned, int> by_status;
    int injected = 0;
    for (std::uint64_t number = 1; number <= 4000; ++number) {
        auto fault = random_fault(2024, number, 0.25);
        if (!fault) {
            continue;
        }
        ++injected;
        ++by_kind[fault->index()];
        if (const auto* status = std::get_if<swr::status_fault>(&*fault)) {
            ++by_status[status->status];
            if (status->status == 429) {
                BOOST_TEST((status->headers == std::vector<std::pair<std::string, std::string>>{{"Retry-After", "0"}}));
            }
        }
    }
    BOOST_TEST(injected > 840);
    BOOST_TEST(injected < 1160);
    for (const auto& [index, count] : by_kind) {
        auto kind = static_cast<fault_kind>(index);
        bool retryable = kind == fault_kind::status || kind == fault_kind::reset_mid_body ||
                         kind == fault_kind::short_body || kind == fault_kind::close_without_notify;
        BOOST_TEST(retryable, fault_kind_name(kind));
    }
    BOOST_TEST(by_kind.size() == 4u);
    BOOST_TEST((by_status.size() == 5u));
    for (unsigned status : {500u, 502u, 503u, 504u, 429u}) {
        BOOST_TEST(by_status.count(status) == 1u, status);
    }
}

BOOST_AUTO_TEST_CASE(rules_take_precedence)
{
    // Request 1 has a scripted status, so the random fault stays out; the
    // latency-only rule on request 2 leaves room for it.
    fault_schedule schedule({rule_on_request(1, swr::status_fault{418, std::nullopt, {}}),
                             rule_on_request(2, swr::latency_fault{1ms})},
                            1.0, 9);
    fault_decision one = schedule.next({});
    BOOST_TEST(one.status->status == 418u);
    BOOST_TEST(!one.random);
    BOOST_TEST(one.applied.size() == 1u);

    fault_decision two = schedule.next({});
    BOOST_TEST(two.random);
    BOOST_TEST(two.applied.size() == 2u);
    BOOST_TEST((two.applied[0] == fault_kind::latency));
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(handler_plans)

BOOST_AUTO_TEST_CASE(default_bodies_per_status)
{
    struct expected_body {
        unsigned status;
        std::string code;
        bool gateway;
    };
    const std::vector<expected_body> cases = {
        {429, "APIG.0308", true},          {503, "APIG.0202", true},           {502, "APIG.0202", true},
        {504, "APIG.0203", true},          {500, "SVCSTG.SWR.5000008", false}, {403, "SVCSTG.SWR.4031032", false},
        {401, "APIG.0301", true},          {404, "APIG.0101", true},           {400, "SVCSTG.SWR.4000014", false},
        {418, "SVCSTG.SWR.4000014", false}, {507, "SVCSTG.SWR.5000008", false},
    };
    std::vector<swr::fault_rule> rules;
    for (std::size_t i = 0; i < cases.size(); ++i) {
        rules.push_back(rule_on_request(i + 1, swr::status_fault{cases[i].status, std::nullopt, {}}));
    }
    handler_fixture fixture(rules);

    for (const expected_body& expected : cases) {
        response_plan plan = fixture.get("/v2/manage/shared-repositories?center=self&limit=5&offset=0");
        BOOST_TEST(plan.status == expected.status);
        json::value body = body_of(plan);
        BOOST_TEST(body.at("error_code").as_string() == expected.code, expected.status);
        std::string request_id(plan.header("X-Request-Id").value());
        if (expected.gateway) {
            BOOST_TEST(plan.header("Content-Type").value() == "application/json");
            BOOST_TEST(body.at("request_id").as_string() == request_id);
        } else {
            BOOST_TEST(plan.header("Content-Type").value() == "application/json;charset=utf8");
            BOOST_TEST(body.at("errors").at(0).at("errorCode").as_string() == expected.code);
        }
        BOOST_TEST(!plan.header("Content-Range").has_value());
    }
    BOOST_TEST(default_status_body(429)->message == "policy user over ratelimit,limit:200,time:1 second");
}

BOOST_AUTO_TEST_CASE(status_body_and_headers_given)
{
    swr::status_fault throttled{429, std::nullopt, {{"Retry-After", "Sun, 06 Nov 1994 08:49:37 GMT"}}};
    swr::status_fault custom{200, "not json", {{"Content-Type", "text/plain"}, {"Retry-After", "3"}, {"Retry-After", "x"}}};
    swr::status_fault empty{302, std::nullopt, {{"Location", "/elsewhere"}}};
    handler_fixture fixture({rule_on_request(1, throttled), rule_on_request(2, custom), rule_on_request(3, empty)});

    response_plan first = fixture.get("/v2/manage/shared-repositories?center=self");
    BOOST_TEST(first.status == 429u);
    BOOST_TEST(first.header("Retry-After").value() == "Sun, 06 Nov 1994 08:49:37 GMT");

    // A given name replaces the usual field; repeated names are all sent, in order.
    response_plan second = fixture.get("/v2/manage/shared-repositories?center=self");
    BOOST_TEST(second.status == 200u);
    BOOST_TEST(second.body == "not json");
    std::vector<std::string> names;
    for (const auto& [name, value] : second.headers) {
        names.push_back(name + "=" + value);
    }
    BOOST_TEST(names.size() == 4u);
    BOOST_TEST(names[0].rfind("X-Request-Id=", 0) == 0u);
    BOOST_TEST(names[1] == "Content-Type=text/plain");
    BOOST_TEST(names[2] == "Retry-After=3");
    BOOST_TEST(names[3] == "Retry-After=x");

    // Below 400 there is no default body.
    response_plan third = fixture.get("/nope");
    BOOST_TEST(third.status == 302u);
    BOOST_TEST(third.body.empty());
    BOOST_TEST(third.header("Location").value() == "/elsewhere");
}

BOOST_AUTO_TEST_CASE(status_fault_skips_token_check)
{
    swr::emulator_options options = handler_fixture::make_options({rule_on_request(1, swr::status_fault{503, std::nullopt, {}})}, 0, 0);
    options.token = "secret";
    stats_recorder stats;
    request_handler handler(options, handler_fixture::make_catalog(), stats, 1);
    request_head request;
    request.method = "GET";
    request.target = "/v2/manage/shared-repositories?center=self";
    BOOST_TEST(handler.handle(request).status == 503u);
    BOOST_TEST(handler.handle(request).status == 401u);
}

BOOST_AUTO_TEST_CASE(page_size_cap_keeps_total)
{
    handler_fixture fixture({rule_on_request(1, swr::page_size_cap_fault{4}), rule_on_request(2, swr::page_size_cap_fault{0}),
                             rule_on_request(3, swr::page_size_cap_fault{4})});
    response_plan capped = fixture.get("/v2/manage/shared-repositories?center=self&limit=10&offset=20");
    BOOST_TEST(capped.header("Content-Range").value() == "20-4/25");
    BOOST_TEST(capped.items == 4u);
    BOOST_TEST(body_of(capped).as_array().size() == 4u);
    BOOST_TEST(body_of(capped).at(0).at("total_range").as_int64() == 25);

    response_plan empty = fixture.get("/v2/manage/shared-repositories?center=self&limit=10&offset=0");
    BOOST_TEST(empty.header("Content-Range").value() == "0-0/25");
    BOOST_TEST(empty.body == "[]");

    // Without paging parameters the cap applies too, still without Content-Range.
    response_plan everything = fixture.get("/v2/manage/shared-repositories?center=self");
    BOOST_TEST(body_of(everything).as_array().size() == 4u);
    BOOST_TEST(!everything.header("Content-Range").has_value());
}

BOOST_AUTO_TEST_CASE(content_range_replaced_or_omitted)
{
    handler_fixture fixture({rule_on_request(1, swr::content_range_fault{"5-10/100"}),
                             rule_on_request(2, swr::content_range_fault{std::nullopt}),
                             rule_on_request(3, swr::content_range_fault{"garbage"})});
    response_plan wrong = fixture.get("/v2/manage/shared-repositories?center=self&limit=10&offset=0");
    BOOST_TEST(wrong.header("Content-Range").value() == "5-10/100");
    BOOST_TEST(body_of(wrong).as_array().size() == 10u);

    response_plan omitted = fixture.get("/v2/manage/shared-repositories?center=self&limit=10&offset=10");
    BOOST_TEST(!omitted.header("Content-Range").has_value());

    // The value is set even on a response that had none.
    response_plan added = fixture.get("/v2/manage/shared-repositories?center=self");
    BOOST_TEST(added.header("Content-Range").value() == "garbage");
}

BOOST_AUTO_TEST_CASE(mutation_changes_later_totals)
{
    swr::fault_rule insert = rule_on_request(2, swr::mutate_fault{0, 3, 0});
    swr::fault_rule remove = rule_on_request(3, swr::mutate_fault{5, 0, 20});
    remove.center = "self";
    handler_fixture fixture({insert, remove});

    response_plan before = fixture.get("/v2/manage/shared-repositories?center=self&limit=10&offset=0");
    BOOST_TEST(before.header("Content-Range").value() == "0-10/25");
    std::string first_name(body_of(before).at(0).at("name").as_string());

    // Three records inserted at the front before the response to request 2 is built.
    response_plan inserted = fixture.get("/v2/manage/shared-repositories?center=self&limit=10&offset=10");
    BOOST_TEST(inserted.header("Content-Range").value() == "10-10/28");
    response_plan front = fixture.get("/v2/manage/shared-repositories?center=self&limit=4&offset=0");
    // Request 3 also removed five records from position 20 on: 28 - 5.
    BOOST_TEST(front.header("Content-Range").value() == "0-4/23");
    json::value names = body_of(front);
    auto inserted_name = generate_repository(sharing_center::self, first_inserted_index).name;
    BOOST_TEST(names.at(0).at("name").as_string() == inserted_name);
    BOOST_TEST(names.at(3).at("name").as_string() == first_name);

    // The other center is untouched.
    response_plan other = fixture.get("/v2/manage/shared-repositories?center=thirdparty&limit=1&offset=0");
    BOOST_TEST(other.header("Content-Range").value() == "0-1/25");
    BOOST_TEST(fixture.handler.current_catalog()->size(sharing_center::self) == 23u);
}

BOOST_AUTO_TEST_CASE(mutation_past_end_clamped)
{
    handler_fixture fixture({rule_on_request(1, swr::mutate_fault{100, 2, 1000})});
    response_plan plan = fixture.get("/v2/manage/shared-repositories?center=thirdparty&limit=1&offset=26");
    BOOST_TEST(plan.header("Content-Range").value() == "26-1/27");
    auto appended = generate_repository(sharing_center::thirdparty, first_inserted_index + 1).name;
    BOOST_TEST(body_of(plan).at(0).at("name").as_string() == appended);
}

BOOST_AUTO_TEST_CASE(delay_delivery_and_idle_close_carried)
{
    swr::fault_rule stall = rule_on_request(1, swr::stall_mid_body_fault{250ms, 7});
    handler_fixture fixture({stall, rule_on_request(1, swr::latency_fault{40ms}), rule_on_request(1, swr::idle_close_fault{30ms})});
    response_plan plan = fixture.get("/v2/manage/shared-repositories?center=self&limit=1");
    BOOST_TEST(plan.delay == 40ms);
    const auto* delivery = std::get_if<swr::stall_mid_body_fault>(&plan.delivery);
    BOOST_TEST_REQUIRE(delivery != nullptr);
    BOOST_TEST(delivery->duration.value() == 250ms);
    BOOST_TEST(delivery->body_bytes.value() == 7u);
    BOOST_TEST(plan.idle_close.value() == 30ms);

    response_plan normal = fixture.get("/v2/manage/shared-repositories?center=self&limit=1");
    BOOST_TEST(std::holds_alternative<std::monostate>(normal.delivery));
    BOOST_TEST(!normal.idle_close.has_value());
}

BOOST_AUTO_TEST_CASE(stats_endpoint_not_numbered)
{
    handler_fixture fixture({rule_on_request(2, swr::status_fault{500, std::nullopt, {}})});
    BOOST_TEST(fixture.get("/v2/manage/shared-repositories?center=self").status == 200u);
    BOOST_TEST(fixture.get("/emulator/stats").status == 200u);
    BOOST_TEST(fixture.get("/v2/manage/shared-repositories?center=self").status == 500u);
}

BOOST_AUTO_TEST_CASE(faults_counted_and_logged)
{
    swr::fault_rule offset_rule;
    offset_rule.offset = 5;
    offset_rule.action = swr::status_fault{503, std::nullopt, {}};
    handler_fixture fixture({rule_on_request(1, swr::latency_fault{1ms}), rule_on_request(1, swr::trickle_fault{}), offset_rule}, 1.0, 3);

    fixture.get("/v2/manage/shared-repositories?center=self&limit=5&offset=0");
    fixture.get("/v2/manage/shared-repositories?center=self&limit=5&offset=5");
    fixture.get("/v2/manage/shared-repositories?center=self&limit=5&offset=10");

    // Request 1: latency and trickle. Request 2: status. Request 3: one random fault.
    swr::emulator_stats stats = fixture.stats.snapshot();
    BOOST_TEST(stats.faults == 4u);
    BOOST_TEST(stats.random_faults == 1u);
    BOOST_TEST(stats.faults_by_action.latency == 1u);
    BOOST_TEST(stats.faults_by_action.trickle == 1u);
    BOOST_TEST(stats.faults_by_action.status + stats.faults_by_action.reset_mid_body +
                   stats.faults_by_action.short_body + stats.faults_by_action.close_without_notify ==
               2u);

    BOOST_TEST_REQUIRE(fixture.log.size() == 3u);
    BOOST_TEST(fixture.log[0] == "request 1 (self, offset 0): fault latency, trickle");
    BOOST_TEST(fixture.log[1] == "request 2 (self, offset 5): fault status 503");
    BOOST_TEST(contains(fixture.log[2], "request 3 (self, offset 10): random fault "), fixture.log[2]);
    BOOST_TEST(contains(fixture.log[2], "(1 random faults so far)"), fixture.log[2]);
}

BOOST_AUTO_TEST_CASE(stats_render_faults)
{
    stats_recorder recorder;
    recorder.fault_applied(fault_kind::status, false);
    recorder.fault_applied(fault_kind::status, true);
    recorder.fault_applied(fault_kind::mutate, false);
    swr::emulator_stats stats = recorder.snapshot();
    BOOST_TEST(stats.faults == 3u);
    BOOST_TEST(stats.random_faults == 1u);

    json::value rendered = json::parse(render_stats_json(stats));
    BOOST_TEST(rendered.at("faults").as_int64() == 3);
    BOOST_TEST(rendered.at("random_faults").as_int64() == 1);
    BOOST_TEST(rendered.at("faults_by_action").at("status").as_int64() == 2);
    BOOST_TEST(rendered.at("faults_by_action").at("mutate").as_int64() == 1);
    BOOST_TEST(rendered.at("faults_by_action").at("content_range").as_int64() == 0);
    BOOST_TEST(rendered.at("faults_by_action").as_object().size() == fault_kind_count);

    std::string line = render_stats_line(stats);
    BOOST_TEST(contains(line, " faults=3 random_faults=1 faults_by_action.status=2 faults_by_action.mutate=1"), line);
    BOOST_TEST(!contains(line, "faults_by_action.latency"), line);

    recorder.reset();
    BOOST_TEST(recorder.snapshot().faults == 0u);
    BOOST_TEST(recorder.snapshot().faults_by_action.status == 0u);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(wire_plans)

BOOST_AUTO_TEST_CASE(head_rendered_exactly)
{
    response_plan plan = small_plan();
    BOOST_TEST(render_response_head(plan, true) == small_head);
    BOOST_TEST(render_response_head(plan, false) ==
               "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 10\r\nConnection: close\r\n\r\n");

    // A status without a registered reason phrase gets an empty one.
    plan.status = 555;
    plan.headers.clear();
    plan.body.clear();
    BOOST_TEST(render_response_head(plan, true) == "HTTP/1.1 555 \r\nContent-Length: 0\r\n\r\n");
    plan.status = 204;
    BOOST_TEST(render_response_head(plan, true) == "HTTP/1.1 204 No Content\r\n\r\n");
}

BOOST_AUTO_TEST_CASE(normal_delivery)
{
    response_plan plan = small_plan();
    wire_plan kept = plan_wire(plan, true);
    BOOST_TEST((kept.steps == std::vector<wire_step>{write_step(small_head + "0123456789")}), describe(kept.steps));
    BOOST_TEST(kept.complete);
    BOOST_TEST(!kept.ends_connection);
    BOOST_TEST(!kept.idle_close.has_value());

    // Without keep-alive, and with a delay.
    plan.delay = 30ms;
    wire_plan closing = plan_wire(plan, false);
    BOOST_TEST_REQUIRE(closing.steps.size() == 3u);
    BOOST_TEST((closing.steps[0] == pause_step(30ms)));
    BOOST_TEST(closing.steps[1].bytes.find("Connection: close\r\n") != std::string::npos);
    BOOST_TEST((closing.steps[2] == end_step(wire_step::kind::close_with_notify)));
    BOOST_TEST(closing.complete);
    BOOST_TEST(closing.ends_connection);
}

BOOST_AUTO_TEST_CASE(trickle_in_chunks)
{
    response_plan plan = small_plan();
    plan.delivery = swr::trickle_fault{7, 15ms};
    wire_plan wire = plan_wire(plan, true);
    BOOST_TEST((wire.steps == std::vector<wire_step>{write_step(small_head + "0123456789", 7, 15ms)}), describe(wire.steps));
    BOOST_TEST(wire.complete);
}

BOOST_AUTO_TEST_CASE(stall_after_headers_steps)
{
    response_plan plan = small_plan();
    plan.delivery = swr::stall_after_headers_fault{};
    wire_plan forever = plan_wire(plan, true);
    BOOST_TEST((forever.steps ==
                std::vector<wire_step>{write_step(small_head), end_step(wire_step::kind::wait_for_client_close)}),
               describe(forever.steps));
    BOOST_TEST(!forever.complete);
    BOOST_TEST(forever.ends_connection);

    plan.delivery = swr::stall_after_headers_fault{200ms};
    wire_plan finite = plan_wire(plan, true);
    BOOST_TEST((finite.steps == std::vector<wire_step>{write_step(small_head), pause_step(200ms), write_step("0123456789")}),
               describe(finite.steps));
    BOOST_TEST(finite.complete);
    BOOST_TEST(!finite.ends_connection);
}

BOOST_AUTO_TEST_CASE(stall_mid_body_steps)
{
    response_plan plan = small_plan();
    plan.delivery = swr::stall_mid_body_fault{};
    wire_plan forever = plan_wire(plan, true);
    BOOST_TEST((forever.steps ==
                std::vector<wire_step>{write_step(small_head + "01234"), end_step(wire_step::kind::wait_for_client_close)}),
               describe(forever.steps));
    BOOST_TEST(!forever.complete);

    plan.delivery = swr::stall_mid_body_fault{50ms, 3};
    wire_plan finite = plan_wire(plan, false);
    BOOST_TEST((finite.steps == std::vector<wire_step>{write_step(small_head.substr(0, small_head.size() - 2) +
                                                                  "Connection: close\r\n\r\n012"),
                                                       pause_step(50ms), write_step("3456789"),
                                                       end_step(wire_step::kind::close_with_notify)}),
               describe(finite.steps));
    BOOST_TEST(finite.complete);
}

BOOST_AUTO_TEST_CASE(resets_cut_where_asked)
{
    response_plan plan = small_plan();
    plan.delivery = swr::reset_mid_headers_fault{};
    wire_plan headers = plan_wire(plan, true);
    BOOST_TEST((headers.steps == std::vector<wire_step>{write_step(small_head.substr(0, small_head.size() / 2)),
                                                        end_step(wire_step::kind::reset)}),
               describe(headers.steps));
    BOOST_TEST(!headers.complete);
    BOOST_TEST(headers.ends_connection);

    plan.delivery = swr::reset_mid_headers_fault{12};
    BOOST_TEST(plan_wire(plan, true).steps.at(0).bytes == "HTTP/1.1 200");

    plan.delivery = swr::reset_mid_body_fault{};
    wire_plan body = plan_wire(plan, true);
    BOOST_TEST((body.steps == std::vector<wire_step>{write_step(small_head + "01234"), end_step(wire_step::kind::reset)}),
               describe(body.steps));
    BOOST_TEST(!body.complete);
}

BOOST_AUTO_TEST_CASE(short_body_and_missing_notify)
{
    response_plan plan = small_plan();
    plan.delivery = swr::short_body_fault{2};
    wire_plan short_body = plan_wire(plan, true);
    BOOST_TEST((short_body.steps ==
                std::vector<wire_step>{write_step(small_head + "01"), end_step(wire_step::kind::close_with_notify)}),
               describe(short_body.steps));
    BOOST_TEST(!short_body.complete);
    BOOST_TEST(short_body.steps[0].bytes.find("Content-Length: 10\r\n") != std::string::npos);

    plan.delivery = swr::close_without_notify_fault{};
    wire_plan truncated = plan_wire(plan, true);
    BOOST_TEST((truncated.steps ==
                std::vector<wire_step>{write_step(small_head + "01234"), end_step(wire_step::kind::close_without_notify)}),
               describe(truncated.steps));
    BOOST_TEST(!truncated.complete);
}

BOOST_AUTO_TEST_CASE(cut_points_stay_short)
{
    // A cut past the end still leaves one byte out.
    response_plan plan = small_plan();
    plan.delivery = swr::reset_mid_body_fault{1000};
    BOOST_TEST(plan_wire(plan, true).steps.at(0).bytes == small_head + "012345678");

    plan.delivery = swr::reset_mid_headers_fault{1000};
    BOOST_TEST(plan_wire(plan, true).steps.at(0).bytes == small_head.substr(0, small_head.size() - 1));

    // An empty body cannot be cut: the response is whole, then the fault ends it.
    plan.body.clear();
    plan.delivery = swr::short_body_fault{};
    wire_plan empty = plan_wire(plan, true);
    BOOST_TEST(empty.complete);
    BOOST_TEST((empty.steps.back() == end_step(wire_step::kind::close_with_notify)));
}

BOOST_AUTO_TEST_CASE(idle_close_now_or_later)
{
    response_plan plan = small_plan();
    plan.idle_close = 0ms;
    wire_plan now = plan_wire(plan, true);
    BOOST_TEST((now.steps == std::vector<wire_step>{write_step(small_head + "0123456789"),
                                                    end_step(wire_step::kind::close_with_notify)}),
               describe(now.steps));
    BOOST_TEST(now.steps[0].bytes.find("Connection:") == std::string::npos);

    plan.idle_close = 80ms;
    wire_plan later = plan_wire(plan, true);
    BOOST_TEST(later.steps.size() == 1u);
    BOOST_TEST(!later.ends_connection);
    BOOST_TEST(later.idle_close.value() == 80ms);

    // A fault that ends the connection makes idle_close moot.
    plan.delivery = swr::reset_mid_body_fault{};
    BOOST_TEST(!plan_wire(plan, true).idle_close.has_value());
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(scenario_files)

BOOST_AUTO_TEST_CASE(every_action_parsed)
{
    const char* text = R"({
  "fault_probability": 0.25,
  "fault_seed": 18446744073709551615,
  "rules": [
    {"request": 1, "action": "status", "status": 429, "headers": {"Retry-After": "3"}},
    {"request": 2, "action": "status", "status": 503, "body": "down",
     "headers": [["Retry-After", 3], ["Retry-After", "Sun, 06 Nov 1994 08:49:37 GMT"]]},
    {"offset": 200, "center": "self", "times": 0, "action": "reset_mid_body", "body_bytes": 10},
    {"action": "latency", "delay_ms": 1500, "times": 3},
    {"request": 4, "action": "stall_after_headers"},
    {"request": 4, "action": "stall_mid_body", "duration_ms": 20, "body_bytes": 5},
    {"action": "reset_mid_headers", "header_bytes": 9},
    {"action": "short_body"},
    {"action": "close_without_notify", "body_bytes": 0},
    {"request": 10, "action": "idle_close", "idle_ms": 0},
    {"request": 5, "action": "trickle", "chunk_bytes": 7, "interval_ms": 5},
    {"request": 6, "action": "page_size_cap", "max_items": 10},
    {"request": 7, "action": "mutate", "insert": 3, "remove": 1, "position": 2},
    {"request": 8, "action": "content_range", "value": "0-5/99"},
    {"request": 9, "action": "content_range", "value": null}
  ]
})";
    swr::fault_scenario scenario = parse_fault_scenario(text, "faults.json");
    BOOST_TEST(scenario.fault_probability == 0.25);
    BOOST_TEST(scenario.fault_seed == 18446744073709551615ULL);
    BOOST_TEST_REQUIRE(scenario.rules.size() == 15u);
    const auto& rules = scenario.rules;

    const auto& throttled = std::get<swr::status_fault>(rules[0].action);
    BOOST_TEST(rules[0].request.value() == 1u);
    BOOST_TEST(rules[0].times == 1u);
    BOOST_TEST(throttled.status == 429u);
    BOOST_TEST(!throttled.body.has_value());
    BOOST_TEST((throttled.headers == std::vector<std::pair<std::string, std::string>>{{"Retry-After", "3"}}));

    const auto& down = std::get<swr::status_fault>(rules[1].action);
    BOOST_TEST(down.body.value() == "down");
    BOOST_TEST((down.headers == std::vector<std::pair<std::string, std::string>>{
                                    {"Retry-After", "3"}, {"Retry-After", "Sun, 06 Nov 1994 08:49:37 GMT"}}));

    BOOST_TEST(rules[2].offset.value() == 200);
    BOOST_TEST(rules[2].center == "self");
    BOOST_TEST(rules[2].times == 0u);
    BOOST_TEST(!rules[2].request.has_value());
    BOOST_TEST(std::get<swr::reset_mid_body_fault>(rules[2].action).body_bytes.value() == 10u);
    BOOST_TEST(std::get<swr::latency_fault>(rules[3].action).delay == 1500ms);
    BOOST_TEST(rules[3].times == 3u);
    BOOST_TEST(!std::get<swr::stall_after_headers_fault>(rules[4].action).duration.has_value());
    BOOST_TEST(std::get<swr::stall_mid_body_fault>(rules[5].action).duration.value() == 20ms);
    BOOST_TEST(std::get<swr::stall_mid_body_fault>(rules[5].action).body_bytes.value() == 5u);
    BOOST_TEST(std::get<swr::reset_mid_headers_fault>(rules[6].action).header_bytes.value() == 9u);
    BOOST_TEST(!std::get<swr::short_body_fault>(rules[7].action).body_bytes.has_value());
    BOOST_TEST(std::get<swr::close_without_notify_fault>(rules[8].action).body_bytes.value() == 0u);
    BOOST_TEST(std::get<swr::idle_close_fault>(rules[9].action).idle == 0ms);
    BOOST_TEST(std::get<swr::trickle_fault>(rules[10].action).chunk_bytes == 7u);
    BOOST_TEST(std::get<swr::trickle_fault>(rules[10].action).interval == 5ms);
    BOOST_TEST(std::get<swr::page_size_cap_fault>(rules[11].action).max_items == 10);
    const auto& mutation = std::get<swr::mutate_fault>(rules[12].action);
    BOOST_TEST(mutation.insert == 3);
    BOOST_TEST(mutation.remove == 1);
    BOOST_TEST(mutation.position == 2);
    BOOST_TEST(std::get<swr::content_range_fault>(rules[13].action).value.value() == "0-5/99");
    BOOST_TEST(!std::get<swr::content_range_fault>(rules[14].action).value.has_value());
}

BOOST_AUTO_TEST_CASE(defaults_when_fields_absent)
{
    swr::fault_scenario scenario = parse_fault_scenario(
        R"({"rules": [{"action": "trickle"}, {"action": "idle_close"}, {"action": "mutate", "remove": 2}]})", "f");
    BOOST_TEST(scenario.fault_probability == 0.0);
    BOOST_TEST(scenario.fault_seed == 0u);
    BOOST_TEST(std::get<swr::trickle_fault>(scenario.rules[0].action).chunk_bytes == 16u);
    BOOST_TEST(std::get<swr::trickle_fault>(scenario.rules[0].action).interval == 10ms);
    BOOST_TEST(std::get<swr::idle_close_fault>(scenario.rules[1].action).idle == 0ms);
    BOOST_TEST(std::get<swr::mutate_fault>(scenario.rules[2].action).insert == 0);

    BOOST_TEST(parse_fault_scenario("{}", "f").rules.empty());
}

BOOST_AUTO_TEST_CASE(errors_name_file_line_field_value)
{
    struct bad_case {
        std::string text;
        std::string expected;
    };
    const std::vector<bad_case> cases = {
        {"{\"rules\": [\n  {\"action\": \"status\",\n   \"status\": 700}\n]}",
         "faults.json:3: rules[0].status: invalid value 700: expected an integer from 200 to 599"},
        {"{\"rules\": [\n {\"request\": 1, \"action\": \"status\", \"status\": 503},\n {\"action\": \"explode\"}]}",
         "faults.json:3: rules[1].action: invalid value \"explode\": expected one of: status, latency,"},
        {"{\"rules\": [{\"action\": \"latency\",\n \"delay_ms\": 5, \"status\": 500}]}",
         "faults.json:2: rules[0].status: unknown field for action latency; it takes request, offset, center, times, delay_ms"},
        {"{\"rules\": [{\"action\": \"latency\"}]}",
         "faults.json:1: rules[0]: missing field \"delay_ms\", which action latency needs"},
        {"{\"rules\": [{\"request\": 2}]}", "faults.json:1: rules[0]: missing field \"action\"; use one of: status,"},
        {"{\"rules\": [{\"action\": \"status\", \"status\": 500, \"request\": -1}]}",
         "rules[0].request: invalid value -1: expected an integer from 0 to 18446744073709551615"},
        {"{\"rules\": [{\"action\": \"status\", \"status\": 500, \"request\": 0}]}",
         "rules[0].request: 0 is invalid: requests are numbered from 1"},
        {"{\"rules\": [{\"action\": \"status\", \"status\": 500, \"center\": \"all\"}]}",
         "rules[0].center: 'all' is invalid: use self or thirdparty"},
        {"{\"rules\": [{\"action\": \"status\", \"status\": \"429\"}]}",
         "rules[0].status: invalid value \"429\": expected an integer from 200 to 599"},
        {"{\"rules\": [{\"action\": \"status\", \"status\": 429, \"headers\": {\"Retry-After\": true}}]}",
         "rules[0].headers.Retry-After: invalid value true: expected a string"},
        {"{\"rules\": [{\"action\": \"status\", \"status\": 429, \"headers\": [[\"Retry-After\"]]}]}",
         "rules[0].headers[0]: invalid value [\"Retry-After\"]: expected a [name, value] pair"},
        {"{\"rules\": [{\"action\": \"status\", \"status\": 429, \"headers\": {\"Bad Name\": \"1\"}}]}",
         "rules[0].headers[0]: name 'Bad Name' is not a valid header field name"},
        {"{\"rules\": [{\"action\": \"stall_after_headers\", \"duration_ms\": 3600001}]}",
         "rules[0].duration_ms: invalid value 3600001: expected an integer from 0 to 3600000"},
        {"{\"rules\": [{\"action\": \"trickle\", \"chunk_bytes\": 0}]}",
         "rules[0].chunk_bytes: invalid value 0: expected an integer from 1 to 65536"},
        {"{\"rules\": [{\"action\": \"mutate\"}]}", "rules[0].insert: 0 together with remove 0 changes nothing"},
        {"{\"rules\": [{\"action\": \"content_range\"}]}", "rules[0]: missing field \"value\""},
        {"{\"rules\": [{\"action\": \"page_size_cap\", \"max_items\": 2.5}]}",
         "rules[0].max_items: invalid value 2.5E0: expected an integer of 0 or more"},
        {"{\"rules\": {}}", "faults.json:1: rules: invalid value {}: expected an array of rules"},
        {"{\"rules\": [3]}", "faults.json:1: rules[0]: invalid value 3: expected an object with an \"action\" field"},
        {"{\n\"fault_probability\": 2}", "faults.json:2: fault_probability: invalid value 2: expected a number from 0 to 1"},
        {"{\"fault_seed\": -4}", "fault_seed: invalid value -4: expected an integer from 0 to"},
        {"{\"rulez\": []}", "faults.json:1: rulez: unknown field; the top level has rules, fault_probability and fault_seed"},
        {"[]", "faults.json:1: top level: the top level must be an object"},
        {"{\"rules\": [\n{\"action\": \"status\",,}]}", "faults.json:2:"},
    };
    for (const bad_case& bad : cases) {
        std::string message = scenario_error(bad.text);
        BOOST_TEST(contains(message, bad.expected), message);
    }
    std::string syntax = scenario_error("{\"rules\": [\n{\"action\": \"status\",,}]}");
    BOOST_TEST(contains(syntax, ": invalid JSON: "), syntax);
}

BOOST_AUTO_TEST_CASE(line_index_paths)
{
    const char* text = "{\n \"a\": 1,\n \"rules\": [\n  {\"x\": \"s\",\n   \"y\": [1,\n 2]},\n  true\n ]\n}";
    json_line_index lines(text);
    BOOST_TEST(lines.line_of("") == 1u);
    BOOST_TEST(lines.line_of("a") == 2u);
    BOOST_TEST(lines.line_of("rules") == 3u);
    BOOST_TEST(lines.line_of("rules[0]") == 4u);
    BOOST_TEST(lines.line_of("rules[0].x") == 4u);
    BOOST_TEST(lines.line_of("rules[0].y") == 5u);
    BOOST_TEST(lines.line_of("rules[0].y[1]") == 6u);
    BOOST_TEST(lines.line_of("rules[1]") == 7u);

    // Paths that are not there fall back to the nearest enclosing value.
    BOOST_TEST(lines.line_of("rules[0].missing") == 4u);
    BOOST_TEST(lines.line_of("nothing.here") == 1u);
}

BOOST_AUTO_TEST_CASE(file_loaded_or_named)
{
    temporary_directory directory;
    fs::path good = directory.path / "good.json";
    std::ofstream(good) << R"({"rules": [{"request": 3, "action": "status", "status": 502}]})";
    swr::fault_scenario scenario = swr::load_fault_scenario(good.string());
    BOOST_TEST_REQUIRE(scenario.rules.size() == 1u);
    BOOST_TEST(std::get<swr::status_fault>(scenario.rules[0].action).status == 502u);

    fs::path bad = directory.path / "bad.json";
    std::ofstream(bad) << "{\"rules\": [\n{\"action\": \"latency\", \"delay_ms\": -1}]}";
    std::string message = message_of([&] { swr::load_fault_scenario(bad.string()); });
    BOOST_TEST(contains(message, bad.string() + ":2: rules[0].delay_ms: invalid value -1"), message);

    std::string missing = message_of([&] { swr::load_fault_scenario((directory.path / "none.json").string()); });
    BOOST_TEST(contains(missing, "fault scenario file " + (directory.path / "none.json").string() +
                                     ": cannot be opened for reading"),
               missing);
    std::string folder = message_of([&] { swr::load_fault_scenario(directory.path.string()); });
    BOOST_TEST(contains(folder, "is a directory"), folder);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(command_lines)

BOOST_AUTO_TEST_CASE(fault_options_parsed)
{
    command_line command =
        parse_command_line({"--faults", "f.json", "--fault-probability=0.5", "--fault-seed", "18446744073709551615"});
    BOOST_TEST(command.faults_file == "f.json");
    BOOST_TEST(command.options.fault_probability == 0.5);
    BOOST_TEST(command.fault_probability_given);
    BOOST_TEST(command.options.fault_seed == 18446744073709551615ULL);
    BOOST_TEST(command.fault_seed_given);

    command_line defaults = parse_command_line({});
    BOOST_TEST(defaults.faults_file.empty());
    BOOST_TEST(defaults.options.fault_probability == 0.0);
    BOOST_TEST(!defaults.fault_probability_given);
}

BOOST_AUTO_TEST_CASE(bad_fault_options_named)
{
    struct bad_case {
        std::vector<std::string> arguments;
        std::string expected;
    };
    const std::vector<bad_case> cases = {
        {{"--fault-probability", "1.5"}, "invalid value '1.5' for --fault-probability: expected a probability from 0 to 1"},
        {{"--fault-probability", "-0.1"}, "invalid value '-0.1' for --fault-probability"},
        {{"--fault-seed", "-1"}, "invalid value '-1' for --fault-seed: expected an integer from 0 to"},
        {{"--faults="}, "invalid value '' for --faults: expected the path of a JSON faults file"},
        {{"--faults"}, "missing value for --faults"},
    };
    for (const bad_case& bad : cases) {
        std::string message = message_of([&] { parse_command_line(bad.arguments); });
        BOOST_TEST(contains(message, bad.expected), message);
    }
}

BOOST_AUTO_TEST_CASE(faults_file_loaded_under_flags)
{
    temporary_directory directory;
    fs::path file = directory.path / "faults.json";
    std::ofstream(file) << R"({"fault_probability": 0.1, "fault_seed": 5, "rules": [{"action": "short_body"}]})";

    command_line from_file = parse_command_line({"--faults", file.string()});
    load_faults(from_file);
    BOOST_TEST(from_file.options.faults.size() == 1u);
    BOOST_TEST(from_file.options.fault_probability == 0.1);
    BOOST_TEST(from_file.options.fault_seed == 5u);

    // Flags win over the file, wherever they stand.
    command_line flags_win = parse_command_line({"--fault-seed", "9", "--faults", file.string(), "--fault-probability", "0"});
    load_faults(flags_win);
    BOOST_TEST(flags_win.options.fault_probability == 0.0);
    BOOST_TEST(flags_win.options.fault_seed == 9u);

    command_line missing = parse_command_line({"--faults", (directory.path / "none.json").string()});
    std::string message = message_of([&] { load_faults(missing); });
    BOOST_TEST(contains(message, "invalid --faults file: fault scenario file "), message);
    BOOST_CHECK_THROW(load_faults(missing), usage_error);
}

BOOST_AUTO_TEST_CASE(help_documents_faults)
{
    std::string help = usage_text();
    for (const char* word : {"--faults FILE", "--fault-probability", "--fault-seed", "stall_after_headers", "stall_mid_body",
                             "reset_mid_headers", "reset_mid_body", "short_body", "close_without_notify", "idle_close",
                             "trickle", "page_size_cap", "mutate", "content_range", "Retry-After", "times"}) {
        BOOST_TEST(contains(help, word), word);
    }
}

BOOST_AUTO_TEST_SUITE_END()
