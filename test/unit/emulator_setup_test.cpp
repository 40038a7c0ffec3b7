// What the emulator does before it serves: option checks, the command line,
// generated and loaded data sets, and the TLS files. No sockets.

#define BOOST_TEST_MODULE emulator_setup_test
#include <boost/test/unit_test.hpp>

#include "emulator/command_line.hpp"
#include "emulator/dataset.hpp"
#include "emulator/options.hpp"
#include "emulator/tls_material.hpp"

#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>

#include <sys/stat.h>

#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <limits>
#include <map>
#include <memory>
#include <set>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

using namespace swr::emulator_detail;
namespace fs = std::filesystem;

namespace {

// A fresh directory under the system temporary directory, removed afterwards.
struct temporary_directory {
    temporary_directory()
    {
        std::string pattern = (fs::temp_directory_path() / "swr-emulator-test-XXXXXX").string();
        if (::mkdtemp(pattern.data()) == nullptr) {
            throw std::runtime_error("mkdtemp failed for " + pattern);
        }
        path = pattern;
    }
    ~temporary_directory()
    {
        std::error_code ignored;
        fs::remove_all(path, ignored);
    }
    fs::path path;
};

std::string message_of(const std::function<void()>& action)
{
    try {
        action();
    } catch (const std::exception& e) {
        return e.what();
    }
    return "(no exception)";
}

bool contains(const std::string& text, std::string_view part)
{
    return text.find(part) != std::string::npos;
}

swr::emulator_options valid_options()
{
    swr::emulator_options options;
    options.tls_dir = "/tmp/unused";
    return options;
}

// A valid data file item; the tests break one field at a time.
const char* const valid_item = R"({"name":"a","category":"c","description":"","size":1,"is_public":false,
 "num_images":0,"num_download":0,"created_at":"x","updated_at":"y","logo":"","url":"","path":"p",
 "internal_path":"i","domain_name":"d","namespace":"n","tags":[],"status":false})";

}  // namespace

BOOST_AUTO_TEST_SUITE(options)

BOOST_AUTO_TEST_CASE(loopback_only)
{
    swr::emulator_options options = valid_options();
    BOOST_CHECK_NO_THROW(validate_options(options));
    options.bind_address = "::1";
    BOOST_CHECK_NO_THROW(validate_options(options));

    for (const char* address : {"0.0.0.0", "192.168.1.10", "localhost", "::", "169.254.169.254", ""}) {
        options.bind_address = address;
        std::string message = message_of([&] { validate_options(options); });
        BOOST_TEST(contains(message, "bind_address '" + std::string(address) + "'"), message);
        BOOST_TEST(contains(message, "127.0.0.1 or ::1"), message);
    }
}

BOOST_AUTO_TEST_CASE(other_settings_checked)
{
    swr::emulator_options options = valid_options();
    options.tls_dir.clear();
    BOOST_TEST(contains(message_of([&] { validate_options(options); }), "tls_dir is empty"));

    options = valid_options();
    options.repositories = -1;
    BOOST_TEST(contains(message_of([&] { validate_options(options); }), "repositories -1"));
    options.repositories = max_generated_repositories + 1;
    BOOST_TEST(contains(message_of([&] { validate_options(options); }), "repositories 10000001"));

    options = valid_options();
    options.repositories = 5;
    options.data_file = "x.json";
    BOOST_TEST(contains(message_of([&] { validate_options(options); }), "both set"));

    options = valid_options();
    options.latency = std::chrono::milliseconds(-1);
    BOOST_TEST(contains(message_of([&] { validate_options(options); }), "latency -1 ms"));

    options = valid_options();
    options.rate_limit = std::numeric_limits<double>::infinity();
    BOOST_TEST(contains(message_of([&] { validate_options(options); }), "rate_limit inf"));

    options = valid_options();
    options.rate_limit = 10;
    options.rate_burst = 0.5;
    BOOST_TEST(contains(message_of([&] { validate_options(options); }), "rate_burst 0.5"));

    options = valid_options();
    options.rate_burst = 3;
    BOOST_TEST(contains(message_of([&] { validate_options(options); }), "rate_limit is 0"));
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(command_lines)

BOOST_AUTO_TEST_CASE(every_option_parsed)
{
    command_line parsed = parse_command_line({"--host", "::1", "--port=8443", "--tls-dir", "/tmp/t",
                                              "--repositories", "2537", "--token-file", "/tmp/tok",
                                              "--latency-ms", "15", "--rate", "200", "--burst=50", "--threads", "4"});
    BOOST_TEST(parsed.options.bind_address == "::1");
    BOOST_TEST(parsed.options.port == 8443);
    BOOST_TEST(parsed.options.tls_dir == "/tmp/t");
    BOOST_TEST(parsed.tls_dir_given);
    BOOST_TEST(parsed.options.repositories == 2537);
    BOOST_TEST(parsed.token_file == "/tmp/tok");
    BOOST_TEST(parsed.options.latency.count() == 15);
    BOOST_TEST(parsed.options.rate_limit == 200.0);
    BOOST_TEST(parsed.options.rate_burst == 50.0);
    BOOST_TEST(parsed.threads == 4u);
    BOOST_TEST(parsed.options.token.empty());
    BOOST_TEST(!parsed.show_help);
}

BOOST_AUTO_TEST_CASE(defaults)
{
    command_line parsed = parse_command_line({});
    BOOST_TEST(parsed.options.bind_address == "127.0.0.1");
    BOOST_TEST(parsed.options.port == 0);
    BOOST_TEST(!parsed.tls_dir_given);
    BOOST_TEST(parsed.threads == 1u);
    BOOST_TEST(parse_command_line({"--help"}).show_help);
    BOOST_TEST(parse_command_line({"--data", "f.json"}).options.data_file == "f.json");
}

BOOST_AUTO_TEST_CASE(bad_values_name_option_and_value)
{
    struct bad_case {
        std::vector<std::string> arguments;
        std::string expected;
    };
    const std::vector<bad_case> cases = {
        {{"--host", "0.0.0.0"}, "invalid value '0.0.0.0' for --host"},
        {{"--port", "65536"}, "invalid value '65536' for --port"},
        {{"--port", "-1"}, "invalid value '-1' for --port"},
        {{"--repositories", "ten"}, "invalid value 'ten' for --repositories"},
        {{"--latency-ms", "1.5"}, "invalid value '1.5' for --latency-ms"},
        {{"--rate", "-3"}, "invalid value '-3' for --rate"},
        {{"--rate", "nan"}, "invalid value 'nan' for --rate"},
        {{"--rate", "5", "--burst", "0.5"}, "invalid value '0.5' for --burst"},
        {{"--threads", "0"}, "invalid value '0' for --threads"},
        {{"--port"}, "missing value for --port"},
        {{"--token", "abc"}, "--token is not accepted"},
        {{"--token=abc"}, "--token is not accepted"},
        {{"--verbose"}, "unknown option --verbose"},
        {{"extra"}, "unexpected argument 'extra'"},
        {{"--repositories", "3", "--data", "f.json"}, "cannot be combined"},
        {{"--burst", "4"}, "--burst needs --rate"},
    };
    for (const bad_case& bad : cases) {
        std::string message = "(no exception)";
        try {
            parse_command_line(bad.arguments);
        } catch (const usage_error& e) {
            message = e.what();
        }
        BOOST_TEST(contains(message, bad.expected), "got: " << message << "; expected: " << bad.expected);
    }
}

BOOST_AUTO_TEST_CASE(help_lists_every_option)
{
    std::string help = usage_text();
    for (const char* option : {"--host", "--port", "--tls-dir", "--repositories", "--data", "--token-file",
                               "--latency-ms", "--rate", "--burst", "--threads", "--help", "SWR_EMULATOR_TOKEN"}) {
        BOOST_TEST(contains(help, option), option);
    }
}

BOOST_AUTO_TEST_CASE(every_registered_option_documented)
{
    const std::string help = usage_text();

    // Line breaks and indentation may split a default over two lines.
    std::string flat_help;
    std::istringstream words(help);
    for (std::string word; words >> word;)
        flat_help += (flat_help.empty() ? "" : " ") + word;

    for (std::string_view name : option_names())
        BOOST_TEST(contains(help, " " + std::string(name)), "--help has no entry for " << name);
    for (const option_summary& option : option_summaries()) {
        BOOST_TEST_CONTEXT("option " << option.name)
        {
            BOOST_TEST(!option.description.empty());
            if (!option.argument.empty())
                BOOST_TEST(contains(flat_help, "(default: " + std::string(option.default_text) + ")"));
            BOOST_TEST((option.argument.empty() == option.default_text.empty()));
        }
    }
}

BOOST_AUTO_TEST_CASE(every_registered_option_parsed)
{
    // Each option is accepted on its own with a value it allows, so none is
    // documented without being handled. The dependent ones come with the
    // option they need.
    const std::map<std::string_view, std::vector<std::string>> valid_values = {
        {"--host", {"::1"}}, {"--port", {"8443"}}, {"--tls-dir", {"/tmp/t"}}, {"--repositories", {"5"}},
        {"--data", {"d.json"}}, {"--token-file", {"t"}}, {"--ak", {"AK1"}}, {"--sk-file", {"sk"}},
        {"--project-id", {"p1", "--ak", "AK1"}}, {"--iam-users-file", {"u.json"}},
        {"--token-lifetime-s", {"60"}}, {"--clock-skew-s", {"-60"}}, {"--latency-ms", {"5"}},
        {"--rate", {"10"}}, {"--burst", {"2", "--rate", "10"}}, {"--faults", {"f.json"}},
        {"--fault-probability", {"0.5"}}, {"--fault-seed", {"7"}}, {"--threads", {"2"}},
    };

    for (const option_summary& option : option_summaries()) {
        std::vector<std::string> arguments = {std::string(option.name)};
        if (!option.argument.empty()) {
            auto values = valid_values.find(option.name);
            BOOST_TEST_REQUIRE((values != valid_values.end()), "no test value for " << option.name);
            arguments.insert(arguments.end(), values->second.begin(), values->second.end());
        }
        BOOST_TEST_CONTEXT("option " << option.name)
        {
            BOOST_CHECK_NO_THROW(parse_command_line(arguments));
        }
    }
}

BOOST_AUTO_TEST_CASE(help_states_units_and_ranges)
{
    // Line breaks and indentation may split a phrase over two lines.
    std::string help;
    std::istringstream words(usage_text());
    for (std::string word; words >> word;)
        help += (help.empty() ? "" : " ") + word;

    for (std::string_view expected :
         {"TCP port, 0 to 65535", "in milliseconds, 0 to 3600000", "in seconds, 1 to 31622400",
          "-316224000 to 316224000", "requests per second", "1 to 256", "0 to 10000000", "probability, 0 to 1",
          "Exit status: 0", "GET /emulator/stats", "SWR_EMULATOR_TOKEN"}) {
        BOOST_TEST(contains(help, expected), "--help lacks '" << expected << "'");
    }
}

BOOST_AUTO_TEST_CASE(help_lines_fit_80_columns)
{
    std::istringstream lines(usage_text());
    for (std::string line; std::getline(lines, line);)
        BOOST_TEST(line.size() <= 80u, "line of " << line.size() << " columns: " << line);
}

BOOST_AUTO_TEST_CASE(help_wins_over_errors)
{
    BOOST_TEST(parse_command_line({"--port", "99999", "--help"}).show_help);
    BOOST_TEST(parse_command_line({"-h", "--no-such-option"}).show_help);
}

BOOST_AUTO_TEST_CASE(version_and_project_id_parsed)
{
    BOOST_TEST(parse_command_line({"--version"}).show_version);
    BOOST_TEST(parse_command_line({"--ak", "AK1", "--project-id=p1"}).options.project_id == "p1");
}

BOOST_AUTO_TEST_CASE(flag_value_and_lone_project_id_rejected)
{
    BOOST_TEST(contains(message_of([] { parse_command_line({"--version=1"}); }), "--version takes no value"));
    BOOST_TEST(contains(message_of([] { parse_command_line({"--project-id", "p1"}); }), "--project-id needs --ak"));
    BOOST_TEST(contains(message_of([] { parse_command_line({"--data="}); }), "invalid value '' for --data"));
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(generated_data)

BOOST_AUTO_TEST_CASE(deterministic_and_prefix_stable)
{
    auto small = generate_repositories(sharing_center::self, 50);
    auto large = generate_repositories(sharing_center::self, 120);
    BOOST_TEST_REQUIRE(small.size() == 50u);
    BOOST_TEST_REQUIRE(large.size() == 120u);
    for (std::size_t i = 0; i < small.size(); ++i) {
        BOOST_TEST_REQUIRE((small[i] == large[i]), "record " << i << " differs");
    }

    // The two centers differ.
    auto other = generate_repositories(sharing_center::thirdparty, 50);
    BOOST_TEST(other[0].namespace_name != small[0].namespace_name);
}

BOOST_AUTO_TEST_CASE(covers_hard_cases)
{
    auto self = generate_repositories(sharing_center::self, 2000);
    auto thirdparty = generate_repositories(sharing_center::thirdparty, 2000);

    std::set<std::string> namespaces;
    std::set<std::pair<std::string, std::string>> keys;
    std::size_t nested = 0, chinese = 0, empty_description = 0, no_tags = 0, above_4_gib = 0, above_2_53 = 0;
    for (const auto& record : self) {
        namespaces.insert(record.namespace_name);
        keys.emplace(record.namespace_name, record.name);
        nested += record.name.find('/') != std::string::npos;
        chinese += record.description.find("镜像") != std::string::npos;
        empty_description += record.description.empty();
        no_tags += record.tags.empty();
        above_4_gib += record.size > (std::int64_t{4} << 30);
        above_2_53 += record.num_download > (std::int64_t{1} << 53);
        BOOST_TEST_REQUIRE(record.num_images == static_cast<std::int64_t>(record.tags.size()));
        BOOST_TEST_REQUIRE(!record.status);
        BOOST_TEST_REQUIRE(record.path.ends_with("/" + record.namespace_name + "/" + record.name));
        BOOST_TEST_REQUIRE(record.created_at <= record.updated_at);
        BOOST_TEST_REQUIRE(record.created_at.size() == 20u);
    }
    BOOST_TEST(namespaces.size() >= 4u);
    BOOST_TEST(keys.size() == self.size());
    BOOST_TEST(nested > 0u);
    BOOST_TEST(chinese > 0u);
    BOOST_TEST(empty_description > 0u);
    BOOST_TEST(no_tags > 0u);
    BOOST_TEST(above_4_gib > 0u);
    BOOST_TEST(above_2_53 == 4u);  // indexes 3, 5, 1003 and 1005
    BOOST_TEST(self[5].num_download == std::numeric_limits<std::int64_t>::max());

    std::size_t valid_shares = 0;
    for (const auto& record : thirdparty) {
        valid_shares += record.status;
    }
    BOOST_TEST(valid_shares > 0u);
    BOOST_TEST(valid_shares < thirdparty.size());
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(data_files)

BOOST_AUTO_TEST_CASE(sample_file_loads)
{
    repository_set set = load_repository_file(SWR_TEST_DATA_DIR "/shared-repositories.json");
    BOOST_TEST(set.self.size() == 700u);
    BOOST_TEST(set.thirdparty.size() == 537u);
    BOOST_TEST(set.self[0].name == "nginx");
    BOOST_TEST(set.self[0].description == "内部使用的基础镜像");
    BOOST_TEST(set.self[0].num_download == 84234);
    BOOST_TEST(set.self[0].namespace_name == "platform");
}

BOOST_AUTO_TEST_CASE(exact_integers_and_total_range_ignored)
{
    std::string text = R"({"self":[{"name":"a","category":"c","description":"","size":9007199254740993,
      "is_public":false,"num_images":0,"num_download":9223372036854775807,"created_at":"x","updated_at":"y",
      "logo":"","url":"","path":"p","internal_path":"i","domain_name":"d","namespace":"n","tags":["t"],
      "status":true,"total_range":5,"extra":{}}]})";
    repository_set set = parse_repository_json(text, "test");
    BOOST_TEST_REQUIRE(set.self.size() == 1u);
    BOOST_TEST(set.self[0].size == 9007199254740993);
    BOOST_TEST(set.self[0].num_download == std::numeric_limits<std::int64_t>::max());
    BOOST_TEST(set.self[0].tags == std::vector<std::string>{"t"});
    BOOST_TEST(set.thirdparty.empty());
}

BOOST_AUTO_TEST_CASE(errors_name_origin_and_problem)
{
    std::string item = valid_item;
    auto replace = [&](std::string_view from, std::string_view to) {
        std::string copy = item;
        copy.replace(copy.find(from), from.size(), to);
        return copy;
    };

    struct bad_case {
        std::string text;
        std::string expected;
    };
    const std::vector<bad_case> cases = {
        {"[]", "origin: top level: must be an object keyed by center"},
        {R"({"mine":[]})", "origin: top level: unknown center \"mine\""},
        {R"({"self":{}})", "origin: self: must be an array"},
        {R"({"self":[1]})", "origin: self[0]: must be an object, not an integer"},
        {"{\"self\":[" + item + "," + replace(R"("name":"a",)", "") + "]}", "origin: self[1]: missing field \"name\""},
        {"{\"self\":[" + replace(R"("size":1)", R"("size":"1")") + "]}",
         "origin: self[0]: field \"size\" must be an integer, not a string"},
        {"{\"self\":[" + replace(R"("size":1)", R"("size":1.5)") + "]}",
         "field \"size\" must be an integer, not a floating-point number"},
        {"{\"self\":[" + replace(R"("size":1)", R"("size":9223372036854775808)") + "]}",
         "field \"size\" is larger than 2^63 - 1"},
        {"{\"thirdparty\":[" + replace(R"("tags":[])", R"("tags":[1])") + "]}",
         "origin: thirdparty[0]: field \"tags\" must be an array of strings"},
        {"{\"self\":[" + replace(R"("status":false)", R"("status":0)") + "]}",
         "field \"status\" must be a boolean, not an integer"},
        {"{\n\"self\": [,]}", "origin: line 2, column 10: invalid JSON"},
    };
    for (const bad_case& bad : cases) {
        std::string message = message_of([&] { parse_repository_json(bad.text, "origin"); });
        BOOST_TEST(contains(message, bad.expected), "got: " << message << "; expected: " << bad.expected);
    }
}

BOOST_AUTO_TEST_CASE(missing_file_named)
{
    std::string message = message_of([] { load_repository_file("/nonexistent/repos.json"); });
    BOOST_TEST(message == "data file /nonexistent/repos.json: cannot be opened for reading");

    temporary_directory directory;
    std::string folder_message = message_of([&] { load_repository_file(directory.path.string()); });
    BOOST_TEST(contains(folder_message, "is a directory"), folder_message);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(tls_files_setup)

namespace {

using x509_ptr = std::unique_ptr<X509, decltype(&X509_free)>;

x509_ptr read_certificate(const std::string& path)
{
    std::FILE* file = std::fopen(path.c_str(), "r");
    BOOST_TEST_REQUIRE(file != nullptr);
    X509* certificate = PEM_read_X509(file, nullptr, nullptr, nullptr);
    std::fclose(file);
    BOOST_TEST_REQUIRE(certificate != nullptr);
    return {certificate, &X509_free};
}

}  // namespace

BOOST_AUTO_TEST_CASE(created_then_reused)
{
    temporary_directory directory;
    fs::path tls_dir = directory.path / "nested" / "tls";

    tls_files files = prepare_tls_files(tls_dir.string());
    BOOST_TEST(files.ca_certificate == (tls_dir / "ca.pem").string());
    BOOST_TEST(fs::exists(files.certificate_chain));
    BOOST_TEST(fs::exists(files.private_key));

    struct stat key_status {};
    BOOST_TEST_REQUIRE(::stat(files.private_key.c_str(), &key_status) == 0);
    BOOST_TEST((key_status.st_mode & 0777) == 0600);
    struct stat directory_status {};
    BOOST_TEST_REQUIRE(::stat(tls_dir.c_str(), &directory_status) == 0);
    BOOST_TEST((directory_status.st_mode & 0777) == 0700);

    // A second call reuses the files as they are.
    std::ifstream before(files.ca_certificate);
    std::string original((std::istreambuf_iterator<char>(before)), {});
    prepare_tls_files(tls_dir.string());
    std::ifstream after(files.ca_certificate);
    std::string reused((std::istreambuf_iterator<char>(after)), {});
    BOOST_TEST(original == reused);
}

BOOST_AUTO_TEST_CASE(certificate_verifies_for_loopback)
{
    temporary_directory directory;
    tls_files files = prepare_tls_files(directory.path.string());
    x509_ptr ca = read_certificate(files.ca_certificate);
    x509_ptr server = read_certificate(files.certificate_chain);

    // The CA may sign certificates; the server certificate is for servers only.
    BOOST_TEST(X509_check_ca(ca.get()) == 1);
    BOOST_TEST(X509_check_ca(server.get()) == 0);
    BOOST_TEST(X509_check_purpose(server.get(), X509_PURPOSE_SSL_SERVER, 0) == 1);

    // Host names and addresses in the subjectAltName.
    BOOST_TEST(X509_check_host(server.get(), "localhost", 0, 0, nullptr) == 1);
    BOOST_TEST(X509_check_host(server.get(), "example.com", 0, 0, nullptr) == 0);
    BOOST_TEST(X509_check_ip_asc(server.get(), "127.0.0.1", 0) == 1);
    BOOST_TEST(X509_check_ip_asc(server.get(), "::1", 0) == 1);
    BOOST_TEST(X509_check_ip_asc(server.get(), "10.0.0.1", 0) == 0);

    // Valid now, and signed by the CA.
    BOOST_TEST(X509_cmp_current_time(X509_get0_notBefore(server.get())) < 0);
    BOOST_TEST(X509_cmp_current_time(X509_get0_notAfter(server.get())) > 0);
    X509_STORE* store = X509_STORE_new();
    X509_STORE_add_cert(store, ca.get());
    X509_STORE_CTX* context = X509_STORE_CTX_new();
    X509_STORE_CTX_init(context, store, server.get(), nullptr);
    int verified = X509_verify_cert(context);
    int verify_error = X509_STORE_CTX_get_error(context);
    X509_STORE_CTX_free(context);
    X509_STORE_free(store);
    BOOST_TEST(verified == 1, X509_verify_cert_error_string(verify_error));
}

BOOST_AUTO_TEST_CASE(partial_set_rejected)
{
    temporary_directory directory;
    tls_files files = prepare_tls_files(directory.path.string());
    fs::remove(files.private_key);

    std::string message = message_of([&] { prepare_tls_files(directory.path.string()); });
    BOOST_TEST(contains(message, "contains ca.pem, server.pem but not server.key"), message);
    BOOST_TEST(contains(message, directory.path.string()), message);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(credential_files)

// Writes `content` to `name` in `directory` and returns the path.
std::string write_file(const temporary_directory& directory, const std::string& name, std::string_view content)
{
    fs::path path = directory.path / name;
    std::ofstream(path, std::ios::binary) << content;
    return path.string();
}

// Returns the message of the usage_error that loading `command`'s files throws.
std::string load_error(command_line command)
{
    try {
        load_credential_files(command);
    } catch (const usage_error& error) {
        return error.what();
    }
    return "(no exception)";
}

BOOST_AUTO_TEST_CASE(directories_named)
{
    temporary_directory directory;
    const std::string path = directory.path.string();

    command_line secret_key;
    secret_key.options.access_key = "AK1";
    secret_key.secret_key_file = path;
    command_line users;
    users.iam_users_file = path;
    command_line token;
    token.token_file = path;

    for (auto [option, command] : {std::pair{"--sk-file", secret_key}, std::pair{"--iam-users-file", users},
                                   std::pair{"--token-file", token}}) {
        std::string message = load_error(command);
        BOOST_TEST(contains(message, "is a directory"), message);
        BOOST_TEST(contains(message, option), message);
    }
}

BOOST_AUTO_TEST_CASE(files_read_without_blanks)
{
    temporary_directory directory;
    command_line command;
    command.options.access_key = "AK1";
    command.secret_key_file = write_file(directory, "sk", "  SK-Value-0123\t\r\nsecond line\n");
    command.token_file = write_file(directory, "token", " token-Value-4567 \n");

    load_credential_files(command);

    BOOST_TEST(command.options.secret_key == "SK-Value-0123");
    BOOST_TEST(command.options.token == "token-Value-4567");
}

BOOST_AUTO_TEST_CASE(secret_key_must_be_printable_ascii)
{
    temporary_directory directory;
    for (std::string_view content : {std::string_view("SK-Part1\0tail\n", 14), std::string_view("SK-Part1\xff\n"),
                                     std::string_view("SK-Part1 inner\n"), std::string_view("SK-Part1\x7f\n")}) {
        command_line command;
        command.options.access_key = "AK1";
        command.secret_key_file = write_file(directory, "sk", content);

        std::string message = load_error(command);

        BOOST_TEST_CONTEXT(message)
        {
            BOOST_TEST(contains(message, "--sk-file"));
            BOOST_TEST(contains(message, "printable ASCII"));
            BOOST_TEST(!contains(message, "Part1"));
        }
    }
}

BOOST_AUTO_TEST_CASE(repeated_user_named)
{
    temporary_directory directory;
    command_line command;
    command.iam_users_file = write_file(directory, "users.json",
                                        R"([{"name": "alice", "password": "pw-Secret1", "domain": "acme"},
                                            {"name": "alice", "password": "pw-Secret2", "domain": "other"},
                                            {"name": "alice", "password": "pw-Secret3", "domain": "acme"}])");

    std::string message = load_error(command);

    BOOST_TEST(contains(message, "[2] repeats user 'alice' of domain 'acme'"), message);
    BOOST_TEST(!contains(message, "pw-Secret"), message);
}

BOOST_AUTO_TEST_CASE(same_name_in_two_domains_accepted)
{
    temporary_directory directory;
    command_line command;
    command.iam_users_file = write_file(directory, "users.json",
                                        R"([{"name": "alice", "password": "pw-Secret1", "domain": "acme"},
                                            {"name": "alice", "password": "pw-Secret2", "domain": "other"}])");

    load_credential_files(command);

    BOOST_TEST(command.options.iam_users.size() == 2u);
}

BOOST_AUTO_TEST_CASE(options_reject_repeated_user_and_bad_secret_key)
{
    swr::emulator_options options = valid_options();
    options.iam_users = {{"alice", "pw-Secret1", "acme"}, {"alice", "pw-Secret2", "acme"}};
    std::string message = message_of([&] { validate_options(options); });
    BOOST_TEST(contains(message, "iam_users[1] repeats user 'alice' of domain 'acme'"), message);
    BOOST_TEST(!contains(message, "pw-Secret"), message);

    options = valid_options();
    options.access_key = "AK1";
    options.secret_key = std::string("SK-Part1\0tail", 13);
    message = message_of([&] { validate_options(options); });
    BOOST_TEST(contains(message, "secret_key"), message);
    BOOST_TEST(contains(message, "printable ASCII"), message);
    BOOST_TEST(!contains(message, "Part1"), message);
}

BOOST_AUTO_TEST_SUITE_END()
