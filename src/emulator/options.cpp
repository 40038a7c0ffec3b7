#include "emulator/options.hpp"

#include "emulator/dataset.hpp"
#include "emulator/faults.hpp"

#include <chrono>
#include <cmath>
#include <cstdio>
#include <stdexcept>
#include <string>

namespace swr::emulator_detail {

namespace {

[[noreturn]] void reject(const std::string& message)
{
    throw std::invalid_argument("emulator_options::" + message);
}

std::string format_number(double value)
{
    char text[32];
    std::snprintf(text, sizeof text, "%g", value);
    return text;
}

}  // namespace

bool is_ipv6_literal(const std::string& address)
{
    return address.find(':') != std::string::npos;
}

void validate_options(const emulator_options& options)
{
    // Only loopback, so that the emulator is never reachable from another host.
    if (options.bind_address != "127.0.0.1" && options.bind_address != "::1") {
        reject("bind_address '" + options.bind_address +
               "' is not allowed: the emulator listens on loopback only; use 127.0.0.1 or ::1");
    }
    if (options.tls_dir.empty()) {
        reject("tls_dir is empty: set the directory where ca.pem, server.pem and server.key are "
               "kept (they are created when missing)");
    }

    if (options.repositories < 0 || options.repositories > max_generated_repositories) {
        reject("repositories " + std::to_string(options.repositories) + " is out of range: use 0 to " +
               std::to_string(max_generated_repositories));
    }
    if (options.repositories > 0 && !options.data_file.empty()) {
        reject("repositories and data_file are both set: use one source of repositories");
    }

    if (options.latency.count() < 0) {
        reject("latency " + std::to_string(options.latency.count()) + " ms is negative: use 0 or more");
    }
    if (!std::isfinite(options.rate_limit) || options.rate_limit < 0) {
        reject("rate_limit " + format_number(options.rate_limit) +
               " is invalid: use 0 (off) or a positive number of requests per second");
    }
    if (!std::isfinite(options.rate_burst) || options.rate_burst < 0 ||
        (options.rate_burst > 0 && options.rate_burst < 1)) {
        reject("rate_burst " + format_number(options.rate_burst) +
               " is invalid: use 0 (the default, max(1, rate_limit)) or at least 1 request");
    }
    if (options.rate_burst > 0 && options.rate_limit == 0) {
        reject("rate_burst is set but rate_limit is 0: set rate_limit too, or leave rate_burst at 0");
    }

    if (!std::isfinite(options.fault_probability) || options.fault_probability < 0 || options.fault_probability > 1) {
        reject("fault_probability " + format_number(options.fault_probability) + " is invalid: use 0 (off) to 1");
    }
    validate_fault_rules(options.faults, "emulator_options::faults");

    // Authentication. Secrets are never quoted in the messages.
    if (options.access_key.empty() != options.secret_key.empty()) {
        reject(options.access_key.empty() ? "secret_key is set but access_key is empty: set both, or neither"
                                          : "access_key is set but secret_key is empty: set both, or neither");
    }
    constexpr std::chrono::seconds max_clock_skew = std::chrono::hours(24 * 366 * 10);
    if (options.clock_skew > max_clock_skew || options.clock_skew < -max_clock_skew) {
        reject("clock_skew " + std::to_string(options.clock_skew.count()) +
               " s is out of range: use -" + std::to_string(max_clock_skew.count()) + " to " +
               std::to_string(max_clock_skew.count()) + " (about 10 years)");
    }
    constexpr std::chrono::seconds max_token_lifetime = std::chrono::hours(24 * 366);
    if (options.token_lifetime.count() < 1 || options.token_lifetime > max_token_lifetime) {
        reject("token_lifetime " + std::to_string(options.token_lifetime.count()) +
               " s is out of range: use 1 to 31622400 (1 year)");
    }
    for (std::size_t i = 0; i < options.iam_users.size(); ++i) {
        const iam_user& user = options.iam_users[i];
        if (user.name.empty() || user.password.empty() || user.domain.empty()) {
            reject("iam_users[" + std::to_string(i) + "] has an empty name, password or domain: set all three");
        }
    }
}

}  // namespace swr::emulator_detail
