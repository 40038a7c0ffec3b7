#include "credentials.hpp"
#include "escape.hpp"
#include "proxy.hpp"

#include <swr/error.hpp>
#include <swr/iam_credentials.hpp>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <system_error>
#include <utility>

namespace swr::cli {
namespace {

// A file of one secret is a few KB at most, so anything larger is the wrong file.
constexpr std::size_t max_secret_file_bytes = 64 * 1024;

// Every variable that contains a credential, for the list of unused ones.
constexpr std::array<std::string_view, 6> credential_variables = {
    token_variable,          access_key_variable,      secret_key_variable,
    project_id_variable,     security_token_variable, iam_password_variable,
};

[[noreturn]] void throw_invalid(std::string message)
{
    error_info info;
    info.message = std::move(message);
    throw_error(errc::invalid_argument, std::move(info));
}

// Spaces, tabs and line endings around a value are copy-and-paste leftovers.
constexpr std::string_view blanks = " \t\r\n";

std::string_view trim_blanks(std::string_view text)
{
    auto first = text.find_first_not_of(blanks);
    if (first == std::string_view::npos)
        return {};
    auto last = text.find_last_not_of(blanks);
    return text.substr(first, last - first + 1);
}

// Whether the variable is set and not empty. A variable of blanks only
// counts as set, and check_variable rejects it when it is used.
bool is_set(const environment_lookup& environment, std::string_view name)
{
    return environment(name).has_value();
}

std::string blank_variable_error(std::string_view name)
{
    return std::string(name) + " is blank (it contains only spaces, tabs or line endings): set it to the value, "
                               "or unset it";
}

// Returns the error for a set variable that is blank or contains a control
// character inside its value, without quoting the value.
std::string check_variable(const environment_lookup& environment, std::string_view name)
{
    std::optional<std::string> value = environment(name);
    if (!value)
        return {};
    std::string_view trimmed = trim_blanks(*value);
    if (trimmed.empty())
        return blank_variable_error(name);
    if (contains_control_character(trimmed)) {
        return std::string(name) + " contains a line break or another control character inside its value: set it "
                                   "to the value on one line";
    }
    return {};
}

// Returns the value of a variable that check_variable accepted, without
// the blanks around it.
std::string trimmed_variable(const environment_lookup& environment, std::string_view name)
{
    std::optional<std::string> value = environment(name);
    return value ? std::string(trim_blanks(*value)) : std::string();
}

secret_source file_source(std::string path, std::string option)
{
    secret_source source;
    source.file = std::move(path);
    source.option = std::move(option);
    return source;
}

secret_source variable_source(std::string_view name)
{
    secret_source source;
    source.variable = std::string(name);
    return source;
}

// Returns the source of the IAM password: the file beats the variable.
std::optional<secret_source> iam_password_source(const options& options, const environment_lookup& environment)
{
    if (!options.iam_password_file.empty())
        return file_source(options.iam_password_file, "--iam-password-file");
    if (is_set(environment, iam_password_variable))
        return variable_source(iam_password_variable);
    return std::nullopt;
}

// Sets the project id of a plan from --project-id or else from the variable,
// and leaves it empty when neither is given. Returns the error for an
// unusable variable.
std::string take_project_id(const options& options, const environment_lookup& environment, credential_plan& plan)
{
    if (!options.project_id.empty()) {
        plan.project_id = options.project_id;
        plan.project_id_origin = "--project-id";
        return {};
    }
    if (!is_set(environment, project_id_variable))
        return {};
    if (std::string error = check_variable(environment, project_id_variable); !error.empty())
        return error;
    plan.project_id = trimmed_variable(environment, project_id_variable);
    plan.project_id_origin = std::string(project_id_variable);
    return {};
}

// Sets the project id of an AK/SK plan, which cannot do without one.
std::string plan_project_id(const options& options, const environment_lookup& environment, credential_plan& plan)
{
    if (std::string error = take_project_id(options, environment, plan); !error.empty())
        return error;
    if (!plan.project_id.empty())
        return {};
    return "AK/SK signing needs a project id: pass --project-id ID or set " + std::string(project_id_variable) +
           " (the id of the region's project, shown in the console under My Credentials)";
}

credential_plan_result failed(std::string message)
{
    credential_plan_result result;
    result.error = std::move(message);
    return result;
}

// Plans IAM password authentication from --iam-user and its options.
credential_plan_result plan_iam_password(const options& options, const environment_lookup& environment)
{
    credential_plan plan;
    plan.method = credential_method::iam_password;
    std::optional<secret_source> password = iam_password_source(options, environment);
    if (!password) {
        return failed("no password for IAM user '" + options.iam_user + "': pass --iam-password-file FILE or set " +
                      std::string(iam_password_variable));
    }
    if (!password->variable.empty() && trim_blanks(*environment(password->variable)).empty())
        return failed(blank_variable_error(password->variable));
    plan.secret = std::move(*password);
    plan.iam_user = options.iam_user;
    plan.iam_domain = options.iam_domain;
    plan.iam_project = options.iam_project;
    plan.iam_endpoint = options.iam_endpoint;

    // The scope: --iam-project or --project-id, else the variable, else
    // (only with --region) the region's name.
    if (plan.iam_project.empty()) {
        if (std::string error = take_project_id(options, environment, plan); !error.empty())
            return failed(std::move(error));
    }
    if (options.region.empty() && plan.iam_project.empty() && plan.project_id.empty()) {
        return failed("--iam-user with --endpoint needs the project to scope the token to: pass --iam-project NAME "
                      "or --project-id ID, or set " + std::string(project_id_variable) +
                      " (only with --region is the region's name the default)");
    }
    return {std::move(plan), {}};
}

// Plans AK/SK signing from --ak and the files of --sk-file and --security-token-file.
credential_plan_result plan_aksk_files(const options& options, const environment_lookup& environment)
{
    credential_plan plan;
    plan.method = credential_method::aksk_files;
    plan.access_key = options.access_key;
    plan.secret = file_source(options.secret_key_file, "--sk-file");
    if (!options.security_token_file.empty())
        plan.security_token = file_source(options.security_token_file, "--security-token-file");
    if (std::string error = plan_project_id(options, environment, plan); !error.empty())
        return failed(std::move(error));
    return {std::move(plan), {}};
}

// Plans AK/SK signing from the official SDKs' variables; both keys are set
// or one of them is.
credential_plan_result plan_aksk_variables(const options& options, const environment_lookup& environment)
{
    for (std::string_view name : {access_key_variable, secret_key_variable, security_token_variable}) {
        if (std::string error = check_variable(environment, name); !error.empty())
            return failed(std::move(error));
    }
    for (auto [present, missing] : {std::pair{access_key_variable, secret_key_variable},
                                    std::pair{secret_key_variable, access_key_variable}}) {
        if (is_set(environment, missing))
            continue;
        std::string error = std::string(present) + " is set but " + std::string(missing) +
                            " is missing: set both for AK/SK signing";
        if (is_set(environment, token_variable))
            error += ", or unset " + std::string(present) + " to use " + std::string(token_variable);
        return failed(std::move(error));
    }

    credential_plan plan;
    plan.method = credential_method::aksk_variables;
    plan.access_key = trimmed_variable(environment, access_key_variable);
    if (!is_printable_ascii_word(plan.access_key)) {
        return failed(std::string(access_key_variable) + " '" + escape_control_characters(plan.access_key) +
                      "' is not a valid access key (AK): it consists of printable ASCII characters, without "
                      "spaces, control characters or non-ASCII bytes");
    }
    plan.secret = variable_source(secret_key_variable);
    if (is_set(environment, security_token_variable))
        plan.security_token = variable_source(security_token_variable);
    if (std::string error = plan_project_id(options, environment, plan); !error.empty())
        return failed(std::move(error));
    return {std::move(plan), {}};
}

// Chooses the method by the precedence in credentials.hpp.
credential_plan_result choose_method(const options& options, const environment_lookup& environment)
{
    if (!options.token_file.empty()) {
        credential_plan plan;
        plan.method = credential_method::token_file;
        plan.secret = file_source(options.token_file, "--token-file");
        return {std::move(plan), {}};
    }
    if (!options.access_key.empty())
        return plan_aksk_files(options, environment);
    if (!options.iam_user.empty())
        return plan_iam_password(options, environment);
    if (is_set(environment, access_key_variable) || is_set(environment, secret_key_variable))
        return plan_aksk_variables(options, environment);

    if (is_set(environment, token_variable)) {
        if (std::string error = check_variable(environment, token_variable); !error.empty())
            return failed(std::move(error));
        if (!options.project_id.empty()) {
            return failed("--project-id is used only with AK/SK or IAM credentials, but the credentials are the "
                          "token in " + std::string(token_variable) + ", which is already scoped to a project");
        }
        credential_plan plan;
        plan.method = credential_method::token_variable;
        plan.secret = variable_source(token_variable);
        return {std::move(plan), {}};
    }

    // Temporary AK/SK credentials come as three values, so name the missing two.
    if (is_set(environment, security_token_variable)) {
        return failed(std::string(security_token_variable) + " is set but " + std::string(access_key_variable) +
                      " and " + std::string(secret_key_variable) +
                      " are missing: temporary AK/SK credentials need all three (and a project id)");
    }
    return failed("no credentials: set " + std::string(token_variable) + ", or " + std::string(access_key_variable) +
                  " and " + std::string(secret_key_variable) +
                  "; or pass --token-file FILE, --ak AK with --sk-file FILE, or --iam-user NAME (see --help)");
}

// The variables a plan reads.
std::vector<std::string_view> used_variables(const credential_plan& plan)
{
    std::vector<std::string_view> used;
    for (const secret_source* source : {&plan.secret, plan.security_token ? &*plan.security_token : nullptr}) {
        if (source != nullptr && !source->variable.empty())
            used.push_back(source->variable);
    }
    if (plan.method == credential_method::aksk_variables)
        used.push_back(access_key_variable);
    if (plan.project_id_origin == project_id_variable)
        used.push_back(project_id_variable);
    return used;
}

// Returns the content of a secret file, without surrounding spaces and line
// endings when `trim` is true, or else without one trailing line
// ending only. Throws naming the file and option, never quoting the content.
std::string read_secret_file(const secret_source& source, bool trim)
{
    const std::string where = "'" + source.file + "' (" + source.option + ")";
    std::error_code ignored;
    if (std::filesystem::is_directory(source.file, ignored))
        throw_invalid(where + " is a directory; name the file containing the secret");

    std::ifstream file(source.file, std::ios::binary);
    if (!file) {
        throw_invalid("cannot read " + where + ": " + std::strerror(errno) +
                      "; check the path and its permissions");
    }
    std::string content(max_secret_file_bytes + 1, '\0');
    file.read(content.data(), static_cast<std::streamsize>(content.size()));
    if (file.bad())
        throw_invalid("cannot read " + where + ": read error");
    content.resize(static_cast<std::size_t>(file.gcount()));
    if (content.size() > max_secret_file_bytes)
        throw_invalid(where + " is larger than 64 KiB; it should contain one secret");

    if (trim) {
        auto last = content.find_last_not_of(" \t\r\n");
        content.erase(last == std::string::npos ? 0 : last + 1);
        content.erase(0, content.find_first_not_of(" \t\r\n"));
    } else if (content.ends_with('\n')) {
        content.pop_back();
        if (content.ends_with('\r'))
            content.pop_back();
    }

    if (content.empty())
        throw_invalid(where + " is empty; write the secret into it");
    if (trim_blanks(content).empty())
        throw_invalid(where + " contains only spaces or tabs; write the secret into it");
    if (contains_control_character(content))
        throw_invalid(where + " contains a line break or another control character; write the secret on one line");
    return content;
}

// Returns the secret from its file or variable, by the same rules: without
// the blanks around it when `trim` is true, and never blank or with a
// control character inside.
std::string read_secret(const secret_source& source, const environment_lookup& environment, bool trim)
{
    if (!source.file.empty())
        return read_secret_file(source, trim);
    std::optional<std::string> value = environment(source.variable);
    if (!value)
        throw_invalid(source.variable + " is not set or empty");
    if (std::string error = check_variable(environment, source.variable); !error.empty())
        throw_invalid(std::move(error));
    if (trim)
        return std::string(trim_blanks(*value));

    // As in a password file, only one trailing line ending is removed.
    std::string secret = std::move(*value);
    if (secret.ends_with('\n')) {
        secret.pop_back();
        if (secret.ends_with('\r'))
            secret.pop_back();
    }
    if (contains_control_character(secret)) {
        throw_invalid(source.variable + " contains a line break or another control character: set it to the "
                                        "value on one line");
    }
    return secret;
}

// Calls `make` and adds the plan's sources to an invalid_argument error, so
// that a message such as "the secret key (SK) contains a control character"
// names the file or variable of the value.
template <class Factory>
std::shared_ptr<credentials_provider> with_sources(const credential_plan& plan, Factory make)
{
    try {
        return make();
    } catch (const swr::exception& error) {
        if (error.code() != errc::invalid_argument)
            throw;
        throw_invalid(error.info().message + " (" + describe(plan) + ")");
    }
}

std::shared_ptr<credentials_provider> make_aksk(const credential_plan& plan, const environment_lookup& environment)
{
    // The SK and the security token never contain spaces, so blanks around
    // them are copy-and-paste leftovers. A wrong SK counts toward the key's
    // lockout, so they are removed, from files and variables alike.
    std::string secret_key = read_secret(plan.secret, environment, true);
    if (!is_printable_ascii_word(secret_key)) {
        throw_invalid("the secret key (SK) in " + plan.secret.describe() +
                      " contains a space or a non-ASCII byte; an SK consists of printable ASCII characters");
    }
    std::string security_token;
    if (plan.security_token)
        security_token = read_secret(*plan.security_token, environment, true);
    return with_sources(plan, [&] {
        return make_aksk_credentials(plan.access_key, std::move(secret_key), plan.project_id,
                                     std::move(security_token));
    });
}

std::shared_ptr<credentials_provider> make_iam(const credential_plan& plan, const options& options,
                                               const environment_lookup& environment,
                                               boost::asio::any_io_executor executor, log_options log)
{
    iam_password_options settings;
    settings.endpoint = plan.iam_endpoint;
    settings.region = options.region;
    settings.user_name = plan.iam_user;
    settings.domain_name = plan.iam_domain;
    settings.project_name = plan.iam_project;
    settings.project_id = plan.project_id;
    settings.tls.ca_file = options.ca_file;
    settings.proxy = make_proxy_options(options);
    settings.timeouts.connect = options.connect_timeout;
    settings.timeouts.handshake = options.connect_timeout;
    settings.timeouts.request = options.request_timeout;
    settings.log = std::move(log);

    // A password may end with a space, so only the line ending is removed.
    settings.password = read_secret(plan.secret, environment, false);
    return with_sources(plan, [&] {
        return make_iam_password_credentials(std::move(executor), std::move(settings));
    });
}

std::string method_text(const credential_plan& plan)
{
    switch (plan.method) {
    case credential_method::token_file:
    case credential_method::token_variable:
        return "IAM token from " + plan.secret.describe();
    case credential_method::aksk_files:
    case credential_method::aksk_variables: {
        std::string text = "AK/SK signing with access key " + plan.access_key + " from " +
                           (plan.method == credential_method::aksk_files ? std::string("--ak")
                                                                         : std::string(access_key_variable)) +
                           ", secret key from " + plan.secret.describe();
        if (plan.security_token)
            text += ", security token from " + plan.security_token->describe();
        return text + ", project id " + plan.project_id + " from " + plan.project_id_origin;
    }
    case credential_method::iam_password: {
        std::string text = "IAM password authentication as user " + plan.iam_user + " of account " +
                           plan.iam_domain + ", password from " + plan.secret.describe() + ", token scoped to ";
        if (!plan.project_id.empty())
            text += "project id " + plan.project_id + " from " + plan.project_id_origin;
        else if (!plan.iam_project.empty())
            text += "project " + plan.iam_project;
        else
            text += "the region's project";
        return text + ", IAM endpoint " + (plan.iam_endpoint.empty() ? "derived from --region" : plan.iam_endpoint);
    }
    }
    return "unknown";
}

}  // namespace

environment_lookup process_environment()
{
    return [](std::string_view name) -> std::optional<std::string> {
        const char* value = std::getenv(std::string(name).c_str());
        if (value == nullptr || *value == '\0')
            return std::nullopt;
        return std::string(value);
    };
}

std::string secret_source::describe() const
{
    if (!file.empty())
        return "file '" + file + "' (" + option + ")";
    return variable;
}

credential_plan_result plan_credentials(const options& options, const environment_lookup& environment)
{
    credential_plan_result result = choose_method(options, environment);
    if (!result.plan) {
        result.error = escape_control_characters(result.error);
        return result;
    }

    std::vector<std::string_view> used = used_variables(*result.plan);
    for (std::string_view name : credential_variables) {
        if (is_set(environment, name) && std::find(used.begin(), used.end(), name) == used.end())
            result.plan->unused_variables.emplace_back(name);
    }
    return result;
}

std::string describe(const credential_plan& plan)
{
    std::string text = "credentials: " + method_text(plan);
    if (!plan.unused_variables.empty()) {
        text += "; set but not used, because this source takes precedence: ";
        for (std::size_t i = 0; i < plan.unused_variables.size(); ++i)
            text += (i == 0 ? "" : ", ") + plan.unused_variables[i];
    }
    return escape_control_characters(text);
}

std::shared_ptr<credentials_provider> make_credentials(const credential_plan& plan, const options& options,
                                                       const environment_lookup& environment,
                                                       boost::asio::any_io_executor executor, log_options log)
{
    switch (plan.method) {
    case credential_method::token_file: {
        // The library would read a directory as an empty file; name the real problem.
        std::error_code ignored;
        if (std::filesystem::is_directory(plan.secret.file, ignored))
            throw_invalid("--token-file '" + plan.secret.file + "' is a directory; name the file containing the token");
        // The provider reads the file again after a 401, so a process that
        // rewrites the file can renew the token during a long scan.
        return make_token_credentials_from_file(plan.secret.file);
    }
    case credential_method::token_variable: {
        std::string token = read_secret(plan.secret, environment, true);
        return with_sources(plan, [&] { return make_token_credentials(std::move(token)); });
    }
    case credential_method::aksk_files:
    case credential_method::aksk_variables:
        return make_aksk(plan, environment);
    case credential_method::iam_password:
        return make_iam(plan, options, environment, std::move(executor), std::move(log));
    }
    throw_invalid("unknown credential method");
}

}  // namespace swr::cli
