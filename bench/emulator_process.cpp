#include "emulator_process.hpp"

#include <filesystem>
#include <stdexcept>

namespace swr::bench {

namespace {

// Returns the rest of the line that starts with `prefix` in `text`, or "".
std::string line_value(const std::string& text, const std::string& prefix)
{
    std::size_t start = 0;
    while (start < text.size()) {
        std::size_t end = text.find('\n', start);
        if (end == std::string::npos)
            return {};  // an unfinished line may still grow
        if (text.compare(start, prefix.size(), prefix) == 0)
            return text.substr(start + prefix.size(), end - start - prefix.size());
        start = end + 1;
    }
    return {};
}

}  // namespace

emulator_process::emulator_process(const emulator_settings& settings, const std::string& scratch_dir,
                                   std::chrono::seconds startup_limit)
    : out_path_(scratch_dir + "/emulator.out"), err_path_(scratch_dir + "/emulator.err")
{
    std::filesystem::create_directories(scratch_dir);
    command_ = {settings.program,
                "--host", "127.0.0.1",
                "--port", "0",
                "--tls-dir", settings.tls_dir,
                "--repositories", std::to_string(settings.repositories),
                "--threads", std::to_string(settings.threads)};
    if (settings.latency.count() > 0) {
        command_.push_back("--latency-ms");
        command_.push_back(std::to_string(settings.latency.count()));
    }

    auto started = std::chrono::steady_clock::now();
    child_ = std::make_unique<child_process>(command_, std::vector<std::string>{"SWR_EMULATOR_TOKEN=" + settings.token},
                                             redirect{out_path_}, redirect{err_path_});

    // The child prints `endpoint`, `ca-file` and `ready` lines once it listens.
    auto deadline = started + startup_limit;
    for (;;) {
        std::string out = read_file(out_path_);
        if (out.find("\nready\n") != std::string::npos) {
            endpoint_ = line_value(out, "endpoint ");
            ca_file_ = line_value(out, "ca-file ");
            break;
        }
        if (std::optional<exit_report> ended = child_->wait_for(std::chrono::milliseconds(20))) {
            throw std::runtime_error("swr-emulator exited with status " + std::to_string(ended->status) +
                                     " before it was ready: " + read_file(err_path_));
        }
        if (std::chrono::steady_clock::now() > deadline) {
            child_->stop(std::chrono::seconds(5));
            throw std::runtime_error("swr-emulator was not ready after " + std::to_string(startup_limit.count()) +
                                     " s");
        }
    }
    startup_ = std::chrono::steady_clock::now() - started;
    if (endpoint_.empty() || ca_file_.empty())
        throw std::runtime_error("swr-emulator printed no endpoint or ca-file line");
}

emulator_process::~emulator_process()
{
    if (child_ && child_->pid() > 0)
        child_->stop(std::chrono::seconds(10));
}

exit_report emulator_process::stop()
{
    return child_->stop(std::chrono::seconds(10));
}

}  // namespace swr::bench
