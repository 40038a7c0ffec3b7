#include "harness.hpp"

#include <algorithm>
#include <cstdio>
#include <iostream>
#include <regex>

namespace swr::bench {

bench_config bench_config::full()
{
    bench_config config;
    config.name = "full";
    return config;
}

bench_config bench_config::smoke()
{
    bench_config config;
    config.name = "smoke";
    config.runs = 1;
    config.latency_runs = 1;
    config.throughput_repositories = 2'000;
    config.throughput_concurrency = {1, 4};
    config.wrk_duration = std::chrono::seconds(1);
    config.throughput_scans = 1;
    config.emulator_connections = {4};
    config.latency = std::chrono::milliseconds(20);
    config.latency_pages = 16;
    config.latency_concurrency = {1, 4};
    config.memory_small = 200;
    config.memory_large = 2'000;
    config.memory_concurrency = 4;
    config.memory_runs = 1;
    config.rate_cases = {{50, 5, 30}};
    config.rate_concurrency = 4;
    config.instruction_pages_small = 5;
    config.instruction_pages_large = 10;
    config.instruction_concurrency = 2;
    return config;
}

double median(std::vector<double> values)
{
    if (values.empty())
        return 0;
    std::sort(values.begin(), values.end());
    std::size_t middle = values.size() / 2;
    if (values.size() % 2 == 1)
        return values[middle];
    return (values[middle - 1] + values[middle]) / 2;
}

std::string fixed(double value, int decimals)
{
    char text[64];
    std::snprintf(text, sizeof text, "%.*f", decimals, value);
    return text;
}

double seconds_of(std::chrono::nanoseconds duration)
{
    return std::chrono::duration<double>(duration).count();
}

std::string shell_line(const std::vector<std::string>& argv)
{
    std::string line;
    for (const std::string& argument : argv) {
        if (!line.empty())
            line += ' ';
        bool plain = !argument.empty() && argument.find_first_not_of(
                                              "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
                                              "-_./:=,@%+$") == std::string::npos;
        if (plain) {
            line += argument;
            continue;
        }
        // Double quotes keep a placeholder such as $PORT expandable.
        if (argument.find('$') != std::string::npos && argument.find_first_of("\"`\\!") == std::string::npos) {
            line += '"' + argument + '"';
            continue;
        }
        line += '\'';
        for (char c : argument)
            line += c == '\'' ? std::string("'\\''") : std::string(1, c);
        line += '\'';
    }
    return line;
}

std::string command_text(const std::vector<std::string>& argv, const bench_paths& paths)
{
    std::vector<std::string> portable;
    for (const std::string& argument : argv) {
        std::string text = argument;
        for (const std::string* program : {&paths.emulator, &paths.cli, &paths.self, &paths.wrk, &paths.valgrind}) {
            if (!program->empty() && text == *program)
                text = text.substr(text.rfind('/') + 1);
        }
        if (!paths.scratch_dir.empty()) {
            for (std::size_t at = text.find(paths.scratch_dir); at != std::string::npos;
                 at = text.find(paths.scratch_dir)) {
                text.replace(at, paths.scratch_dir.size(), "$SCRATCH");
            }
        }
        static const std::regex loopback_port(R"(https://127\.0\.0\.1:[0-9]+)");
        portable.push_back(std::regex_replace(text, loopback_port, "https://127.0.0.1:$$PORT"));
    }
    return shell_line(portable);
}

void progress(const std::string& message)
{
    std::cerr << "swr-bench: " << message << std::endl;
}

}  // namespace swr::bench
