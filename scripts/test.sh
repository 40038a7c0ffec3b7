#!/usr/bin/env bash
# Builds swr-async and runs the whole test suite.
#
# Usage: scripts/test.sh [MODE] [-- CTEST_ARGUMENTS...]
#   default  g++, Release, in build/ (the default mode)
#   clang    clang++, Release, in build-clang/
#   asan     g++ with AddressSanitizer and UBSan, in build-asan/
#   tsan     g++ with ThreadSanitizer, in build-tsan/
#   fuzz     every libFuzzer target for SWR_FUZZ_SECONDS (default 10) each,
#            through scripts/fuzz.sh; longer runs: scripts/fuzz.sh 600
# Arguments after `--` go to ctest, e.g. `scripts/test.sh -- -L unit`.
# Environment: SWR_JOBS sets the build jobs (default 2, at most 3);
# SWR_BUILD_DIR replaces the build directory of the mode.
#
# Installs missing Debian 12 packages with apt-get, as root or through sudo.
set -euo pipefail

# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

mode=default
if [[ $# -gt 0 && "$1" != "--" ]]; then
    mode="$1"
    shift
fi
if [[ $# -gt 0 ]]; then
    [[ "$1" == "--" ]] || swr_die "unexpected argument '$1'; usage: scripts/test.sh [default|clang|asan|tsan|fuzz] [-- CTEST_ARGUMENTS...]"
    shift
fi
ctest_arguments=("$@")

if [[ "${mode}" == fuzz ]]; then
    [[ ${#ctest_arguments[@]} -eq 0 ]] || swr_die "mode fuzz takes no ctest arguments"
    exec "${SWR_ROOT}/scripts/fuzz.sh" "${SWR_FUZZ_SECONDS:-10}"
fi

# wrk: the bench-smoke test runs the benchmark harness, wrk included. It
# counts instructions with valgrind only where valgrind is installed.
packages=("${SWR_BASE_PACKAGES[@]}" wrk)
cmake_arguments=()
timeout_scale=1
case "${mode}" in
    default)
        build_dir="${SWR_ROOT}/build"
        build_type=Release
        ;;
    clang)
        build_dir="${SWR_ROOT}/build-clang"
        build_type=Release
        packages+=("${SWR_CLANG_PACKAGES[@]}")
        cmake_arguments+=(-DCMAKE_CXX_COMPILER=clang++)
        ;;
    asan)
        build_dir="${SWR_ROOT}/build-asan"
        build_type=RelWithDebInfo
        cmake_arguments+=(-DSWR_SANITIZE=address)
        timeout_scale=4
        ;;
    tsan)
        build_dir="${SWR_ROOT}/build-tsan"
        build_type=RelWithDebInfo
        cmake_arguments+=(-DSWR_SANITIZE=thread)
        timeout_scale=6
        ;;
    *)
        swr_die "unknown mode '${mode}'; use default, clang, asan, tsan or fuzz"
        ;;
esac
cmake_arguments+=(-DSWR_TEST_TIMEOUT_SCALE="${timeout_scale}")
build_dir="${SWR_BUILD_DIR:-${build_dir}}"

swr_install_packages "${packages[@]}"

jobs="$(swr_jobs)"
swr_log "mode ${mode}: configuring ${build_dir} (${build_type})"
swr_configure "${build_dir}" "${build_type}" "${cmake_arguments[@]}"

swr_log "building with ${jobs} jobs"
cmake --build "${build_dir}" -j "${jobs}"

swr_log "running the tests"
ctest --test-dir "${build_dir}" --output-on-failure "${ctest_arguments[@]}"
