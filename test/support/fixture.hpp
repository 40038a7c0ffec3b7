#ifndef SWR_TEST_SUPPORT_FIXTURE_HPP
#define SWR_TEST_SUPPORT_FIXTURE_HPP

// Shared set-up for integration tests: a temporary directory, an emulator on
// loopback running on its own threads, and a way to run a coroutine on a
// client io_context with a deadline so that a hung test fails instead of
// hanging the suite.

#include <swr/client.hpp>
#include <swr/emulator.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/test/unit_test.hpp>

#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

namespace swr::test {

/// Factor from SWR_TEST_TIMEOUT_SCALE (default 1) applied to test deadlines.
inline double timeout_scale()
{
    const char* text = std::getenv("SWR_TEST_TIMEOUT_SCALE");
    double value = text ? std::atof(text) : 1.0;
    return value > 0 ? value : 1.0;
}

inline std::chrono::milliseconds scaled(std::chrono::milliseconds value)
{
    return std::chrono::milliseconds(static_cast<long long>(value.count() * timeout_scale()));
}

/// A directory removed with its contents when the object is destroyed.
class temp_dir {
public:
    temp_dir()
    {
        std::string pattern = (std::filesystem::temp_directory_path() / "swr-test-XXXXXX").string();
        if (!mkdtemp(pattern.data()))
            throw std::runtime_error("cannot create a temporary directory from " + pattern);
        path_ = pattern;
    }
    ~temp_dir()
    {
        std::error_code ignored;
        std::filesystem::remove_all(path_, ignored);
    }
    temp_dir(const temp_dir&) = delete;
    temp_dir& operator=(const temp_dir&) = delete;

    const std::filesystem::path& path() const { return path_; }

private:
    std::filesystem::path path_;
};

inline constexpr const char* test_token = "test-token-7f3a9c";

/// Emulator options with a fresh TLS directory and the test token.
inline emulator_options emulator_defaults(const temp_dir& dir)
{
    emulator_options options;
    options.tls_dir = (dir.path() / "tls").string();
    options.token = test_token;
    return options;
}

/// The counters of `server` once no request is in flight. The emulator
/// counts a response's status and items after writing it, so a client can
/// read the response before the count changes.
inline emulator_stats settled_stats(const emulator& server)
{
    auto deadline = std::chrono::steady_clock::now() + scaled(std::chrono::seconds(5));
    while (server.stats().in_flight != 0 && std::chrono::steady_clock::now() < deadline)
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
    emulator_stats stats = server.stats();
    BOOST_TEST_REQUIRE(stats.in_flight == 0u, "a request is still in flight after 5 s");
    return stats;
}

/// Client options pointing at `server`, trusting its CA, with the test token.
inline client_options client_defaults(const emulator& server)
{
    client_options options;
    options.endpoint = server.endpoint_url();
    options.tls.ca_file = server.ca_file();
    options.credentials = make_token_credentials(test_token);
    return options;
}

/// A listing request for the `self` center, with no filter.
inline shared_repositories_request self_request()
{
    shared_repositories_request request;
    request.center = center::self;
    return request;
}

/// Scan settings: `page_size` items per request, `max_in_flight` requests at once.
inline scan_options scan_with(std::int64_t page_size, std::size_t max_in_flight)
{
    scan_options options;
    options.page_size = page_size;
    options.max_in_flight = max_in_flight;
    return options;
}

/// Runs `task` on `io` and returns when `io.run()` returns by itself, which
/// also proves that nothing was left queued on the io_context. A watchdog
/// thread stops `io` and fails the test if that takes longer than
/// `deadline` (scaled by SWR_TEST_TIMEOUT_SCALE). Rethrows what the task threw.
template <class Awaitable>
void run_until_done(boost::asio::io_context& io, Awaitable task,
                    std::chrono::milliseconds deadline = std::chrono::seconds(60))
{
    std::exception_ptr failure;
    bool finished = false;
    boost::asio::co_spawn(io, std::move(task), [&](std::exception_ptr error) {
        failure = error;
        finished = true;
    });

    std::mutex mutex;
    std::condition_variable returned_cv;
    bool returned = false;
    bool timed_out = false;
    std::thread watchdog([&] {
        std::unique_lock lock(mutex);
        if (!returned_cv.wait_for(lock, scaled(deadline), [&] { return returned; })) {
            timed_out = true;
            io.stop();
        }
    });

    io.run();
    {
        std::lock_guard lock(mutex);
        returned = true;
    }
    returned_cv.notify_all();
    watchdog.join();

    BOOST_TEST_REQUIRE(!timed_out, "io_context::run() did not return within " << scaled(deadline).count() << " ms");
    BOOST_TEST_REQUIRE(finished);
    if (failure)
        std::rethrow_exception(failure);
}

}  // namespace swr::test

#endif
