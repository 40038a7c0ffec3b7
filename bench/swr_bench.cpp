// swr-bench: measures the library, the CLI and the emulator against wrk on
// 127.0.0.1 and writes the results as Markdown. scripts/bench.sh builds it in
// Release and runs it; see docs/benchmarks.md.
//
// Usage:
//   swr-bench [--smoke] [--runs N] [--only IDS] [--output FILE]
//   swr-bench scan-once --endpoint URL --ca-file PATH [--start-offset N]
//                       [--page-size N] [--concurrency N] [--speculative-pages N]
//                       [--no-recycle]
//   swr-bench peak-rss REPORT PROGRAM [ARGUMENTS...]
//   swr-bench parse [--pages N] [--passes N] [--rounds N]
//
// `--smoke` runs a tiny configuration that only proves the harness works.
// `--only` takes a comma-separated list of throughput, emulator,
// instructions, latency, memory and rate. `scan-once` runs one scan in this
// process with the token from SWR_AUTH_TOKEN; the instruction count runs it
// under callgrind. `peak-rss REPORT PROGRAM [ARGUMENTS...]` runs a program
// and writes its peak RSS to REPORT; the memory measurement uses it.
// `parse` times the JSON page reader alone on generated pages, without I/O,
// for changes to the reader; it is not part of the report.

#include "client_scan.hpp"
#include "machine.hpp"
#include "measurements.hpp"
#include "parse_pages.hpp"
#include "process.hpp"
#include "report.hpp"

#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <iostream>
#include <set>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace {

namespace bench = swr::bench;

constexpr int exit_usage = 2;

struct usage_error : std::runtime_error {
    using std::runtime_error::runtime_error;
};

const std::set<std::string> measurement_ids = {"throughput", "emulator", "instructions", "latency", "memory", "rate"};

struct arguments {
    bool smoke = false;
    int runs = 0;  // 0: the configuration's own
    std::set<std::string> only;
    std::string output;
};

std::int64_t parse_number(const std::string& option, const std::string& text, std::int64_t minimum)
{
    std::size_t used = 0;
    long long value = 0;
    try {
        value = std::stoll(text, &used);
    } catch (const std::exception&) {
        used = 0;
    }
    if (used != text.size() || text.empty() || value < minimum) {
        throw usage_error("invalid value '" + text + "' for " + option + ": expected an integer of at least " +
                          std::to_string(minimum));
    }
    return value;
}

// Takes the value of option `args[i]` and advances `i` past it.
std::string take_value(const std::vector<std::string>& args, std::size_t& i)
{
    if (i + 1 >= args.size())
        throw usage_error("missing value for " + args[i] + "; give it as the next argument");
    return args[++i];
}

arguments parse_arguments(const std::vector<std::string>& args)
{
    arguments parsed;
    for (std::size_t i = 0; i < args.size(); ++i) {
        const std::string& option = args[i];
        if (option == "--smoke") {
            parsed.smoke = true;
        } else if (option == "--runs") {
            parsed.runs = static_cast<int>(parse_number(option, take_value(args, i), 1));
        } else if (option == "--output") {
            parsed.output = take_value(args, i);
        } else if (option == "--only") {
            std::istringstream list(take_value(args, i));
            std::string id;
            while (std::getline(list, id, ',')) {
                if (measurement_ids.count(id) == 0) {
                    throw usage_error("unknown measurement '" + id +
                                      "' for --only; use throughput, emulator, instructions, latency, memory or rate");
                }
                parsed.only.insert(id);
            }
        } else {
            throw usage_error("unknown option '" + option + "'");
        }
    }
    return parsed;
}

// scan-once: one scan in this process, for callgrind.
int scan_once(const std::vector<std::string>& args)
{
    bench::scan_settings settings;
    for (std::size_t i = 0; i < args.size(); ++i) {
        const std::string& option = args[i];
        if (option == "--endpoint")
            settings.endpoint = take_value(args, i);
        else if (option == "--ca-file")
            settings.ca_file = take_value(args, i);
        else if (option == "--start-offset")
            settings.start_offset = parse_number(option, take_value(args, i), 0);
        else if (option == "--no-recycle")
            settings.recycle = false;
        else if (option == "--page-size")
            settings.page_size = parse_number(option, take_value(args, i), 1);
        else if (option == "--concurrency")
            settings.concurrency = static_cast<std::size_t>(parse_number(option, take_value(args, i), 1));
        else if (option == "--speculative-pages")
            settings.speculative_pages = static_cast<std::size_t>(parse_number(option, take_value(args, i), 0));
        else
            throw usage_error("unknown option '" + option + "' for scan-once");
    }
    const char* token = std::getenv("SWR_AUTH_TOKEN");
    if (settings.endpoint.empty() || settings.ca_file.empty() || token == nullptr)
        throw usage_error("scan-once needs --endpoint, --ca-file and the token in SWR_AUTH_TOKEN");
    settings.token = token;

    bench::scan_result result = bench::run_client_scan(settings);
    std::cout << "pages " << result.pages << " items " << result.items << " seconds " << bench::seconds_of(result.wall)
              << " median-latency-us " << result.latency_median.count() << " connections " << result.connections
              << '\n';
    return EXIT_SUCCESS;
}

// parse: the JSON page reader alone.
int parse_pages(const std::vector<std::string>& args)
{
    std::size_t pages = 256;
    int passes = 8;
    int rounds = 5;
    for (std::size_t i = 0; i < args.size(); ++i) {
        const std::string& option = args[i];
        if (option == "--pages")
            pages = static_cast<std::size_t>(parse_number(option, take_value(args, i), 1));
        else if (option == "--passes")
            passes = static_cast<int>(parse_number(option, take_value(args, i), 1));
        else if (option == "--rounds")
            rounds = static_cast<int>(parse_number(option, take_value(args, i), 1));
        else
            throw usage_error("unknown option '" + option + "' for parse");
    }
    bench::parse_result result = bench::measure_page_parsing(pages, passes, rounds);
    double megabytes_per_second = result.best_ns_per_page > 0
                                      ? static_cast<double>(result.bytes_per_page) / result.best_ns_per_page * 1000.0
                                      : 0.0;
    std::cout << "pages " << result.pages << " bytes-per-page " << result.bytes_per_page << " best-ns-per-page "
              << static_cast<long long>(result.best_ns_per_page) << " median-ns-per-page "
              << static_cast<long long>(result.median_ns_per_page) << " best-MB-per-s "
              << static_cast<long long>(megabytes_per_second) << '\n';
    return EXIT_SUCCESS;
}

std::string own_path()
{
    std::error_code ignored;
    return std::filesystem::read_symlink("/proc/self/exe", ignored).string();
}

bench::bench_paths make_paths()
{
    bench::bench_paths paths;
    paths.emulator = SWR_BENCH_EMULATOR_PATH;
    paths.cli = SWR_BENCH_CLI_PATH;
    paths.self = own_path();
    paths.wrk = bench::find_in_path("wrk");
#if defined(SWR_BENCH_SANITIZED)
    // valgrind cannot run a program built with a sanitizer.
    paths.valgrind.clear();
#else
    paths.valgrind = bench::find_in_path("valgrind");
#endif

    std::string pattern = (std::filesystem::temp_directory_path() / "swr-bench-XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr)
        throw std::runtime_error("cannot create a temporary directory from " + pattern);
    paths.scratch_dir = pattern;
    paths.tls_dir = pattern + "/tls";
    return paths;
}

void run_measurements(const arguments& parsed, const bench::bench_config& config, const bench::bench_paths& paths,
                      bench::bench_report& report)
{
    auto selected = [&parsed](const char* id) { return parsed.only.empty() || parsed.only.count(id) != 0; };

    // One emulator serves the throughput, the emulator and the instruction measurements.
    if (selected("throughput") || selected("emulator") || selected("instructions")) {
        bench::emulator_settings settings;
        settings.program = paths.emulator;
        settings.tls_dir = paths.tls_dir;
        settings.token = bench::bench_token;
        settings.repositories = config.throughput_repositories;
        bench::progress("starting an emulator with " + std::to_string(config.throughput_repositories) +
                        " repositories");
        bench::emulator_process emulator(settings, paths.scratch_dir + "/main");
        if (selected("throughput"))
            bench::measure_throughput(config, paths, emulator, report);
        if (selected("emulator"))
            bench::measure_emulator(config, paths, emulator, report);
        if (selected("instructions"))
            bench::measure_instructions(config, paths, emulator, report);
    }
    if (selected("latency"))
        bench::measure_latency(config, paths, report);
    if (selected("memory"))
        bench::measure_memory(config, paths, report);
    if (selected("rate"))
        bench::measure_rate(config, paths, report);
}

int run_benchmarks(const arguments& parsed)
{
    bench::bench_config config = parsed.smoke ? bench::bench_config::smoke() : bench::bench_config::full();
    if (parsed.runs > 0) {
        config.runs = parsed.runs;
        config.latency_runs = std::min(config.latency_runs, parsed.runs);
        config.memory_runs = std::min(config.memory_runs, parsed.runs);
    }

    bench::bench_paths paths = make_paths();
    struct scratch_remover {
        std::string path;
        ~scratch_remover()
        {
            std::error_code ignored;
            std::filesystem::remove_all(path, ignored);
        }
    } remove_scratch{paths.scratch_dir};

    auto started = std::chrono::steady_clock::now();
    bench::bench_report report;
    report.machine = bench::describe_machine(paths, SWR_BENCH_BUILD_TYPE);
    run_measurements(parsed, config, paths, report);
    report.elapsed = std::chrono::steady_clock::now() - started;

    // The measurements run in the order that shares emulators; the report
    // lists the tables by their number.
    std::stable_sort(report.tables.begin(), report.tables.end(),
                     [](const bench::result_table& a, const bench::result_table& b) {
                         return std::atoi(a.title.c_str()) < std::atoi(b.title.c_str());
                     });
    std::stable_partition(report.targets.begin(), report.targets.end(), [](const bench::target_check& check) {
        return check.figure.rfind("instructions", 0) != 0;
    });

    std::cout << bench::render_text(report);
    if (!parsed.output.empty()) {
        bench::write_markdown(parsed.output, bench::render_markdown(report, config));
        bench::progress("wrote " + parsed.output);
    }
    return EXIT_SUCCESS;
}

}  // namespace

int main(int argc, char** argv)
{
    std::vector<std::string> args(argv + 1, argv + argc);
    try {
        if (!args.empty() && args.front() == "scan-once")
            return scan_once({args.begin() + 1, args.end()});
        if (!args.empty() && args.front() == "parse")
            return parse_pages({args.begin() + 1, args.end()});
        if (!args.empty() && args.front() == "peak-rss") {
            if (args.size() < 3)
                throw usage_error("missing arguments for peak-rss; use: swr-bench peak-rss REPORT PROGRAM "
                                  "[ARGUMENTS...]");
            return bench::report_peak_rss({args.begin() + 2, args.end()}, args[1]);
        }
        return run_benchmarks(parse_arguments(args));
    } catch (const usage_error& e) {
        std::cerr << "swr-bench: " << e.what()
                  << "\nUsage: swr-bench [--smoke] [--runs N] [--only IDS] [--output FILE]\n";
        return exit_usage;
    } catch (const std::exception& e) {
        std::cerr << "swr-bench: error: " << e.what() << '\n';
        return EXIT_FAILURE;
    }
}
