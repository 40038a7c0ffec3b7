// Unit tests for the credentials providers, without sockets: environment
// precedence, token files, AK/SK headers and clock-skew handling, the
// single-flight token refresher behind IAM password credentials, and the
// IAM request and response handling.

#define BOOST_TEST_MODULE credentials
#include <boost/test/unit_test.hpp>

#include "aksk_credentials.hpp"
#include "iam_token.hpp"
#include "redact.hpp"
#include "signer.hpp"
#include "token_refresher.hpp"

#include <swr/credentials.hpp>
#include <swr/error.hpp>
#include <swr/iam_credentials.hpp>
#include <swr/retry.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/use_future.hpp>
#include <boost/json/parse.hpp>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <functional>
#include <future>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;

// Values of the first SDK vector in test/data/sign-vectors.json.
constexpr const char* vector_ak = "AKTESTAKTESTAKTEST01";
constexpr const char* vector_sk = "SKtestSKtestSKtestSKtestSKtestSKtestSKte";
constexpr const char* vector_project = "0123456789abcdef0123456789abcdef";

// 2024-05-01T12:34:56Z, the vectors' X-Sdk-Date.
std::chrono::system_clock::time_point vector_time()
{
    using namespace std::chrono;
    return sys_days(year(2024) / May / 1) + hours(12) + minutes(34) + seconds(56);
}

// A clock that moves only when the test advances it. Sleeps return at once.
class manual_time final : public swr::time_source {
public:
    explicit manual_time(std::chrono::system_clock::time_point wall) : wall_(wall) {}

    std::chrono::steady_clock::time_point now() override
    {
        std::lock_guard lock(mutex_);
        return steady_;
    }

    std::chrono::system_clock::time_point wall_now() override
    {
        std::lock_guard lock(mutex_);
        return wall_;
    }

    asio::awaitable<boost::system::error_code> sleep(std::chrono::nanoseconds) override
    {
        co_return boost::system::error_code{};
    }

    double uniform() override { return 0.5; }

    void advance(std::chrono::seconds delta)
    {
        std::lock_guard lock(mutex_);
        steady_ += delta;
        wall_ += delta;
    }

private:
    std::mutex mutex_;
    std::chrono::steady_clock::time_point steady_{std::chrono::hours(1000)};
    std::chrono::system_clock::time_point wall_;
};

// Runs `task` on a fresh io_context and returns its result.
template <class T>
T run(asio::awaitable<T> task)
{
    asio::io_context io;
    auto result = asio::co_spawn(io, std::move(task), asio::use_future);
    io.run();
    return result.get();
}

swr::outgoing_request shared_repositories_get(std::string query)
{
    swr::outgoing_request request;
    request.method = "GET";
    request.host = "127.0.0.1:8443";
    request.path = "/v2/manage/shared-repositories";
    request.query = std::move(query);
    request.set_header("Content-Type", "application/json");
    return request;
}

swr::outgoing_request authorized(swr::credentials_provider& provider, swr::outgoing_request request)
{
    run([&]() -> asio::awaitable<void> { co_await provider.authorize(request); }());
    return request;
}

bool rejected_again(swr::credentials_provider& provider, const swr::auth_rejection& rejection)
{
    return run(provider.on_rejected(rejection));
}

// Formats `time` as an IMF-fixdate HTTP Date header.
std::string http_date(std::chrono::system_clock::time_point time)
{
    std::time_t seconds = std::chrono::system_clock::to_time_t(time);
    std::tm parts{};
    gmtime_r(&seconds, &parts);
    char text[64];
    std::strftime(text, sizeof text, "%a, %d %b %Y %H:%M:%S GMT", &parts);
    return text;
}

swr::auth_rejection rejection_of(std::string message, std::string server_date, std::uint64_t generation)
{
    swr::auth_rejection rejection;
    rejection.http_status = 401;
    rejection.service_code = "APIG.0301";
    rejection.message = std::move(message);
    rejection.server_date = std::move(server_date);
    rejection.credentials_generation = generation;
    return rejection;
}

bool contains(std::string_view text, std::string_view part)
{
    return text.find(part) != std::string_view::npos;
}

// Returns the exception thrown by `action`, or fails the test.
template <class Action>
swr::exception thrown_by(Action action)
{
    try {
        action();
    } catch (const swr::exception& error) {
        return error;
    }
    BOOST_FAIL("no swr::exception was thrown");
    throw std::logic_error("unreachable");
}

// Unsets the credential variables for one test and restores them after.
class environment_guard {
public:
    environment_guard()
    {
        for (const char* name : names) {
            if (const char* value = std::getenv(name))
                saved_[name] = value;
            ::unsetenv(name);
        }
    }

    ~environment_guard()
    {
        for (const char* name : names) {
            auto found = saved_.find(name);
            if (found != saved_.end())
                ::setenv(name, found->second.c_str(), 1);
            else
                ::unsetenv(name);
        }
    }

    environment_guard(const environment_guard&) = delete;
    environment_guard& operator=(const environment_guard&) = delete;

    void set(const char* name, const char* value) { ::setenv(name, value, 1); }

private:
    static constexpr const char* names[] = {"HUAWEICLOUD_SDK_AK", "HUAWEICLOUD_SDK_SK", "HUAWEICLOUD_SDK_PROJECT_ID",
                                            "HUAWEICLOUD_SDK_SECURITY_TOKEN", "SWR_AUTH_TOKEN"};
    std::map<std::string, std::string> saved_;
};

// A file in a fresh temporary directory, removed with it.
class temp_file {
public:
    temp_file()
    {
        std::string pattern = (std::filesystem::temp_directory_path() / "swr-credentials-XXXXXX").string();
        if (!::mkdtemp(pattern.data()))
            throw std::runtime_error("cannot create a temporary directory from " + pattern);
        directory_ = pattern;
        path_ = directory_ / "token";
    }

    ~temp_file()
    {
        std::error_code ignored;
        std::filesystem::remove_all(directory_, ignored);
    }

    temp_file(const temp_file&) = delete;
    temp_file& operator=(const temp_file&) = delete;

    void write(std::string_view content) const
    {
        std::ofstream out(path_, std::ios::binary | std::ios::trunc);
        out << content;
    }

    const std::filesystem::path& path() const { return path_; }

private:
    std::filesystem::path directory_;
    std::filesystem::path path_;
};

}  // namespace

BOOST_AUTO_TEST_SUITE(environment)

BOOST_AUTO_TEST_CASE(aksk_takes_precedence)
{
    environment_guard environment;
    environment.set("HUAWEICLOUD_SDK_AK", vector_ak);
    environment.set("HUAWEICLOUD_SDK_SK", vector_sk);
    environment.set("HUAWEICLOUD_SDK_PROJECT_ID", vector_project);
    environment.set("SWR_AUTH_TOKEN", "token-from-environment");

    auto provider = swr::credentials_from_environment();

    BOOST_TEST(provider->kind() == "aksk");
    auto request = authorized(*provider, shared_repositories_get("center=self"));
    BOOST_TEST(request.header("X-Auth-Token").empty());
    BOOST_TEST(request.header("X-Project-Id") == vector_project);
}

BOOST_AUTO_TEST_CASE(token_without_aksk)
{
    environment_guard environment;
    environment.set("SWR_AUTH_TOKEN", "token-from-environment");
    environment.set("HUAWEICLOUD_SDK_PROJECT_ID", vector_project);

    auto provider = swr::credentials_from_environment();

    BOOST_TEST(provider->kind() == "token");
    auto request = authorized(*provider, shared_repositories_get("center=self"));
    BOOST_TEST(request.header("X-Auth-Token") == "token-from-environment");
    BOOST_TEST(request.header("Authorization").empty());
}

BOOST_AUTO_TEST_CASE(empty_variables_unset)
{
    environment_guard environment;
    environment.set("HUAWEICLOUD_SDK_AK", "");
    environment.set("HUAWEICLOUD_SDK_SK", "");
    environment.set("SWR_AUTH_TOKEN", "token-from-environment");

    auto provider = swr::credentials_from_environment();

    BOOST_TEST(provider->kind() == "token");
}

BOOST_AUTO_TEST_CASE(security_token_signed)
{
    environment_guard environment;
    environment.set("HUAWEICLOUD_SDK_AK", vector_ak);
    environment.set("HUAWEICLOUD_SDK_SK", vector_sk);
    environment.set("HUAWEICLOUD_SDK_PROJECT_ID", vector_project);
    environment.set("HUAWEICLOUD_SDK_SECURITY_TOKEN", "temporary-security-token");

    auto provider = swr::credentials_from_environment();
    auto request = authorized(*provider, shared_repositories_get("center=self"));

    BOOST_TEST(request.header("X-Security-Token") == "temporary-security-token");
    BOOST_TEST(contains(request.header("Authorization"),
                        "SignedHeaders=content-type;host;x-project-id;x-sdk-date;x-security-token,"));
}

BOOST_AUTO_TEST_CASE(ak_without_sk_names_sk)
{
    environment_guard environment;
    environment.set("HUAWEICLOUD_SDK_AK", vector_ak);
    environment.set("HUAWEICLOUD_SDK_PROJECT_ID", vector_project);
    environment.set("SWR_AUTH_TOKEN", "token-from-environment");

    auto error = thrown_by([] { swr::credentials_from_environment(); });

    BOOST_TEST(error.code() == swr::errc::invalid_argument);
    BOOST_TEST(contains(error.what(), "HUAWEICLOUD_SDK_SK is missing"), error.what());
}

BOOST_AUTO_TEST_CASE(sk_without_ak_names_ak)
{
    environment_guard environment;
    environment.set("HUAWEICLOUD_SDK_SK", vector_sk);
    environment.set("HUAWEICLOUD_SDK_PROJECT_ID", vector_project);

    auto error = thrown_by([] { swr::credentials_from_environment(); });

    BOOST_TEST(error.code() == swr::errc::invalid_argument);
    BOOST_TEST(contains(error.what(), "HUAWEICLOUD_SDK_AK is missing"), error.what());
    BOOST_TEST(!contains(error.what(), vector_sk));
}

BOOST_AUTO_TEST_CASE(missing_project_id_named)
{
    environment_guard environment;
    environment.set("HUAWEICLOUD_SDK_AK", vector_ak);
    environment.set("HUAWEICLOUD_SDK_SK", vector_sk);

    auto error = thrown_by([] { swr::credentials_from_environment(); });

    BOOST_TEST(error.code() == swr::errc::invalid_argument);
    BOOST_TEST(contains(error.what(), "HUAWEICLOUD_SDK_PROJECT_ID"), error.what());
}

BOOST_AUTO_TEST_CASE(nothing_set_names_variables)
{
    environment_guard environment;

    auto error = thrown_by([] { swr::credentials_from_environment(); });

    BOOST_TEST(error.code() == swr::errc::invalid_argument);
    BOOST_TEST(contains(error.what(), "SWR_AUTH_TOKEN"), error.what());
    BOOST_TEST(contains(error.what(), "HUAWEICLOUD_SDK_AK"), error.what());
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(token_file)

BOOST_AUTO_TEST_CASE(trailing_newline_stripped)
{
    temp_file file;
    file.write("file-token-abc\r\n");

    auto provider = swr::make_token_credentials_from_file(file.path());
    auto request = authorized(*provider, shared_repositories_get("center=self"));

    BOOST_TEST(request.header("X-Auth-Token") == "file-token-abc");
}

BOOST_AUTO_TEST_CASE(empty_file_names_path)
{
    temp_file file;
    file.write("\n");

    auto error = thrown_by([&] { swr::make_token_credentials_from_file(file.path()); });

    BOOST_TEST(error.code() == swr::errc::invalid_argument);
    BOOST_TEST(contains(error.what(), file.path().string()), error.what());
    BOOST_TEST(contains(error.what(), "is empty"), error.what());
}

BOOST_AUTO_TEST_CASE(missing_file_names_path)
{
    temp_file file;

    auto error = thrown_by([&] { swr::make_token_credentials_from_file(file.path()); });

    BOOST_TEST(error.code() == swr::errc::invalid_argument);
    BOOST_TEST(contains(error.what(), file.path().string()), error.what());
}

BOOST_AUTO_TEST_CASE(control_character_rejected_unquoted)
{
    temp_file file;
    file.write("first-line-token\nsecond-line\n");

    auto error = thrown_by([&] { swr::make_token_credentials_from_file(file.path()); });

    BOOST_TEST(contains(error.what(), "control character"), error.what());
    BOOST_TEST(!contains(error.what(), "first-line-token"));
}

BOOST_AUTO_TEST_CASE(rejection_rereads_file)
{
    temp_file file;
    file.write("file-token-old\n");
    auto provider = swr::make_token_credentials_from_file(file.path());
    auto first = authorized(*provider, shared_repositories_get(""));

    // Unchanged file: nothing to send again.
    BOOST_TEST(!rejected_again(*provider, rejection_of("token expires", "", first.credentials_generation)));

    file.write("file-token-new\n");
    BOOST_TEST(rejected_again(*provider, rejection_of("token expires", "", first.credentials_generation)));
    auto second = authorized(*provider, shared_repositories_get(""));

    BOOST_TEST(second.header("X-Auth-Token") == "file-token-new");
    BOOST_TEST(second.credentials_generation > first.credentials_generation);
    // A request that carried the old token is sent again without reading the file.
    BOOST_TEST(rejected_again(*provider, rejection_of("token expires", "", first.credentials_generation)));
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(aksk)

BOOST_AUTO_TEST_CASE(reproduces_sdk_vector)
{
    // official-sdk-node-v1-center-self, through the provider.
    auto time = std::make_shared<manual_time>(vector_time());
    auto provider = swr::make_aksk_credentials(vector_ak, vector_sk, vector_project, {}, time);

    auto request = authorized(*provider, shared_repositories_get("center=self"));

    BOOST_TEST(request.header("X-Sdk-Date") == "20240501T123456Z");
    BOOST_TEST(request.header("X-Project-Id") == vector_project);
    BOOST_TEST(request.header("X-Security-Token").empty());
    BOOST_TEST(request.header("Authorization") ==
               "SDK-HMAC-SHA256 Access=AKTESTAKTESTAKTEST01, "
               "SignedHeaders=content-type;host;x-project-id;x-sdk-date, "
               "Signature=751ec238a2a116d1db9886a5e37303fb65064d1e819ab60a92522d4beea3dc1f");
}

BOOST_AUTO_TEST_CASE(signs_raw_sub_delims)
{
    // official-sdk-node-v4-extra-sub-delims: ! ' ( ) * raw on the wire.
    auto time = std::make_shared<manual_time>(vector_time());
    auto provider = swr::make_aksk_credentials(vector_ak, vector_sk, vector_project, {}, time);

    auto request = authorized(*provider, shared_repositories_get("center=self&name=a!b'c(d)e*f~g_h.i-j"));

    BOOST_TEST(contains(request.header("Authorization"),
                        "Signature=48fab2954ec57a025f887be1e10ba702d547bac629a0278ca3514f17f7a9293b"));
}

BOOST_AUTO_TEST_CASE(each_call_signed_afresh)
{
    auto time = std::make_shared<manual_time>(vector_time());
    auto provider = swr::make_aksk_credentials(vector_ak, vector_sk, vector_project, {}, time);

    auto first = authorized(*provider, shared_repositories_get("center=self"));
    time->advance(1s);
    auto second = authorized(*provider, shared_repositories_get("center=self"));

    BOOST_TEST(first.header("X-Sdk-Date") == "20240501T123456Z");
    BOOST_TEST(second.header("X-Sdk-Date") == "20240501T123457Z");
    BOOST_TEST(first.header("Authorization") != second.header("Authorization"));
}

BOOST_AUTO_TEST_CASE(post_body_signed)
{
    auto time = std::make_shared<manual_time>(vector_time());
    auto provider = swr::make_aksk_credentials("AccessKey", "SecretKey", vector_project, {}, time);
    swr::outgoing_request request;
    request.method = "POST";
    request.host = "service.region.example.com";
    request.path = "/v1/77b6a44cba5143ab91d13ab9a8ff44fd/vpc/123";
    request.body = R"({"key":"value"})";

    request = authorized(*provider, request);

    swr::detail::signing_input input;
    input.method = "POST";
    input.path = request.path;
    input.body = request.body;
    input.headers = {{"host", request.host}, {"x-project-id", vector_project}, {"x-sdk-date", "20240501T123456Z"}};
    auto expected = swr::detail::sign(input, "20240501T123456Z", "SecretKey");
    BOOST_TEST(request.header("Authorization") == swr::detail::authorization_value("AccessKey", expected));
}

BOOST_AUTO_TEST_CASE(secrets_registered)
{
    auto provider = swr::make_aksk_credentials(vector_ak, "sk-registered-in-redactor", vector_project,
                                               "security-token-registered");

    std::string masked = swr::detail::redact("sk-registered-in-redactor and security-token-registered");

    BOOST_TEST(masked == "*** and ***");
}

BOOST_AUTO_TEST_CASE(invalid_arguments_rejected)
{
    auto empty_ak = thrown_by([] { swr::make_aksk_credentials("", vector_sk, vector_project); });
    auto empty_sk = thrown_by([] { swr::make_aksk_credentials(vector_ak, "", vector_project); });
    auto empty_project = thrown_by([] { swr::make_aksk_credentials(vector_ak, vector_sk, ""); });
    auto bad_sk = thrown_by([] { swr::make_aksk_credentials(vector_ak, "secret\nkey-value", vector_project); });

    BOOST_TEST(empty_ak.code() == swr::errc::invalid_argument);
    BOOST_TEST(empty_sk.code() == swr::errc::invalid_argument);
    BOOST_TEST(empty_project.code() == swr::errc::invalid_argument);
    BOOST_TEST(bad_sk.code() == swr::errc::invalid_argument);
    BOOST_TEST(!contains(bad_sk.what(), "secret\nkey-value"));
}

BOOST_AUTO_TEST_CASE(skew_corrected_once)
{
    auto time = std::make_shared<manual_time>(vector_time());
    auto provider = swr::make_aksk_credentials(vector_ak, vector_sk, vector_project, {}, time);
    auto first = authorized(*provider, shared_repositories_get("center=self"));
    std::string server_date = http_date(vector_time() + 1h);

    bool resend = rejected_again(*provider, rejection_of("signature expired", server_date, first.credentials_generation));
    auto second = authorized(*provider, shared_repositories_get("center=self"));

    BOOST_TEST(resend);
    BOOST_TEST(second.header("X-Sdk-Date") == "20240501T133456Z");
    BOOST_TEST(second.credentials_generation > first.credentials_generation);

    // The corrected date was rejected too: no second attempt.
    BOOST_TEST(!rejected_again(*provider,
                               rejection_of("signature expired", server_date, second.credentials_generation)));
    auto third = authorized(*provider, shared_repositories_get("center=self"));
    BOOST_TEST(third.header("X-Sdk-Date") == "20240501T133456Z");
}

BOOST_AUTO_TEST_CASE(skew_shared_by_concurrent_rejections)
{
    auto time = std::make_shared<manual_time>(vector_time());
    auto provider = swr::make_aksk_credentials(vector_ak, vector_sk, vector_project, {}, time);
    auto first = authorized(*provider, shared_repositories_get("center=self"));
    auto other = authorized(*provider, shared_repositories_get("center=self"));
    std::string server_date = http_date(vector_time() - 20min);

    BOOST_TEST(rejected_again(*provider, rejection_of("signature expired", server_date, first.credentials_generation)));
    // A second request signed before the correction is sent again with it,
    // even though its Date header shows no remaining skew.
    BOOST_TEST(rejected_again(*provider, rejection_of("Signature Expired", http_date(vector_time() - 20min),
                                                      other.credentials_generation)));
    auto corrected = authorized(*provider, shared_repositories_get("center=self"));

    BOOST_TEST(corrected.header("X-Sdk-Date") == "20240501T121456Z");
}

BOOST_AUTO_TEST_CASE(final_error_names_skew)
{
    auto time = std::make_shared<manual_time>(vector_time());
    auto provider = swr::make_aksk_credentials(vector_ak, vector_sk, vector_project, {}, time);
    auto request = authorized(*provider, shared_repositories_get("center=self"));
    auto rejection = rejection_of("signature expired", http_date(vector_time() + 1h), request.credentials_generation);
    BOOST_TEST(rejected_again(*provider, rejection));

    std::string note = provider->describe_rejection(rejection);

    BOOST_TEST(contains(note, "+3600 s"), note);
    BOOST_TEST(contains(note, "15 minutes"), note);
}

BOOST_AUTO_TEST_CASE(small_skew_not_corrected)
{
    auto time = std::make_shared<manual_time>(vector_time());
    auto provider = swr::make_aksk_credentials(vector_ak, vector_sk, vector_project, {}, time);
    auto request = authorized(*provider, shared_repositories_get("center=self"));

    bool resend = rejected_again(
        *provider, rejection_of("signature expired", http_date(vector_time() + 5s), request.credentials_generation));

    BOOST_TEST(!resend);
}

BOOST_AUTO_TEST_CASE(skew_needs_date_header)
{
    auto time = std::make_shared<manual_time>(vector_time());
    auto provider = swr::make_aksk_credentials(vector_ak, vector_sk, vector_project, {}, time);
    auto request = authorized(*provider, shared_repositories_get("center=self"));
    auto rejection = rejection_of("signature expired", "", request.credentials_generation);

    BOOST_TEST(!rejected_again(*provider, rejection));
    BOOST_TEST(contains(provider->describe_rejection(rejection), "no valid Date header"));
}

BOOST_AUTO_TEST_CASE(signature_failure_not_resent)
{
    auto time = std::make_shared<manual_time>(vector_time());
    auto provider = swr::make_aksk_credentials(vector_ak, vector_sk, vector_project, {}, time);
    auto request = authorized(*provider, shared_repositories_get("center=self"));
    auto rejection = rejection_of("Incorrect IAM authentication information: verify aksk signature fail",
                                  http_date(vector_time() + 1h), request.credentials_generation);

    bool resend = rejected_again(*provider, rejection);

    BOOST_TEST(!resend);
    BOOST_TEST(contains(provider->describe_rejection(rejection), "5 consecutive failures"));
    // The clock was left alone.
    auto next = authorized(*provider, shared_repositories_get("center=self"));
    BOOST_TEST(next.header("X-Sdk-Date") == "20240501T123456Z");
}

BOOST_AUTO_TEST_CASE(expired_message_classified)
{
    BOOST_TEST(swr::detail::is_expired_signature_message("signature expired"));
    BOOST_TEST(swr::detail::is_expired_signature_message("Incorrect IAM authentication information: Signature Expired"));
    BOOST_TEST(swr::detail::is_expired_signature_message("X-Sdk-Date expired"));
    BOOST_TEST(!swr::detail::is_expired_signature_message("verify aksk signature fail"));
    BOOST_TEST(!swr::detail::is_expired_signature_message("token expires"));
    BOOST_TEST(!swr::detail::is_expired_signature_message(""));
}

BOOST_AUTO_TEST_CASE(date_header_parsed)
{
    auto parsed = swr::detail::parse_date_header("Wed, 01 May 2024 12:34:56 GMT");

    BOOST_TEST_REQUIRE(parsed.has_value());
    BOOST_TEST((*parsed == vector_time()));
    BOOST_TEST(!swr::detail::parse_date_header("120").has_value());
    BOOST_TEST(!swr::detail::parse_date_header("").has_value());
    BOOST_TEST(!swr::detail::parse_date_header("yesterday").has_value());
}

BOOST_AUTO_TEST_SUITE_END()

namespace {

// A token source that counts requests, takes `delay` of real time to reply,
// and fails while `failure` is set.
struct scripted_token_source {
    std::atomic<int> calls{0};
    std::chrono::milliseconds delay{20};
    std::chrono::seconds lifetime{3600};
    std::mutex mutex;
    std::optional<swr::errc> failure;

    asio::awaitable<swr::detail::fetched_token> fetch()
    {
        int number = ++calls;
        asio::steady_timer timer(co_await asio::this_coro::executor);
        timer.expires_after(delay);
        co_await timer.async_wait(asio::use_awaitable);

        std::optional<swr::errc> error;
        {
            std::lock_guard lock(mutex);
            error = failure;
        }
        if (error) {
            swr::error_info info;
            info.http_status = *error == swr::errc::unauthorized ? 401 : 503;
            info.message = "scripted failure";
            swr::throw_error(*error, info);
        }
        co_return swr::detail::fetched_token{"scripted-token-" + std::to_string(number), lifetime};
    }
};

struct refresher_fixture {
    refresher_fixture() : time(std::make_shared<manual_time>(vector_time())) {}

    std::shared_ptr<swr::detail::refreshing_token_credentials> make_provider(asio::any_io_executor executor)
    {
        swr::detail::token_refresh_settings settings;
        settings.refresh_margin = 10min;
        settings.retry_interval = 30s;
        settings.source = "scripted source";
        return std::make_shared<swr::detail::refreshing_token_credentials>(
            executor, [this] { return source.fetch(); }, time, settings, swr::detail::logger(swr::log_options{}));
    }

    // Runs `count` coroutines made by `make_task` on four threads at once.
    void run_concurrently(asio::io_context& io, int count, const std::function<asio::awaitable<void>(int)>& make_task)
    {
        std::vector<std::future<void>> results;
        for (int i = 0; i < count; ++i)
            results.push_back(asio::co_spawn(io, make_task(i), asio::use_future));
        std::vector<std::thread> threads;
        for (int i = 0; i < 4; ++i)
            threads.emplace_back([&io] { io.run(); });
        for (auto& thread : threads)
            thread.join();
        io.restart();
        for (auto& result : results)
            result.get();
    }

    std::shared_ptr<manual_time> time;
    scripted_token_source source;
};

}  // namespace

BOOST_FIXTURE_TEST_SUITE(token_refresher, refresher_fixture)

BOOST_AUTO_TEST_CASE(first_requests_share_fetch)
{
    asio::io_context io;
    auto provider = make_provider(io.get_executor());
    std::vector<swr::outgoing_request> requests(20);

    run_concurrently(io, 20, [&](int i) -> asio::awaitable<void> { co_await provider->authorize(requests[i]); });

    BOOST_TEST(source.calls.load() == 1);
    BOOST_TEST(provider->fetch_count() == 1u);
    for (const auto& request : requests) {
        BOOST_TEST(request.header("X-Auth-Token") == "scripted-token-1");
        BOOST_TEST(request.credentials_generation == 1u);
    }
}

BOOST_AUTO_TEST_CASE(concurrent_rejections_share_refresh)
{
    asio::io_context io;
    auto provider = make_provider(io.get_executor());
    swr::outgoing_request first;
    run_concurrently(io, 1, [&](int) -> asio::awaitable<void> { co_await provider->authorize(first); });
    std::vector<char> resend(10, 0);

    run_concurrently(io, 10, [&](int i) -> asio::awaitable<void> {
        resend[i] = co_await provider->on_rejected(rejection_of("token expires", "", first.credentials_generation));
    });

    BOOST_TEST(source.calls.load() == 2);
    for (char value : resend)
        BOOST_TEST(value == 1);
}

BOOST_AUTO_TEST_CASE(replaced_token_not_refreshed)
{
    asio::io_context io;
    auto provider = make_provider(io.get_executor());
    swr::outgoing_request first;
    run_concurrently(io, 1, [&](int) -> asio::awaitable<void> { co_await provider->authorize(first); });
    bool renewed = false;
    run_concurrently(io, 1, [&](int) -> asio::awaitable<void> {
        renewed = co_await provider->on_rejected(rejection_of("token expires", "", first.credentials_generation));
    });
    BOOST_TEST_REQUIRE(renewed);

    // A late rejection of the first token: the new one is already there.
    bool late = false;
    run_concurrently(io, 1, [&](int) -> asio::awaitable<void> {
        late = co_await provider->on_rejected(rejection_of("token expires", "", first.credentials_generation));
    });

    BOOST_TEST(late);
    BOOST_TEST(source.calls.load() == 2);
}

BOOST_AUTO_TEST_CASE(replacement_rejected_gives_up)
{
    asio::io_context io;
    auto provider = make_provider(io.get_executor());
    swr::outgoing_request first;
    swr::outgoing_request second;
    bool renewed = false;
    bool renewed_again = true;
    run_concurrently(io, 1, [&](int) -> asio::awaitable<void> { co_await provider->authorize(first); });
    run_concurrently(io, 1, [&](int) -> asio::awaitable<void> {
        renewed = co_await provider->on_rejected(rejection_of("token expires", "", first.credentials_generation));
        co_await provider->authorize(second);
    });

    auto rejection = rejection_of("token expires", "", second.credentials_generation);
    run_concurrently(io, 1, [&](int) -> asio::awaitable<void> {
        renewed_again = co_await provider->on_rejected(rejection);
    });

    BOOST_TEST(renewed);
    BOOST_TEST(second.header("X-Auth-Token") == "scripted-token-2");
    BOOST_TEST(!renewed_again);
    BOOST_TEST(source.calls.load() == 2);
    BOOST_TEST(contains(provider->describe_rejection(rejection), "rejected too"));
}

BOOST_AUTO_TEST_CASE(expiring_token_refreshed_in_background)
{
    asio::io_context io;
    auto provider = make_provider(io.get_executor());
    swr::outgoing_request first;
    run_concurrently(io, 1, [&](int) -> asio::awaitable<void> { co_await provider->authorize(first); });

    // Within the 10-minute margin: the old token is used while a new one is fetched.
    time->advance(3600s - 5min);
    swr::outgoing_request during;
    run_concurrently(io, 1, [&](int) -> asio::awaitable<void> { co_await provider->authorize(during); });
    swr::outgoing_request after;
    run_concurrently(io, 1, [&](int) -> asio::awaitable<void> { co_await provider->authorize(after); });

    BOOST_TEST(during.header("X-Auth-Token") == "scripted-token-1");
    BOOST_TEST(after.header("X-Auth-Token") == "scripted-token-2");
    BOOST_TEST(source.calls.load() == 2);
}

BOOST_AUTO_TEST_CASE(expired_token_awaited)
{
    asio::io_context io;
    auto provider = make_provider(io.get_executor());
    swr::outgoing_request first;
    run_concurrently(io, 1, [&](int) -> asio::awaitable<void> { co_await provider->authorize(first); });

    time->advance(3601s);
    swr::outgoing_request later;
    run_concurrently(io, 1, [&](int) -> asio::awaitable<void> { co_await provider->authorize(later); });

    BOOST_TEST(later.header("X-Auth-Token") == "scripted-token-2");
    BOOST_TEST(later.credentials_generation == 2u);
}

BOOST_AUTO_TEST_CASE(huge_lifetime_capped)
{
    // Ten billion seconds would overflow a steady_clock time point.
    source.lifetime = std::chrono::seconds(10'000'000'000LL);
    asio::io_context io;
    auto provider = make_provider(io.get_executor());
    swr::outgoing_request first;
    run_concurrently(io, 1, [&](int) -> asio::awaitable<void> { co_await provider->authorize(first); });

    time->advance(std::chrono::hours(24 * 367));
    swr::outgoing_request later;
    run_concurrently(io, 1, [&](int) -> asio::awaitable<void> { co_await provider->authorize(later); });

    BOOST_TEST(first.header("X-Auth-Token") == "scripted-token-1");
    BOOST_TEST(later.header("X-Auth-Token") == "scripted-token-2");
}

BOOST_AUTO_TEST_CASE(rejected_password_not_retried)
{
    asio::io_context io;
    auto provider = make_provider(io.get_executor());
    source.failure = swr::errc::unauthorized;
    std::vector<std::string> errors(2);

    for (int round = 0; round < 2; ++round) {
        run_concurrently(io, 1, [&](int) -> asio::awaitable<void> {
            swr::outgoing_request request;
            try {
                co_await provider->authorize(request);
            } catch (const swr::exception& error) {
                errors[static_cast<std::size_t>(round)] = error.what();
            }
        });
    }

    BOOST_TEST(source.calls.load() == 1);
    BOOST_TEST(contains(errors[0], "scripted failure"), errors[0]);
    BOOST_TEST(contains(errors[1], "scripted failure"), errors[1]);
}

BOOST_AUTO_TEST_CASE(transient_failure_retried_next_call)
{
    asio::io_context io;
    auto provider = make_provider(io.get_executor());
    source.failure = swr::errc::server_error;
    bool failed = false;
    run_concurrently(io, 1, [&](int) -> asio::awaitable<void> {
        swr::outgoing_request request;
        try {
            co_await provider->authorize(request);
        } catch (const swr::exception&) {
            failed = true;
        }
    });

    source.failure.reset();
    swr::outgoing_request request;
    run_concurrently(io, 1, [&](int) -> asio::awaitable<void> { co_await provider->authorize(request); });

    BOOST_TEST(failed);
    BOOST_TEST(request.header("X-Auth-Token") == "scripted-token-2");
}

BOOST_AUTO_TEST_CASE(tokens_registered_as_secrets)
{
    asio::io_context io;
    auto provider = make_provider(io.get_executor());
    swr::outgoing_request request;
    run_concurrently(io, 1, [&](int) -> asio::awaitable<void> { co_await provider->authorize(request); });

    BOOST_TEST(swr::detail::redact("sent scripted-token-1") == "sent ***");
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(iam)

namespace {

swr::iam_password_options iam_options()
{
    swr::iam_password_options options;
    options.endpoint = "https://127.0.0.1:9443";
    options.user_name = "swr-user";
    options.password = "iam-password-secret";
    options.domain_name = "example-account";
    options.project_name = "cn-north-4";
    return options;
}

swr::detail::http_response token_response()
{
    swr::detail::http_response response;
    response.status = 201;
    response.subject_token = "MIIsubjecttoken";
    response.date = "Wed, 01 May 2024 12:34:56 GMT";
    response.body = R"({"token":{"expires_at":"2024-05-02T12:34:56.000000Z","methods":["password"]}})";
    return response;
}

}  // namespace

BOOST_AUTO_TEST_CASE(request_body_fields)
{
    auto body = boost::json::parse(swr::detail::iam_password_request_body(iam_options()));

    const auto& auth = body.at("auth");
    const auto& user = auth.at("identity").at("password").at("user");
    BOOST_TEST(auth.at("identity").at("methods").as_array().size() == 1u);
    BOOST_TEST(auth.at("identity").at("methods").at(0).as_string() == "password");
    BOOST_TEST(user.at("name").as_string() == "swr-user");
    BOOST_TEST(user.at("password").as_string() == "iam-password-secret");
    BOOST_TEST(user.at("domain").at("name").as_string() == "example-account");
    BOOST_TEST(auth.at("scope").at("project").at("name").as_string() == "cn-north-4");
}

BOOST_AUTO_TEST_CASE(request_scope_by_id_or_region)
{
    auto by_id_options = iam_options();
    by_id_options.project_id = "0123456789abcdef";
    auto by_region_options = iam_options();
    by_region_options.project_name.clear();
    by_region_options.region = "ap-southeast-1";

    auto by_id = boost::json::parse(swr::detail::iam_password_request_body(by_id_options));
    auto by_region = boost::json::parse(swr::detail::iam_password_request_body(by_region_options));

    BOOST_TEST(by_id.at("auth").at("scope").at("project").at("id").as_string() == "0123456789abcdef");
    BOOST_TEST(by_region.at("auth").at("scope").at("project").at("name").as_string() == "ap-southeast-1");
}

BOOST_AUTO_TEST_CASE(endpoint_explicit_or_from_region)
{
    auto explicit_options = iam_options();
    auto region_options = iam_options();
    region_options.endpoint.clear();
    region_options.region = "cn-north-4";

    auto explicit_endpoint = swr::detail::resolve_iam_endpoint(explicit_options);
    auto region_endpoint = swr::detail::resolve_iam_endpoint(region_options);

    BOOST_TEST(explicit_endpoint.url() == "https://127.0.0.1:9443");
    BOOST_TEST(region_endpoint.host == "iam.cn-north-4.myhuaweicloud.com");
}

BOOST_AUTO_TEST_CASE(endpoint_required)
{
    auto no_endpoint = iam_options();
    no_endpoint.endpoint.clear();
    auto unknown_region = no_endpoint;
    unknown_region.region = "xx-nowhere-1";
    auto no_user = iam_options();
    no_user.user_name.clear();

    auto missing = thrown_by([&] { swr::detail::resolve_iam_endpoint(no_endpoint); });
    auto unknown = thrown_by([&] { swr::detail::resolve_iam_endpoint(unknown_region); });
    auto user = thrown_by([&] { swr::detail::resolve_iam_endpoint(no_user); });

    BOOST_TEST(contains(missing.what(), "iam_password_options::endpoint"), missing.what());
    BOOST_TEST(contains(unknown.what(), "xx-nowhere-1"), unknown.what());
    BOOST_TEST(contains(user.what(), "iam_password_options::user_name"), user.what());
}

BOOST_AUTO_TEST_CASE(time_formats)
{
    auto expected = vector_time();

    BOOST_TEST((swr::detail::parse_iam_time("2024-05-01T12:34:56Z") == expected));
    BOOST_TEST((swr::detail::parse_iam_time("2024-05-01T12:34:56.123000Z") == expected));
    BOOST_TEST((swr::detail::parse_iam_time("2024-05-01T20:34:56+08:00") == expected));
    BOOST_TEST(!swr::detail::parse_iam_time("2024-05-01 12:34:56").has_value());
    BOOST_TEST(!swr::detail::parse_iam_time("2024-02-30T12:34:56Z").has_value());
    BOOST_TEST(!swr::detail::parse_iam_time("2024-05-01T12:34:56.Z").has_value());
}

BOOST_AUTO_TEST_CASE(response_lifetime_from_date)
{
    // The local clock is an hour off; the lifetime comes from the server's Date.
    auto token = swr::detail::read_iam_token_response(token_response(), "https://127.0.0.1:9443",
                                                      vector_time() + 1h);

    BOOST_TEST(token.token == "MIIsubjecttoken");
    BOOST_TEST(token.lifetime.count() == 24 * 3600);
}

BOOST_AUTO_TEST_CASE(response_far_future_expiry)
{
    auto response = token_response();
    response.body = R"({"token":{"expires_at":"9999-12-31T23:59:59Z"}})";

    auto token = swr::detail::read_iam_token_response(response, "https://127.0.0.1:9443", {});

    BOOST_TEST(token.lifetime.count() > 7000LL * 365 * 24 * 3600);
}

BOOST_AUTO_TEST_CASE(response_without_token_header)
{
    auto response = token_response();
    response.subject_token.clear();

    auto error = thrown_by([&] { swr::detail::read_iam_token_response(response, "https://127.0.0.1:9443", {}); });

    BOOST_TEST(error.code() == swr::errc::bad_response);
    BOOST_TEST(contains(error.what(), "https://127.0.0.1:9443"), error.what());
    BOOST_TEST(contains(error.what(), "X-Subject-Token"), error.what());
}

BOOST_AUTO_TEST_CASE(response_without_expiry)
{
    auto response = token_response();
    response.body = R"({"token":{}})";

    auto error = thrown_by([&] { swr::detail::read_iam_token_response(response, "https://127.0.0.1:9443", {}); });

    BOOST_TEST(error.code() == swr::errc::bad_response);
    BOOST_TEST(contains(error.what(), "token.expires_at"), error.what());
    BOOST_TEST(!contains(error.what(), "MIIsubjecttoken"));
}

BOOST_AUTO_TEST_CASE(keystone_error_reported)
{
    swr::detail::http_response response;
    response.status = 401;
    response.request_id = "req-1";
    response.body = R"({"error":{"code":401,"title":"Unauthorized","message":"The username or password is wrong."}})";

    auto error = thrown_by([&] { swr::detail::read_iam_token_response(response, "https://127.0.0.1:9443", {}); });

    BOOST_TEST(error.code() == swr::errc::unauthorized);
    BOOST_TEST(error.info().http_status == 401);
    BOOST_TEST(contains(error.what(), "https://127.0.0.1:9443"), error.what());
    BOOST_TEST(contains(error.what(), "The username or password is wrong."), error.what());
    BOOST_TEST(contains(error.what(), "req-1"), error.what());
}

BOOST_AUTO_TEST_CASE(iam_error_code_reported)
{
    swr::detail::http_response response;
    response.status = 400;
    response.body = R"({"error_msg":"The account is locked.","error_code":"IAM.0102"})";

    auto error = thrown_by([&] { swr::detail::read_iam_token_response(response, "https://127.0.0.1:9443", {}); });

    BOOST_TEST(error.code() == swr::errc::bad_request);
    BOOST_TEST(error.info().service_code == "IAM.0102");
    BOOST_TEST(contains(error.what(), "HTTP 400 IAM.0102"), error.what());
}

BOOST_AUTO_TEST_CASE(provider_masks_password)
{
    // Creating the provider opens no connection.
    asio::io_context io;
    auto provider = swr::make_iam_password_credentials(io.get_executor(), iam_options());

    BOOST_TEST(provider->kind() == "iam-password");
    BOOST_TEST(swr::detail::redact("password=iam-password-secret") == "password=***");
}

BOOST_AUTO_TEST_SUITE_END()
