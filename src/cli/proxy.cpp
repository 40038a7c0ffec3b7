#include "proxy.hpp"

#include <swr/error.hpp>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>

namespace swr::cli {
namespace {

// A password file contains one short line, so anything much larger is a mistake.
constexpr std::size_t max_password_file_bytes = 64 * 1024;

[[noreturn]] void throw_invalid(std::string message)
{
    error_info info;
    info.message = std::move(message);
    throw_error(errc::invalid_argument, std::move(info));
}

std::string read_password_file(const std::string& path)
{
    const std::string where = "'" + path + "' (--proxy-password-file)";
    std::error_code ignored;
    if (std::filesystem::is_directory(path, ignored))
        throw_invalid(where + " is a directory; name the file containing the proxy password");

    std::ifstream file(path, std::ios::binary);
    if (!file)
        throw_invalid("cannot read " + where + ": " + std::strerror(errno) + "; check the path and its permissions");
    std::string content(max_password_file_bytes + 1, '\0');
    file.read(content.data(), static_cast<std::streamsize>(content.size()));
    if (file.bad())
        throw_invalid("cannot read " + where + ": read error");
    content.resize(static_cast<std::size_t>(file.gcount()));
    if (content.size() > max_password_file_bytes)
        throw_invalid(where + " is larger than 64 KiB; it should contain one password");

    // A password may end with a space, so only the line ending is removed.
    if (content.ends_with('\n')) {
        content.pop_back();
        if (content.ends_with('\r'))
            content.pop_back();
    }
    if (content.empty())
        throw_invalid(where + " is empty; write the proxy password into it");
    if (content.find_first_not_of(" \t") == std::string::npos)
        throw_invalid(where + " contains only spaces or tabs; write the proxy password into it");
    bool control = std::any_of(content.begin(), content.end(), [](char c) {
        auto byte = static_cast<unsigned char>(c);
        return byte < 0x20 || byte == 0x7f;
    });
    if (control)
        throw_invalid(where + " contains a line break or another control character; write the password on one line");
    return content;
}

}  // namespace

proxy_options make_proxy_options(const options& options)
{
    proxy_options settings;
    settings.url = options.proxy;
    settings.no_proxy = options.no_proxy;
    settings.use_environment = true;
    settings.url_origin = "--proxy";
    settings.no_proxy_origin = "--no-proxy";
    if (!options.proxy_password_file.empty())
        settings.password = read_password_file(options.proxy_password_file);
    return settings;
}

}  // namespace swr::cli
