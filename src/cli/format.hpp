#ifndef SWR_CLI_FORMAT_HPP
#define SWR_CLI_FORMAT_HPP

#include "options.hpp"

#include <swr/repository.hpp>

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>

namespace swr::cli {

/// Turns a stream of pages into text, one page at a time.
///
/// Formatters append to a caller's buffer and keep at most a few counters
/// between calls, never the items, so memory does not grow with the listing.
/// Call `begin` once, `write_page` for every page in order, and `finish` only
/// when the listing ended without error.
class formatter {
public:
    virtual ~formatter() = default;

    /// Appends what comes before the first item (a header row, `[`).
    virtual void begin(std::string& out) = 0;

    /// Appends the items of one page.
    virtual void write_page(std::span<const repository> items, std::string& out) = 0;

    /// Appends what closes a complete listing (`]`).
    virtual void finish(std::string& out) = 0;
};

/// Returns a new formatter for `format`.
std::unique_ptr<formatter> make_formatter(output_format format);

/// Appends `field` to `out` as one RFC 4180 field: quoted when it contains a
/// comma, a double quote, CR or LF, with inner quotes doubled.
void append_csv_field(std::string& out, std::string_view field);

/// Formats a byte count with binary units and one decimal, e.g. `14.7 GiB`;
/// counts below 1024 stay exact, e.g. `512 B`.
std::string format_bytes(std::uint64_t bytes);

/// Returns the number of code points in UTF-8 `text`; terminals show the
/// repository names, namespaces and tags that SWR allows one column each.
std::size_t display_width(std::string_view text) noexcept;

/// Joins `tags` with commas within `max_width` columns. Tags that do not fit
/// are replaced by `+N` (N tags not shown); an empty list is `-`.
std::string summarize_tags(std::span<const std::string> tags, std::size_t max_width);

}  // namespace swr::cli

#endif
