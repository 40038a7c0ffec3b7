#include "wrk.hpp"

#include "process.hpp"

#include <fstream>
#include <regex>
#include <stdexcept>

namespace swr::bench {

namespace {

// Sets the header once for every request; wrk then sends a fixed request
// without calling Lua per request.
constexpr const char* token_script = "wrk.headers[\"X-Auth-Token\"] = os.getenv(\"SWR_AUTH_TOKEN\")\n";

std::string write_script(const std::string& scratch_dir)
{
    std::string path = scratch_dir + "/wrk-token.lua";
    std::ofstream(path) << token_script;
    return path;
}

}  // namespace

std::vector<std::string> wrk_command(const wrk_settings& settings, const std::string& script_path)
{
    return {settings.program,
            "-t", std::to_string(settings.threads),
            "-c", std::to_string(settings.connections),
            "-d", std::to_string(settings.duration.count()) + "s",
            "-s", script_path,
            settings.url};
}

wrk_result run_wrk(const wrk_settings& settings, const std::string& scratch_dir)
{
    std::string script = write_script(scratch_dir);
    finished_run run = run_to_end(wrk_command(settings, script), {"SWR_AUTH_TOKEN=" + settings.token}, scratch_dir);
    auto fail = [&](const std::string& problem) {
        throw std::runtime_error("wrk " + problem + "; its output:\n" + run.out + run.err);
    };
    if (run.report.status != 0)
        fail("exited with status " + std::to_string(run.report.status));

    // "  8211 requests in 2.02s, 482.77MB read" and "Requests/sec:   4072.96".
    std::smatch match;
    static const std::regex total(R"((\d+) requests in ([0-9.]+)(ms|s|m))");
    static const std::regex rate(R"(Requests/sec:\s+([0-9.]+))");
    if (!std::regex_search(run.out, match, total))
        fail("printed no request count");

    wrk_result result;
    result.requests = std::stoll(match[1]);
    result.seconds = std::stod(match[2]);
    if (match[3] == "ms")
        result.seconds /= 1000;
    else if (match[3] == "m")
        result.seconds *= 60;
    if (!std::regex_search(run.out, match, rate))
        fail("printed no Requests/sec");
    result.requests_per_second = std::stod(match[1]);
    result.cpu = run.report.usage.cpu;

    if (run.out.find("Non-2xx") != std::string::npos)
        fail("received error responses");
    if (run.out.find("Socket errors") != std::string::npos)
        fail("reported socket errors");
    return result;
}

}  // namespace swr::bench
