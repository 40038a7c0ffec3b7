#ifndef SWR_BENCH_MEASUREMENTS_HPP
#define SWR_BENCH_MEASUREMENTS_HPP

// The measurements of swr-bench. Each adds its tables and target checks to
// the report. A measurement that cannot run because wrk or valgrind is
// missing adds its table with a note in place of the numbers.

#include "emulator_process.hpp"
#include "harness.hpp"

namespace swr::bench {

/// Pages per second of full scans next to wrk at the same concurrency, and
/// CPU per page next to wrk's CPU per request (tables "throughput" and "cpu").
void measure_throughput(const bench_config& config, const bench_paths& paths, emulator_process& emulator,
                        bench_report& report);

/// The emulator's own throughput and CPU per request under wrk (table "emulator").
void measure_emulator(const bench_config& config, const bench_paths& paths, emulator_process& emulator,
                      bench_report& report);

/// Instructions per page of the client under callgrind (table "instructions").
void measure_instructions(const bench_config& config, const bench_paths& paths, emulator_process& emulator,
                          bench_report& report);

/// Wall time of scans against an emulator with latency, over the ideal (table "latency").
void measure_latency(const bench_config& config, const bench_paths& paths, bench_report& report);

/// Peak RSS of the CLI streaming a small and a large listing (table "memory").
void measure_memory(const bench_config& config, const bench_paths& paths, bench_report& report);

/// Configured rate next to the rate the emulator observed (table "rate").
void measure_rate(const bench_config& config, const bench_paths& paths, bench_report& report);

}  // namespace swr::bench

#endif
