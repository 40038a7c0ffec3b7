#include "listing_output.hpp"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <system_error>

#include <sys/stat.h>
#include <unistd.h>

namespace swr::cli {
namespace {

namespace fs = std::filesystem;

std::string in_quotes(std::string_view text)
{
    std::string result = "'";
    result += text;
    result += '\'';
    return result;
}

// The directory that will contain `path`: "." for a bare file name.
fs::path directory_of(const fs::path& path)
{
    fs::path parent = path.parent_path();
    return parent.empty() ? fs::path(".") : parent;
}

// Describes why a file could not be created in `directory`.
std::string describe_create_error(const fs::path& directory, int error_number)
{
    switch (error_number) {
    case ENOENT:
        return "the directory " + in_quotes(directory.string()) + " does not exist";
    case ENOTDIR:
        return "a component of " + in_quotes(directory.string()) + " is not a directory";
    case EACCES:
    case EPERM:
        return "permission denied to create files in " + in_quotes(directory.string());
    default:
        return std::strerror(error_number);
    }
}

// Returns the permission bits for the new file: those of the file it will
// replace, or else 0666 less the process umask.
mode_t permissions_for(const std::string& final_path)
{
    struct stat existing {};
    if (::stat(final_path.c_str(), &existing) == 0 && S_ISREG(existing.st_mode))
        return existing.st_mode & 07777;

    mode_t mask = ::umask(0);
    ::umask(mask);
    return 0666 & ~mask;
}

}  // namespace

listing_output::~listing_output()
{
    close_file();
    if (!temporary_path_.empty())
        ::unlink(temporary_path_.c_str());
}

std::string listing_output::open(const std::string& path)
{
    if (path == "-")
        return {};

    const std::string prefix = "cannot write --output " + in_quotes(path) + ": ";
    if (path.empty())
        return prefix + "the path is empty";

    std::error_code ec;
    if (fs::is_directory(path, ec))
        return prefix + "it is a directory; name a file";

    // Follow a symbolic link, so that the file it points to is replaced and the link stays.
    fs::path target = path;
    if (fs::is_symlink(fs::symlink_status(path, ec)) && fs::exists(path, ec)) {
        fs::path resolved = fs::canonical(path, ec);
        if (!ec)
            target = resolved;
    }

    // The temporary file must be in the same directory, so that rename()
    // replaces the file at once and never copies across file systems.
    const fs::path directory = directory_of(target);
    std::string temporary = (directory / ("." + target.filename().string() + ".XXXXXX")).string();
    int descriptor = ::mkstemp(temporary.data());
    if (descriptor < 0)
        return prefix + describe_create_error(directory, errno);

    if (::fchmod(descriptor, permissions_for(target.string())) != 0 ||
        (file_ = ::fdopen(descriptor, "wb")) == nullptr) {
        int error_number = errno;
        ::close(descriptor);
        ::unlink(temporary.c_str());
        return prefix + std::strerror(error_number);
    }

    display_path_ = path;
    final_path_ = target.string();
    temporary_path_ = std::move(temporary);
    return {};
}

bool listing_output::write(std::string_view text)
{
    if (!error_.empty())
        return false;

    std::FILE* stream = file_ != nullptr ? file_ : stdout;
    if (!text.empty() && std::fwrite(text.data(), 1, text.size(), stream) != text.size()) {
        fail_write(errno);
        return false;
    }
    if (std::fflush(stream) != 0) {
        fail_write(errno);
        return false;
    }
    return true;
}

std::string listing_output::fail_write(int error_number)
{
    if (error_.empty()) {
        std::string target = file_ != nullptr ? in_quotes(display_path_) : std::string("standard output");
        error_ = "writing to " + target + " failed: " + std::strerror(error_number);
    }
    return error_;
}

void listing_output::close_file() noexcept
{
    if (file_ != nullptr) {
        std::fclose(file_);
        file_ = nullptr;
    }
}

std::string listing_output::commit()
{
    if (file_ == nullptr) {
        if (std::fflush(stdout) != 0)
            return fail_write(errno);
        return error_;
    }
    if (!error_.empty())
        return error_;

    // The data reaches the disk before the rename, so that a crash cannot
    // leave an empty or short file under the final name.
    if (std::fflush(file_) != 0 || ::fsync(::fileno(file_)) != 0)
        return fail_write(errno);
    int close_result = std::fclose(file_);
    file_ = nullptr;
    if (close_result != 0)
        return fail_write(errno);

    if (::rename(temporary_path_.c_str(), final_path_.c_str()) != 0) {
        int error_number = errno;
        error_ = "cannot rename the complete listing to " + in_quotes(display_path_) + ": " +
                 std::strerror(error_number);
        return error_;
    }
    temporary_path_.clear();

    // A partial listing of an earlier run would now look newer than it is.
    ::unlink((final_path_ + ".partial").c_str());
    return {};
}

std::string listing_output::abandon(std::int64_t records)
{
    if (temporary_path_.empty())
        return {};

    if (file_ != nullptr)
        std::fflush(file_);
    close_file();

    if (records <= 0) {
        ::unlink(temporary_path_.c_str());
        temporary_path_.clear();
        return "no records were received; " + in_quotes(display_path_) + " was not written";
    }

    // Named after the resolved path, so that it lands beside the file a symbolic link points to.
    const std::string partial = final_path_ + ".partial";
    if (::rename(temporary_path_.c_str(), partial.c_str()) != 0) {
        int error_number = errno;
        std::string kept = temporary_path_;
        temporary_path_.clear();
        return std::to_string(records) + (records == 1 ? " record" : " records") + " kept in " + in_quotes(kept) +
               " because renaming it to " + in_quotes(partial) + " failed: " + std::strerror(error_number) +
               "; " + in_quotes(display_path_) + " was not written";
    }
    temporary_path_.clear();
    return std::to_string(records) + (records == 1 ? " record" : " records") + " kept in " +
           in_quotes(partial) + "; " + in_quotes(display_path_) + " was not written";
}

}  // namespace swr::cli
