#ifndef SWR_EMULATOR_HPP
#define SWR_EMULATOR_HPP

#include <boost/asio/any_io_executor.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace swr {

namespace emulator_detail {
class server;
}

// Fault injection
// ---------------
//
// An emulator can inject faults into chosen requests, so that tests can
// script what a real registry and network do to a paged scan. A rule names
// the requests it matches and one action. The actions fall into groups:
//
// - what is answered: `status_fault`, `page_size_cap_fault`,
//   `content_range_fault`, `mutate_fault` (the listing changes);
// - when: `latency_fault`;
// - how the bytes travel (the delivery faults): `stall_after_headers_fault`,
//   `stall_mid_body_fault`, `reset_mid_headers_fault`, `reset_mid_body_fault`,
//   `short_body_fault`, `close_without_notify_fault`, `trickle_fault`;
// - what happens to the connection afterwards: `idle_close_fault`.
//
// Every rule that matches a request applies, in list order, and uses up one
// of its `times`. A request gets at most one action of each kind, and the
// delivery faults count as one kind: a later matching rule of a kind already
// applied is skipped and keeps its uses for a later request. Latencies and
// mutations are the exceptions, because latencies add up and mutations apply
// one after the other.
//
// Scenario files (`swr-emulator --faults FILE`, `load_fault_scenario`) hold
// the same rules as JSON. The top level is an object:
//
//     {
//       "fault_probability": 0.05,   // optional, see emulator_options
//       "fault_seed": 42,            // optional
//       "rules": [
//         {"request": 1, "action": "status", "status": 429,
//          "headers": {"Retry-After": "3"}},
//         {"request": 2, "action": "status", "status": 503},
//         {"offset": 200, "center": "self", "times": 0, "action": "reset_mid_body"},
//         {"action": "latency", "delay_ms": 1500, "times": 3},
//         {"request": 4, "action": "stall_after_headers"},
//         {"request": 5, "action": "trickle", "chunk_bytes": 7, "interval_ms": 5},
//         {"request": 6, "action": "page_size_cap", "max_items": 10},
//         {"request": 7, "action": "mutate", "insert": 3, "position": 0},
//         {"request": 8, "action": "content_range", "value": "0-5/99"},
//         {"request": 9, "action": "content_range", "value": null},
//         {"request": 10, "action": "idle_close", "idle_ms": 0}
//       ]
//     }
//
// (JSON has no comments; the ones above only explain.) Every rule takes
// `action` and optionally `request`, `offset`, `center` and `times` (the
// fields of `fault_rule`). The action's own fields are those of its struct
// below, with durations as integers in milliseconds under a name ending in
// `_ms`: `status` (required), `body`, `headers` (an object, or an array of
// `[name, value]` pairs when a name repeats); `delay_ms` (required);
// `duration_ms` (absent: until the client closes), `body_bytes`;
// `header_bytes`; `idle_ms`; `chunk_bytes`, `interval_ms`; `max_items`
// (required); `insert`, `remove`, `position`; `value` (required: a string,
// or null to omit the header). Unknown fields, and fields of another action,
// are rejected.

/// Replaces the normal response with a chosen status, body and header fields.
/// Routing, authentication and the rate limit are skipped.
struct status_fault {
    /// HTTP status, 200 to 599. Default: 500.
    unsigned status = 500;

    /// Response body. Empty (default): the body that SWR or its API gateway
    /// sends for that status, with this error code. 400 `SVCSTG.SWR.4000014`,
    /// 401 `APIG.0301`, 403 `SVCSTG.SWR.4031032` (SWR's own throttling),
    /// 404 `APIG.0101`, 429 `APIG.0308`, 500 `SVCSTG.SWR.5000008`, 502 and
    /// 503 `APIG.0202`, 504 `APIG.0203`. Other 4xx get `SVCSTG.SWR.4000014`
    /// and other 5xx `SVCSTG.SWR.5000008`. Below 400 there is no body.
    /// Must be empty for 204 and 304.
    std::optional<std::string> body;

    /// Extra header fields, sent in this order after the normal ones, e.g.
    /// `{"Retry-After", "3"}`. A name of a normal field (`Content-Type`,
    /// `X-Request-Id`) replaces that field; a name may repeat. Values are
    /// sent as they are, so malformed ones are possible. `Content-Length`,
    /// `Transfer-Encoding` and `Connection` are rejected, and so are CR, LF
    /// and NUL anywhere.
    std::vector<std::pair<std::string, std::string>> headers;
};

/// Waits before the response, on top of `emulator_options::latency`.
struct latency_fault {
    /// 0 to 1 hour. Default: 0.
    std::chrono::milliseconds delay{0};
};

/// Sends the status line and header fields, then nothing for a while, then
/// the body.
struct stall_after_headers_fault {
    /// 0 to 1 hour. Empty (default): until the client closes the connection
    /// or the emulator stops; the body is never sent.
    std::optional<std::chrono::milliseconds> duration;
};

/// Sends the header fields and part of the body, then nothing for a while,
/// then the rest.
struct stall_mid_body_fault {
    /// 0 to 1 hour. Empty (default): until the client closes the connection
    /// or the emulator stops; the rest is never sent.
    std::optional<std::chrono::milliseconds> duration;

    /// Body bytes sent before the stall. Empty (default): half the body,
    /// rounded down. A larger value than the body size minus 1 is lowered to it.
    std::optional<std::size_t> body_bytes;
};

/// Sends part of the status line and header block, then resets the TCP
/// connection (SO_LINGER 0 and close, so the client gets an RST).
struct reset_mid_headers_fault {
    /// Bytes of the status line and header block sent before the reset.
    /// Empty (default): half of them, rounded down. A larger value than their
    /// number minus 1 is lowered to it.
    std::optional<std::size_t> header_bytes;
};

/// Sends the header fields and part of the body, then resets the TCP connection.
struct reset_mid_body_fault {
    /// As `stall_mid_body_fault::body_bytes`.
    std::optional<std::size_t> body_bytes;
};

/// Sends the header fields, with a `Content-Length` of the whole body, and
/// part of the body, then closes the connection cleanly (TLS close_notify,
/// then TCP FIN).
struct short_body_fault {
    /// As `stall_mid_body_fault::body_bytes`.
    std::optional<std::size_t> body_bytes;
};

/// Sends the header fields and part of the body, then closes the TCP
/// connection without a TLS close_notify, which a TLS client sees as a
/// truncated stream.
struct close_without_notify_fault {
    /// As `stall_mid_body_fault::body_bytes`.
    std::optional<std::size_t> body_bytes;
};

/// Sends the response normally, then closes the keep-alive connection (with TLS
/// close_notify) once it has been idle for `idle`, so that the client's
/// next request on it finds it closed. The response does not carry
/// `Connection: close`.
struct idle_close_fault {
    /// 0 to 1 hour; 0 closes right after the response. Default: 0.
    std::chrono::milliseconds idle{0};
};

/// Sends the whole response a few bytes at a time, each piece in its own
/// write (and so its own TLS record), with a pause between pieces.
struct trickle_fault {
    /// Bytes per write, 1 to 65536. Default: 16.
    std::size_t chunk_bytes = 16;

    /// Pause between writes, 0 to 1 hour. Default: 10 ms.
    std::chrono::milliseconds interval{10};
};

/// Serves at most `max_items` repositories in this listing, whatever its
/// `limit`. `Content-Range` counts the repositories actually sent; the total
/// is unchanged.
struct page_size_cap_fault {
    /// 0 or more; 0 sends an empty page. Default: 1.
    std::int64_t max_items = 1;
};

/// Changes the listing of a center before the response is built, as another
/// user creating or deleting repositories during a scan would. The change
/// stays for every later request. The center is the rule's `center`, or
/// else the request's. So a request that is not a valid listing changes
/// nothing unless the rule names a center.
///
/// Positions count in the order of the loaded data, which is the listing
/// order when no `order_column` is requested. With another order, inserted
/// repositories land where their sort key puts them.
///
/// NOTE: each mutation copies the center's records, rendered JSON included
/// (O(n) time and memory), which suits test data sets, not 10 million
/// repositories.
struct mutate_fault {
    /// Repositories removed from `position` on, 0 or more. Default: 0. At
    /// least one of `remove` and `insert` must be positive.
    std::int64_t remove = 0;

    /// New repositories inserted at `position` after the removal, 0 to
    /// 100,000. They are generated records numbered from 10,000,000 up, so
    /// their names differ from every generated data set. Default: 0.
    std::int64_t insert = 0;

    /// Position of the change, 0 or more; past the end means the end. Default: 0.
    std::int64_t position = 0;
};

/// Sends a chosen `Content-Range` value, or omits the field, in whatever
/// response the request gets.
struct content_range_fault {
    /// Sent as it is, e.g. `"5-10/100"` when the page starts at 0. Empty
    /// (default): the field is omitted. CR, LF and NUL are rejected.
    std::optional<std::string> value;
};

/// One action of a fault rule.
using fault_action =
    std::variant<status_fault, latency_fault, stall_after_headers_fault, stall_mid_body_fault,
                 reset_mid_headers_fault, reset_mid_body_fault, short_body_fault, close_without_notify_fault,
                 idle_close_fault, trickle_fault, page_size_cap_fault, mutate_fault, content_range_fault>;

/// A fault: the requests it matches, how many times it applies, and its action.
///
/// The match fields combine: a rule with both `request` and `offset` matches
/// only a request with that number and that offset.
struct fault_rule {
    /// 1-based number of the request, counting every request except those to
    /// `/emulator/stats` (malformed HTTP is not counted either), since the
    /// emulator started or since `emulator::set_faults()`. Empty (default):
    /// any number.
    std::optional<std::uint64_t> request;

    /// `offset` of the page, 0 or more. Only valid listing requests match; one
    /// without `offset` has offset 0. Empty (default): any offset, and
    /// requests that are not listings too.
    std::optional<std::int64_t> offset;

    /// `self` or `thirdparty`: only valid listing requests of that center
    /// match. Empty (default): any request.
    std::string center;

    /// Number of matching requests the rule applies to; 0 means every one.
    /// Default: 1.
    std::uint64_t times = 1;

    /// Action applied to each matching request. Default: a `status_fault`
    /// with status 500.
    fault_action action;
};

/// Contents of a fault scenario file (see the format above).
struct fault_scenario {
    std::vector<fault_rule> rules;   ///< The file's `rules`, in order; empty when absent.
    double fault_probability = 0;    ///< As `emulator_options::fault_probability`; 0 when absent.
    std::uint64_t fault_seed = 0;    ///< As `emulator_options::fault_seed`; 0 when absent.
};

/// Reads and checks a fault scenario file.
///
/// @throws std::runtime_error naming the file, and for invalid content the
/// line, the field (e.g. `rules[2].status`), its value and what is expected.
fault_scenario load_fault_scenario(const std::string& path);

/// An IAM user that may request tokens from the emulator's `POST /v3/auth/tokens`.
struct iam_user {
    std::string name;      ///< User name; none of the three fields may be empty.
    std::string password;  ///< Never logged or sent back.
    std::string domain;    ///< Account (domain) name that the request must give.
};

/// Settings of a local SWR emulator, checked by the `emulator` constructor.
struct emulator_options {
    /// Address to listen on: `127.0.0.1` or `::1`. Any other value is rejected,
    /// so the emulator is never reachable from another host.
    std::string bind_address = "127.0.0.1";

    /// TCP port. Default: 0, which picks a free port (see `emulator::port()`).
    std::uint16_t port = 0;

    /// Directory of the TLS files `ca.pem`, `server.pem` and `server.key`.
    /// Required. The directory and a new throwaway CA are created when none of
    /// the three files exists; all three are reused when all exist.
    std::string tls_dir;

    /// Number of generated repositories per center (`self` and `thirdparty`).
    /// The same number always yields the same data. Default: 0. Maximum:
    /// 10,000,000. Cannot be combined with `data_file`.
    std::int64_t repositories = 0;

    /// JSON file with the repositories to serve, an object keyed by center:
    /// `{"self": [...], "thirdparty": [...]}`. Empty: generate `repositories`.
    std::string data_file;

    /// Static token accepted in `X-Auth-Token`. Never logged or sent back.
    ///
    /// Listings are authenticated when any of `token`, `access_key` or
    /// `iam_users` is set. A listing is then accepted with a valid AK/SK
    /// signature, or with `X-Auth-Token` equal to `token` or to an unexpired
    /// token issued by `POST /v3/auth/tokens`. Otherwise it gets 401 `APIG.0301`,
    /// as from Huawei Cloud's API gateway. Empty (default) with the other two
    /// empty: no authentication check.
    std::string token;

    /// Access key (AK) of the one key pair accepted in SDK-HMAC-SHA256
    /// signatures. Set together with `secret_key`. Empty (default): signed
    /// requests are rejected.
    std::string access_key;

    /// Secret key (SK) of `access_key`: printable ASCII without spaces, the
    /// rule swr-shared-repos applies. Never logged or sent back.
    std::string secret_key;

    /// When set, an AK/SK-signed listing must carry `X-Project-Id` equal to
    /// this value. Empty (default): not checked.
    std::string project_id;

    /// Offset added to the emulator's wall clock when it checks `X-Sdk-Date`
    /// (which must be within 15 minutes) and token expiry, to simulate a host
    /// whose clock is off. The `Date` fields it sends are shifted too.
    /// Positive: the emulator runs ahead. Default: 0.
    /// At most 10 years either way.
    std::chrono::seconds clock_skew{0};

    /// Users for which `POST /v3/auth/tokens` issues tokens, each name at
    /// most once per domain. Empty (default): every token request gets 401.
    std::vector<iam_user> iam_users;

    /// Lifetime of the tokens issued, 1 s to 1 year. Default: 24 h, as IAM.
    std::chrono::seconds token_lifetime{std::chrono::hours(24)};

    /// Delay added before every response is written, 0 or more. Default: 0.
    std::chrono::milliseconds latency{0};

    /// Whether TLS sessions can be resumed: TLS 1.3 session tickets, and
    /// TLS 1.2 tickets and session IDs. Turn it off to test a client
    /// against a server that makes every handshake a full one. Default: true.
    bool session_resumption = true;

    /// Requests per second allowed by a token bucket shared by all
    /// connections; requests beyond it get 429 `APIG.0308`. Default: 0 (off).
    double rate_limit = 0;

    /// Bucket size of the rate limit, in requests: 0 or at least 1, and only
    /// with `rate_limit`. Default: 0, which means `max(1, rate_limit)`.
    double rate_burst = 0;

    /// Fault rules, in the order they are tried (see `fault_rule`). Default: none.
    std::vector<fault_rule> faults;

    /// Probability, 0 to 1, that a request which no rule gave a status or
    /// delivery fault gets a random retryable fault. The fault is one of 500,
    /// 502, 503 or 504 with its default body, 429 with `Retry-After: 0`, a
    /// reset mid-body, a short body or a close without TLS close_notify.
    /// Default: 0 (off).
    double fault_probability = 0;

    /// Seed of the random faults. The fault of request number N depends only
    /// on the seed and N, not on timing or threads. Default: 0.
    std::uint64_t fault_seed = 0;

    /// Receives one line per start, stop, unexpected connection error and
    /// injected fault (random faults: the 1st, 2nd, 4th, 8th... only), never a
    /// token. May be called from any thread that runs the executor and from
    /// the threads that call `start()` and `stop()`. Empty: silent.
    std::function<void(std::string_view message)> log;
};

/// Faults injected, by action: each member counts the action of the same
/// name, e.g. `status` counts `status_fault`. Each applied action counts once
/// when the response is planned, whether or not the client stays to see it.
struct emulator_fault_counts {
    std::uint64_t status = 0;
    std::uint64_t latency = 0;
    std::uint64_t stall_after_headers = 0;
    std::uint64_t stall_mid_body = 0;
    std::uint64_t reset_mid_headers = 0;
    std::uint64_t reset_mid_body = 0;
    std::uint64_t short_body = 0;
    std::uint64_t close_without_notify = 0;
    std::uint64_t idle_close = 0;
    std::uint64_t trickle = 0;
    std::uint64_t page_size_cap = 0;
    std::uint64_t mutate = 0;
    std::uint64_t content_range = 0;
};

/// Counters of an emulator since it started or since `reset_stats()`.
///
/// Requests to `/emulator/stats` are not counted.
struct emulator_stats {
    std::uint64_t requests = 0;          ///< Requests parsed, whatever the response.
    std::uint64_t in_flight = 0;         ///< Requests parsed whose response is not yet written (latency included).
    std::uint64_t max_in_flight = 0;     ///< Maximum of `in_flight`.
    std::uint64_t connections = 0;       ///< TCP connections accepted.
    std::uint64_t open_connections = 0;  ///< Connections currently open.
    std::uint64_t tls_failures = 0;      ///< Connections closed because the TLS handshake failed.
    std::uint64_t ok = 0;                ///< 200 responses, faults included.
    std::uint64_t items = 0;             ///< Repositories in 200 responses written in full.
    std::uint64_t throttled = 0;         ///< 429 responses (rate limit).
    std::uint64_t unauthorized = 0;      ///< 401 responses: missing or wrong credentials, token requests included.
    std::uint64_t token_requests = 0;    ///< Requests to `POST /v3/auth/tokens`, whatever their outcome.
    std::uint64_t bad_requests = 0;      ///< 400, 413 and 431 responses, malformed HTTP included.
    std::uint64_t not_found = 0;         ///< 404 and 405 responses.
    std::uint64_t faults = 0;            ///< Fault actions applied: the sum of `faults_by_action`.
    std::uint64_t random_faults = 0;     ///< Of `faults`, those chosen by `fault_probability`.
    emulator_fault_counts faults_by_action;  ///< `faults`, split by action.
};

/// A local HTTPS server that emulates SWR's
/// `GET /v2/manage/shared-repositories` and IAM's `POST /v3/auth/tokens`,
/// for tests and benchmarks. The token operation needs no credentials and
/// is not rate-limited, but it is numbered and faulted like any request.
///
/// It runs on the executor given to the constructor and starts no threads;
/// run the executor's context on as many threads as wanted. The listing
/// and signature code is independent of the client library, so it can catch
/// the client's encoding, signing and parsing mistakes.
///
/// All member functions are thread-safe.
class emulator {
public:
    /// Checks `options` without network or file I/O; nothing listens before `start()`.
    ///
    /// @throws std::invalid_argument naming the invalid setting and its value.
    emulator(boost::asio::any_io_executor executor, emulator_options options);

    /// Calls `stop()`. Connections still running keep what they need alive
    /// until the executor finishes them.
    ~emulator();

    emulator(const emulator&) = delete;
    emulator& operator=(const emulator&) = delete;

    /// Loads or creates the TLS files, loads or generates the repositories,
    /// binds, listens and starts accepting connections on the executor.
    ///
    /// @throws std::runtime_error naming the file, address or port that failed.
    /// @throws std::logic_error when called twice, or after `stop()`.
    void start();

    /// Closes the listening socket and every connection. Returns at once; the
    /// executor's `run()` returns when the closed connections have finished.
    /// Calling it again, or before `start()`, does nothing.
    void stop();

    /// Bound TCP port, or 0 before `start()`.
    std::uint16_t port() const;

    /// Base URL for a client: `https://127.0.0.1:PORT` or `https://[::1]:PORT`.
    std::string endpoint_url() const;

    /// Absolute path of the CA certificate that signed the server certificate.
    std::string ca_file() const;

    /// Snapshot of the counters.
    emulator_stats stats() const;

    /// Arrival time of each counted request, oldest first; at most the last
    /// 1,000,000.
    std::vector<std::chrono::steady_clock::time_point> request_times() const;

    /// Sets every counter to 0 except `in_flight` and `open_connections`,
    /// which describe the present, and `max_in_flight`, which restarts at the
    /// current `in_flight`. Clears `request_times()`.
    void reset_stats();

    /// Replaces the fault rules, gives every rule its full `times` again and
    /// restarts the request numbering, so that the next request is number 1.
    /// Requests whose responses are already planned keep the faults they got. Works before
    /// `start()` too. `fault_probability` and `fault_seed` stay as they are.
    ///
    /// @throws std::invalid_argument naming the rule, field and value that
    /// are invalid; the rules in force are then unchanged.
    void set_faults(std::vector<fault_rule> rules);

    /// Ends the lifetime of every token issued so far by `POST /v3/auth/tokens`,
    /// as a password change would. Later requests with them get 401
    /// `APIG.0301` "token expires"; tokens issued afterwards are valid. The
    /// static `emulator_options::token` is not affected. Works before
    /// `start()` too, where it does nothing.
    void expire_tokens();

    /// Options as given to the constructor; `faults` are the initial rules.
    const emulator_options& options() const;

private:
    // Shared with the coroutines, which may outlive this object until the
    // executor has finished them.
    std::shared_ptr<emulator_detail::server> server_;
};

/// An `emulator` with its own `io_context` and threads, for tests.
///
/// The constructor starts the emulator and then the threads; the destructor
/// stops it and joins the threads, also while a failed test unwinds.
class emulator_thread {
public:
    /// Starts the emulator and then `threads` threads (default 1) that run
    /// its `io_context`.
    ///
    /// @throws std::invalid_argument when `threads` is 0, and what
    /// `emulator::emulator` and `emulator::start` throw.
    explicit emulator_thread(emulator_options options, std::size_t threads = 1);

    /// Stops the emulator and joins the threads. Connections that have not
    /// finished 5 s after the stop are abandoned by stopping the `io_context`.
    ~emulator_thread();

    emulator_thread(const emulator_thread&) = delete;
    emulator_thread& operator=(const emulator_thread&) = delete;

    /// Returns the running emulator, valid as long as this object.
    emulator& get();
    const emulator& get() const;

private:
    void shut_down();

    struct runner;
    std::unique_ptr<runner> runner_;
};

}  // namespace swr

#endif
