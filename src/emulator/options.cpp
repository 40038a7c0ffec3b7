#include "emulator/options.hpp"

#include "emulator/dataset.hpp"
#include "emulator/faults.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <stdexcept>
#include <set>
#include <string>
#include <utility>

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

std::string quoted_name(std::string_view name)
{
    std::string text = "'";
    for (char c : name) {
        auto byte = static_cast<unsigned char>(c);
        if (byte < 0x20 || byte == 0x7f) {
            char escape[5];
            std::snprintf(escape, sizeof escape, "\\x%02x", static_cast<unsigned>(byte));
            text += escape;
        } else {
            text += c;
        }
    }
    return text + "'";
}

bool is_valid_secret_key(std::string_view secret_key) noexcept
{
    return !secret_key.empty() && std::all_of(secret_key.begin(), secret_key.end(), [](char c) {
        auto byte = static_cast<unsigned char>(c);
        return byte > 0x20 && byte < 0x7f;
    });
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
    if (!options.secret_key.empty() && !is_valid_secret_key(options.secret_key)) {
        reject("secret_key contains a space, a control character such as NUL, or a non-ASCII byte: an SK "
               "consists of printable ASCII characters");
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
    std::set<std::pair<std::string, std::string>> seen_users;
    for (std::size_t i = 0; i < options.iam_users.size(); ++i) {
        const iam_user& user = options.iam_users[i];
        if (user.name.empty() || user.password.empty() || user.domain.empty()) {
            reject("iam_users[" + std::to_string(i) + "] has an empty name, password or domain: set all three");
        }
        // Only the first entry of a user is ever matched.
        if (!seen_users.insert({user.domain, user.name}).second) {
            reject("iam_users[" + std::to_string(i) + "] repeats user " + quoted_name(user.name) + " of domain " +
                   quoted_name(user.domain) + ": give each user of a domain one entry");
        }
    }
}

}  // namespace swr::emulator_detail
