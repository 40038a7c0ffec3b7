#include "measurements.hpp"
#include "process.hpp"

#include <regex>
#include <stdexcept>

namespace swr::bench {

namespace {

struct callgrind_run {
    std::vector<std::string> command;
    std::uint64_t instructions = 0;
};

// Runs `swr-bench scan-once` under callgrind and returns the instructions it
// executed (callgrind's "Collected" line: every thread, from exec to exit).
callgrind_run count_instructions(const bench_config& config, const bench_paths& paths,
                                 const emulator_process& emulator, std::int64_t pages)
{
    callgrind_run run;
    std::int64_t start = config.throughput_repositories - pages * config.page_size;
    run.command = {paths.valgrind,
                   "--tool=callgrind",
                   "--callgrind-out-file=" + paths.scratch_dir + "/callgrind.out",
                   paths.self,
                   "scan-once",
                   "--endpoint", emulator.endpoint(),
                   "--ca-file", emulator.ca_file(),
                   "--start-offset", std::to_string(start),
                   "--page-size", std::to_string(config.page_size),
                   "--concurrency", std::to_string(config.instruction_concurrency)};
    finished_run finished = run_to_end(run.command, {"SWR_AUTH_TOKEN=" + std::string(bench_token)}, paths.scratch_dir);
    if (finished.report.status != 0) {
        throw std::runtime_error("scan-once under callgrind exited with status " +
                                 std::to_string(finished.report.status) + ":\n" + finished.err);
    }

    static const std::regex collected(R"(Collected\s*:\s*(\d+))");
    std::smatch match;
    if (!std::regex_search(finished.err, match, collected))
        throw std::runtime_error("callgrind printed no \"Collected\" line:\n" + finished.err);
    run.instructions = std::stoull(match[1]);
    return run;
}

}  // namespace

void measure_instructions(const bench_config& config, const bench_paths& paths, emulator_process& emulator,
                          bench_report& report)
{
    result_table table;
    table.id = "instructions";
    table.title = "7. Instructions per page";
    table.description =
        "Instructions the client process executes, counted by callgrind, so that a regression in the hot path "
        "shows without wall-clock noise. Two scans of different length run against the same emulator; the "
        "difference divided by the difference in pages is the cost of one more page (" +
        std::to_string(config.page_size) + " repositories: TLS, HTTP, JSON, paging), without start-up and "
        "the TLS handshakes. Concurrency " + std::to_string(config.instruction_concurrency) + ", one run each.";
    table.header = {"scan", "pages", "instructions", "instructions/page"};
    if (paths.valgrind.empty()) {
        table.notes.push_back("valgrind is not available (not installed, or this build uses a sanitizer), so this "
                              "table was not measured.");
        report.tables.push_back(std::move(table));
        report.targets.push_back({"instructions per page (no target)", std::nullopt, "-", true});
        return;
    }

    progress("instruction count under callgrind");
    std::int64_t small_pages = config.instruction_pages_small;
    std::int64_t large_pages = config.instruction_pages_large;
    callgrind_run small = count_instructions(config, paths, emulator, small_pages);
    callgrind_run large = count_instructions(config, paths, emulator, large_pages);

    double marginal = (static_cast<double>(large.instructions) - static_cast<double>(small.instructions)) /
                      static_cast<double>(large_pages - small_pages);
    table.rows.push_back({"short", std::to_string(small_pages), std::to_string(small.instructions),
                          fixed(static_cast<double>(small.instructions) / static_cast<double>(small_pages), 0)});
    table.rows.push_back({"long", std::to_string(large_pages), std::to_string(large.instructions),
                          fixed(static_cast<double>(large.instructions) / static_cast<double>(large_pages), 0)});
    table.rows.push_back({"one more page", "1", fixed(marginal, 0), fixed(marginal, 0)});
    table.commands.push_back(command_text(large.command, paths) + "   # SWR_AUTH_TOKEN in the environment");
    report.tables.push_back(std::move(table));
    report.targets.push_back({"instructions per page (no target)", marginal, "-", true, 0});
}

}  // namespace swr::bench
