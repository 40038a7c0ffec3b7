#include "client_scan.hpp"
#include "measurements.hpp"
#include "wrk.hpp"

#include <swr/request.hpp>

namespace swr::bench {

namespace {

// The URL of the first page of the scan, which wrk requests over and over.
std::string first_page_url(const std::string& endpoint, std::int64_t page_size)
{
    swr::shared_repositories_request request;
    request.center = swr::center::self;
    return endpoint + std::string(swr::shared_repositories_path) + "?" + swr::build_query(request, page_size, 0);
}

wrk_settings make_wrk_settings(const bench_config& config, const bench_paths& paths,
                               const emulator_process& emulator, std::size_t connections)
{
    wrk_settings settings;
    settings.program = paths.wrk;
    settings.url = first_page_url(emulator.endpoint(), config.page_size);
    settings.token = bench_token;
    settings.connections = connections;
    settings.threads = 1;
    settings.duration = config.wrk_duration;
    return settings;
}

double microseconds_per(std::chrono::nanoseconds cpu, std::int64_t count)
{
    return count > 0 ? std::chrono::duration<double, std::micro>(cpu).count() / static_cast<double>(count) : 0;
}

// Figures of one repetition at one concurrency. Ratios are taken within it.
struct repetition {
    double client_pages_per_second = 0;
    double client_cpu_per_page = 0;  // microseconds
    double client_cpu_per_item = 0;  // microseconds
    double emulator_busy_client = 0; // share of one core during the client scan
    double wrk_requests_per_second = 0;
    double wrk_cpu_per_request = 0;  // microseconds
    double emulator_busy_wrk = 0;
};

void run_client(const bench_config& config, emulator_process& emulator, std::size_t concurrency, repetition& out)
{
    scan_settings settings;
    settings.endpoint = emulator.endpoint();
    settings.ca_file = emulator.ca_file();
    settings.token = bench_token;
    settings.concurrency = concurrency;
    settings.page_size = config.page_size;
    settings.scans = config.throughput_scans;

    auto emulator_before = emulator.cpu_time();
    scan_result scan = run_client_scan(settings);
    auto emulator_cpu = emulator.cpu_time() - emulator_before;

    out.client_pages_per_second = static_cast<double>(scan.pages) / seconds_of(scan.wall);
    out.client_cpu_per_page = microseconds_per(scan.cpu, scan.pages);
    out.client_cpu_per_item = microseconds_per(scan.cpu, scan.items);
    out.emulator_busy_client = seconds_of(emulator_cpu) / seconds_of(scan.wall);
}

void run_wrk_once(const bench_config& config, const bench_paths& paths, emulator_process& emulator,
                  std::size_t concurrency, repetition& out)
{
    auto emulator_before = emulator.cpu_time();
    wrk_result load = run_wrk(make_wrk_settings(config, paths, emulator, concurrency), paths.scratch_dir);
    auto emulator_cpu = emulator.cpu_time() - emulator_before;

    out.wrk_requests_per_second = load.requests_per_second;
    out.wrk_cpu_per_request = microseconds_per(load.cpu, load.requests);
    out.emulator_busy_wrk = seconds_of(emulator_cpu) / load.seconds;
}

std::string percent(double share)
{
    return fixed(share * 100, 0) + "%";
}

}  // namespace

void measure_throughput(const bench_config& config, const bench_paths& paths, emulator_process& emulator,
                        bench_report& report)
{
    bool with_wrk = !paths.wrk.empty();
    std::int64_t pages = config.throughput_repositories / config.page_size;

    result_table throughput;
    throughput.id = "throughput";
    throughput.title = "1. Throughput next to wrk";
    throughput.description =
        "Pages per second of " + std::to_string(config.throughput_scans) + " full scans in a row of " +
        std::to_string(pages) + " pages (" + std::to_string(config.page_size) +
        " repositories a page) by one client of the library on one thread. Next to it, wrk fetches the first page "
        "of the same scan for " + std::to_string(config.wrk_duration.count()) +
        " s over the same number of keep-alive TLS connections with one thread. Each repetition runs both back to "
        "back, in alternating order, and starts a new client. Both count their TLS handshakes, over a similar "
        "amount of work. The ratio is taken within a repetition, and the table shows medians of " +
        std::to_string(config.runs) + " repetitions. \"Emulator CPU\" is the emulator's CPU time over the wall "
        "time: near 100% means that its one thread was the limit.";
    throughput.header = {"concurrency", "client pages/s", "wrk requests/s", "client / wrk", "emulator CPU (client)",
                         "emulator CPU (wrk)"};

    result_table cpu;
    cpu.id = "cpu";
    cpu.title = "2. CPU per page";
    cpu.description = "User plus system CPU time of the client process per page and per repository (getrusage), "
                      "next to wrk's CPU time per request (wait4), from the same repetitions as table 1.";
    cpu.header = {"concurrency", "client µs/page", "client µs/item", "wrk µs/request", "client / wrk"};

    for (std::size_t concurrency : config.throughput_concurrency) {
        progress("throughput at concurrency " + std::to_string(concurrency));
        std::vector<repetition> repetitions(static_cast<std::size_t>(config.runs));
        for (std::size_t run = 0; run < repetitions.size(); ++run) {
            repetition& figures = repetitions[run];
            if (with_wrk && run % 2 == 1)
                run_wrk_once(config, paths, emulator, concurrency, figures);
            run_client(config, emulator, concurrency, figures);
            if (with_wrk && run % 2 == 0)
                run_wrk_once(config, paths, emulator, concurrency, figures);
        }

        auto median_of = [&](auto member) {
            std::vector<double> values;
            for (const repetition& figures : repetitions)
                values.push_back(member(figures));
            return median(values);
        };
        double client_rate = median_of([](const repetition& r) { return r.client_pages_per_second; });
        double client_cpu = median_of([](const repetition& r) { return r.client_cpu_per_page; });
        double client_cpu_item = median_of([](const repetition& r) { return r.client_cpu_per_item; });
        double emulator_client = median_of([](const repetition& r) { return r.emulator_busy_client; });

        std::string label = std::to_string(concurrency);
        if (!with_wrk) {
            throughput.rows.push_back({label, fixed(client_rate, 0), "n/a", "n/a", percent(emulator_client), "n/a"});
            cpu.rows.push_back({label, fixed(client_cpu, 1), fixed(client_cpu_item, 2), "n/a", "n/a"});
            report.targets.push_back({"throughput / wrk, concurrency " + label, std::nullopt, ">= 0.80", false});
            continue;
        }

        double wrk_rate = median_of([](const repetition& r) { return r.wrk_requests_per_second; });
        double ratio =
            median_of([](const repetition& r) { return r.client_pages_per_second / r.wrk_requests_per_second; });
        double wrk_cpu = median_of([](const repetition& r) { return r.wrk_cpu_per_request; });
        double cpu_ratio = median_of([](const repetition& r) { return r.client_cpu_per_page / r.wrk_cpu_per_request; });
        double emulator_wrk = median_of([](const repetition& r) { return r.emulator_busy_wrk; });

        throughput.rows.push_back({label, fixed(client_rate, 0), fixed(wrk_rate, 0), fixed(ratio, 2),
                                   percent(emulator_client), percent(emulator_wrk)});
        cpu.rows.push_back({label, fixed(client_cpu, 1), fixed(client_cpu_item, 2), fixed(wrk_cpu, 1),
                            fixed(cpu_ratio, 2)});
        report.targets.push_back({"throughput / wrk, concurrency " + label, ratio, ">= 0.80", ratio >= 0.8});
    }

    throughput.commands.push_back(command_text(emulator.command(), paths) +
                                  "   # SWR_EMULATOR_TOKEN in the environment");
    throughput.commands.push_back(command_text({paths.self, "scan-once", "--endpoint", emulator.endpoint(), "--ca-file",
                                                emulator.ca_file(), "--page-size", std::to_string(config.page_size),
                                                "--concurrency", "1"},
                                               paths) +
                                  "   # the same scan as the client column; SWR_AUTH_TOKEN in the environment");
    if (with_wrk) {
        throughput.commands.push_back(command_text(wrk_command(make_wrk_settings(config, paths, emulator, 1),
                                                               "wrk-token.lua"),
                                                   paths) +
                                      "   # -c N; the script sets X-Auth-Token from SWR_AUTH_TOKEN");
    } else {
        throughput.notes.push_back("wrk is not installed, so the wrk columns were not measured.");
    }
    report.tables.push_back(std::move(throughput));
    report.tables.push_back(std::move(cpu));
}

void measure_emulator(const bench_config& config, const bench_paths& paths, emulator_process& emulator,
                      bench_report& report)
{
    result_table table;
    table.id = "emulator";
    table.title = "6. The emulator under wrk";
    table.description =
        "Requests per second that the emulator (one thread) serves to wrk (one thread) for the same page, with "
        "the emulator's CPU time per request from /proc. \"Per emulator core\" is requests/s divided by the "
        "emulator's CPU share: the rate one fully busy emulator thread would reach. Medians of " +
        std::to_string(config.runs) + " runs.";
    table.header = {"connections", "requests/s", "emulator CPU", "emulator µs/request", "per emulator core"};
    if (paths.wrk.empty()) {
        table.notes.push_back("wrk is not installed, so this table was not measured.");
        report.tables.push_back(std::move(table));
        return;
    }

    for (std::size_t connections : config.emulator_connections) {
        progress("emulator under wrk with " + std::to_string(connections) + " connections");
        std::vector<double> rates;
        std::vector<double> busy;
        std::vector<double> per_request;
        for (int run = 0; run < config.runs; ++run) {
            auto before = emulator.cpu_time();
            wrk_result load = run_wrk(make_wrk_settings(config, paths, emulator, connections), paths.scratch_dir);
            auto used = emulator.cpu_time() - before;
            rates.push_back(load.requests_per_second);
            busy.push_back(seconds_of(used) / load.seconds);
            per_request.push_back(microseconds_per(used, load.requests));
        }
        double share = median(busy);
        double rate = median(rates);
        table.rows.push_back({std::to_string(connections), fixed(rate, 0), percent(share),
                              fixed(median(per_request), 1), share > 0 ? fixed(rate / share, 0) : "n/a"});
    }
    table.commands.push_back(command_text(wrk_command(make_wrk_settings(config, paths, emulator, 1), "wrk-token.lua"),
                                          paths) +
                             "   # -c N");
    report.tables.push_back(std::move(table));
}

}  // namespace swr::bench
