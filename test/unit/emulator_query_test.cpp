// The emulator's request handling without sockets: query decoding, paging,
// ordering, filtering, response bodies, rate limiting and the handler.

#define BOOST_TEST_MODULE emulator_query_test
#include <boost/test/unit_test.hpp>

#include "emulator/catalog.hpp"
#include "emulator/handler.hpp"
#include "emulator/query.hpp"
#include "emulator/responses.hpp"
#include "emulator/stats.hpp"
#include "emulator/token_bucket.hpp"

#include <chrono>
#include <cstdint>
#include <limits>
#include <memory>
#include <set>
#include <string>
#include <variant>
#include <vector>

using namespace swr::emulator_detail;
using namespace std::chrono_literals;

namespace {

// Parses a query that must be valid.
listing_query parse_ok(std::string_view query)
{
    auto result = parse_listing_query(query);
    if (const auto* error = std::get_if<api_error>(&result)) {
        BOOST_FAIL("query '" << query << "' was rejected: " << error->code << " " << error->message);
    }
    return std::get<listing_query>(result);
}

// Parses a query that must be rejected.
api_error parse_error(std::string_view query)
{
    auto result = parse_listing_query(query);
    if (std::holds_alternative<listing_query>(result)) {
        BOOST_FAIL("query '" << query << "' was accepted");
    }
    return std::get<api_error>(result);
}

repository_record make_record(std::string name, std::string namespace_name, std::size_t tags,
                              std::string updated_at = "2024-01-01T00:00:00Z")
{
    repository_record record;
    record.name = std::move(name);
    record.namespace_name = std::move(namespace_name);
    record.domain_name = "owner";
    record.updated_at = std::move(updated_at);
    for (std::size_t i = 0; i < tags; ++i) {
        record.tags.push_back("t" + std::to_string(i));
    }
    record.num_images = static_cast<std::int64_t>(tags);
    return record;
}

// Five `self` records; tag counts 2, 1, 2, 0, 2 make ties for tag_count.
std::vector<repository_record> small_self_set()
{
    return {
        make_record("nginx", "web", 2, "2024-03-01T00:00:00Z"),
        make_record("base/alpine", "base", 1, "2024-01-01T00:00:00Z"),
        make_record("redis", "data", 2, "2024-02-01T00:00:00Z"),
        make_record("base/debian", "base", 0, "2024-05-01T00:00:00Z"),
        make_record("alpine-tools", "web", 2, "2024-04-01T00:00:00Z"),
    };
}

std::vector<std::string> names_of(const catalog& repositories, const listing_page& page)
{
    // The rendered body is the only public view of the records, so take the
    // names from it.
    std::string body = repositories.render(page);
    std::vector<std::string> names;
    std::size_t position = 0;
    while ((position = body.find("{\"name\":\"", position)) != std::string::npos) {
        position += 9;
        names.push_back(body.substr(position, body.find('"', position) - position));
    }
    return names;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(decoding)

BOOST_AUTO_TEST_CASE(percent_decode_handles_escapes)
{
    BOOST_TEST(percent_decode("center%3A%3aself").value() == "center::self");
    BOOST_TEST(percent_decode("a%7Cb").value() == "a|b");
    BOOST_TEST(percent_decode("%E9%95%9C").value() == "镜");
    BOOST_TEST(percent_decode("plain").value() == "plain");
    BOOST_TEST(percent_decode("").value() == "");
}

BOOST_AUTO_TEST_CASE(percent_decode_keeps_plus)
{
    BOOST_TEST(percent_decode("a+b").value() == "a+b");
    BOOST_TEST(percent_decode("a%20b").value() == "a b");
    BOOST_TEST(percent_decode("a%2Bb").value() == "a+b");
}

BOOST_AUTO_TEST_CASE(percent_decode_rejects_bad_escapes)
{
    BOOST_TEST(!percent_decode("%").has_value());
    BOOST_TEST(!percent_decode("abc%4").has_value());
    BOOST_TEST(!percent_decode("%G1").has_value());
    BOOST_TEST(!percent_decode("%1G").has_value());
    BOOST_TEST(!percent_decode("%%41").has_value());
}

BOOST_AUTO_TEST_CASE(utf8_validation)
{
    BOOST_TEST(is_valid_utf8("ascii"));
    BOOST_TEST(is_valid_utf8("镜像 ü 😀"));
    BOOST_TEST(!is_valid_utf8("\xFF"));
    BOOST_TEST(!is_valid_utf8("\xC0\xAF"));          // overlong '/'
    BOOST_TEST(!is_valid_utf8("\xED\xA0\x80"));      // surrogate U+D800
    BOOST_TEST(!is_valid_utf8("\xF4\x90\x80\x80"));  // above U+10FFFF
    BOOST_TEST(!is_valid_utf8("\xE9\x95"));          // truncated
}

BOOST_AUTO_TEST_CASE(split_query_decodes_pairs)
{
    auto result = split_query("a=1&&b&c=x%3Dy&=v");
    auto& parameters = std::get<std::vector<query_parameter>>(result);
    BOOST_TEST_REQUIRE(parameters.size() == 4u);
    BOOST_TEST(parameters[0].name == "a");
    BOOST_TEST(parameters[0].value == "1");
    BOOST_TEST(parameters[1].name == "b");
    BOOST_TEST(parameters[1].value == "");
    BOOST_TEST(parameters[2].name == "c");
    BOOST_TEST(parameters[2].value == "x=y");
    BOOST_TEST(parameters[3].name == "");
    BOOST_TEST(parameters[3].value == "v");
}

BOOST_AUTO_TEST_CASE(split_query_rejects_bad_escape)
{
    auto result = split_query("center=self&name=ab%2");
    const auto& error = std::get<api_error>(result);
    BOOST_TEST(error.status == 400u);
    BOOST_TEST(error.code == "SVCSTG.SWR.4000014");
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(listing_queries)

BOOST_AUTO_TEST_CASE(filter_form_encoded)
{
    listing_query query = parse_ok(
        "filter=center%3A%3Athirdparty%7Cname%3A%3Abase%24alp%7Cnamespace%3A%3Aweb%7Climit%3A%3A10%7C"
        "offset%3A%3A20%7Corder_column%3A%3Aname%7Corder_type%3A%3Adesc");
    BOOST_TEST((query.center == sharing_center::thirdparty));
    BOOST_TEST(query.name.value() == "base/alp");
    BOOST_TEST(query.namespace_name.value() == "web");
    BOOST_TEST(query.limit.value() == 10);
    BOOST_TEST(query.offset.value() == 20);
    BOOST_TEST((query.column == order_column::name));
    BOOST_TEST((query.direction == order_direction::desc));
}

BOOST_AUTO_TEST_CASE(filter_form_raw_separators)
{
    listing_query query = parse_ok("filter=center::self|limit::5|offset::0");
    BOOST_TEST((query.center == sharing_center::self));
    BOOST_TEST(query.limit.value() == 5);
    BOOST_TEST(query.offset.value() == 0);
    BOOST_TEST(!query.name.has_value());
}

BOOST_AUTO_TEST_CASE(separate_parameters)
{
    listing_query query = parse_ok(
        "center=self&namespace=ns-1&name=%E9%95%9C%E5%83%8F%20%E4%BB%93%E5%BA%93%2F%C3%BC&limit=100&offset=200"
        "&order_column=tag_count&order_type=asc&domain_name=acme&status=true&unrelated=1");
    BOOST_TEST(query.name.value() == "镜像 仓库/ü");
    BOOST_TEST(query.namespace_name.value() == "ns-1");
    BOOST_TEST(query.domain_name.value() == "acme");
    BOOST_TEST(query.status.value() == true);
    BOOST_TEST(query.limit.value() == 100);
    BOOST_TEST(query.offset.value() == 200);
    BOOST_TEST((query.column == order_column::tag_count));
    BOOST_TEST((query.direction == order_direction::asc));
}

BOOST_AUTO_TEST_CASE(node_sdk_center_beside_filter)
{
    listing_query query = parse_ok(
        "center=thirdparty&filter=center%3A%3Athirdparty%7Cname%3A%3Amy%20repo%2Fx%2By%7Climit%3A%3A2%7Coffset%3A%3A4");
    BOOST_TEST((query.center == sharing_center::thirdparty));
    BOOST_TEST(query.name.value() == "my repo/x+y");
    BOOST_TEST(query.limit.value() == 2);
    BOOST_TEST(query.offset.value() == 4);
}

BOOST_AUTO_TEST_CASE(conflicting_values_rejected)
{
    api_error across_forms = parse_error("center=self&filter=center::thirdparty");
    BOOST_TEST(across_forms.code == "SVCSTG.SWR.4001035");

    api_error separate = parse_error("center=self&limit=1&limit=2");
    BOOST_TEST(separate.code == "SVCSTG.SWR.4000014");

    // The same value twice is accepted.
    BOOST_TEST(parse_ok("center=self&limit=3&filter=limit::3").limit.value() == 3);
}

BOOST_AUTO_TEST_CASE(center_missing_or_invalid)
{
    api_error missing = parse_error("limit=10&offset=0");
    BOOST_TEST(missing.status == 400u);
    BOOST_TEST(missing.code == "SVCSTG.SWR.4001036");

    api_error empty = parse_error("");
    BOOST_TEST(empty.code == "SVCSTG.SWR.4001036");

    api_error invalid = parse_error("center=mine");
    BOOST_TEST(invalid.status == 400u);
    BOOST_TEST(invalid.code == "SVCSTG.SWR.4000014");
    BOOST_TEST(invalid.message.find("'mine'") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(limit_range)
{
    BOOST_TEST(parse_ok("center=self&limit=1").limit.value() == 1);
    BOOST_TEST(parse_ok("center=self&limit=1000").limit.value() == 1000);
    BOOST_TEST(parse_error("center=self&limit=1001").code == "SVCSTG.SWR.4000056");
    BOOST_TEST(parse_error("filter=center::self|limit::1001").code == "SVCSTG.SWR.4000056");
    BOOST_TEST(parse_error("center=self&limit=0").code == "SVCSTG.SWR.4000056");
    BOOST_TEST(parse_error("center=self&limit=-5").code == "SVCSTG.SWR.4000056");
    BOOST_TEST(parse_error("center=self&limit=99999999999999999999").code == "SVCSTG.SWR.4000056");
    BOOST_TEST(parse_error("center=self&limit=abc").code == "SVCSTG.SWR.4000014");
    BOOST_TEST(parse_error("center=self&limit=").code == "SVCSTG.SWR.4000014");
    BOOST_TEST(parse_error("center=self&limit=%2B5").code == "SVCSTG.SWR.4000014");
    BOOST_TEST(parse_error("center=self&limit=5x").code == "SVCSTG.SWR.4000014");
}

BOOST_AUTO_TEST_CASE(offset_range)
{
    BOOST_TEST(parse_ok("center=self&offset=0").offset.value() == 0);
    BOOST_TEST(parse_ok("center=self&offset=9223372036854775807").offset.value() ==
               std::numeric_limits<std::int64_t>::max());
    BOOST_TEST(parse_error("center=self&offset=-1").code == "SVCSTG.SWR.4000014");
    BOOST_TEST(parse_error("center=self&offset=1.5").code == "SVCSTG.SWR.4000014");
    BOOST_TEST(parse_error("center=self&offset=9223372036854775808").code == "SVCSTG.SWR.4000014");
}

BOOST_AUTO_TEST_CASE(malformed_filters)
{
    BOOST_TEST(parse_error("filter=center::self|bogus::1").code == "SVCSTG.SWR.4001035");
    BOOST_TEST(parse_error("filter=center::self|limit").code == "SVCSTG.SWR.4001035");
    BOOST_TEST(parse_error("filter=center::self|").code == "SVCSTG.SWR.4001035");
    BOOST_TEST(parse_error("filter=center:self").code == "SVCSTG.SWR.4001035");
    // Encoded twice by a buggy client: `%3A` survives one decoding.
    BOOST_TEST(parse_error("filter=center%253A%253Aself").code == "SVCSTG.SWR.4001035");
}

BOOST_AUTO_TEST_CASE(bad_escape_and_utf8_rejected)
{
    BOOST_TEST(parse_error("center=self&name=%zz").code == "SVCSTG.SWR.4000014");
    BOOST_TEST(parse_error("filter=center%3A%3Aself%7").code == "SVCSTG.SWR.4000014");
    BOOST_TEST(parse_error("center=self&name=%FF").code == "SVCSTG.SWR.4000014");
}

BOOST_AUTO_TEST_CASE(order_values)
{
    BOOST_TEST((parse_ok("center=self&order_column=updated_at").column == order_column::updated_at));
    BOOST_TEST((parse_ok("center=self&order_column=namespace").column == order_column::namespace_name));
    BOOST_TEST((parse_ok("center=self&order_column=domain_name").column == order_column::domain_name));
    BOOST_TEST((parse_ok("center=self").column == order_column::dataset));
    BOOST_TEST(parse_error("center=self&order_column=size").code == "SVCSTG.SWR.4000014");
    BOOST_TEST(parse_error("center=self&order_type=up").code == "SVCSTG.SWR.4000014");
    BOOST_TEST(parse_error("center=self&status=yes").code == "SVCSTG.SWR.4000014");
}

BOOST_AUTO_TEST_CASE(window_defaults)
{
    BOOST_TEST((window_of(parse_ok("center=self")) ==
                page_window{0, std::numeric_limits<std::int64_t>::max(), false}));
    BOOST_TEST((window_of(parse_ok("center=self&offset=300")) == page_window{300, 100, true}));
    BOOST_TEST((window_of(parse_ok("center=self&limit=7")) == page_window{0, 7, true}));
    BOOST_TEST((window_of(parse_ok("center=self&limit=7&offset=14")) == page_window{14, 7, true}));
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(paging)

BOOST_AUTO_TEST_CASE(dataset_order_pages)
{
    catalog repositories(small_self_set(), {});

    listing_page first = repositories.select(parse_ok("center=self&limit=2&offset=0"));
    BOOST_TEST(first.total == 5);
    BOOST_TEST(first.offset == 0);
    BOOST_TEST(names_of(repositories, first) == (std::vector<std::string>{"nginx", "base/alpine"}));

    listing_page last = repositories.select(parse_ok("center=self&limit=2&offset=4"));
    BOOST_TEST(last.total == 5);
    BOOST_TEST(names_of(repositories, last) == (std::vector<std::string>{"alpine-tools"}));

    listing_page beyond = repositories.select(parse_ok("center=self&limit=2&offset=9"));
    BOOST_TEST(beyond.total == 5);
    BOOST_TEST(beyond.records.empty());

    listing_page everything = repositories.select(parse_ok("center=self"));
    BOOST_TEST(everything.records.size() == 5u);

    listing_page other_center = repositories.select(parse_ok("center=thirdparty"));
    BOOST_TEST(other_center.total == 0);
    BOOST_TEST(repositories.render(other_center) == "[]");
}

BOOST_AUTO_TEST_CASE(huge_offset_does_not_overflow)
{
    catalog repositories(small_self_set(), {});
    listing_page page = repositories.select(parse_ok("center=self&limit=1000&offset=9223372036854775807"));
    BOOST_TEST(page.total == 5);
    BOOST_TEST(page.records.empty());
}

BOOST_AUTO_TEST_CASE(order_ties_by_namespace_then_name)
{
    catalog repositories(small_self_set(), {});

    // tag_count 2 ties: (data, redis), (web, alpine-tools), (web, nginx).
    listing_page ascending = repositories.select(parse_ok("center=self&order_column=tag_count&order_type=asc"));
    BOOST_TEST(names_of(repositories, ascending) ==
               (std::vector<std::string>{"base/debian", "base/alpine", "redis", "alpine-tools", "nginx"}));

    // Only the key is reversed; the ties stay in ascending order.
    listing_page descending = repositories.select(parse_ok("center=self&order_column=tag_count&order_type=desc"));
    BOOST_TEST(names_of(repositories, descending) ==
               (std::vector<std::string>{"redis", "alpine-tools", "nginx", "base/alpine", "base/debian"}));
}

BOOST_AUTO_TEST_CASE(order_by_other_columns)
{
    catalog repositories(small_self_set(), {});

    listing_page by_name = repositories.select(parse_ok("center=self&order_column=name"));
    BOOST_TEST(names_of(repositories, by_name) ==
               (std::vector<std::string>{"alpine-tools", "base/alpine", "base/debian", "nginx", "redis"}));

    listing_page by_update = repositories.select(parse_ok("center=self&order_column=updated_at&order_type=desc"));
    BOOST_TEST(names_of(repositories, by_update) ==
               (std::vector<std::string>{"base/debian", "alpine-tools", "nginx", "redis", "base/alpine"}));

    listing_page by_namespace_page =
        repositories.select(parse_ok("center=self&order_column=namespace&limit=2&offset=1"));
    BOOST_TEST(names_of(repositories, by_namespace_page) == (std::vector<std::string>{"base/debian", "redis"}));
}

BOOST_AUTO_TEST_CASE(filters_count_total)
{
    catalog repositories(small_self_set(), {});

    listing_page by_name = repositories.select(parse_ok("center=self&name=alpine&limit=1"));
    BOOST_TEST(by_name.total == 2);
    BOOST_TEST(names_of(repositories, by_name) == (std::vector<std::string>{"base/alpine"}));

    listing_page by_name_second = repositories.select(parse_ok("center=self&name=alpine&limit=1&offset=1"));
    BOOST_TEST(by_name_second.total == 2);
    BOOST_TEST(names_of(repositories, by_name_second) == (std::vector<std::string>{"alpine-tools"}));

    // `$` stands for `/`.
    listing_page nested = repositories.select(parse_ok("filter=center::self|name::base$"));
    BOOST_TEST(nested.total == 2);

    // The namespace must match exactly, not as a substring.
    listing_page exact = repositories.select(parse_ok("center=self&namespace=we"));
    BOOST_TEST(exact.total == 0);
    listing_page web = repositories.select(parse_ok("center=self&namespace=web&order_column=name"));
    BOOST_TEST(names_of(repositories, web) == (std::vector<std::string>{"alpine-tools", "nginx"}));
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(bodies)

BOOST_AUTO_TEST_CASE(record_rendering_exact)
{
    repository_record record;
    record.name = "base/alpine";
    record.category = "linux";
    record.description = "说明 \"quoted\"\n";
    record.size = 5'000'000'000;
    record.is_public = true;
    record.num_images = 2;
    record.num_download = std::numeric_limits<std::int64_t>::max();
    record.created_at = "2018-03-21T12:22:37Z";
    record.updated_at = "2019-03-21T12:22:37Z";
    record.path = "swr.cn-north-4.myhuaweicloud.com/ns/base/alpine";
    record.internal_path = "100.125.0.198:20202/ns/base/alpine";
    record.domain_name = "acme";
    record.namespace_name = "ns";
    record.tags = {"latest", "v1"};
    record.status = true;

    catalog repositories({record}, {});
    std::string body = repositories.render(repositories.select(parse_ok("center=self")));
    BOOST_TEST(body ==
               R"([{"name":"base/alpine","category":"linux","description":"说明 \"quoted\"\n","size":5000000000,)"
               R"("is_public":true,"num_images":2,"num_download":9223372036854775807,)"
               R"("created_at":"2018-03-21T12:22:37Z","updated_at":"2019-03-21T12:22:37Z","logo":"","url":"",)"
               R"("path":"swr.cn-north-4.myhuaweicloud.com/ns/base/alpine",)"
               R"("internal_path":"100.125.0.198:20202/ns/base/alpine","domain_name":"acme","namespace":"ns",)"
               R"("tags":["latest","v1"],"status":true,"total_range":1}])");
}

BOOST_AUTO_TEST_CASE(json_string_escaping)
{
    std::string out;
    append_json_string(out, std::string("a\"b\\c\td\x01\x1f", 9));
    BOOST_TEST(out == R"("a\"b\\c\td\u0001\u001f")");
}

BOOST_AUTO_TEST_CASE(swr_error_body_exact)
{
    BOOST_TEST(render_swr_error("SVCSTG.SWR.4000056", "Invalid page size") ==
               R"({"errors":[{"errorCode":"SVCSTG.SWR.4000056","errorMessage":"Invalid page size","detail":""}],)"
               R"("error_code":"SVCSTG.SWR.4000056","error_msg":"Invalid page size",)"
               R"("details":[{"error_code":"SVCSTG.SWR.4000056","error_msg":""}]})");
}

BOOST_AUTO_TEST_CASE(gateway_error_body_exact)
{
    BOOST_TEST(render_gateway_error("APIG.0308", "policy user over ratelimit,limit:200,time:1 second", "abc") ==
               R"({"error_code":"APIG.0308","error_msg":"policy user over ratelimit,limit:200,time:1 second",)"
               R"("request_id":"abc"})");
}

BOOST_AUTO_TEST_CASE(request_ids_unique_hex)
{
    request_id_generator ids(42);
    std::set<std::string> seen;
    for (int i = 0; i < 10000; ++i) {
        std::string id = ids.next();
        BOOST_TEST_REQUIRE(id.size() == 32u);
        BOOST_TEST_REQUIRE(id.find_first_not_of("0123456789abcdef") == std::string::npos);
        seen.insert(id);
    }
    BOOST_TEST(seen.size() == 10000u);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(rate_limit)

BOOST_AUTO_TEST_CASE(bucket_burst_then_refill)
{
    auto start = token_bucket::clock::time_point{} + 1h;
    token_bucket bucket(10.0, 3.0, start);

    BOOST_TEST(bucket.try_take(start));
    BOOST_TEST(bucket.try_take(start));
    BOOST_TEST(bucket.try_take(start));
    BOOST_TEST(!bucket.try_take(start));

    // 10 per second: one token after 100 ms, not before.
    BOOST_TEST(!bucket.try_take(start + 90ms));
    BOOST_TEST(bucket.try_take(start + 110ms));
    BOOST_TEST(!bucket.try_take(start + 110ms));

    // A long pause refills up to the burst only.
    auto later = start + 10s;
    BOOST_TEST(bucket.try_take(later));
    BOOST_TEST(bucket.try_take(later));
    BOOST_TEST(bucket.try_take(later));
    BOOST_TEST(!bucket.try_take(later));
}

BOOST_AUTO_TEST_CASE(bucket_ignores_time_going_back)
{
    auto start = token_bucket::clock::time_point{} + 1h;
    token_bucket bucket(1.0, 1.0, start);
    BOOST_TEST(bucket.try_take(start));
    BOOST_TEST(!bucket.try_take(start - 5s));
    BOOST_TEST(!bucket.try_take(start + 500ms));
    BOOST_TEST(bucket.try_take(start + 1001ms));
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(handler)

namespace {

struct handler_fixture {
    explicit handler_fixture(swr::emulator_options options = {})
        : repositories(std::make_shared<const catalog>(small_self_set(), std::vector<repository_record>{})),
          handler(options, repositories, stats, 7)
    {
    }

    response_plan get(std::string_view target, std::vector<header_field> headers = {},
                      std::string_view method = "GET")
    {
        request_head request;
        request.method = method;
        request.target = target;
        request.headers = std::move(headers);
        request.arrival = std::chrono::steady_clock::now();
        return handler.handle(request);
    }

    stats_recorder stats;
    std::shared_ptr<const catalog> repositories;
    request_handler handler;
};

}  // namespace

BOOST_AUTO_TEST_CASE(listing_headers_and_body)
{
    handler_fixture fixture;
    response_plan plan = fixture.get("/v2/manage/shared-repositories?filter=center%3A%3Aself%7Climit%3A%3A2%7Coffset%3A%3A3");
    BOOST_TEST(plan.status == 200u);
    BOOST_TEST(plan.header("Content-Type").value() == "application/json;charset=utf8");
    BOOST_TEST(plan.header("Content-Range").value() == "3-2/5");
    BOOST_TEST(plan.header("X-Request-Id").value().size() == 32u);
    BOOST_TEST(plan.items == 2u);
    BOOST_TEST(plan.body.find(R"("name":"base/debian")") != std::string::npos);
    BOOST_TEST(plan.body.find(R"("name":"alpine-tools")") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(listing_without_paging_has_no_content_range)
{
    handler_fixture fixture;
    response_plan plan = fixture.get("/v2/manage/shared-repositories?center=self");
    BOOST_TEST(plan.status == 200u);
    BOOST_TEST(!plan.header("Content-Range").has_value());
    BOOST_TEST(plan.items == 5u);
}

BOOST_AUTO_TEST_CASE(listing_error_is_swr_format)
{
    handler_fixture fixture;
    response_plan plan = fixture.get("/v2/manage/shared-repositories?center=self&limit=1001");
    BOOST_TEST(plan.status == 400u);
    BOOST_TEST(plan.header("Content-Type").value() == "application/json;charset=utf8");
    BOOST_TEST(plan.header("X-Request-Id").has_value());
    BOOST_TEST(plan.body.find(R"({"errors":[{"errorCode":"SVCSTG.SWR.4000056")") == 0u);
}

BOOST_AUTO_TEST_CASE(token_checked_and_never_echoed)
{
    swr::emulator_options options;
    options.token = "the-right-token";
    handler_fixture fixture(options);

    response_plan missing = fixture.get("/v2/manage/shared-repositories?center=self");
    BOOST_TEST(missing.status == 401u);
    BOOST_TEST(missing.body.find(R"("error_code":"APIG.0301")") != std::string::npos);

    response_plan wrong =
        fixture.get("/v2/manage/shared-repositories?center=self", {{"X-Auth-Token", "the-wrong-token"}});
    BOOST_TEST(wrong.status == 401u);
    BOOST_TEST(wrong.body.find("the-wrong-token") == std::string::npos);
    BOOST_TEST(wrong.body.find("the-right-token") == std::string::npos);

    // Request ids in the body and the header agree.
    std::string id(wrong.header("X-Request-Id").value());
    BOOST_TEST(wrong.body.find(R"("request_id":")" + id + "\"") != std::string::npos);

    // Header names are case-insensitive.
    response_plan right =
        fixture.get("/v2/manage/shared-repositories?center=self", {{"x-auth-token", "the-right-token"}});
    BOOST_TEST(right.status == 200u);
}

BOOST_AUTO_TEST_CASE(rate_limit_answers_429)
{
    swr::emulator_options options;
    options.rate_limit = 0.5;
    options.rate_burst = 2;
    handler_fixture fixture(options);

    BOOST_TEST(fixture.get("/v2/manage/shared-repositories?center=self").status == 200u);
    BOOST_TEST(fixture.get("/v2/manage/shared-repositories?center=self").status == 200u);
    response_plan throttled = fixture.get("/v2/manage/shared-repositories?center=self");
    BOOST_TEST(throttled.status == 429u);
    BOOST_TEST(throttled.body.find(R"("error_code":"APIG.0308","error_msg":"policy user over ratelimit,limit:0.5,time:1 second")") !=
               std::string::npos);
}

BOOST_AUTO_TEST_CASE(unknown_path_and_method)
{
    handler_fixture fixture;
    response_plan missing = fixture.get("/v2/manage/shared-repositories/?center=self");
    BOOST_TEST(missing.status == 404u);
    BOOST_TEST(missing.body.find(R"("error_code":"APIG.0101")") != std::string::npos);

    response_plan wrong_method = fixture.get("/v2/manage/shared-repositories?center=self", {}, "POST");
    BOOST_TEST(wrong_method.status == 405u);
    BOOST_TEST(wrong_method.header("Allow").value() == "GET");
}

BOOST_AUTO_TEST_CASE(latency_applies_except_stats)
{
    swr::emulator_options options;
    options.latency = 250ms;
    options.token = "secret";
    handler_fixture fixture(options);

    BOOST_TEST(fixture.get("/v2/manage/shared-repositories?center=self").delay == 250ms);
    BOOST_TEST(fixture.get("/nope").delay == 250ms);

    // The stats endpoint needs no token and adds no delay.
    response_plan stats = fixture.get("/emulator/stats");
    BOOST_TEST(stats.status == 200u);
    BOOST_TEST(stats.delay == 0ms);
    BOOST_TEST(stats.body.find(R"("requests":0)") == 1u);
    BOOST_TEST(!is_counted_target("/emulator/stats?x=1"));
    BOOST_TEST(is_counted_target("/v2/manage/shared-repositories"));
}

BOOST_AUTO_TEST_CASE(stats_recorder_counts)
{
    stats_recorder stats;
    auto now = std::chrono::steady_clock::now();
    stats.request_started(now);
    stats.request_started(now + 1ms);
    BOOST_TEST(stats.snapshot().in_flight == 2u);
    stats.request_finished(200, 7);
    stats.request_finished(429, 0);
    stats.rejected_before_start(431);
    stats.connection_opened();

    swr::emulator_stats snapshot = stats.snapshot();
    BOOST_TEST(snapshot.requests == 2u);
    BOOST_TEST(snapshot.in_flight == 0u);
    BOOST_TEST(snapshot.max_in_flight == 2u);
    BOOST_TEST(snapshot.ok == 1u);
    BOOST_TEST(snapshot.items == 7u);
    BOOST_TEST(snapshot.throttled == 1u);
    BOOST_TEST(snapshot.bad_requests == 1u);
    BOOST_TEST(snapshot.open_connections == 1u);
    BOOST_TEST(stats.arrival_times().size() == 2u);

    stats.reset();
    snapshot = stats.snapshot();
    BOOST_TEST(snapshot.requests == 0u);
    BOOST_TEST(snapshot.max_in_flight == 0u);
    BOOST_TEST(snapshot.open_connections == 1u);
    BOOST_TEST(stats.arrival_times().empty());
}

BOOST_AUTO_TEST_SUITE_END()
