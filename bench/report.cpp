#include "report.hpp"

#include "process.hpp"

#include <algorithm>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace swr::bench {

namespace {

void append_markdown_row(std::string& out, const std::vector<std::string>& cells)
{
    out += '|';
    for (const std::string& cell : cells)
        out += ' ' + cell + " |";
    out += '\n';
}

// Numbers are right-aligned: every column but the first, unless `text_columns`.
void append_markdown_table(std::string& out, const std::vector<std::string>& header,
                           const std::vector<std::vector<std::string>>& rows, bool text_columns = false)
{
    append_markdown_row(out, header);
    out += '|';
    for (std::size_t i = 0; i < header.size(); ++i)
        out += i == 0 || text_columns ? "---|" : "---:|";
    out += '\n';
    for (const auto& row : rows)
        append_markdown_row(out, row);
}

std::string measured_text(const target_check& check)
{
    return check.measured ? fixed(*check.measured, check.decimals) : "n/a";
}

std::string verdict(const target_check& check)
{
    if (check.target == "-")
        return "-";
    if (!check.measured)
        return "not measured";
    return check.met ? "met" : "missed";
}

std::vector<std::vector<std::string>> summary_rows(const bench_report& report)
{
    std::vector<std::vector<std::string>> rows;
    for (const target_check& check : report.targets)
        rows.push_back({check.figure, measured_text(check), check.target, verdict(check)});
    return rows;
}

// Display width of UTF-8 text: code points, not bytes.
std::size_t width_of(const std::string& text)
{
    return static_cast<std::size_t>(
        std::count_if(text.begin(), text.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }));
}

void append_text_table(std::string& out, const std::vector<std::string>& header,
                       const std::vector<std::vector<std::string>>& rows)
{
    std::vector<std::size_t> widths(header.size(), 0);
    auto measure = [&widths](const std::vector<std::string>& cells) {
        for (std::size_t i = 0; i < cells.size() && i < widths.size(); ++i)
            widths[i] = std::max(widths[i], width_of(cells[i]));
    };
    measure(header);
    for (const auto& row : rows)
        measure(row);

    auto append_row = [&](const std::vector<std::string>& cells) {
        std::string line;
        for (std::size_t i = 0; i < cells.size() && i < widths.size(); ++i) {
            std::string padding(widths[i] - width_of(cells[i]), ' ');
            line += i == 0 ? cells[i] + padding : padding + cells[i];
            line += "  ";
        }
        line.erase(line.find_last_not_of(' ') + 1);
        out += "  " + line + '\n';
    };
    append_row(header);
    for (const auto& row : rows)
        append_row(row);
}

}  // namespace

std::string render_markdown(const bench_report& report, const bench_config& config)
{
    std::string out = std::string(results_begin) + "\n\n";
    out += "## Latest results\n\n";
    out += "Written by `scripts/bench.sh` (`swr-bench`, configuration \"" + config.name + "\") in " +
           fixed(seconds_of(report.elapsed), 0) + " s. Every process ran on this machine over 127.0.0.1.\n\n";

    out += "### Machine\n\n";
    std::vector<std::vector<std::string>> machine_rows;
    for (const auto& [name, value] : report.machine)
        machine_rows.push_back({name, value});
    append_markdown_table(out, {"item", "value"}, machine_rows, true);

    out += "\n### Targets\n\n";
    append_markdown_table(out, {"figure", "measured", "target", "result"}, summary_rows(report), true);

    for (const result_table& table : report.tables) {
        out += "\n### " + table.title + "\n\n";
        out += table.description + "\n\n";
        append_markdown_table(out, table.header, table.rows);
        for (const std::string& note : table.notes)
            out += "\n" + note + "\n";
        if (!table.commands.empty()) {
            out += "\n```sh\n";
            for (const std::string& command : table.commands)
                out += command + "\n";
            out += "```\n";
        }
    }
    out += "\n" + std::string(results_end) + "\n";
    return out;
}

std::string render_text(const bench_report& report)
{
    std::string out = "Targets\n";
    append_text_table(out, {"figure", "measured", "target", "result"}, summary_rows(report));
    for (const result_table& table : report.tables) {
        out += "\n" + table.title + "\n";
        append_text_table(out, table.header, table.rows);
        for (const std::string& note : table.notes)
            out += "  " + note + "\n";
    }
    return out;
}

void write_markdown(const std::string& path, const std::string& block)
{
    std::string existing = read_file(path);
    std::string contents;
    std::size_t begin = existing.find(results_begin);
    std::size_t end = existing.find(results_end);
    if (begin != std::string::npos && end != std::string::npos && end > begin) {
        std::size_t after = existing.find('\n', end);
        after = after == std::string::npos ? existing.size() : after + 1;
        contents = existing.substr(0, begin) + block + existing.substr(after);
    } else {
        contents = "# Benchmarks\n\n" + block;
    }

    std::ofstream file(path, std::ios::binary | std::ios::trunc);
    file << contents;
    file.close();
    if (!file)
        throw std::runtime_error("cannot write the report to " + path);
}

}  // namespace swr::bench
