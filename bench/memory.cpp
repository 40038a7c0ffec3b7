#include "measurements.hpp"
#include "process.hpp"

#include <stdexcept>

namespace swr::bench {

namespace {

std::vector<std::string> cli_command(const bench_config& config, const bench_paths& paths,
                                     const emulator_process& emulator)
{
    return {paths.cli,
            "--endpoint", emulator.endpoint(),
            "--ca-file", emulator.ca_file(),
            "--center", "self",
            "--format", "ndjson",
            "--page-size", std::to_string(config.page_size),
            "--concurrency", std::to_string(config.memory_concurrency)};
}

// Figures of one run of the CLI.
struct listing_run {
    std::int64_t max_rss_kib = 0;
    std::chrono::nanoseconds wall{0};
};

// Runs the CLI, with its listing going to /dev/null, under `swr-bench
// peak-rss`, so that its peak RSS is its own and not the harness's.
listing_run stream_listing(const bench_config& config, const bench_paths& paths, const emulator_process& emulator)
{
    std::string err_path = paths.scratch_dir + "/cli.err";
    std::string report_path = paths.scratch_dir + "/cli.rss";
    std::vector<std::string> command = {paths.self, "peak-rss", report_path};
    for (std::string& argument : cli_command(config, paths, emulator))
        command.push_back(std::move(argument));

    std::vector<std::string> environment = no_proxy_environment;
    environment.push_back("SWR_AUTH_TOKEN=" + std::string(bench_token));
    child_process cli(command, environment, redirect{"/dev/null"}, redirect{err_path});
    exit_report report = cli.wait();
    if (report.status != 0) {
        throw std::runtime_error("swr-shared-repos exited with status " + std::to_string(report.status) + ": " +
                                 read_file(err_path));
    }

    // "max_rss_kib=N status=S"
    std::string text = read_file(report_path);
    std::size_t value = text.find("max_rss_kib=");
    if (value == std::string::npos)
        throw std::runtime_error("swr-bench peak-rss wrote no report: " + text);
    listing_run run;
    run.max_rss_kib = std::stoll(text.substr(value + 12));
    run.wall = report.wall;
    return run;
}

std::string mebibytes(double kibibytes)
{
    return fixed(kibibytes / 1024, 1);
}

}  // namespace

void measure_memory(const bench_config& config, const bench_paths& paths, bench_report& report)
{
    emulator_settings settings;
    settings.program = paths.emulator;
    settings.tls_dir = paths.tls_dir;
    settings.token = bench_token;
    settings.repositories = config.memory_small;
    progress("memory: starting emulators with " + std::to_string(config.memory_small) + " and " +
             std::to_string(config.memory_large) + " repositories");
    emulator_process small(settings, paths.scratch_dir + "/small");
    settings.repositories = config.memory_large;
    emulator_process large(settings, paths.scratch_dir + "/large");

    std::vector<double> small_rss;
    std::vector<double> large_rss;
    std::vector<double> ratios;
    std::vector<double> small_wall;
    std::vector<double> large_wall;
    for (int run = 0; run < config.memory_runs; ++run) {
        progress("memory run " + std::to_string(run + 1) + " of " + std::to_string(config.memory_runs));
        listing_run few = stream_listing(config, paths, small);
        listing_run many = stream_listing(config, paths, large);
        small_rss.push_back(static_cast<double>(few.max_rss_kib));
        large_rss.push_back(static_cast<double>(many.max_rss_kib));
        ratios.push_back(static_cast<double>(many.max_rss_kib) / static_cast<double>(few.max_rss_kib));
        small_wall.push_back(seconds_of(few.wall));
        large_wall.push_back(seconds_of(many.wall));
    }

    exit_report large_exit = large.stop();

    result_table table;
    table.id = "memory";
    table.title = "4. Flat memory";
    table.description =
        "Peak resident memory (wait4's ru_maxrss) of `swr-shared-repos` streaming the whole `self` listing as "
        "NDJSON to /dev/null, for a small and a large listing served by two emulators that run side by side. "
        "The CLI runs under `swr-bench peak-rss`, a small process that waits for it, because Linux carries "
        "a process's memory high-water mark over exec and a child of the harness would report the "
        "harness's. "
        "The ratio is taken within each run; medians of " + std::to_string(config.memory_runs) +
        " runs. The large emulator took " + fixed(seconds_of(large.startup_time()), 1) + " s to start and " +
        mebibytes(static_cast<double>(large_exit.usage.max_rss_kib)) + " MiB at its peak.";
    table.header = {"repositories", "peak RSS MiB", "wall s", "ratio to the small listing"};
    double ratio = median(ratios);
    table.rows.push_back({std::to_string(config.memory_small), mebibytes(median(small_rss)),
                          fixed(median(small_wall), 2), "1.00"});
    table.rows.push_back({std::to_string(config.memory_large), mebibytes(median(large_rss)),
                          fixed(median(large_wall), 2), fixed(ratio, 2)});
    table.commands.push_back(command_text(large.command(), paths));
    table.commands.push_back(command_text(cli_command(config, paths, large), paths) +
                             " > /dev/null   # SWR_AUTH_TOKEN in the environment");
    report.tables.push_back(std::move(table));
    report.targets.push_back({"peak RSS large / small listing", ratio, "<= 1.20", ratio <= 1.2});
}

}  // namespace swr::bench
