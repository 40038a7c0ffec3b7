#ifndef SWR_BENCH_MACHINE_HPP
#define SWR_BENCH_MACHINE_HPP

#include "harness.hpp"

#include <string>
#include <utility>
#include <vector>

namespace swr::bench {

/// Names and values that describe the machine, the build and the tools:
/// CPU, memory, system, load average, compiler, library and tool versions.
std::vector<std::pair<std::string, std::string>> describe_machine(const bench_paths& paths,
                                                                  const std::string& build_type);

}  // namespace swr::bench

#endif
