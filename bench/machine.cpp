#include "machine.hpp"

#include "process.hpp"

#include <boost/version.hpp>

#include <openssl/crypto.h>
#include <sys/utsname.h>

#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <sstream>
#include <thread>

namespace swr::bench {

namespace {

// The value of the first line of `text` that starts with `key`, after its
// separator (`:` or `=`), without quotes and surrounding blanks.
std::string field_value(const std::string& text, const std::string& key)
{
    std::istringstream lines(text);
    std::string line;
    while (std::getline(lines, line)) {
        if (line.compare(0, key.size(), key) != 0)
            continue;
        std::size_t separator = line.find_first_of(":=", key.size());
        if (separator == std::string::npos)
            continue;
        std::string value = line.substr(separator + 1);
        std::size_t first = value.find_first_not_of(" \t\"");
        std::size_t last = value.find_last_not_of(" \t\"");
        return first == std::string::npos ? std::string() : value.substr(first, last - first + 1);
    }
    return {};
}

std::string first_line(const std::string& text)
{
    return text.substr(0, text.find('\n'));
}

std::string compiler_name()
{
#if defined(__clang__)
    return "clang " __clang_version__;
#elif defined(__GNUC__)
    return "g++ " __VERSION__;
#else
    return "unknown";
#endif
}

std::string tool_version(const std::vector<std::string>& command, const std::string& scratch_dir)
{
    if (command.front().empty())
        return "not installed";
    finished_run run = run_to_end(command, {}, scratch_dir);
    std::string text = first_line(run.out.empty() ? run.err : run.out);
    // wrk appends its copyright to the version line.
    text = text.substr(0, text.find(" Copyright"));
    return text.empty() ? "unknown" : text;
}

std::string utc_now()
{
    std::time_t now = std::time(nullptr);
    std::tm parts{};
    ::gmtime_r(&now, &parts);
    char text[32];
    std::strftime(text, sizeof text, "%Y-%m-%d %H:%M UTC", &parts);
    return text;
}

}  // namespace

std::vector<std::pair<std::string, std::string>> describe_machine(const bench_paths& paths,
                                                                  const std::string& build_type)
{
    utsname system{};
    ::uname(&system);
    // MemTotal is in KiB, e.g. "24683784 kB".
    double memory_kib = std::atof(field_value(read_file("/proc/meminfo"), "MemTotal").c_str());
    char memory[32];
    std::snprintf(memory, sizeof memory, "%.1f GiB", memory_kib / (1024 * 1024));

    return {
        {"date", utc_now()},
        {"CPU", field_value(read_file("/proc/cpuinfo"), "model name")},
        {"logical CPUs", std::to_string(std::thread::hardware_concurrency())},
        {"memory", memory},
        {"system", field_value(read_file("/etc/os-release"), "PRETTY_NAME") + ", Linux " + system.release},
        {"load average at start (1, 5, 15 min)", first_line(read_file("/proc/loadavg")).substr(0, 14)},
        {"compiler", compiler_name() + ", " + build_type},
        {"Boost", BOOST_LIB_VERSION},
        {"OpenSSL", OpenSSL_version(OPENSSL_VERSION)},
        {"wrk", tool_version({paths.wrk, "-v"}, paths.scratch_dir)},
        {"valgrind", tool_version({paths.valgrind, "--version"}, paths.scratch_dir)},
    };
}

}  // namespace swr::bench
