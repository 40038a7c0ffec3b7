#include "client_scan.hpp"
#include "measurements.hpp"

#include <swr/emulator.hpp>

#include <algorithm>

namespace swr::bench {

namespace {

using clock = std::chrono::steady_clock;

// Figures the emulator recorded for one rate-limited scan.
struct observed_rate {
    double rate = 0;             // requests/s after the initial burst
    std::uint64_t busiest = 0;   // most arrivals within any one second
};

// A token bucket that starts full lets `burst` requests through at once and
// then one every 1/rate. So the last of n arrives (n - burst) / rate after
// the first, and that span gives the rate without the burst's distortion.
observed_rate observe(const std::vector<clock::time_point>& arrivals, double burst)
{
    observed_rate result;
    if (arrivals.size() < 2)
        return result;

    double span = std::chrono::duration<double>(arrivals.back() - arrivals.front()).count();
    double paced = static_cast<double>(arrivals.size()) - burst;
    result.rate = span > 0 ? paced / span : 0;

    // Sliding window [arrivals[first], arrivals[first] + 1 s), half-open as
    // in the token bucket's bound of burst + rate x T for any window of length T.
    std::size_t last = 0;
    for (std::size_t first = 0; first < arrivals.size(); ++first) {
        while (last < arrivals.size() && arrivals[last] - arrivals[first] < std::chrono::seconds(1))
            ++last;
        result.busiest = std::max<std::uint64_t>(result.busiest, last - first);
    }
    return result;
}

}  // namespace

void measure_rate(const bench_config& config, const bench_paths& paths, bench_report& report)
{
    std::int64_t most_requests = 0;
    for (const rate_case& one : config.rate_cases)
        most_requests = std::max(most_requests, one.requests);

    swr::emulator_options options;
    options.tls_dir = paths.tls_dir;
    options.token = bench_token;
    options.repositories = most_requests * config.rate_page_size;
    progress("rate: starting an emulator in this process");
    swr::emulator_thread server(options, 1);

    result_table table;
    table.id = "rate";
    table.title = "5. Rate accuracy";
    table.description =
        "A scan with a `swr::rate_limiter` of the configured rate and burst (" +
        std::to_string(config.rate_concurrency) + " requests in flight, " + std::to_string(config.rate_page_size) +
        " repositories a page), against an emulator in the harness process that records the arrival time of "
        "every request. The observed rate is (requests - burst) / (last arrival - first arrival), because a full "
        "bucket lets the first `burst` requests through at once. \"Busiest second\" is the most arrivals within "
        "any one-second window [t, t + 1 s); a token bucket allows at most rate x 1 s + burst. Each run's client "
        "first opens its connections with a scan of the last pages without a limiter, and arrivals count from "
        "then on. The emulator stamps a request when its one thread has read it, and while that thread made "
        "handshakes, the first requests were stamped late. Medians of " +
        std::to_string(config.runs) + " runs.";
    table.header = {"configured rate/s", "burst", "requests", "observed rate/s", "error", "busiest second",
                    "allowed"};

    // Four rounds of requests give every warm-up connection time to open.
    const auto warm_up_pages = static_cast<std::int64_t>(4 * config.rate_concurrency);
    for (const rate_case& one : config.rate_cases) {
        progress("rate " + fixed(one.rate, 0) + "/s, burst " + fixed(one.burst, 0));
        std::vector<double> rates;
        std::vector<double> busiest;
        for (int run = 0; run < config.runs; ++run) {
            scan_settings scan;
            scan.endpoint = server.get().endpoint_url();
            scan.ca_file = server.get().ca_file();
            scan.token = bench_token;
            scan.concurrency = config.rate_concurrency;
            scan.page_size = config.rate_page_size;
            scan.start_offset = options.repositories - one.requests * config.rate_page_size;
            scan.limiter = std::make_shared<swr::rate_limiter>(one.rate, one.burst);
            // The emulator stamps a request when its one thread reads it, so
            // handshakes on that thread delay the first stamps. Open the
            // connections first, or a second can count one request too many.
            scan.warm_up_offset =
                std::max<std::int64_t>(0, options.repositories - warm_up_pages * config.rate_page_size);
            scan.after_warm_up = [&server] { server.get().reset_stats(); };
            run_client_scan(scan);

            observed_rate seen = observe(server.get().request_times(), one.burst);
            rates.push_back(seen.rate);
            busiest.push_back(static_cast<double>(seen.busiest));
        }

        double rate = median(rates);
        double error = (rate - one.rate) / one.rate;
        double most = *std::max_element(busiest.begin(), busiest.end());
        double allowed = one.rate + one.burst;
        table.rows.push_back({fixed(one.rate, 0), fixed(one.burst, 0), std::to_string(one.requests),
                              fixed(rate, 1), fixed(error * 100, 2) + "%", fixed(most, 0), fixed(allowed, 0)});

        std::string label = fixed(one.rate, 0) + "/s burst " + fixed(one.burst, 0);
        report.targets.push_back({"rate error, " + label, error, "within +-0.03", std::abs(error) <= 0.03});
        report.targets.push_back({"busiest second / allowed, " + label, most / allowed, "<= 1.00", most <= allowed});
    }
    table.notes.push_back("\"Busiest second\" is the largest of all runs, not the median.");
    report.tables.push_back(std::move(table));
}

}  // namespace swr::bench
