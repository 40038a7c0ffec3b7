# Shared helpers of scripts/test.sh and scripts/demo.sh. Source it; it does
# nothing on its own.
# shellcheck shell=bash
# shellcheck disable=SC2034  # the package lists are used by the sourcing scripts

# Packages every build needs on Debian 12. Boost 1.81 is required because the
# default libboost-dev (1.74) has no Boost.JSON. pkg-config is for the test
# that compiles a program with the flags of the installed swr-async.pc.
# python3 is for cli_tool_test, which reads the CLI's CSV and JSON back with
# Python's csv and json modules.
SWR_BASE_PACKAGES=(
    cmake ninja-build g++ ccache pkg-config python3
    libboost1.81-dev libboost-json1.81-dev libboost-test1.81-dev libboost-url1.81-dev
    libssl-dev
)

# Extra packages for clang builds and for the sanitizer runtimes.
SWR_CLANG_PACKAGES=(clang libclang-rt-14-dev)

# Tools of the benchmark (scripts/bench.sh): wrk is the reference HTTP
# client, valgrind counts instructions. The bench-smoke test uses wrk too.
SWR_BENCH_PACKAGES=(wrk valgrind)

SWR_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

# Let ccache reuse objects across checkouts in different folders (CI builds a
# fresh clone elsewhere): paths are taken relative to the checkout, and the
# working directory is left out of the hash of debug builds.
export CCACHE_BASEDIR="${CCACHE_BASEDIR:-${SWR_ROOT}}"
export CCACHE_NOHASHDIR="${CCACHE_NOHASHDIR:-1}"

swr_log() {
    printf '%s: %s\n' "${0##*/}" "$*" >&2
}

swr_die() {
    swr_log "error: $*"
    exit 1
}

# Runs a command as root: directly when already root, otherwise through sudo.
swr_as_root() {
    if [[ ${EUID} -eq 0 ]]; then
        "$@"
    elif command -v sudo >/dev/null 2>&1; then
        sudo "$@"
    else
        swr_die "'$*' needs root, and sudo is not installed; run this script as root"
    fi
}

# Installs those of the given Debian packages that are missing. Runs
# `apt-get update` once, and only when something has to be installed.
swr_install_packages() {
    command -v dpkg-query >/dev/null 2>&1 ||
        swr_die "dpkg-query not found: these scripts expect Debian 12; install by hand: $*"

    local missing=() package
    for package in "$@"; do
        if [[ "$(dpkg-query -W -f='${Status}' "${package}" 2>/dev/null)" != "install ok installed" ]]; then
            missing+=("${package}")
        fi
    done
    if [[ ${#missing[@]} -eq 0 ]]; then
        return 0
    fi

    swr_log "installing missing packages: ${missing[*]}"
    swr_as_root apt-get update -q
    swr_as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
}

# Number of parallel build jobs: SWR_JOBS if set, else 2; at most 3, because
# one translation unit with Beast and OpenSSL takes about 1 GB with g++.
swr_jobs() {
    local jobs="${SWR_JOBS:-2}"
    [[ "${jobs}" =~ ^[1-9][0-9]*$ ]] || swr_die "SWR_JOBS='${jobs}' is not a positive integer"
    if ((jobs > 3)); then
        swr_log "SWR_JOBS=${jobs} lowered to 3"
        jobs=3
    fi
    printf '%s\n' "${jobs}"
}

# Configures BUILD_DIR with Ninja and the given build type; further arguments
# go to cmake unchanged.
swr_configure() {
    local build_dir="$1" build_type="$2"
    shift 2
    cmake -S "${SWR_ROOT}" -B "${build_dir}" -G Ninja \
        -DCMAKE_BUILD_TYPE="${build_type}" \
        -DSWR_WARNINGS_AS_ERRORS=ON \
        "$@"
}
