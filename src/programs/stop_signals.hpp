#ifndef SWR_SRC_PROGRAMS_STOP_SIGNALS_HPP
#define SWR_SRC_PROGRAMS_STOP_SIGNALS_HPP

// SIGINT and SIGTERM for swr-shared-repos and swr-emulator, read from a
// signalfd on the event loop rather than caught by a signal handler.

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/error.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>

#include <signal.h>
#include <sys/signalfd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <string>
#include <utility>

namespace swr::detail {

/// Delivers SIGINT and SIGTERM as completions on an executor.
///
/// The constructor blocks both signals in the calling thread and opens a
/// signalfd for them. Threads inherit the mask, so construct this before
/// starting any thread. The signals then wait in the kernel until
/// `async_wait` reads one, and no code runs in signal context. ThreadSanitizer
/// builds need this: TSan defers a handler to the thread's next intercepted
/// call, and an idle swr-emulator under TSan lost SIGINT or SIGTERM that way
/// in 3 of 150 test runs (it stayed in epoll_wait with nothing pending).
///
/// The signals stay blocked after destruction, so that one arriving late
/// cannot kill a program that is already finishing.
class stop_signals {
public:
    explicit stop_signals(const boost::asio::any_io_executor& executor) : descriptor_(executor)
    {
        sigset_t signals;
        sigemptyset(&signals);
        sigaddset(&signals, SIGINT);
        sigaddset(&signals, SIGTERM);
        if (int error = ::pthread_sigmask(SIG_BLOCK, &signals, nullptr); error != 0)
            throw std::runtime_error(std::string("failed to block SIGINT and SIGTERM: ") + std::strerror(error));
        int descriptor = ::signalfd(-1, &signals, SFD_NONBLOCK | SFD_CLOEXEC);
        if (descriptor < 0)
            throw std::runtime_error(std::string("failed to open a signalfd for SIGINT and SIGTERM: ") +
                                     std::strerror(errno));
        descriptor_.assign(descriptor);
    }

    /// Calls `handler(error_code, int signal_number)` for the next signal, or
    /// with `operation_aborted` after `cancel()`. One wait at a time.
    template <typename Handler>
    void async_wait(Handler handler)
    {
        descriptor_.async_read_some(
            boost::asio::buffer(&info_, sizeof info_),
            [this, handler = std::move(handler)](boost::system::error_code ec, std::size_t bytes) mutable {
                if (!ec && bytes != sizeof info_)
                    ec = boost::asio::error::message_size;
                handler(ec, ec ? 0 : static_cast<int>(info_.ssi_signo));
            });
    }

    void cancel() { descriptor_.cancel(); }

private:
    boost::asio::posix::stream_descriptor descriptor_;
    signalfd_siginfo info_{};
};

}  // namespace swr::detail

#endif  // SWR_SRC_PROGRAMS_STOP_SIGNALS_HPP
