// Runs one client on an io_context that 4 threads run at once, and scans
// both centers concurrently. Each scan's coroutine may resume on any of
// the threads, so what the scans share is guarded by a mutex or atomic.
//
// Usage: SWR_AUTH_TOKEN=... multi_threaded_scan ENDPOINT [CA_FILE]
// Prints "self: N repositories in P pages", the same for thirdparty, and
// the number of threads that resumed the scans.

#include <swr/swr.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>

#include <atomic>
#include <cstdlib>
#include <exception>
#include <iostream>
#include <mutex>
#include <set>
#include <thread>
#include <vector>

namespace asio = boost::asio;

constexpr int thread_count = 4;

// Ids of the threads that resumed the scans. A mutex guards the set because
// any thread may add to it.
struct thread_record {
    std::mutex mutex;
    std::set<std::thread::id> ids;

    void add()
    {
        std::lock_guard lock(mutex);
        ids.insert(std::this_thread::get_id());
    }
};

// Scans one center and returns its summary.
asio::awaitable<swr::scan_summary> scan(swr::client& client, swr::center center, thread_record& threads)
{
    swr::shared_repositories_request request;
    request.center = center;

    swr::scan_options options;
    options.max_in_flight = 8;

    swr::page_stream pages = client.scan(request, options);
    while (std::optional<swr::page> page = co_await pages.next())
        threads.add();
    co_return pages.summary();
}

int main(int argc, char** argv)
{
    const char* token = std::getenv("SWR_AUTH_TOKEN");
    if (argc < 2 || !token) {
        std::cerr << "usage: SWR_AUTH_TOKEN=... " << argv[0] << " ENDPOINT [CA_FILE]\n";
        return 2;
    }

    // The concurrency hint is the number of threads that will call run().
    asio::io_context io(thread_count);
    swr::client_options options;
    options.endpoint = argv[1];
    options.tls.ca_file = argc > 2 ? argv[2] : "";
    options.credentials = swr::make_token_credentials(token);
    swr::client client(io.get_executor(), options);

    // Each completion handler writes only its own summary, and main reads
    // them after the threads have joined.
    thread_record threads;
    std::atomic<bool> failed = false;
    swr::scan_summary summaries[2];
    const swr::center centers[2] = {swr::center::self, swr::center::thirdparty};
    for (int i = 0; i < 2; ++i) {
        asio::co_spawn(io, scan(client, centers[i], threads),
                       [&, i](std::exception_ptr error, swr::scan_summary summary) {
                           if (!error) {
                               summaries[i] = summary;
                               return;
                           }
                           try {
                               std::rethrow_exception(error);
                           } catch (const std::exception& failure) {
                               std::cerr << swr::to_string(centers[i]) << " scan failed: " << failure.what()
                                         << '\n';
                               failed = true;
                           }
                       });
    }

    std::vector<std::jthread> runners;
    for (int i = 0; i < thread_count; ++i)
        runners.emplace_back([&io] { io.run(); });
    runners.clear();  // joins

    for (int i = 0; i < 2; ++i)
        std::cout << swr::to_string(centers[i]) << ": " << summaries[i].items << " repositories in "
                  << summaries[i].pages << " pages\n";
    std::cout << threads.ids.size() << " of " << thread_count << " threads resumed the scans\n";
    return failed ? 1 : 0;
}
