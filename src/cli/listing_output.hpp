#ifndef SWR_CLI_LISTING_OUTPUT_HPP
#define SWR_CLI_LISTING_OUTPUT_HPP

#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>

namespace swr::cli {

/// Destination of the listing: standard output, or the file named by
/// `--output`.
///
/// A file is written under a temporary name in its own directory,
/// `.NAME.XXXXXX`, and renamed to its name by `commit` only, so that a file
/// under that name always contains a complete listing. An existing file is
/// replaced only then. After a failed or interrupted scan, `abandon` keeps
/// what was written as `NAME.partial`. The new file gets the permission bits
/// of the file it replaces, or else 0666 less the umask, as a shell
/// redirection would. A symbolic link at the path is followed.
///
/// Not thread-safe; the CLI uses it from its one thread.
class listing_output {
public:
    /// Writes to standard output until `open` names a file.
    listing_output() = default;

    listing_output(const listing_output&) = delete;
    listing_output& operator=(const listing_output&) = delete;

    /// Removes the temporary file when neither `commit` nor `abandon` ran.
    ~listing_output();

    /// Selects the destination: "-" is standard output, anything else a file
    /// path. For a file, creates the temporary file next to it. Returns an
    /// empty string, or an error naming the path and the reason, e.g.
    /// `cannot write --output 'out/a.csv': the directory 'out' does not exist`.
    std::string open(const std::string& path);

    /// Whether the listing goes to a file rather than standard output.
    bool is_file() const noexcept { return file_ != nullptr; }

    /// Appends `text` and flushes it, so that every page written reaches the
    /// file or the pipe before the next one is requested. Returns false once
    /// a write failed; `error` then describes the failure.
    bool write(std::string_view text);

    /// The first write failure, e.g. `writing to standard output failed:
    /// Broken pipe`; empty while every write succeeded.
    const std::string& error() const noexcept { return error_; }

    /// Finishes a complete listing. For a file: flushes it to disk (fsync),
    /// renames it into place and removes a `NAME.partial` left by an earlier
    /// run. Returns an empty string, or the error; after an error the data
    /// is kept as by `abandon`.
    std::string commit();

    /// Finishes an incomplete listing. For a file: keeps what was written as
    /// `NAME.partial` when `records` > 0, else removes it. The file at the
    /// path itself is never touched. Returns the line to show on standard
    /// error, e.g. `120 records kept in 'a.csv.partial'; 'a.csv' was not
    /// written`, or an empty string for standard output.
    std::string abandon(std::int64_t records);

private:
    std::string fail_write(int error_number);
    void close_file() noexcept;

    std::string display_path_;    // as given by the user, for messages
    std::string final_path_;      // the path with a symbolic link resolved
    std::string temporary_path_;  // empty once renamed or removed
    std::FILE* file_ = nullptr;
    std::string error_;
};

}  // namespace swr::cli

#endif
