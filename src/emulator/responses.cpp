#include "emulator/responses.hpp"

namespace swr::emulator_detail {

namespace {

constexpr std::string_view hex_digits = "0123456789abcdef";

void append_hex64(std::string& out, std::uint64_t value)
{
    for (int shift = 60; shift >= 0; shift -= 4) {
        out.push_back(hex_digits[(value >> shift) & 0xF]);
    }
}

}  // namespace

void append_json_string(std::string& out, std::string_view text)
{
    out.push_back('"');
    for (char c : text) {
        switch (c) {
        case '"':
            out += "\\\"";
            break;
        case '\\':
            out += "\\\\";
            break;
        case '\n':
            out += "\\n";
            break;
        case '\r':
            out += "\\r";
            break;
        case '\t':
            out += "\\t";
            break;
        default:
            if (static_cast<unsigned char>(c) < 0x20) {
                out += "\\u00";
                out.push_back(hex_digits[(c >> 4) & 0xF]);
                out.push_back(hex_digits[c & 0xF]);
            } else {
                out.push_back(c);
            }
        }
    }
    out.push_back('"');
}

std::string render_swr_error(std::string_view code, std::string_view message)
{
    std::string body = R"({"errors":[{"errorCode":)";
    append_json_string(body, code);
    body += R"(,"errorMessage":)";
    append_json_string(body, message);
    body += R"(,"detail":""}],"error_code":)";
    append_json_string(body, code);
    body += R"(,"error_msg":)";
    append_json_string(body, message);
    body += R"(,"details":[{"error_code":)";
    append_json_string(body, code);
    body += R"(,"error_msg":""}]})";
    return body;
}

std::string render_gateway_error(std::string_view code, std::string_view message,
                                 std::string_view request_id)
{
    std::string body = R"({"error_code":)";
    append_json_string(body, code);
    body += R"(,"error_msg":)";
    append_json_string(body, message);
    body += R"(,"request_id":)";
    append_json_string(body, request_id);
    body += '}';
    return body;
}

std::uint64_t splitmix64(std::uint64_t& state)
{
    state += 0x9E3779B97F4A7C15ULL;
    std::uint64_t z = state;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

request_id_generator::request_id_generator(std::uint64_t seed) : seed_(seed) {}

std::string request_id_generator::next()
{
    // splitmix64 maps distinct 64-bit states to distinct outputs, so each
    // counter value gives a distinct low half and the id stays unique. The
    // high half only makes ids look random.
    std::uint64_t number = counter_.fetch_add(1, std::memory_order_relaxed);
    std::uint64_t low_state = seed_ + number - 0x9E3779B97F4A7C15ULL;
    std::uint64_t low = splitmix64(low_state);
    std::uint64_t high_state = low ^ seed_;
    std::uint64_t high = splitmix64(high_state);

    std::string id;
    id.reserve(32);
    append_hex64(id, high);
    append_hex64(id, low);
    return id;
}

}  // namespace swr::emulator_detail
