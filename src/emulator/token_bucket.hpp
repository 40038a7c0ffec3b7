#ifndef SWR_EMULATOR_TOKEN_BUCKET_HPP
#define SWR_EMULATOR_TOKEN_BUCKET_HPP

#include <chrono>

namespace swr::emulator_detail {

/// The server-side rate limit: a token bucket refilled continuously at
/// `rate` tokens per second up to `burst` tokens, starting full.
///
/// Time is passed in, so tests need no clock. Not thread-safe.
class token_bucket {
public:
    using clock = std::chrono::steady_clock;

    /// `rate` > 0 and `burst` >= 1, both finite.
    token_bucket(double rate, double burst, clock::time_point now);

    /// Takes one token if there is one at `now`. A `now` earlier than a
    /// previous call refills nothing.
    bool try_take(clock::time_point now);

private:
    double rate_;
    double burst_;
    double tokens_;
    clock::time_point last_refill_;
};

}  // namespace swr::emulator_detail

#endif
