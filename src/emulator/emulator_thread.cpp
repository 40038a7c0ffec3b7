#include <swr/emulator.hpp>

#include <boost/asio/io_context.hpp>

#include <chrono>
#include <condition_variable>
#include <exception>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace swr {

namespace {

// How long the destructor waits for connections to finish after stop().
constexpr std::chrono::seconds stop_grace_period{5};

}  // namespace

struct emulator_thread::runner {
    boost::asio::io_context context;
    std::unique_ptr<emulator> server;
    std::vector<std::thread> threads;

    std::mutex mutex;
    std::condition_variable all_returned;
    std::size_t running = 0;

    void run_one_thread()
    {
        // Handlers catch their own errors; this loop only guards against a
        // stray exception ending the thread while others still serve.
        for (;;) {
            try {
                context.run();
                break;
            } catch (const std::exception& e) {
                if (const auto& log = server->options().log) {
                    log(std::string("emulator thread caught an exception and goes on: ") + e.what());
                }
            }
        }

        std::lock_guard lock(mutex);
        --running;
        all_returned.notify_all();
    }
};

emulator_thread::emulator_thread(emulator_options options, std::size_t threads)
    : runner_(std::make_unique<runner>())
{
    if (threads == 0) {
        throw std::invalid_argument("emulator_thread: threads is 0; use at least 1");
    }

    // Start before the threads exist, so a failure leaves nothing to join.
    runner_->server = std::make_unique<emulator>(runner_->context.get_executor(), std::move(options));
    runner_->server->start();

    runner_->threads.reserve(threads);
    try {
        for (std::size_t i = 0; i < threads; ++i) {
            {
                std::lock_guard lock(runner_->mutex);
                ++runner_->running;
            }
            runner_->threads.emplace_back([this] { runner_->run_one_thread(); });
        }
    } catch (...) {
        // The thread whose creation failed never runs, so take it off the count.
        {
            std::lock_guard lock(runner_->mutex);
            --runner_->running;
        }
        shut_down();
        throw;
    }
}

emulator_thread::~emulator_thread()
{
    shut_down();
}

void emulator_thread::shut_down()
{
    runner_->server->stop();

    // A connection stuck past the grace period is abandoned.
    {
        std::unique_lock lock(runner_->mutex);
        auto all_threads_returned = [this] { return runner_->running == 0; };
        bool finished = runner_->all_returned.wait_for(lock, stop_grace_period, all_threads_returned);
        if (!finished) {
            runner_->context.stop();
        }
    }
    for (std::thread& thread : runner_->threads) {
        thread.join();
    }

    // Destroy the emulator while the context still exists.
    runner_->server.reset();
}

emulator& emulator_thread::get()
{
    return *runner_->server;
}

const emulator& emulator_thread::get() const
{
    return *runner_->server;
}

}  // namespace swr
