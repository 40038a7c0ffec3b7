// Unit tests for the listing output of swr-shared-repos (src/cli/listing_output.hpp)
// and its status and progress lines (src/cli/status_output.hpp), with the
// escaping of control characters in messages (src/cli/escape.hpp). They use
// files in a temporary directory and no sockets.

#define BOOST_TEST_MODULE cli_output
#include <boost/test/unit_test.hpp>

#include "cli/escape.hpp"
#include "cli/listing_output.hpp"
#include "cli/status_output.hpp"

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <system_error>
#include <vector>

#include <sys/stat.h>
#include <unistd.h>

namespace cli = swr::cli;
namespace fs = std::filesystem;

namespace {

bool contains(const std::string& text, std::string_view part)
{
    return text.find(part) != std::string::npos;
}

std::string read_file(const fs::path& path)
{
    std::ifstream file(path, std::ios::binary);
    std::ostringstream content;
    content << file.rdbuf();
    return content.str();
}

void write_file(const fs::path& path, std::string_view content)
{
    std::ofstream file(path, std::ios::binary | std::ios::trunc);
    file << content;
}

// A directory under $TMPDIR (or /tmp), removed with its content at the end.
struct temp_directory {
    temp_directory()
    {
        std::string pattern = (fs::temp_directory_path() / "swr-cli-output-test-XXXXXX").string();
        if (::mkdtemp(pattern.data()) == nullptr)
            throw std::runtime_error("mkdtemp failed for " + pattern);
        path = pattern;
    }
    ~temp_directory()
    {
        std::error_code ignored;
        fs::remove_all(path, ignored);
    }

    // Names of the entries, hidden ones included, sorted.
    std::vector<std::string> entries() const
    {
        std::vector<std::string> names;
        for (const fs::directory_entry& entry : fs::directory_iterator(path))
            names.push_back(entry.path().filename().string());
        std::sort(names.begin(), names.end());
        return names;
    }

    fs::path path;
};

mode_t permission_bits(const fs::path& path)
{
    struct stat info {};
    BOOST_TEST_REQUIRE(::stat(path.c_str(), &info) == 0);
    return info.st_mode & 07777;
}

// Reads everything written to a temporary stream.
std::string contents_of(std::FILE* stream)
{
    std::fflush(stream);
    std::rewind(stream);
    std::string text;
    char buffer[256];
    for (std::size_t n; (n = std::fread(buffer, 1, sizeof buffer, stream)) > 0;)
        text.append(buffer, n);
    return text;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(output_file)

BOOST_AUTO_TEST_CASE(temporary_file_hidden_until_commit)
{
    temp_directory directory;
    const fs::path path = directory.path / "list.csv";
    cli::listing_output output;

    BOOST_TEST_REQUIRE(output.open(path.string()) == "");
    BOOST_TEST(output.is_file());
    BOOST_TEST(output.write("header\r\n"));
    BOOST_TEST(output.write("row\r\n"));

    const std::vector<std::string> during = directory.entries();
    BOOST_TEST_REQUIRE(during.size() == 1u);
    BOOST_TEST(during[0].starts_with(".list.csv."), "temporary file: " << during[0]);
    BOOST_TEST(!fs::exists(path));
    BOOST_TEST(read_file(directory.path / during[0]) == "header\r\nrow\r\n");

    BOOST_TEST(output.commit() == "");
    BOOST_TEST((directory.entries() == std::vector<std::string>{"list.csv"}));
    BOOST_TEST(read_file(path) == "header\r\nrow\r\n");
}

BOOST_AUTO_TEST_CASE(abandon_keeps_partial_file)
{
    temp_directory directory;
    const fs::path path = directory.path / "list.json";
    write_file(path, "old complete listing");
    cli::listing_output output;

    BOOST_TEST_REQUIRE(output.open(path.string()) == "");
    BOOST_TEST(output.write("[{\"name\":\"a\"}"));
    std::string note = output.abandon(1);

    BOOST_TEST(read_file(path) == "old complete listing");
    BOOST_TEST(read_file(directory.path / "list.json.partial") == "[{\"name\":\"a\"}");
    BOOST_TEST((directory.entries() == std::vector<std::string>{"list.json", "list.json.partial"}));
    BOOST_TEST(contains(note, "1 record kept in '" + path.string() + ".partial'"), note);
    BOOST_TEST(contains(note, "'" + path.string() + "' was not written"), note);
}

BOOST_AUTO_TEST_CASE(abandon_without_records_removes_file)
{
    temp_directory directory;
    const fs::path path = directory.path / "list.csv";
    cli::listing_output output;

    BOOST_TEST_REQUIRE(output.open(path.string()) == "");
    BOOST_TEST(output.write("header\r\n"));
    std::string note = output.abandon(0);

    BOOST_TEST(directory.entries().empty());
    BOOST_TEST(contains(note, "no records were received"), note);
}

BOOST_AUTO_TEST_CASE(destructor_removes_temporary_file)
{
    temp_directory directory;
    {
        cli::listing_output output;
        BOOST_TEST_REQUIRE(output.open((directory.path / "list.csv").string()) == "");
        BOOST_TEST(output.write("header\r\n"));
    }
    BOOST_TEST(directory.entries().empty());
}

BOOST_AUTO_TEST_CASE(commit_removes_old_partial_file)
{
    temp_directory directory;
    const fs::path path = directory.path / "list.csv";
    write_file(directory.path / "list.csv.partial", "from an earlier run");
    cli::listing_output output;

    BOOST_TEST_REQUIRE(output.open(path.string()) == "");
    BOOST_TEST(output.write("complete\r\n"));
    BOOST_TEST(output.commit() == "");

    BOOST_TEST((directory.entries() == std::vector<std::string>{"list.csv"}));
}

BOOST_AUTO_TEST_CASE(existing_permissions_are_kept)
{
    temp_directory directory;
    const fs::path path = directory.path / "list.csv";
    write_file(path, "old");
    BOOST_TEST_REQUIRE(::chmod(path.c_str(), 0640) == 0);
    cli::listing_output output;

    BOOST_TEST_REQUIRE(output.open(path.string()) == "");
    BOOST_TEST(output.write("new"));
    BOOST_TEST(output.commit() == "");

    BOOST_TEST(permission_bits(path) == 0640u);
}

BOOST_AUTO_TEST_CASE(new_file_follows_umask)
{
    temp_directory directory;
    const fs::path path = directory.path / "list.csv";
    mode_t previous = ::umask(0027);
    cli::listing_output output;

    std::string error = output.open(path.string());
    BOOST_TEST(output.write("new"));
    BOOST_TEST(output.commit() == "");
    ::umask(previous);

    BOOST_TEST(error == "");
    BOOST_TEST(permission_bits(path) == 0640u);
}

BOOST_AUTO_TEST_CASE(symbolic_link_is_followed)
{
    temp_directory directory;
    fs::create_directory(directory.path / "real");
    const fs::path target = directory.path / "real" / "list.csv";
    const fs::path link = directory.path / "link.csv";
    write_file(target, "old");
    fs::create_symlink(target, link);
    cli::listing_output output;

    BOOST_TEST_REQUIRE(output.open(link.string()) == "");
    BOOST_TEST(output.write("new"));
    BOOST_TEST(output.commit() == "");

    BOOST_TEST(fs::is_symlink(link));
    BOOST_TEST(read_file(target) == "new");
}

BOOST_AUTO_TEST_CASE(dash_means_standard_output)
{
    cli::listing_output output;

    BOOST_TEST(output.open("-") == "");
    BOOST_TEST(!output.is_file());
    BOOST_TEST(output.abandon(5) == "");
}

BOOST_AUTO_TEST_CASE(open_errors_name_path_and_reason)
{
    temp_directory directory;
    write_file(directory.path / "plain-file", "x");
    struct error_case {
        fs::path path;
        std::string expected;
    };
    const std::vector<error_case> cases = {
        {directory.path / "missing" / "list.csv",
         "the directory '" + (directory.path / "missing").string() + "' does not exist"},
        {directory.path, "it is a directory"},
        {directory.path / "plain-file" / "list.csv", "is not a directory"},
    };

    for (const error_case& bad : cases) {
        cli::listing_output output;
        std::string error = output.open(bad.path.string());

        BOOST_TEST_CONTEXT("path " << bad.path)
        {
            BOOST_TEST(contains(error, "cannot write --output '" + bad.path.string() + "'"), error);
            BOOST_TEST(contains(error, bad.expected), error);
            BOOST_TEST(!output.is_file());
        }
    }
}

BOOST_AUTO_TEST_CASE(permission_denied_is_named)
{
    // Root may create files in any directory, so only another user can see EACCES.
    if (::geteuid() == 0) {
        BOOST_TEST_MESSAGE("skipped: running as root, which bypasses directory permissions");
        return;
    }
    temp_directory directory;
    fs::create_directory(directory.path / "locked");
    BOOST_TEST_REQUIRE(::chmod((directory.path / "locked").c_str(), 0500) == 0);
    cli::listing_output output;

    std::string error = output.open((directory.path / "locked" / "list.csv").string());

    BOOST_TEST(contains(error, "permission denied to create files in"), error);
    ::chmod((directory.path / "locked").c_str(), 0700);
}

BOOST_AUTO_TEST_CASE(write_error_is_reported)
{
    // /dev/full accepts the open and fails every write with ENOSPC.
    if (!fs::exists("/dev/full")) {
        BOOST_TEST_MESSAGE("skipped: /dev/full does not exist");
        return;
    }
    std::FILE* full = std::fopen("/dev/full", "w");
    BOOST_TEST_REQUIRE(full != nullptr);
    std::FILE* saved = stdout;
    stdout = full;
    cli::listing_output output;

    bool written = output.write(std::string(100000, 'x'));
    stdout = saved;
    std::fclose(full);

    BOOST_TEST(!written);
    BOOST_TEST(contains(output.error(), "writing to standard output failed: No space left on device"),
               output.error());
    BOOST_TEST(!output.write("more"));
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(progress_choice)

BOOST_AUTO_TEST_CASE(auto_needs_terminal_and_other_output)
{
    using cli::progress_mode;

    BOOST_TEST(cli::should_show_progress(progress_mode::automatic, false, true, false));
    BOOST_TEST(!cli::should_show_progress(progress_mode::automatic, false, true, true));
    BOOST_TEST(!cli::should_show_progress(progress_mode::automatic, false, false, false));
}

BOOST_AUTO_TEST_CASE(always_and_never_ignore_terminals)
{
    using cli::progress_mode;

    BOOST_TEST(cli::should_show_progress(progress_mode::always, false, false, true));
    BOOST_TEST(!cli::should_show_progress(progress_mode::never, false, true, false));
}

BOOST_AUTO_TEST_CASE(quiet_wins)
{
    using cli::progress_mode;

    BOOST_TEST(!cli::should_show_progress(progress_mode::always, true, true, false));
    BOOST_TEST(!cli::should_show_progress(progress_mode::automatic, true, true, false));
}

BOOST_AUTO_TEST_CASE(width_falls_back_without_terminal)
{
    std::FILE* file = std::tmpfile();
    BOOST_TEST_REQUIRE(file != nullptr);

    BOOST_TEST(cli::terminal_width(::fileno(file), 80) == 80u);
    std::fclose(file);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(status_lines)

BOOST_AUTO_TEST_CASE(progress_redrawn_in_place)
{
    std::FILE* stream = std::tmpfile();
    BOOST_TEST_REQUIRE(stream != nullptr);
    cli::status_output status(stream, "tool", true);

    status.show_progress("page 1, 100 items");
    status.show_progress("page 2");
    std::string text = contents_of(stream);
    std::fclose(stream);

    // The shorter line is padded with spaces to cover the longer one.
    BOOST_TEST(text == "\rpage 1, 100 items\rpage 2           ");
}

BOOST_AUTO_TEST_CASE(message_clears_progress_first)
{
    std::FILE* stream = std::tmpfile();
    BOOST_TEST_REQUIRE(stream != nullptr);
    cli::status_output status(stream, "tool", true);

    status.show_progress("page 1");
    status.print_line("error: failed");
    status.print_line("summary");
    std::string text = contents_of(stream);
    std::fclose(stream);

    BOOST_TEST(text == "\rpage 1\r      \rtool: error: failed\ntool: summary\n");
}

BOOST_AUTO_TEST_CASE(message_control_characters_escaped)
{
    std::FILE* stream = std::tmpfile();
    BOOST_TEST_REQUIRE(stream != nullptr);
    cli::status_output status(stream, "tool", false);

    status.print_line("info: user eve\nswr-emulator: FAKE LINE\r\x1b[2J");
    std::string text = contents_of(stream);
    std::fclose(stream);

    BOOST_TEST(text == "tool: info: user eve\\nswr-emulator: FAKE LINE\\r\\x1b[2J\n");
}

BOOST_AUTO_TEST_CASE(no_progress_when_disabled)
{
    std::FILE* stream = std::tmpfile();
    BOOST_TEST_REQUIRE(stream != nullptr);
    cli::status_output status(stream, "tool", false);

    status.show_progress("page 1");
    status.print_line("summary");
    std::string text = contents_of(stream);
    std::fclose(stream);

    BOOST_TEST(text == "tool: summary\n");
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(escaping)

BOOST_AUTO_TEST_CASE(control_characters_become_escapes)
{
    BOOST_TEST(cli::escape_control_characters("a\nb\rc\td") == "a\\nb\\rc\\td");
    BOOST_TEST(cli::escape_control_characters(std::string_view("a\0b\x1b\x7f", 5)) == "a\\x00b\\x1b\\x7f");
    // U+009B, a C1 control character, is two bytes in UTF-8.
    BOOST_TEST(cli::escape_control_characters("a\xc2\x9b" "b") == "a\\xc2\\x9bb");
}

BOOST_AUTO_TEST_CASE(other_text_kept)
{
    // Non-ASCII names (here U+00FC and U+4E2D), spaces and backslashes stay as they are.
    const std::string text = "user \xc3\xbc\xe4\xb8\xad, path C:\\dir";
    BOOST_TEST(cli::escape_control_characters(text) == text);
    BOOST_TEST(cli::escape_control_characters("") == "");
}

BOOST_AUTO_TEST_CASE(escaping_twice_changes_nothing)
{
    const std::string once = cli::escape_control_characters("a\nb\x01");
    BOOST_TEST(cli::escape_control_characters(once) == once);
}

BOOST_AUTO_TEST_CASE(access_key_characters)
{
    BOOST_TEST(cli::is_printable_ascii_word("AK1-_.~!"));
    BOOST_TEST(!cli::is_printable_ascii_word("AK 1"));
    BOOST_TEST(!cli::is_printable_ascii_word("AK\x01"));
    BOOST_TEST(!cli::is_printable_ascii_word("AK\xc3\xbc"));
}

BOOST_AUTO_TEST_SUITE_END()
