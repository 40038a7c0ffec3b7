#include "emulator/wire.hpp"

#include <boost/beast/http/status.hpp>

#include <algorithm>
#include <string_view>
#include <type_traits>
#include <variant>

namespace swr::emulator_detail {

namespace {

// Bytes of a part of `size` bytes sent before a cut: `chosen`, or half by
// default, and always at least one byte short of the whole.
std::size_t cut_point(std::optional<std::size_t> chosen, std::size_t size)
{
    if (size == 0) {
        return 0;
    }
    return std::min(chosen.value_or(size / 2), size - 1);
}

class step_list {
public:
    explicit step_list(wire_plan& plan) : plan_(plan) {}

    void write(std::string bytes, std::size_t chunk_bytes = 0, std::chrono::milliseconds interval = {})
    {
        if (bytes.empty()) {
            return;
        }
        plan_.steps.push_back({wire_step::kind::write, std::move(bytes), chunk_bytes, interval});
    }

    void pause(std::chrono::milliseconds duration)
    {
        plan_.steps.push_back({wire_step::kind::pause, {}, 0, duration});
    }

    void end(wire_step::kind ending)
    {
        plan_.steps.push_back({ending, {}, 0, {}});
        plan_.ends_connection = true;
    }

private:
    wire_plan& plan_;
};

}  // namespace

std::string render_response_head(const response_plan& plan, bool keep_alive)
{
    // Beast's table gives the usual reason phrase; an unknown status gets an
    // empty one, which HTTP allows.
    std::string_view reason;
    if (boost::beast::http::int_to_status(plan.status) != boost::beast::http::status::unknown) {
        auto text = boost::beast::http::obsolete_reason(static_cast<boost::beast::http::status>(plan.status));
        reason = std::string_view(text.data(), text.size());
    }

    std::string head = "HTTP/1.1 " + std::to_string(plan.status) + " ";
    head += reason;
    head += "\r\n";
    for (const auto& [name, value] : plan.headers) {
        head += name;
        head += ": ";
        head += value;
        head += "\r\n";
    }
    if (plan.status != 204 && plan.status != 304) {
        head += "Content-Length: " + std::to_string(plan.body.size()) + "\r\n";
    }
    if (!keep_alive) {
        head += "Connection: close\r\n";
    }
    head += "\r\n";
    return head;
}

wire_plan plan_wire(const response_plan& plan, bool keep_alive)
{
    wire_plan wire;
    step_list steps(wire);
    if (plan.delay.count() > 0) {
        steps.pause(plan.delay);
    }

    const std::string head = render_response_head(plan, keep_alive);
    const std::string& body = plan.body;
    std::size_t sent = head.size() + body.size();

    std::visit(
        [&](const auto& fault) {
            using fault_type = std::decay_t<decltype(fault)>;
            if constexpr (std::is_same_v<fault_type, std::monostate>) {
                steps.write(head + body);
            } else if constexpr (std::is_same_v<fault_type, trickle_fault>) {
                steps.write(head + body, fault.chunk_bytes, fault.interval);
            } else if constexpr (std::is_same_v<fault_type, stall_after_headers_fault>) {
                steps.write(head);
                if (fault.duration) {
                    steps.pause(*fault.duration);
                    steps.write(body);
                } else {
                    sent = head.size();
                    steps.end(wire_step::kind::wait_for_client_close);
                }
            } else if constexpr (std::is_same_v<fault_type, stall_mid_body_fault>) {
                std::size_t cut = cut_point(fault.body_bytes, body.size());
                steps.write(head + body.substr(0, cut));
                if (fault.duration) {
                    steps.pause(*fault.duration);
                    steps.write(body.substr(cut));
                } else {
                    sent = head.size() + cut;
                    steps.end(wire_step::kind::wait_for_client_close);
                }
            } else if constexpr (std::is_same_v<fault_type, reset_mid_headers_fault>) {
                sent = cut_point(fault.header_bytes, head.size());
                steps.write(head.substr(0, sent));
                steps.end(wire_step::kind::reset);
            } else {
                // The faults that send the head and part of the body, then end
                // the connection in their own way.
                std::size_t cut = cut_point(fault.body_bytes, body.size());
                sent = head.size() + cut;
                steps.write(head + body.substr(0, cut));
                if constexpr (std::is_same_v<fault_type, reset_mid_body_fault>) {
                    steps.end(wire_step::kind::reset);
                } else if constexpr (std::is_same_v<fault_type, short_body_fault>) {
                    steps.end(wire_step::kind::close_with_notify);
                } else {
                    static_assert(std::is_same_v<fault_type, close_without_notify_fault>);
                    steps.end(wire_step::kind::close_without_notify);
                }
            }
        },
        plan.delivery);
    wire.complete = sent == head.size() + body.size();

    // A connection the fault left open either closes now or waits for the next request.
    if (!wire.ends_connection) {
        if (!keep_alive || (plan.idle_close && plan.idle_close->count() == 0)) {
            steps.end(wire_step::kind::close_with_notify);
        } else {
            wire.idle_close = plan.idle_close;
        }
    }
    return wire;
}

}  // namespace swr::emulator_detail
