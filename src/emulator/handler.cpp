#include "emulator/handler.hpp"

#include "emulator/dataset.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <variant>

namespace swr::emulator_detail {

namespace {

constexpr std::string_view unknown_api_code = "APIG.0101";
constexpr std::string_view malformed_request_code = "APIG.0201";
constexpr std::string_view throttled_code = "APIG.0308";

// Formats a rate as the gateway does in its message: `200`, or `2.5`.
std::string format_rate(double rate)
{
    char text[32];
    if (rate == std::floor(rate) && rate < 1e15) {
        std::snprintf(text, sizeof text, "%.0f", rate);
    } else {
        std::snprintf(text, sizeof text, "%g", rate);
    }
    return text;
}

std::string_view center_name(sharing_center center)
{
    return center == sharing_center::self ? "self" : "thirdparty";
}

// Describes a fault decision for the log: "request 3 (self, offset 200): status, latency".
std::string describe_faults(const fault_decision& decision, const request_facts& request)
{
    std::string text = "request " + std::to_string(decision.request_number);
    if (request.center) {
        text += " (" + std::string(center_name(*request.center)) + ", offset " + std::to_string(*request.offset) + ")";
    }
    text += decision.random ? ": random fault " : ": fault ";
    for (std::size_t i = 0; i < decision.applied.size(); ++i) {
        if (i > 0) {
            text += ", ";
        }
        text += fault_kind_name(decision.applied[i]);
        if (decision.applied[i] == fault_kind::status) {
            text += " " + std::to_string(decision.status->status);
        }
    }
    return text;
}

void remove_headers(response_plan& plan, std::string_view name)
{
    std::erase_if(plan.headers, [&](const auto& field) { return equals_ignoring_case(field.first, name); });
}

}  // namespace

std::optional<std::string_view> response_plan::header(std::string_view name) const
{
    for (const auto& [field, value] : headers) {
        if (field == name) {
            return value;
        }
    }
    return std::nullopt;
}

bool is_counted_target(std::string_view target)
{
    return target.substr(0, target.find('?')) != stats_path;
}

request_handler::request_handler(const emulator_options& options, std::shared_ptr<const catalog> repositories,
                                 stats_recorder& stats, std::uint64_t id_seed, std::shared_ptr<fault_schedule> faults,
                                 std::shared_ptr<token_table> tokens)
    : token_(options.token),
      access_key_(options.access_key),
      secret_key_(options.secret_key),
      project_id_(options.project_id),
      clock_skew_(options.clock_skew),
      iam_users_(options.iam_users),
      authenticates_(!options.token.empty() || !options.access_key.empty() || !options.iam_users.empty()),
      tokens_(std::move(tokens)),
      latency_(options.latency),
      rate_limit_(options.rate_limit),
      stats_(stats),
      request_ids_(id_seed),
      faults_(std::move(faults)),
      log_(options.log),
      catalog_(std::move(repositories))
{
    if (!tokens_) {
        tokens_ = std::make_shared<token_table>(options.token_lifetime);
    }
    if (!faults_) {
        faults_ = std::make_shared<fault_schedule>(options.faults, options.fault_probability, options.fault_seed);
    }
    if (options.rate_limit > 0) {
        double burst = options.rate_burst > 0 ? options.rate_burst : std::max(1.0, options.rate_limit);
        bucket_.emplace(options.rate_limit, burst, std::chrono::steady_clock::now());
    }
}

response_plan request_handler::handle(const request_head& request)
{
    std::string request_id = request_ids_.next();
    std::size_t question_mark = request.target.find('?');
    std::string_view path = request.target.substr(0, question_mark);
    std::string_view query =
        question_mark == std::string_view::npos ? std::string_view() : request.target.substr(question_mark + 1);

    // The emulator's own endpoint comes first: no token, no rate limit, no latency.
    if (path == stats_path) {
        if (request.method != "GET") {
            response_plan plan = gateway_error(405, unknown_api_code, "Only GET is allowed on " + std::string(path),
                                               std::move(request_id));
            plan.headers.emplace_back("Allow", "GET");
            return plan;
        }
        return serve_stats(std::move(request_id));
    }

    if (path == iam_tokens_path && request.method == "POST") {
        stats_.token_requested();
    }

    // A listing's query is parsed once, for the fault rules and for the response.
    std::optional<std::variant<listing_query, api_error>> parsed;
    request_facts facts;
    if (path == shared_repositories_path && request.method == "GET") {
        parsed = parse_listing_query(query);
        if (const auto* listing = std::get_if<listing_query>(&*parsed)) {
            facts.center = listing->center;
            facts.offset = window_of(*listing).offset;
        }
    }
    fault_decision faults = faults_->next(facts);
    count_faults(faults, facts);
    std::shared_ptr<const catalog> repositories = apply_mutations(faults.mutations);

    // A status fault replaces the response. Otherwise the gateway resolves the
    // API before it authenticates.
    response_plan plan;
    if (faults.status) {
        plan = status_response(*faults.status, std::move(request_id));
    } else if (path == iam_tokens_path) {
        // IAM is another service: no rate limit and no listing credentials.
        if (request.method != "POST") {
            plan = gateway_error(405, unknown_api_code, "Only POST is allowed on " + std::string(path),
                                 std::move(request_id));
            plan.headers.emplace_back("Allow", "POST");
        } else {
            plan = issue_token(request, std::move(request_id));
        }
    } else if (path != shared_repositories_path) {
        plan = gateway_error(404, unknown_api_code,
                             "The API does not exist or has not been published in the environment",
                             std::move(request_id));
    } else if (request.method != "GET") {
        // NOTE: the gateway's code for a wrong method is not documented; this
        // uses the code of an unknown API.
        plan = gateway_error(405, unknown_api_code, "Only GET is allowed on " + std::string(path),
                             std::move(request_id));
        plan.headers.emplace_back("Allow", "GET");
    } else if (auto rejected = check_credentials(request, request_id)) {
        plan = std::move(*rejected);
    } else if (auto throttled = check_rate(request, request_id)) {
        plan = std::move(*throttled);
    } else {
        plan = list_shared_repositories(*parsed, *repositories, faults.page_size_cap, std::move(request_id));
    }

    if (faults.content_range) {
        remove_headers(plan, "Content-Range");
        if (faults.content_range->value) {
            plan.headers.emplace_back("Content-Range", *faults.content_range->value);
        }
    }
    plan.delay = latency_ + faults.delay;
    plan.delivery = std::move(faults.delivery);
    plan.idle_close = faults.idle_close;
    return plan;
}

response_plan request_handler::reject_malformed(unsigned status, std::string_view reason)
{
    response_plan plan =
        gateway_error(status, malformed_request_code, "Bad request: " + std::string(reason), request_ids_.next());
    plan.delay = latency_;
    return plan;
}

std::optional<response_plan> request_handler::check_rate(const request_head& request,
                                                         const std::string& request_id)
{
    if (!bucket_) {
        return std::nullopt;
    }

    std::lock_guard lock(bucket_mutex_);
    if (bucket_->try_take(request.arrival)) {
        return std::nullopt;
    }
    return gateway_error(429, throttled_code,
                         "policy user over ratelimit,limit:" + format_rate(rate_limit_) + ",time:1 second",
                         request_id);
}

response_plan request_handler::list_shared_repositories(const std::variant<listing_query, api_error>& parsed,
                                                        const catalog& repositories,
                                                        std::optional<std::int64_t> page_size_cap,
                                                        std::string request_id) const
{
    if (const auto* error = std::get_if<api_error>(&parsed)) {
        return swr_error(error->status, error->code, error->message, std::move(request_id));
    }
    const listing_query& listing = std::get<listing_query>(parsed);

    // A capped page keeps its total, so the client sees a short page.
    listing_page page = repositories.select(listing);
    if (page_size_cap && page.records.size() > static_cast<std::uint64_t>(*page_size_cap)) {
        page.records.resize(static_cast<std::size_t>(*page_size_cap));
    }

    response_plan plan;
    plan.status = 200;
    plan.headers.emplace_back("Content-Type", swr_content_type);
    if (window_of(listing).content_range) {
        plan.headers.emplace_back("Content-Range", std::to_string(page.offset) + "-" +
                                                       std::to_string(page.records.size()) + "/" +
                                                       std::to_string(page.total));
    }
    plan.headers.emplace_back("X-Request-Id", std::move(request_id));
    plan.items = page.records.size();
    plan.body = repositories.render(page);
    return plan;
}

response_plan request_handler::status_response(const status_fault& fault, std::string request_id) const
{
    // The body: the one given, the service's usual one for the status, or none.
    response_plan plan;
    std::optional<status_body_template> usual = default_status_body(fault.status);
    if (fault.body) {
        plan.headers.emplace_back("Content-Type", gateway_content_type);
        plan.headers.emplace_back("X-Request-Id", std::move(request_id));
        plan.body = *fault.body;
    } else if (usual && usual->gateway) {
        plan = gateway_error(fault.status, usual->code, usual->message, std::move(request_id));
    } else if (usual) {
        plan = swr_error(fault.status, usual->code, usual->message, std::move(request_id));
    } else {
        plan.headers.emplace_back("X-Request-Id", std::move(request_id));
    }
    plan.status = fault.status;

    // Extra fields replace the usual ones of the same name; they may repeat.
    for (const auto& [name, value] : fault.headers) {
        remove_headers(plan, name);
    }
    for (const auto& [name, value] : fault.headers) {
        plan.headers.emplace_back(name, value);
    }
    return plan;
}

void request_handler::count_faults(const fault_decision& decision, const request_facts& request)
{
    if (decision.applied.empty()) {
        return;
    }
    for (std::size_t i = 0; i < decision.applied.size(); ++i) {
        // The random fault, when there is one, is the last action.
        bool random = decision.random && i + 1 == decision.applied.size();
        stats_.fault_applied(decision.applied[i], random);
    }

    // Scripted faults are few and each is logged; random ones can be many,
    // so only the 1st, 2nd, 4th, 8th... are.
    if (!log_) {
        return;
    }
    if (decision.random) {
        std::uint64_t seen = random_faults_logged_.fetch_add(1, std::memory_order_relaxed) + 1;
        if ((seen & (seen - 1)) != 0) {
            return;
        }
        log_(describe_faults(decision, request) + " (" + std::to_string(seen) + " random faults so far)");
        return;
    }
    log_(describe_faults(decision, request));
}

std::shared_ptr<const catalog> request_handler::apply_mutations(const std::vector<planned_mutation>& mutations)
{
    std::lock_guard lock(catalog_mutex_);
    for (const planned_mutation& mutation : mutations) {
        std::vector<repository_record> inserted;
        inserted.reserve(static_cast<std::size_t>(mutation.change.insert));
        for (std::int64_t i = 0; i < mutation.change.insert; ++i) {
            inserted.push_back(generate_repository(mutation.center, first_inserted_index + inserted_++));
        }
        catalog_ = catalog_->with_change(mutation.center, mutation.change.position, mutation.change.remove, inserted);
    }
    return catalog_;
}

std::shared_ptr<const catalog> request_handler::current_catalog() const
{
    std::lock_guard lock(catalog_mutex_);
    return catalog_;
}

response_plan request_handler::serve_stats(std::string request_id) const
{
    response_plan plan;
    plan.status = 200;
    plan.headers.emplace_back("Content-Type", gateway_content_type);
    plan.headers.emplace_back("X-Request-Id", std::move(request_id));
    plan.body = render_stats_json(stats_.snapshot());
    return plan;
}

response_plan request_handler::swr_error(unsigned status, std::string_view code, std::string_view message,
                                         std::string request_id) const
{
    response_plan plan;
    plan.status = status;
    plan.headers.emplace_back("Content-Type", swr_content_type);
    plan.headers.emplace_back("X-Request-Id", std::move(request_id));
    plan.body = render_swr_error(code, message);
    return plan;
}

response_plan request_handler::gateway_error(unsigned status, std::string_view code, std::string_view message,
                                             std::string request_id) const
{
    response_plan plan;
    plan.status = status;
    plan.headers.emplace_back("Content-Type", gateway_content_type);
    plan.body = render_gateway_error(code, message, request_id);
    plan.headers.emplace_back("X-Request-Id", std::move(request_id));
    return plan;
}

}  // namespace swr::emulator_detail
