#!/usr/bin/env bash
# Runs an example program against swr-emulator processes on 127.0.0.1 and
# checks its exit status and output. The CTest tests labelled "ecosystem"
# call it.
#
# Usage: run_example.sh EMULATOR WORK_DIR [OPTION]... -- PROGRAM [ARGUMENT]...
#   --emulator "ARGS"  start one more emulator with these extra arguments
#                      (split on spaces); all of them share one CA
#   --expect REGEX     a line of the program's output must match this
#                      extended regular expression (grep -E)
# In the program's arguments and in REGEX, {endpoint1}, {endpoint2}, ... are
# replaced by the emulators' URLs and {ca_file} by their CA file. Every emulator
# requires the token that the program gets in SWR_AUTH_TOKEN.
# SWR_TEST_TIMEOUT_SCALE (default 1) multiplies the 10 s start-up limit.
set -euo pipefail

usage="usage: run_example.sh EMULATOR WORK_DIR [--emulator ARGS]... [--expect REGEX]... -- PROGRAM [ARGUMENT]..."
[[ $# -ge 2 ]] || { echo "${usage}" >&2; exit 2; }
emulator=$1
work=$2
shift 2

emulator_arguments=()
expectations=()
while [[ $# -gt 0 && "$1" != "--" ]]; do
    case "$1" in
        --emulator) emulator_arguments+=("$2"); shift 2 ;;
        --expect) expectations+=("$2"); shift 2 ;;
        *) echo "unknown option '$1'; ${usage}" >&2; exit 2 ;;
    esac
done
[[ $# -ge 2 && "$1" == "--" ]] || { echo "${usage}" >&2; exit 2; }
shift
program_arguments=("$@")

rm -rf "${work}"
mkdir -p "${work}"
token="ecosystem-example-token"
printf '%s\n' "${token}" > "${work}/token"

pids=()
stop_emulators() {
    local pid
    for pid in "${pids[@]}"; do
        kill -TERM "${pid}" 2>/dev/null || true
        wait "${pid}" 2>/dev/null || true
    done
}
trap stop_emulators EXIT

# Starts emulator number $1 with the extra arguments $2 and waits for its
# "ready" line.
start_emulator() {
    local number=$1 extra=$2 output="${work}/emulator$1.out"
    local -a extra_list
    read -r -a extra_list <<< "${extra}"
    : > "${output}"
    "${emulator}" --port 0 --tls-dir "${work}/tls" --token-file "${work}/token" "${extra_list[@]}" \
        > "${output}" 2> "${work}/emulator${number}.err" &
    pids+=("$!")

    local scale="${SWR_TEST_TIMEOUT_SCALE:-1}"
    local tries
    tries=$(awk -v scale="${scale}" 'BEGIN { print int(200 * (scale > 0 ? scale : 1)) }')
    while ! grep -qx ready "${output}"; do
        if ((tries-- == 0)) || ! kill -0 "${pids[-1]}" 2>/dev/null; then
            echo "emulator ${number} did not print 'ready' within the time limit; its standard error:" >&2
            cat "${work}/emulator${number}.err" >&2
            exit 1
        fi
        sleep 0.05
    done
}

endpoints=()
ca_file=""
for ((i = 0; i < ${#emulator_arguments[@]}; ++i)); do
    start_emulator "$((i + 1))" "${emulator_arguments[i]}"
    endpoints+=("$(sed -n 's/^endpoint //p' "${work}/emulator$((i + 1)).out")")
    ca_file="$(sed -n 's/^ca-file //p' "${work}/emulator$((i + 1)).out")"
done

# Prints $1 with the placeholders replaced.
substitute() {
    local text=$1 i
    for ((i = 0; i < ${#endpoints[@]}; ++i)); do
        text="${text//\{endpoint$((i + 1))\}/${endpoints[i]}}"
    done
    printf '%s' "${text//\{ca_file\}/${ca_file}}"
}
for ((i = 0; i < ${#program_arguments[@]}; ++i)); do
    program_arguments[i]="$(substitute "${program_arguments[i]}")"
done
for ((i = 0; i < ${#expectations[@]}; ++i)); do
    expectations[i]="$(substitute "${expectations[i]}")"
done

echo "running: ${program_arguments[*]}"
status=0
SWR_AUTH_TOKEN="${token}" "${program_arguments[@]}" > "${work}/output.txt" 2>&1 || status=$?
cat "${work}/output.txt"

failures=0
if [[ ${status} -ne 0 ]]; then
    echo "FAILED: the program exited with status ${status}, expected 0" >&2
    failures=$((failures + 1))
fi
for regex in "${expectations[@]}"; do
    if ! grep -Eq -- "${regex}" "${work}/output.txt"; then
        echo "FAILED: no output line matches '${regex}'" >&2
        failures=$((failures + 1))
    fi
done
if grep -qF -- "${token}" "${work}/output.txt"; then
    echo "FAILED: the output contains the token" >&2
    failures=$((failures + 1))
fi
[[ ${failures} -eq 0 ]]
