// swr-shared-repos as a Unix tool, against the TLS emulator; both run as
// child processes on 127.0.0.1 (helpers in support/cli_harness.hpp). Covers
// --output and what is kept after failures and signals, the progress line
// with and without a pseudo-terminal, every exit status, --help and
// --version of both programs, and the CSV, JSON and NDJSON outputs read back
// by Python's csv and json modules, a second parser besides Boost.JSON.

#define BOOST_TEST_MODULE cli_tool
#include <boost/test/unit_test.hpp>

#include "support/cli_harness.hpp"

#include "cli/options.hpp"
#include "emulator/command_line.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <fcntl.h>
#include <pty.h>
#include <sys/stat.h>
#include <unistd.h>

using namespace swr::cli_harness;

namespace {

constexpr std::string_view python_path = SWR_PYTHON3_PATH;

// Sorted names of the entries of `directory`, hidden ones included.
std::vector<std::string> entries_of(const fs::path& directory)
{
    std::vector<std::string> names;
    for (const fs::directory_entry& entry : fs::directory_iterator(directory))
        names.push_back(entry.path().filename().string());
    std::sort(names.begin(), names.end());
    return names;
}

// Writes `content` as a faults file for the emulator and returns its path.
fs::path write_faults(const temp_directory& directory, std::string_view name, std::string_view content)
{
    fs::path path = directory.path() / name;
    write_file(path, content);
    return path;
}

// Arguments for a scan of the `self` center in `format`, after the connection.
std::vector<std::string> scan_arguments(const emulator& server, std::string_view format,
                                        const std::vector<std::string>& extra = {})
{
    return join(join(connection_arguments(server), {"--center", "self", "--format", std::string(format)}), extra);
}

// Starts swr-shared-repos without waiting for it.
child_process start_cli(const temp_directory& directory, std::string_view name,
                        const std::vector<std::string>& arguments)
{
    return child_process(join({SWR_CLI_PATH}, arguments), {{"SWR_AUTH_TOKEN", std::string(good_token)}},
                         directory.path() / (std::string(name) + ".out"),
                         directory.path() / (std::string(name) + ".err"));
}

// Returns the lines of the temporary file `.NAME.XXXXXX` that swr-shared-repos
// writes beside `final_path`, or 0 while there is none.
std::size_t lines_in_temporary_file(const fs::path& final_path)
{
    const std::string prefix = "." + final_path.filename().string() + ".";
    for (const std::string& name : entries_of(final_path.parent_path())) {
        if (name.starts_with(prefix))
            return split_lines(read_file(final_path.parent_path() / name)).size();
    }
    return 0;
}

// Runs a scan that writes to `final_path`, sends `signal_number` once 20
// records reached the temporary file, and checks what it keeps.
void check_signal_keeps_partial_file(int signal_number, int expected_status, std::string_view word)
{
    temp_directory directory;
    emulator server(directory, {"--repositories", "5000", "--latency-ms", "100"});
    fs::create_directory(directory.path() / "out");
    const fs::path path = directory.path() / "out" / "list.ndjson";

    child_process process = start_cli(directory, "signal",
                                      scan_arguments(server, "ndjson",
                                                     {"--concurrency", "1", "--page-size", "10", "--output",
                                                      path.string()}));
    auto deadline = std::chrono::steady_clock::now() + scaled(30s);
    while (lines_in_temporary_file(path) < 20) {
        BOOST_TEST_REQUIRE(process.running(), "stderr:\n" << process.errors());
        BOOST_TEST_REQUIRE((std::chrono::steady_clock::now() < deadline), "no output; stderr:\n" << process.errors());
        std::this_thread::sleep_for(20ms);
    }
    ::kill(process.pid(), signal_number);
    std::optional<int> status = process.wait(scaled(10s));

    BOOST_TEST_REQUIRE(status.has_value(), "no exit after the signal; stderr:\n" << process.errors());
    BOOST_TEST(*status == expected_status, "stderr:\n" << process.errors());
    BOOST_TEST(process.output().empty());
    BOOST_TEST((entries_of(path.parent_path()) == std::vector<std::string>{"list.ndjson.partial"}));

    const std::string partial = read_file(path.string() + ".partial");
    BOOST_TEST_REQUIRE(!partial.empty());
    BOOST_TEST(partial.back() == '\n', "the last line is cut short");
    const std::size_t written = split_lines(partial).size();
    BOOST_TEST(written < 5000u);
    const std::string errors = process.errors();
    BOOST_TEST(contains(errors, std::to_string(written) + " records kept in '" + path.string() + ".partial'"), errors);
    BOOST_TEST(contains(errors, std::string(word) + " (" + std::to_string(written) + " of 5000)"), errors);
    BOOST_TEST(contains(errors, "--start-offset " + std::to_string(written)), errors);
}

// Outcome of a run whose standard error is a pseudo-terminal.
struct terminal_run {
    int exit_status = -1;
    std::string output;
    std::string terminal;
};

// Runs swr-shared-repos with standard error on a new pseudo-terminal of
// `columns` columns and standard output in a file, and collects what the
// terminal received.
terminal_run run_cli_on_terminal(const temp_directory& directory, const std::vector<std::string>& arguments,
                                 unsigned short columns)
{
    int master = -1;
    int slave = -1;
    winsize size{};
    size.ws_col = columns;
    size.ws_row = 24;
    BOOST_TEST_REQUIRE(::openpty(&master, &slave, nullptr, nullptr, &size) == 0, "openpty failed");
    ::fcntl(master, F_SETFL, ::fcntl(master, F_GETFL) | O_NONBLOCK);

    static int counter = 0;
    ++counter;
    std::optional<child_process> process;
    process.emplace(join({SWR_CLI_PATH}, arguments), std::map<std::string, std::string>{{"SWR_AUTH_TOKEN", std::string(good_token)}},
                    directory.path() / ("terminal-" + std::to_string(counter) + ".out"),
                    directory.path() / ("terminal-" + std::to_string(counter) + ".err"), slave);
    ::close(slave);

    // Read while the child runs, so that it never blocks on a full terminal buffer.
    terminal_run run;
    auto drain = [&] {
        char buffer[4096];
        for (ssize_t n; (n = ::read(master, buffer, sizeof buffer)) > 0;)
            run.terminal.append(buffer, static_cast<std::size_t>(n));
    };
    auto deadline = std::chrono::steady_clock::now() + scaled(120s);
    while (process->running() && std::chrono::steady_clock::now() < deadline) {
        drain();
        std::this_thread::sleep_for(10ms);
    }
    std::optional<int> status = process->wait(0ms);
    drain();
    ::close(master);

    run.output = process->output();
    BOOST_TEST_REQUIRE(status.has_value(), "swr-shared-repos did not exit in time; terminal:\n" << run.terminal);
    run.exit_status = *status;
    return run;
}

// Splits what a terminal received into the pieces between '\r' and '\n'.
std::vector<std::string> split_frames(const std::string& text)
{
    std::vector<std::string> frames;
    std::string current;
    for (char c : text) {
        if (c == '\r' || c == '\n') {
            frames.push_back(current);
            current.clear();
        } else {
            current += c;
        }
    }
    frames.push_back(current);
    return frames;
}

// Runs `python3 -c script FILE` and returns its standard output. Fails the
// test when Python exits with an error.
std::string run_python(const temp_directory& directory, std::string_view script, const fs::path& file)
{
    static int counter = 0;
    ++counter;
    child_process process({std::string(python_path), "-c", std::string(script), file.string()}, {},
                          directory.path() / ("python-" + std::to_string(counter) + ".out"),
                          directory.path() / ("python-" + std::to_string(counter) + ".err"));
    std::optional<int> status = process.wait(scaled(60s));
    BOOST_TEST_REQUIRE(status.has_value(), "python3 did not exit in time");
    BOOST_TEST_REQUIRE(*status == 0, "python3 rejected " << file << ":\n" << process.errors());
    return process.output();
}

// Python's csv module in strict mode: the records of FILE as a JSON array of arrays.
constexpr std::string_view python_csv_script = R"(
import csv, json, sys
with open(sys.argv[1], newline='', encoding='utf-8') as f:
    rows = list(csv.reader(f, strict=True))
json.dump(rows, sys.stdout)
)";

// Python's json module: FILE must be one JSON array; printed back as JSON.
constexpr std::string_view python_json_script = R"(
import json, sys
with open(sys.argv[1], encoding='utf-8') as f:
    data = json.load(f)
if not isinstance(data, list):
    sys.exit('the top level is not an array')
json.dump(data, sys.stdout)
)";

// NDJSON: every line of FILE, split at '\n' only, is one JSON object, and the
// last line ends with '\n'. Printed back as one JSON array.
constexpr std::string_view python_ndjson_script = R"(
import json, sys
items = []
with open(sys.argv[1], 'rb') as f:
    for number, line in enumerate(f, 1):
        if not line.endswith(b'\n'):
            sys.exit('line %d does not end with a newline' % number)
        item = json.loads(line.decode('utf-8', 'strict'))
        if not isinstance(item, dict):
            sys.exit('line %d is not an object' % number)
        items.append(item)
json.dump(items, sys.stdout)
)";

bool python_available()
{
    return !python_path.empty();
}

// A repository item for a data file; the tests change the text fields.
json::object make_item(std::string_view namespace_name, std::string_view name)
{
    json::object item;
    item["name"] = name;
    item["category"] = "other";
    item["description"] = "";
    item["size"] = 1;
    item["is_public"] = false;
    item["num_images"] = 1;
    item["num_download"] = 0;
    item["created_at"] = "2025-01-02T03:04:05Z";
    item["updated_at"] = "2025-06-07T08:09:10Z";
    item["logo"] = "";
    item["url"] = "";
    item["path"] = "swr.cn-north-4.myhuaweicloud.com/" + std::string(namespace_name) + "/" + std::string(name);
    item["internal_path"] = "10.0.0.1:20202/" + std::string(namespace_name) + "/" + std::string(name);
    item["domain_name"] = "acme";
    item["namespace"] = namespace_name;
    item["tags"] = json::array{"latest"};
    item["status"] = true;
    return item;
}

// Returns a data file whose `self` listing has the text that CSV and JSON
// writers most often get wrong: separators, quotes at the start, bare CR,
// CRLF, control characters, non-ASCII, U+2028, empty fields and extreme
// integers.
std::string edge_case_data_file()
{
    json::array items;

    json::object separators = make_item("odd,ns", "comma,\"quote\"");
    separators["description"] = "comma, \"quoted\", CRLF\r\nLF\nbare CR\rend";
    items.push_back(separators);

    json::object leading_quote = make_item("plain", "\"starts-with-quote");
    leading_quote["description"] = "  leading and trailing spaces  ";
    leading_quote["logo"] = "\"";
    items.push_back(leading_quote);

    json::object unicode = make_item("unicode", "ünïcode-中文");
    unicode["description"] = "中文 emoji \xF0\x9F\x98\x80 line\xE2\x80\xA8separator nbsp\xC2\xA0 tab\t ctrl\x01 back\\slash";
    unicode["tags"] = json::array{"v1.0-rc_1", "latest"};
    items.push_back(unicode);

    json::object extremes = make_item("plain", "extremes");
    extremes["size"] = 9007199254740993LL;  // 2^53 + 1: exact only as an integer
    extremes["num_download"] = 9223372036854775807LL;
    extremes["tags"] = json::array{};
    extremes["description"] = ",";
    items.push_back(extremes);

    json::object formula = make_item("semi;colon", "formula");
    formula["description"] = "=SUM(A1:A2)";
    formula["url"] = "https://example.invalid/a?b=c,d";
    items.push_back(formula);

    json::object data;
    data["self"] = items;
    data["thirdparty"] = json::array{};
    return json::serialize(data);
}

// Starts an emulator serving the edge-case data file and returns its items.
json::array serve_edge_cases(const temp_directory& directory, std::optional<emulator>& server)
{
    const fs::path data_path = directory.path() / "edge-cases.json";
    write_file(data_path, edge_case_data_file());
    server.emplace(directory, std::vector<std::string>{"--data", data_path.string()});
    return load_data_file(data_path).at("self").as_array();
}

}  // namespace

BOOST_AUTO_TEST_CASE(speculative_pages_past_the_end_are_dropped)
{
    temp_directory directory;
    emulator server(directory, {"--repositories", "250"});

    // Pages of 100 at offsets 0 to 700 go out at once. Five lie past the end,
    // so they are dropped, or cancelled once the first page reports the total.
    cli_run run = run_cli(directory, scan_arguments(server, "csv", {"--concurrency", "8", "--speculative-pages", "7"}));

    BOOST_TEST_REQUIRE(run.exit_status == 0, "stderr:\n" << run.errors);
    std::vector<std::vector<std::string>> records = parse_csv(run.output);
    BOOST_TEST(records.size() == 251u);
    BOOST_TEST(contains(run.errors, "complete (250 of 250)"), run.errors);
}

BOOST_AUTO_TEST_SUITE(output_file)

BOOST_AUTO_TEST_CASE(complete_listing_renamed_into_place)
{
    temp_directory directory;
    emulator server(directory, {"--repositories", "250"});
    fs::create_directory(directory.path() / "out");
    const fs::path path = directory.path() / "out" / "list.csv";

    cli_run run = run_cli(directory, scan_arguments(server, "csv", {"--output", path.string()}));

    BOOST_TEST_REQUIRE(run.exit_status == 0, "stderr:\n" << run.errors);
    BOOST_TEST(run.output.empty());
    BOOST_TEST((entries_of(path.parent_path()) == std::vector<std::string>{"list.csv"}));
    std::vector<std::vector<std::string>> records = parse_csv(read_file(path));
    BOOST_TEST(records.size() == 251u);
    BOOST_TEST(contains(run.errors, "complete (250 of 250)"), run.errors);
}

BOOST_AUTO_TEST_CASE(failed_scan_keeps_old_file_and_partial)
{
    temp_directory directory;
    fs::create_directory(directory.path() / "out");
    const fs::path path = directory.path() / "out" / "list.json";
    write_file(path, "old listing");
    const std::vector<std::string> arguments = {"--output", path.string(), "--concurrency", "1",
                                                "--max-attempts", "1"};

    // Every request at offset 300 fails, so the scan ends after 3 pages.
    {
        fs::path faults = write_faults(directory, "faults.json",
                                       R"({"rules": [{"offset": 300, "times": 0, "action": "status", "status": 500}]})");
        emulator failing(directory, {"--repositories", "1000", "--faults", faults.string()});

        cli_run run = run_cli(directory, scan_arguments(failing, "json", arguments));

        BOOST_TEST(run.exit_status == 1, "stderr:\n" << run.errors);
        BOOST_TEST(read_file(path) == "old listing");
        BOOST_TEST((entries_of(path.parent_path()) == std::vector<std::string>{"list.json", "list.json.partial"}));
        boost::system::error_code ec;
        json::parse(read_file(path.string() + ".partial"), ec);
        BOOST_TEST(ec.failed(), "a partial JSON listing must not parse as complete");
        BOOST_TEST(contains(run.errors, "300 records kept in '" + path.string() + ".partial'; '" + path.string() +
                                            "' was not written"),
                   run.errors);
    }

    // A complete run replaces the file and removes the partial one.
    emulator working(directory, {"--repositories", "1000"});
    cli_run run = run_cli(directory, scan_arguments(working, "json", arguments));

    BOOST_TEST_REQUIRE(run.exit_status == 0, "stderr:\n" << run.errors);
    BOOST_TEST((entries_of(path.parent_path()) == std::vector<std::string>{"list.json"}));
    BOOST_TEST(json::parse(read_file(path)).as_array().size() == 1000u);
}

BOOST_AUTO_TEST_CASE(unusable_paths_exit_2)
{
    temp_directory directory;
    write_file(directory.path() / "plain-file", "x");
    const std::vector<std::pair<fs::path, std::string>> cases = {
        {directory.path() / "missing" / "list.csv", "does not exist"},
        {directory.path(), "is a directory"},
        {directory.path() / "plain-file" / "list.csv", "is not a directory"},
    };

    for (const auto& [path, reason] : cases) {
        BOOST_TEST_CONTEXT("path " << path)
        {
            // Port 1 is never reached: the path is checked before any connection.
            cli_run run = run_cli(directory, {"--endpoint", "https://127.0.0.1:1", "--center", "self", "--output",
                                              path.string()});

            BOOST_TEST(run.exit_status == 2);
            BOOST_TEST(contains(run.errors, "cannot write --output '" + path.string() + "'"), run.errors);
            BOOST_TEST(contains(run.errors, reason), run.errors);
            BOOST_TEST(run.output.empty());
        }
    }
    // Nothing was created besides the outputs of the runs.
    for (const std::string& name : entries_of(directory.path()))
        BOOST_TEST((name == "plain-file" || name.starts_with("cli-")), "unexpected file " << name);
}

BOOST_AUTO_TEST_CASE(sigint_keeps_partial_file)
{
    check_signal_keeps_partial_file(SIGINT, 130, "interrupted");
}

BOOST_AUTO_TEST_CASE(sigterm_keeps_partial_file)
{
    check_signal_keeps_partial_file(SIGTERM, 143, "terminated");
}

// A signal ends the program while a FIFO token file blocks its read. SIGTERM,
// because a shell may start this test with SIGINT ignored.
BOOST_AUTO_TEST_CASE(sigterm_while_token_file_blocks)
{
    temp_directory directory;
    const fs::path fifo = directory.path() / "token.fifo";
    BOOST_TEST_REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);

    child_process process(join({SWR_CLI_PATH}, {"--endpoint", "https://127.0.0.1:9", "--center", "self",
                                                "--token-file", fifo.string()}),
                          {{"SWR_AUTH_TOKEN", ""}}, directory.path() / "fifo.out", directory.path() / "fifo.err");

    // Wait until the program sleeps, normally in the FIFO's open(), so that
    // the signal arrives after start-up.
    const fs::path stat_path = "/proc/" + std::to_string(process.pid()) + "/stat";
    auto deadline = std::chrono::steady_clock::now() + scaled(10s);
    while (std::chrono::steady_clock::now() < deadline) {
        std::string stat = read_file(stat_path);
        if (stat.empty())
            break;  // already ended
        std::size_t end_of_name = stat.rfind(')');
        if (end_of_name != std::string::npos && stat.compare(end_of_name, 3, ") S") == 0)
            break;
        std::this_thread::sleep_for(10ms);
    }
    ::kill(process.pid(), SIGTERM);

    std::optional<int> status = process.wait(scaled(10s));
    BOOST_TEST_REQUIRE(status.has_value(), "no exit after SIGTERM; stderr:\n" << process.errors());
    BOOST_TEST(*status == 128 + SIGTERM, "stderr:\n" << process.errors());
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(exit_statuses)

BOOST_AUTO_TEST_CASE(each_cause_has_its_status)
{
    struct status_case {
        std::string cause;
        std::string faults;  // empty: none
        std::vector<std::string> arguments;
        std::string token;
        int expected_status;
        std::string expected_message;
    };
    const std::string token(good_token);
    const std::vector<status_case> cases = {
        {"complete listing", "", {}, token, 0, "complete (1000 of 1000)"},
        {"invalid value", "", {"--page-size", "0"}, token, 2, "invalid value '0' for --page-size"},
        {"wrong token", "", {}, "wrong-token", 3, "401"},
        {"server error",
         R"({"rules": [{"offset": 300, "times": 0, "action": "status", "status": 500}]})",
         {"--max-attempts", "1"},
         token,
         1,
         "failed (300 of 1000); resume with --start-offset 300"},
        {"listing changed during the scan",
         R"({"rules": [{"offset": 300, "action": "mutate", "insert": 3}]})",
         {},
         token,
         4,
         "the listing changed during the scan"},
        {"empty page before the total",
         R"({"rules": [{"offset": 300, "times": 0, "action": "page_size_cap", "max_items": 0}]})",
         {},
         token,
         4,
         "incomplete (300 of 1000); resume with --start-offset 300"},
    };

    for (const status_case& test : cases) {
        BOOST_TEST_CONTEXT("cause: " << test.cause)
        {
            temp_directory directory;
            std::vector<std::string> emulator_arguments = {"--repositories", "1000"};
            if (!test.faults.empty()) {
                fs::path faults = write_faults(directory, "faults.json", test.faults);
                emulator_arguments.insert(emulator_arguments.end(), {"--faults", faults.string()});
            }
            emulator server(directory, emulator_arguments);

            cli_run run = run_cli(directory,
                                  scan_arguments(server, "ndjson", join({"--concurrency", "1"}, test.arguments)),
                                  {{"SWR_AUTH_TOKEN", test.token}});

            BOOST_TEST(run.exit_status == test.expected_status, "stderr:\n" << run.errors);
            BOOST_TEST(contains(run.errors, test.expected_message), "stderr:\n" << run.errors);
        }
    }
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(progress)

BOOST_AUTO_TEST_CASE(forced_progress_stays_on_stderr)
{
    temp_directory directory;
    // 10 pages of 100 ms each take at least 1 s, so several redraws happen.
    emulator server(directory, {"--repositories", "1000", "--latency-ms", "100"});

    cli_run run = run_cli(directory, scan_arguments(server, "ndjson", {"--concurrency", "1", "--progress", "always"}));

    BOOST_TEST_REQUIRE(run.exit_status == 0, "stderr:\n" << run.errors);
    BOOST_TEST(split_lines(run.output).size() == 1000u);
    BOOST_TEST(!contains(run.output, "\r"));
    BOOST_TEST(!contains(run.output, "req/s"));

    const std::vector<std::string> frames = split_frames(run.errors);
    bool has_counts = false;
    bool has_bar_and_eta = false;
    for (const std::string& frame : frames) {
        has_counts = has_counts || (contains(frame, "page ") && contains(frame, " items") && contains(frame, "req/s"));
        has_bar_and_eta = has_bar_and_eta || (frame.starts_with("[") && contains(frame, "%") &&
                                              contains(frame, "/1000 items") && contains(frame, "ETA "));
    }
    BOOST_TEST(has_counts, "stderr:\n" << run.errors);
    BOOST_TEST(has_bar_and_eta, "stderr:\n" << run.errors);

    // The line is blanked before the summary, which ends the output.
    BOOST_TEST_REQUIRE(frames.size() >= 3u);
    BOOST_TEST(frames[frames.size() - 3].find_first_not_of(' ') == std::string::npos,
               "not blanked: " << frames[frames.size() - 3]);
    BOOST_TEST(frames[frames.size() - 2].starts_with("swr-shared-repos: 10 pages, 1000 items"));
    BOOST_TEST(frames.back().empty());
}

BOOST_AUTO_TEST_CASE(no_progress_without_terminal)
{
    temp_directory directory;
    emulator server(directory, {"--repositories", "300", "--latency-ms", "50"});

    cli_run run = run_cli(directory, scan_arguments(server, "ndjson", {"--concurrency", "1"}));

    BOOST_TEST_REQUIRE(run.exit_status == 0, "stderr:\n" << run.errors);
    BOOST_TEST(!contains(run.errors, "\r"), "stderr:\n" << run.errors);
    BOOST_TEST(split_lines(run.errors).size() == 1u, "stderr:\n" << run.errors);
}

BOOST_AUTO_TEST_CASE(progress_fits_pseudo_terminal)
{
    temp_directory directory;
    emulator server(directory, {"--repositories", "1000", "--latency-ms", "100"});
    constexpr unsigned short columns = 60;

    terminal_run run = run_cli_on_terminal(directory, scan_arguments(server, "ndjson", {"--concurrency", "1"}), columns);

    BOOST_TEST_REQUIRE(run.exit_status == 0, "terminal:\n" << run.terminal);
    BOOST_TEST(split_lines(run.output).size() == 1000u);
    bool drawn = false;
    for (const std::string& frame : split_frames(run.terminal)) {
        if (!contains(frame, "page "))
            continue;
        drawn = true;
        BOOST_TEST(frame.size() < columns, "frame wider than the terminal: " << frame);
    }
    BOOST_TEST(drawn, "terminal:\n" << run.terminal);
    BOOST_TEST(contains(run.terminal, "complete (1000 of 1000)"), "terminal:\n" << run.terminal);
}

BOOST_AUTO_TEST_CASE(never_and_quiet_on_terminal)
{
    temp_directory directory;
    emulator server(directory, {"--repositories", "300", "--latency-ms", "50"});

    terminal_run never = run_cli_on_terminal(
        directory, scan_arguments(server, "ndjson", {"--concurrency", "1", "--progress", "never"}), 80);
    terminal_run quiet = run_cli_on_terminal(directory, scan_arguments(server, "ndjson", {"--concurrency", "1", "-q"}), 80);

    BOOST_TEST(never.exit_status == 0, "terminal:\n" << never.terminal);
    BOOST_TEST(!contains(never.terminal, "req/s"), "terminal:\n" << never.terminal);
    BOOST_TEST(contains(never.terminal, "complete (300 of 300)"), "terminal:\n" << never.terminal);

    BOOST_TEST(quiet.exit_status == 0, "terminal:\n" << quiet.terminal);
    BOOST_TEST(quiet.terminal.empty(), "terminal:\n" << quiet.terminal);
    BOOST_TEST(split_lines(quiet.output).size() == 300u);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(help_and_version)

BOOST_AUTO_TEST_CASE(cli_prints_documented_help)
{
    temp_directory directory;

    cli_run run = run_cli(directory, {"--help"});

    BOOST_TEST(run.exit_status == 0);
    BOOST_TEST(run.output == swr::cli::help_text());
    for (std::string_view name : swr::cli::option_names())
        BOOST_TEST(contains(run.output, " " + std::string(name)), "--help lacks " << name);
}

BOOST_AUTO_TEST_CASE(emulator_prints_documented_help)
{
    temp_directory directory;
    child_process process({SWR_EMULATOR_PATH, "--help"}, {}, directory.path() / "help.out",
                          directory.path() / "help.err");

    std::optional<int> status = process.wait(scaled(10s));

    BOOST_TEST_REQUIRE(status.has_value());
    BOOST_TEST(*status == 0);
    BOOST_TEST(process.output() == swr::emulator_detail::usage_text());
    for (std::string_view name : swr::emulator_detail::option_names())
        BOOST_TEST(contains(process.output(), " " + std::string(name)), "--help lacks " << name);
}

BOOST_AUTO_TEST_CASE(both_print_versions)
{
    temp_directory directory;
    child_process emulator_version({SWR_EMULATOR_PATH, "--version"}, {}, directory.path() / "version.out",
                                   directory.path() / "version.err");

    cli_run cli_version = run_cli(directory, {"--version"});
    std::optional<int> status = emulator_version.wait(scaled(10s));

    BOOST_TEST(cli_version.exit_status == 0);
    BOOST_TEST(cli_version.output.starts_with("swr-shared-repos "), cli_version.output);
    BOOST_TEST_REQUIRE(status.has_value());
    BOOST_TEST(*status == 0);
    BOOST_TEST(emulator_version.output().starts_with("swr-emulator "), emulator_version.output());
    BOOST_TEST(cli_version.output.substr(17) == emulator_version.output().substr(13));
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(python_readers, *boost::unit_test::precondition([](boost::unit_test::test_unit_id) {
                          return boost::unit_test::assertion_result(python_available());
                      }))

BOOST_AUTO_TEST_CASE(csv_reads_back_with_python_csv)
{
    temp_directory directory;
    std::optional<emulator> server;
    const json::array expected = serve_edge_cases(directory, server);
    const fs::path path = directory.path() / "list.csv";

    cli_run run = run_cli(directory, scan_arguments(*server, "csv", {"--output", path.string()}));
    BOOST_TEST_REQUIRE(run.exit_status == 0, "stderr:\n" << run.errors);
    const json::value rows = json::parse(run_python(directory, python_csv_script, path));

    const json::array& records = rows.as_array();
    BOOST_TEST_REQUIRE(records.size() == expected.size() + 1);
    std::vector<std::string> header;
    for (const json::value& field : records[0].as_array())
        header.emplace_back(field.as_string());
    BOOST_TEST((header == csv_header));

    std::set<std::vector<std::string>> actual;
    for (std::size_t i = 1; i < records.size(); ++i) {
        std::vector<std::string> record;
        for (const json::value& field : records[i].as_array())
            record.emplace_back(field.as_string());
        BOOST_TEST_REQUIRE(record.size() == csv_header.size(), "record " << i << " has a wrong field count");
        actual.insert(without_total_range(record));
    }
    for (const json::value& item : expected)
        BOOST_TEST(actual.contains(expected_csv_row(item.as_object())), "missing row for " << key_of(item.as_object()));
}

BOOST_AUTO_TEST_CASE(json_passes_python_json_tool)
{
    temp_directory directory;
    std::optional<emulator> server;
    const json::array expected = serve_edge_cases(directory, server);
    const fs::path path = directory.path() / "list.json";

    cli_run run = run_cli(directory, scan_arguments(*server, "json", {"--output", path.string()}));
    BOOST_TEST_REQUIRE(run.exit_status == 0, "stderr:\n" << run.errors);

    // `python3 -m json.tool` is the standard command-line validator.
    child_process tool({std::string(python_path), "-m", "json.tool", path.string()}, {},
                       directory.path() / "tool.out", directory.path() / "tool.err");
    std::optional<int> status = tool.wait(scaled(60s));
    BOOST_TEST_REQUIRE(status.has_value());
    BOOST_TEST(*status == 0, "json.tool rejected the listing:\n" << tool.errors());

    check_json_listing(read_file(path), expected);
    check_json_listing(run_python(directory, python_json_script, path), expected);
}

BOOST_AUTO_TEST_CASE(ndjson_lines_parse_in_python)
{
    temp_directory directory;
    std::optional<emulator> server;
    const json::array expected = serve_edge_cases(directory, server);
    const fs::path path = directory.path() / "list.ndjson";

    cli_run run = run_cli(directory, scan_arguments(*server, "ndjson", {"--output", path.string()}));
    BOOST_TEST_REQUIRE(run.exit_status == 0, "stderr:\n" << run.errors);

    check_json_listing(run_python(directory, python_ndjson_script, path), expected);
    for (const std::string& line : split_lines(read_file(path))) {
        boost::system::error_code ec;
        json::parse(line, ec);
        BOOST_TEST(!ec.failed(), "Boost.JSON rejected the line: " << line);
    }
}

BOOST_AUTO_TEST_CASE(partial_json_fails_python_json_tool)
{
    temp_directory directory;
    fs::path faults = write_faults(directory, "faults.json",
                                   R"({"rules": [{"offset": 200, "times": 0, "action": "status", "status": 500}]})");
    emulator server(directory, {"--repositories", "500", "--faults", faults.string()});
    const fs::path path = directory.path() / "list.json";

    cli_run run = run_cli(directory, scan_arguments(server, "json",
                                                    {"--output", path.string(), "--concurrency", "1",
                                                     "--max-attempts", "1"}));
    BOOST_TEST_REQUIRE(run.exit_status == 1, "stderr:\n" << run.errors);

    child_process tool({std::string(python_path), "-m", "json.tool", path.string() + ".partial"}, {},
                       directory.path() / "tool.out", directory.path() / "tool.err");
    std::optional<int> status = tool.wait(scaled(60s));
    BOOST_TEST_REQUIRE(status.has_value());
    BOOST_TEST(*status != 0, "json.tool accepted a partial listing");
    BOOST_TEST(!fs::exists(path));
}

BOOST_AUTO_TEST_SUITE_END()
