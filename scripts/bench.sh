#!/usr/bin/env bash
# Builds swr-async in Release and runs the benchmark harness, which starts
# swr-emulator, the library, swr-shared-repos, wrk and valgrind on 127.0.0.1,
# prints a table and writes the results into docs/benchmarks.md.
#
# Usage: scripts/bench.sh [SWR_BENCH_ARGUMENTS...]
#   scripts/bench.sh                  the full run, about 4 minutes on 2 cores
#   scripts/bench.sh --runs 3         fewer repetitions of each figure
#   scripts/bench.sh --only latency   one measurement; see bench/swr_bench.cpp
# Without --output the results go to docs/benchmarks.md.
# Environment: SWR_JOBS sets the build jobs (default 2, at most 3);
# SWR_BUILD_DIR replaces the build directory (default: build-bench).
#
# Installs missing Debian 12 packages with apt-get, as root or through sudo.
set -euo pipefail

# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

build_dir="${SWR_BUILD_DIR:-${SWR_ROOT}/build-bench}"
arguments=("$@")
has_output=false
for argument in "${arguments[@]}"; do
    [[ "${argument}" == "--output" ]] && has_output=true
done
if [[ "${has_output}" == false ]]; then
    arguments+=(--output "${SWR_ROOT}/docs/benchmarks.md")
fi

swr_install_packages "${SWR_BASE_PACKAGES[@]}" "${SWR_BENCH_PACKAGES[@]}"

jobs="$(swr_jobs)"
swr_log "configuring ${build_dir} (Release)"
swr_configure "${build_dir}" Release
swr_log "building swr-bench with ${jobs} jobs"
cmake --build "${build_dir}" -j "${jobs}" --target swr-bench

# The CLI honours proxy variables; the benchmark's traffic stays on loopback.
unset https_proxy HTTPS_PROXY http_proxy HTTP_PROXY all_proxy ALL_PROXY no_proxy NO_PROXY

swr_log "running the benchmarks"
exec "${build_dir}/bench/swr-bench" "${arguments[@]}"
