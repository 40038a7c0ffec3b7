#!/usr/bin/env bash
# Builds the libFuzzer targets with clang, ASan and UBSan, and runs each one.
#
# Usage: scripts/fuzz.sh [SECONDS] [TARGET...]
#   SECONDS  run time of each target (default 60)
#   TARGET   content_range, page_json, error_body or retry_after (default: all)
# Example: scripts/fuzz.sh 600 page_json
#
# Each run starts from the seed corpus in test/fuzz/corpus/TARGET and keeps
# new inputs in build-fuzz/corpus/TARGET, so the checkout is never changed and
# later runs resume from what earlier runs found. Crashing inputs are written
# to build-fuzz/artifacts/. Prints the executions of each target at the end.
# Environment: SWR_JOBS as for scripts/test.sh; SWR_BUILD_DIR replaces build-fuzz/.
set -euo pipefail

# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

all_targets=(content_range page_json error_body retry_after)

seconds=60
if [[ $# -gt 0 ]]; then
    seconds="$1"
    shift
fi
[[ "${seconds}" =~ ^[1-9][0-9]*$ ]] ||
    swr_die "SECONDS='${seconds}' is not a positive integer; usage: scripts/fuzz.sh [SECONDS] [TARGET...]"

targets=("$@")
if [[ ${#targets[@]} -eq 0 ]]; then
    targets=("${all_targets[@]}")
fi
for target in "${targets[@]}"; do
    [[ " ${all_targets[*]} " == *" ${target} "* ]] ||
        swr_die "unknown fuzz target '${target}'; use one of: ${all_targets[*]}"
done

swr_install_packages "${SWR_BASE_PACKAGES[@]}" "${SWR_CLANG_PACKAGES[@]}"

build_dir="${SWR_BUILD_DIR:-${SWR_ROOT}/build-fuzz}"
swr_log "configuring ${build_dir} (clang, libFuzzer, ASan+UBSan)"
swr_configure "${build_dir}" RelWithDebInfo \
    -DCMAKE_CXX_COMPILER=clang++ \
    -DSWR_BUILD_FUZZERS=ON -DSWR_SANITIZE=address \
    -DSWR_BUILD_TESTS=OFF -DSWR_BUILD_EXAMPLES=OFF -DSWR_BUILD_BENCHMARKS=OFF

fuzzers=()
for target in "${targets[@]}"; do
    fuzzers+=("${target}_fuzz")
done
swr_log "building ${fuzzers[*]}"
cmake --build "${build_dir}" -j "$(swr_jobs)" --target "${fuzzers[@]}"

mkdir -p "${build_dir}/artifacts"
summary=()
for target in "${targets[@]}"; do
    corpus="${build_dir}/corpus/${target}"
    mkdir -p "${corpus}"
    log="${build_dir}/${target}_fuzz.log"
    swr_log "fuzzing ${target} for ${seconds} s (log: ${log})"

    # The seed folder comes second, so libFuzzer reads it but writes new
    # inputs only to the first folder.
    if ! "${build_dir}/test/fuzz/${target}_fuzz" \
        -max_total_time="${seconds}" -print_final_stats=1 \
        -artifact_prefix="${build_dir}/artifacts/${target}-" \
        "${corpus}" "${SWR_ROOT}/test/fuzz/corpus/${target}" >"${log}" 2>&1; then
        tail -n 40 "${log}" >&2
        swr_die "fuzz target ${target} failed; the crashing input is in ${build_dir}/artifacts/"
    fi

    executions="$(sed -n 's/^stat::number_of_executed_units: *//p' "${log}")"
    [[ -n "${executions}" ]] || swr_die "no execution count in ${log}; the fuzzer did not finish normally"
    summary+=("$(printf '%-14s %12s executions in %s s, no crash' "${target}" "${executions}" "${seconds}")")
done

printf '%s\n' "${summary[@]}"
