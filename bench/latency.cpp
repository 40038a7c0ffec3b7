#include "client_scan.hpp"
#include "measurements.hpp"

namespace swr::bench {

void measure_latency(const bench_config& config, const bench_paths& paths, bench_report& report)
{
    emulator_settings settings;
    settings.program = paths.emulator;
    settings.tls_dir = paths.tls_dir;
    settings.token = bench_token;
    settings.repositories = config.latency_pages * config.page_size;
    settings.latency = config.latency;
    progress("latency: starting an emulator with " + std::to_string(config.latency.count()) + " ms latency");
    emulator_process emulator(settings, paths.scratch_dir);

    result_table table;
    table.id = "latency";
    table.title = "3. Latency hiding";
    table.description =
        "Wall time of a scan of " + std::to_string(config.latency_pages) + " pages when the emulator delays "
        "every response by " + std::to_string(config.latency.count()) + " ms, divided by the ideal (pages / "
        "concurrency x latency). By default the scan's first request returns before the others start, "
        "because it learns the total, so the best possible ratio is above 1 at high concurrency: (1 + "
        "ceil((pages - 1) / concurrency)) rounds of latency, listed as \"floor\". With "
        "scan_options::speculative_pages set to concurrency - 1, the next pages leave with the first, and the "
        "floor is ceil(pages / concurrency) rounds. Each run uses a new client, TLS handshakes included. "
        "Medians of " + std::to_string(config.latency_runs) + " runs.";
    table.header = {"concurrency", "ideal s", "wall s", "wall / ideal", "floor", "speculative: wall s",
                    "wall / ideal", "floor"};

    double latency_seconds = std::chrono::duration<double>(config.latency).count();
    double pages = static_cast<double>(config.latency_pages);
    auto rounds = [](std::int64_t count, std::size_t width) {
        auto wide = static_cast<std::int64_t>(width);
        return static_cast<double>((count + wide - 1) / wide);
    };
    for (std::size_t concurrency : config.latency_concurrency) {
        progress("latency at concurrency " + std::to_string(concurrency));
        scan_settings scan;
        scan.endpoint = emulator.endpoint();
        scan.ca_file = emulator.ca_file();
        scan.token = bench_token;
        scan.concurrency = concurrency;
        scan.page_size = config.page_size;
        double ideal = pages / static_cast<double>(concurrency) * latency_seconds;
        auto median_wall = [&](std::size_t speculative) {
            scan.speculative_pages = speculative;
            std::vector<double> walls;
            for (int run = 0; run < config.latency_runs; ++run)
                walls.push_back(seconds_of(run_client_scan(scan).wall));
            return median(walls);
        };

        double wall = median_wall(0);
        // At concurrency 1 there is nothing to send with the first page.
        double speculative_wall = concurrency > 1 ? median_wall(concurrency - 1) : wall;
        double ratio = wall / ideal;
        double speculative_ratio = speculative_wall / ideal;
        auto total_pages = static_cast<std::int64_t>(config.latency_pages);
        double floor_ratio = (1.0 + rounds(total_pages - 1, concurrency)) * latency_seconds / ideal;
        double speculative_floor = rounds(total_pages, concurrency) * latency_seconds / ideal;

        std::string label = std::to_string(concurrency);
        table.rows.push_back({label, fixed(ideal, 3), fixed(wall, 3), fixed(ratio, 3), fixed(floor_ratio, 3),
                              fixed(speculative_wall, 3), fixed(speculative_ratio, 3), fixed(speculative_floor, 3)});
        report.targets.push_back({"latency wall / ideal, concurrency " + label, ratio, "<= 1.15", ratio <= 1.15});
        if (concurrency > 1) {
            report.targets.push_back({"latency wall / ideal, concurrency " + label + ", speculative",
                                      speculative_ratio, "<= 1.15", speculative_ratio <= 1.15});
        }
    }
    table.commands.push_back(command_text(emulator.command(), paths));
    report.tables.push_back(std::move(table));
}

}  // namespace swr::bench
