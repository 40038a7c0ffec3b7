#include "redact.hpp"

#include <swr/error.hpp>

#include <ostream>
#include <string>

namespace swr {
namespace {

class swr_category final : public boost::system::error_category {
public:
    const char* name() const noexcept override { return "swr"; }

    std::string message(int value) const override
    {
        switch (static_cast<errc>(value)) {
        case errc::ok: return "success";
        case errc::invalid_argument: return "invalid argument";
        case errc::bad_request: return "the server rejected the request as invalid (HTTP 400)";
        case errc::unauthorized: return "authentication failed (HTTP 401)";
        case errc::forbidden: return "permission denied (HTTP 403)";
        case errc::not_found: return "not found (HTTP 404)";
        case errc::throttled: return "request throttled by the server";
        case errc::server_error: return "server error (HTTP 5xx)";
        case errc::unexpected_status: return "unexpected HTTP status";
        case errc::bad_response: return "malformed response";
        case errc::bad_content_range: return "invalid or inconsistent Content-Range";
        case errc::response_too_large: return "response exceeds the configured size limit";
        case errc::inconsistent_listing: return "the listing changed or contradicted itself during the scan";
        case errc::timeout: return "operation timed out";
        case errc::cancelled: return "operation cancelled";
        case errc::proxy_error: return "the HTTP proxy did not open a tunnel";
        case errc::proxy_auth_required: return "proxy authentication failed (HTTP 407)";
        }
        return "unknown swr error " + std::to_string(value);
    }
};

}  // namespace

const boost::system::error_category& category() noexcept
{
    static const swr_category instance;
    return instance;
}

std::string error_info::to_string() const
{
    std::string text;
    if (http_status != 0)
        text += "HTTP " + std::to_string(http_status);
    if (!service_code.empty()) {
        if (!text.empty())
            text += ' ';
        text += service_code;
    }
    if (!message.empty()) {
        if (!text.empty())
            text += ": ";
        text += message;
    }

    std::string context;
    if (!request_id.empty())
        context += "request id " + request_id;
    if (offset) {
        if (!context.empty())
            context += ", ";
        context += "offset " + std::to_string(*offset);
    }
    if (!context.empty()) {
        if (!text.empty())
            text += ' ';
        text += "(" + context + ")";
    }
    return detail::redact(text);
}

std::ostream& operator<<(std::ostream& out, errc value)
{
    return out << make_error_code(value).message();
}

exception::exception(boost::system::error_code ec, error_info info)
    // The code is copied without its source location, which Boost would
    // otherwise print inside what().
    : boost::system::system_error(boost::system::error_code(ec.value(), ec.category()), info.to_string()),
      info_(std::move(info))
{
    // what() is already redacted by to_string(); the message is masked too
    // because callers print it on its own.
    info_.message = detail::redact(info_.message);
}

void throw_error(boost::system::error_code ec, error_info info)
{
    throw exception(ec, std::move(info));
}

}  // namespace swr
