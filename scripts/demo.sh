#!/usr/bin/env bash
# Builds swr-async, starts the SWR emulator on 127.0.0.1 with 20,000 shared
# repositories per center, and lists both centers with swr-shared-repos.
#
# Usage: scripts/demo.sh
# Environment: SWR_JOBS sets the build jobs (default 2, at most 3);
# SWR_BUILD_DIR replaces the build directory (default: build).
#
# Installs missing Debian 12 packages with apt-get, as root or through sudo.
# Nothing leaves the machine: the emulator listens on 127.0.0.1 only.
set -euo pipefail

# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

[[ $# -eq 0 ]] || swr_die "scripts/demo.sh takes no arguments"

repositories=20000
build_dir="${SWR_BUILD_DIR:-${SWR_ROOT}/build}"
emulator="${build_dir}/src/emulator/swr-emulator"
cli="${build_dir}/src/cli/swr-shared-repos"

swr_install_packages "${SWR_BASE_PACKAGES[@]}"

jobs="$(swr_jobs)"
swr_log "configuring ${build_dir} (Release)"
swr_configure "${build_dir}" Release
swr_log "building swr-emulator and swr-shared-repos with ${jobs} jobs"
cmake --build "${build_dir}" -j "${jobs}" --target swr-emulator swr-shared-repos

# The token lives in a private directory and reaches both programs through
# a file, never through a command line, which other users could read.
work_dir="$(mktemp -d "${TMPDIR:-/tmp}/swr-demo.XXXXXX")"
# The CLI honours HTTPS_PROXY like curl; the demo talks to 127.0.0.1 only,
# so a proxy set for package downloads must not see that traffic.
unset https_proxy HTTPS_PROXY http_proxy HTTP_PROXY all_proxy ALL_PROXY

emulator_pid=""
# shellcheck disable=SC2317  # only reached through the EXIT trap
cleanup() {
    if [[ -n "${emulator_pid}" ]] && kill -0 "${emulator_pid}" 2>/dev/null; then
        kill "${emulator_pid}" 2>/dev/null || true
        wait "${emulator_pid}" 2>/dev/null || true
    fi
    rm -rf "${work_dir}"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

umask 077
token_file="${work_dir}/token"
od -An -tx1 -N24 /dev/urandom | tr -d ' \n' >"${token_file}"

swr_log "starting swr-emulator with ${repositories} repositories per center"
"${emulator}" --host 127.0.0.1 --port 0 --tls-dir "${work_dir}/tls" \
    --repositories "${repositories}" --token-file "${token_file}" \
    >"${work_dir}/emulator.out" 2>"${work_dir}/emulator.err" &
emulator_pid=$!

# The emulator prints `endpoint URL`, `ca-file PATH` and then `ready`.
for _ in $(seq 1 300); do
    if grep -qx ready "${work_dir}/emulator.out"; then
        break
    fi
    if ! kill -0 "${emulator_pid}" 2>/dev/null; then
        cat "${work_dir}/emulator.err" >&2
        swr_die "swr-emulator exited before it was ready"
    fi
    sleep 0.1
done
grep -qx ready "${work_dir}/emulator.out" || swr_die "swr-emulator was not ready after 30 s"
endpoint="$(sed -n 's/^endpoint //p' "${work_dir}/emulator.out")"
ca_file="$(sed -n 's/^ca-file //p' "${work_dir}/emulator.out")"
[[ -n "${endpoint}" && -n "${ca_file}" ]] || swr_die "swr-emulator printed no endpoint or ca-file line"
swr_log "emulator ready at ${endpoint}"

status=0
for center in self thirdparty; do
    output="${work_dir}/${center}.txt"
    echo
    swr_log "swr-shared-repos --center ${center} --concurrency 8 --rate 200 --burst 20"
    "${cli}" --endpoint "${endpoint}" --ca-file "${ca_file}" --token-file "${token_file}" \
        --center "${center}" --concurrency 8 --rate 200 --burst 20 >"${output}"

    head -n 6 "${output}"
    echo "..."
    # The table has one header line.
    rows=$(($(wc -l <"${output}") - 1))
    if [[ ${rows} -eq ${repositories} ]]; then
        swr_log "${center}: ${rows} repositories listed, as expected"
    else
        swr_log "${center}: ${rows} repositories listed, expected ${repositories}"
        status=1
    fi
done

exit "${status}"
