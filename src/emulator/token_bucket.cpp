#include "emulator/token_bucket.hpp"

#include <algorithm>

namespace swr::emulator_detail {

token_bucket::token_bucket(double rate, double burst, clock::time_point now)
    : rate_(rate), burst_(burst), tokens_(burst), last_refill_(now)
{
}

bool token_bucket::try_take(clock::time_point now)
{
    if (now > last_refill_) {
        std::chrono::duration<double> elapsed = now - last_refill_;
        tokens_ = std::min(burst_, tokens_ + elapsed.count() * rate_);
        last_refill_ = now;
    }

    if (tokens_ < 1.0) {
        return false;
    }
    tokens_ -= 1.0;
    return true;
}

}  // namespace swr::emulator_detail
