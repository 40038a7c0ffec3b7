#include "errors.hpp"

#include <swr/retry.hpp>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <algorithm>
#include <array>
#include <charconv>
#include <limits>
#include <random>

namespace swr {
namespace {

std::string_view trim(std::string_view text) noexcept
{
    while (!text.empty() && (text.front() == ' ' || text.front() == '\t'))
        text.remove_prefix(1);
    while (!text.empty() && (text.back() == ' ' || text.back() == '\t'))
        text.remove_suffix(1);
    return text;
}

// Splits on runs of spaces.
template <std::size_t N>
std::size_t split_words(std::string_view text, std::array<std::string_view, N>& words) noexcept
{
    std::size_t count = 0;
    while (!text.empty()) {
        auto start = text.find_first_not_of(' ');
        if (start == std::string_view::npos)
            break;
        text.remove_prefix(start);
        auto end = std::min(text.find(' '), text.size());
        if (count == N)
            return N + 1;
        words[count++] = text.substr(0, end);
        text.remove_prefix(end);
    }
    return count;
}

bool to_int(std::string_view text, int& value) noexcept
{
    if (text.empty())
        return false;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    return ec == std::errc() && end == text.data() + text.size();
}

int month_number(std::string_view name) noexcept
{
    constexpr std::array<std::string_view, 12> months = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                         "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    for (std::size_t i = 0; i < months.size(); ++i) {
        if (months[i] == name)
            return static_cast<int>(i) + 1;
    }
    return 0;
}

// Parses HH:MM:SS into seconds of the day.
bool parse_clock(std::string_view text, int& seconds) noexcept
{
    int h = 0, m = 0, s = 0;
    if (text.size() != 8 || text[2] != ':' || text[5] != ':')
        return false;
    if (!to_int(text.substr(0, 2), h) || !to_int(text.substr(3, 2), m) || !to_int(text.substr(6, 2), s))
        return false;
    if (h > 23 || m > 59 || s > 60)
        return false;
    seconds = h * 3600 + m * 60 + s;
    return true;
}

std::optional<std::chrono::system_clock::time_point> make_time(int year, int month, int day, int seconds) noexcept
{
    using namespace std::chrono;
    year_month_day date{std::chrono::year(year), std::chrono::month(static_cast<unsigned>(month)),
                        std::chrono::day(static_cast<unsigned>(day))};
    if (!date.ok())
        return std::nullopt;

    // system_clock counts nanoseconds in 64 bits on libstdc++, which spans
    // the years 1678 to 2262 only. Earlier dates are in the past, which the
    // caller reads as "retry now", and later ones are far enough ahead to
    // be capped by the caller's maximum delay.
    if (year < 1970)
        return system_clock::time_point{};
    if (year > 2200)
        return sys_days(std::chrono::year(2200) / January / 1);
    return sys_days(date) + std::chrono::seconds(seconds);
}

// The three HTTP-date forms of RFC 9110, section 5.6.7.
std::optional<std::chrono::system_clock::time_point> parse_http_date(std::string_view text,
                                                                     std::chrono::system_clock::time_point now) noexcept
{
    std::array<std::string_view, 6> words;
    std::size_t count = split_words(text, words);
    int day = 0, year = 0, seconds = 0;

    // IMF-fixdate: "Sun, 06 Nov 1994 08:49:37 GMT"
    if (count == 6 && words[0].size() == 4 && words[0].back() == ',' && words[5] == "GMT") {
        int month = month_number(words[2]);
        if (words[1].size() != 2 || words[3].size() != 4 || !to_int(words[1], day) || month == 0 ||
            !to_int(words[3], year) || !parse_clock(words[4], seconds))
            return std::nullopt;
        return make_time(year, month, day, seconds);
    }

    // RFC 850: "Sunday, 06-Nov-94 08:49:37 GMT". RFC 9110 reads a two-digit
    // year as the most recent year with those digits, unless that lies more
    // than 50 years ahead of now.
    if (count == 4 && words[0].size() > 4 && words[0].back() == ',' && words[3] == "GMT") {
        std::string_view date = words[1];
        int month = date.size() == 9 ? month_number(date.substr(3, 3)) : 0;
        if (month == 0 || date[2] != '-' || date[6] != '-' || !to_int(date.substr(0, 2), day) ||
            !to_int(date.substr(7, 2), year) || !parse_clock(words[2], seconds))
            return std::nullopt;
        int this_year = static_cast<int>(std::chrono::year_month_day(
                                             std::chrono::floor<std::chrono::days>(now))
                                             .year());
        int century = this_year / 100 * 100;
        year += century;
        if (year > this_year + 50)
            year -= 100;
        else if (year < this_year - 49)
            year += 100;
        return make_time(year, month, day, seconds);
    }

    // asctime: "Sun Nov  6 08:49:37 1994"
    if (count == 5 && words[0].size() == 3) {
        int month = month_number(words[1]);
        if (month == 0 || !to_int(words[2], day) || !parse_clock(words[3], seconds) || words[4].size() != 4 ||
            !to_int(words[4], year))
            return std::nullopt;
        return make_time(year, month, day, seconds);
    }
    return std::nullopt;
}

class system_clock_source final : public time_source {
public:
    system_clock_source() : engine_(std::random_device{}()) {}

    std::chrono::steady_clock::time_point now() override { return std::chrono::steady_clock::now(); }
    std::chrono::system_clock::time_point wall_now() override { return std::chrono::system_clock::now(); }

    boost::asio::awaitable<boost::system::error_code> sleep(std::chrono::nanoseconds delay) override
    {
        boost::asio::steady_timer timer(co_await boost::asio::this_coro::executor);
        timer.expires_after(delay);
        auto [ec] = co_await timer.async_wait(boost::asio::as_tuple(boost::asio::use_awaitable));
        co_return ec;
    }

    double uniform() override
    {
        std::lock_guard lock(mutex_);
        return std::uniform_real_distribution<double>(0.0, 1.0)(engine_);
    }

private:
    std::mutex mutex_;
    std::mt19937_64 engine_;
};

}  // namespace

std::shared_ptr<time_source> system_time_source()
{
    return std::make_shared<system_clock_source>();
}

std::optional<std::chrono::milliseconds> parse_retry_after(std::string_view value,
                                                           std::chrono::system_clock::time_point now) noexcept
{
    std::string_view text = trim(value);
    if (text.empty())
        return std::nullopt;

    if (text.front() >= '0' && text.front() <= '9') {
        std::int64_t seconds = 0;
        auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), seconds);
        // Reject values whose milliseconds do not fit int64; callers cap the rest.
        constexpr std::int64_t max_seconds = std::numeric_limits<std::int64_t>::max() / 1000;
        if (ec != std::errc() || end != text.data() + text.size() || seconds > max_seconds)
            return std::nullopt;
        return std::chrono::milliseconds(seconds * 1000);
    }

    auto when = parse_http_date(text, now);
    if (!when)
        return std::nullopt;
    if (*when <= now)
        return std::chrono::milliseconds(0);
    return std::chrono::duration_cast<std::chrono::milliseconds>(*when - now);
}

retry_budget::retry_budget(retry_budget_options options) noexcept
    : options_(options), balance_(options.capacity)
{
}

bool retry_budget::try_spend()
{
    std::lock_guard lock(mutex_);
    if (options_.capacity <= 0)
        return true;
    if (balance_ <= options_.capacity / 2)
        return false;
    balance_ -= 1;
    return true;
}

void retry_budget::on_success()
{
    std::lock_guard lock(mutex_);
    balance_ = std::min(options_.capacity, balance_ + options_.refund_per_success);
}

double retry_budget::balance() const
{
    std::lock_guard lock(mutex_);
    return balance_;
}

}  // namespace swr
