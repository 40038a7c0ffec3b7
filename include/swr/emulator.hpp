#ifndef SWR_EMULATOR_HPP
#define SWR_EMULATOR_HPP

#include <boost/asio/any_io_executor.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace swr {

namespace emulator_detail {
class server;
}

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

    /// Value that each request's `X-Auth-Token` header must equal. Empty: no
    /// authentication check. Never logged or sent back.
    std::string token;

    /// Delay added before every response is written. Default: 0.
    std::chrono::milliseconds latency{0};

    /// Requests per second allowed by a token bucket shared by all
    /// connections; requests beyond it get 429 `APIG.0308`. Default: 0 (off).
    double rate_limit = 0;

    /// Bucket size of the rate limit, in requests. Default: 0, which means
    /// `max(1, rate_limit)`.
    double rate_burst = 0;

    /// Receives one line per start, stop and unexpected connection error
    /// (never a token). May be called from any thread that runs the executor.
    /// Empty: silent.
    std::function<void(std::string_view message)> log;
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
    std::uint64_t ok = 0;                ///< 200 responses.
    std::uint64_t items = 0;             ///< Repositories sent in 200 responses.
    std::uint64_t throttled = 0;         ///< 429 responses (rate limit).
    std::uint64_t unauthorized = 0;      ///< 401 responses (missing or wrong token).
    std::uint64_t bad_requests = 0;      ///< 400, 413 and 431 responses, malformed HTTP included.
    std::uint64_t not_found = 0;         ///< 404 and 405 responses.
};

/// A local HTTPS server that emulates SWR's
/// `GET /v2/manage/shared-repositories`, for tests and benchmarks.
///
/// It runs on the executor given to the constructor and starts no threads;
/// run the executor's context on as many threads as wanted. The listing
/// code is independent of the client library, so it can catch the client's
/// encoding and parsing mistakes.
///
/// All member functions are thread-safe.
class emulator {
public:
    /// Checks `options` without any I/O.
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

    /// Sets every counter to 0 except the current `in_flight` and
    /// `open_connections`, and clears `request_times()`.
    void reset_stats();

    /// Options as given to the constructor.
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
    /// @throws what `emulator::emulator` and `emulator::start` throw.
    explicit emulator_thread(emulator_options options, std::size_t threads = 1);

    /// Stops the emulator and joins the threads. Connections that have not
    /// finished 5 s after the stop are abandoned by stopping the `io_context`.
    ~emulator_thread();

    emulator_thread(const emulator_thread&) = delete;
    emulator_thread& operator=(const emulator_thread&) = delete;

    emulator& get();
    const emulator& get() const;

private:
    void shut_down();

    struct runner;
    std::unique_ptr<runner> runner_;
};

}  // namespace swr

#endif
