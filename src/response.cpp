#include "response.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

namespace swr::detail {
namespace json = boost::json;
namespace {

// Server messages are quoted in errors and logs; keep them to one short line.
constexpr std::size_t max_message_length = 512;

std::string printable(std::string_view text)
{
    std::string out;
    for (char c : text.substr(0, max_message_length)) {
        auto byte = static_cast<unsigned char>(c);
        out += (byte < 0x20 || byte == 0x7f) ? ' ' : c;
    }
    if (text.size() > max_message_length)
        out += "...";
    return out;
}

std::string string_field(const json::object& object, std::string_view key)
{
    const json::value* value = object.if_contains(key);
    if (!value || !value->is_string())
        return {};
    return std::string(value->get_string());
}

void read_object(const json::object& object, error_body& out)
{
    out.code = string_field(object, "error_code");
    out.message = string_field(object, "error_msg");
    out.request_id = string_field(object, "request_id");

    // The current SWR format repeats the code in an `errors` array; older
    // bodies have only that form.
    const json::value* errors = object.if_contains("errors");
    if (errors && errors->is_array() && !errors->get_array().empty() && errors->get_array()[0].is_object()) {
        const json::object& first = errors->get_array()[0].get_object();
        if (out.code.empty())
            out.code = string_field(first, "errorCode");
        if (out.message.empty())
            out.message = string_field(first, "errorMessage");
    }
}

}  // namespace

error_body parse_error_body(std::string_view body)
{
    error_body result;
    boost::system::error_code ec;
    json::value document = json::parse(json::string_view(body.data(), body.size()), ec);

    if (!ec && document.is_object()) {
        read_object(document.get_object(), result);
    } else if (!ec && document.is_array() && !document.get_array().empty() &&
               document.get_array()[0].is_object()) {
        const json::object& first = document.get_array()[0].get_object();
        result.code = string_field(first, "errorCode");
        result.message = string_field(first, "errorMessage");
    }

    if (result.code.empty() && result.message.empty())
        result.message = body.empty() ? std::string() : "response body: " + std::string(body);
    result.code = printable(result.code);
    result.message = printable(result.message);
    result.request_id = printable(result.request_id);
    return result;
}

bool is_swr_throttling_code(std::string_view service_code) noexcept
{
    return service_code == "SVCSTG.SWR.4031032" || service_code == "SVCSTG.SWR.4031042";
}

errc classify_status(int status, std::string_view service_code) noexcept
{
    if (status >= 200 && status < 300)
        return errc::ok;
    switch (status) {
    case 400: return errc::bad_request;
    case 401: return errc::unauthorized;
    case 403: return is_swr_throttling_code(service_code) ? errc::throttled : errc::forbidden;
    case 404: return errc::not_found;
    case 429: return errc::throttled;
    default: break;
    }
    if (status >= 500 && status < 600)
        return errc::server_error;
    return errc::unexpected_status;
}

}  // namespace swr::detail
