// Unit tests for the two private page parsers behind swr::parse_repositories.
// The fast path gives up on what it does not handle and agrees with the
// complete parser on what it accepts. The complete parser treats a key given
// twice as a DOM would, so the last value counts.

#define BOOST_TEST_MODULE page_parser
#include <boost/test/unit_test.hpp>

#include "page_parser.hpp"

#include <swr/repository.hpp>

#include <cstdint>
#include <random>
#include <string>
#include <string_view>
#include <vector>

using swr::detail::parse_page_complete;
using swr::detail::parse_page_fast;

namespace {

swr::repository sample_item(int index)
{
    swr::repository item;
    item.name = "nginx-" + std::to_string(index);
    item.category = "linux";
    item.description = index % 2 == 0 ? "Base image, patched weekly." : "内部使用的基础镜像";
    item.size = 123456789 + index;
    item.is_public = index % 3 == 0;
    item.num_images = 3;
    item.num_download = index % 5 == 0 ? INT64_MAX : 42;
    item.created_at = "2018-03-21T12:22:37Z";
    item.updated_at = "2024-11-02T08:00:00Z";
    item.path = "swr.cn-north-4.myhuaweicloud.com/library/nginx-" + std::to_string(index);
    item.internal_path = "100.125.0.198:20202/library/nginx-" + std::to_string(index);
    item.domain_name = "emulator_account";
    item.namespace_name = "library";
    item.tags = {"latest", "v1.2.3"};
    item.status = index % 2 == 1;
    item.total_range = 1000;
    return item;
}

std::string sample_page(int items)
{
    std::string body = "[";
    for (int i = 0; i < items; ++i) {
        if (i > 0)
            body += ',';
        body += swr::to_json(sample_item(i));
    }
    return body + "]";
}

// Checks that the fast path declines `body` and that parse_repositories
// still returns what the complete parser does.
void check_declined(std::string_view body)
{
    BOOST_TEST(!parse_page_fast(body).has_value(), "fast path accepted: " << body);
    swr::parsed_page complete = parse_page_complete(body);
    swr::parsed_page result = swr::parse_repositories(body);
    BOOST_TEST(result.error == complete.error);
    BOOST_TEST((result.items == complete.items));
}

// Checks that the fast path, whenever it accepts `body`, returns what the
// complete parser returned (`complete`). Returns whether it accepted.
bool fast_path_agrees(const std::string& body, const swr::parsed_page& complete)
{
    std::optional<std::vector<swr::repository>> fast = parse_page_fast(body);
    if (!fast)
        return false;
    BOOST_TEST_REQUIRE(complete.error == "", "fast path accepted an invalid body: " << body);
    BOOST_TEST_REQUIRE((*fast == complete.items), "fast path differs on: " << body);
    return true;
}

}  // namespace

BOOST_AUTO_TEST_CASE(fast_path_reads_server_pages)
{
    const std::string body = sample_page(50);

    std::optional<std::vector<swr::repository>> fast = parse_page_fast(body);

    BOOST_TEST_REQUIRE(fast.has_value());
    BOOST_TEST_REQUIRE(fast->size() == 50u);
    BOOST_TEST((fast->at(7) == sample_item(7)));
    BOOST_TEST((*fast == parse_page_complete(body).items));
}

// Three-byte characters are checked inline, except those whose lead byte
// (E0, ED) limits the next byte. Both kinds, at every edge of their range.
BOOST_AUTO_TEST_CASE(fast_path_reads_three_byte_characters)
{
    const std::vector<std::string> texts = {
        "\xE0\xA0\x80", "\xE1\x80\x80", "\xEC\xBF\xBF", "\xED\x80\x80",
        "\xED\x9F\xBF", "\xEE\x80\x80", "\xEF\xBF\xBF", "\xE5\x86\x85\xE9\x83\xA8",
    };
    for (const std::string& text : texts) {
        const std::string body = "[{\"name\":\"" + text + "\"}]";

        std::optional<std::vector<swr::repository>> fast = parse_page_fast(body);

        BOOST_TEST_REQUIRE(fast.has_value(), "fast path declined: " << body);
        BOOST_TEST_REQUIRE(fast->size() == 1u);
        BOOST_TEST(fast->at(0).name == text);
    }
}

BOOST_AUTO_TEST_CASE(fast_path_allows_whitespace_and_unknown_fields)
{
    const std::string body = " [ {\n \"name\" : \"a\" ,\t\"extra\":\"x\",\"count\":-3,\"flag\":true,\"none\":null,"
                             "\"tags\":[ \"t\" ] } ]\r\n";

    std::optional<std::vector<swr::repository>> fast = parse_page_fast(body);

    BOOST_TEST_REQUIRE(fast.has_value());
    BOOST_TEST((*fast == parse_page_complete(body).items));
}

// Members are compared with `"key":` 16 bytes at a time while at least 16
// bytes are left, and byte by byte near the end. Whitespace inside a member,
// a key that only starts like the expected one, or a value that is not a
// string must take the slower way to the same result.
BOOST_AUTO_TEST_CASE(fast_path_reads_members_written_other_ways)
{
    const std::string long_tail = R"(,"description":"a description long enough for 16-byte loads"}])";
    const std::vector<std::string> members = {
        R"("category":"db")",  R"("category" :"db")", R"("category": "db")", R"( "category":"db")",
        R"("category":null)",  R"("categoryx":"db")", R"("categor":"db")",   R"("namespace":"ns")",
    };
    for (const std::string& member : members) {
        for (const std::string& tail : {std::string("}]"), long_tail}) {
            const std::string body = R"([{"name":"a",)" + member + tail;
            std::optional<std::vector<swr::repository>> fast = parse_page_fast(body);
            BOOST_TEST_REQUIRE(fast.has_value(), "fast path declined: " << body);
            BOOST_TEST((*fast == parse_page_complete(body).items), "fast path differs on: " << body);
        }
    }
}

namespace {

// The members of one item in the API's order, as servers write them.
std::vector<std::string> members_in_api_order()
{
    std::vector<std::string> members = {
        R"("name":"nginx-1")",
        R"("category":"linux")",
        R"("description":"内部使用的基础镜像, a description long enough for 16-byte loads")",
        R"("size":123456790)",
        R"("is_public":false)",
        R"("num_images":3)",
        R"("num_download":42)",
        R"("created_at":"2018-03-21T12:22:37Z")",
        R"("updated_at":"2024-11-02T08:00:00Z")",
        R"("logo":"")",
        R"("url":"")",
        R"("path":"swr.cn-north-4.myhuaweicloud.com/library/nginx-1")",
        R"("internal_path":"100.125.0.198:20202/library/nginx-1")",
        R"("domain_name":"emulator_account")",
        R"("namespace":"library")",
        R"("tags":["latest","v1.2.3"])",
        R"("status":true)",
        R"("total_range":1000)",
    };
    BOOST_TEST_REQUIRE(members.size() == swr::detail::repository_fields.size());
    for (std::size_t i = 0; i < members.size(); ++i) {
        std::string start = "\"" + std::string(swr::detail::repository_fields[i].key) + "\":";
        BOOST_TEST_REQUIRE(members[i].compare(0, start.size(), start) == 0, members[i]);
    }
    return members;
}

std::string object_of(const std::vector<std::string>& members)
{
    std::string object = "{";
    for (const std::string& member : members)
        object += (object.size() > 1 ? "," : "") + member;
    return object + "}";
}

}  // namespace

// The fast path reads members in the API's order one field at a time and
// takes the general way from the first member that breaks that order. Break
// it at every member: the page must still be read, and read as the complete
// parser reads it, with the next item back in order.
BOOST_AUTO_TEST_CASE(fast_path_resumes_after_broken_order)
{
    const std::vector<std::string> in_order = members_in_api_order();
    const std::string next_item = object_of(in_order);
    for (std::size_t field = 0; field < in_order.size(); ++field) {
        std::vector<std::vector<std::string>> variants;

        std::vector<std::string> moved = in_order;  // the member comes last
        moved.erase(moved.begin() + static_cast<std::ptrdiff_t>(field));
        moved.push_back(in_order[field]);
        variants.push_back(moved);

        std::vector<std::string> spaced = in_order;  // whitespace before the colon
        spaced[field].insert(spaced[field].find("\":") + 1, " ");
        variants.push_back(spaced);

        std::vector<std::string> repeated = in_order;  // given twice, the later value counts
        repeated.insert(repeated.begin() + static_cast<std::ptrdiff_t>(field) + 1, in_order[field]);
        variants.push_back(repeated);

        std::vector<std::string> unknown = in_order;  // an unknown member before it
        unknown.insert(unknown.begin() + static_cast<std::ptrdiff_t>(field), R"("extra":"x")");
        variants.push_back(unknown);

        // The object ends after the member; the fields after it get their defaults.
        variants.emplace_back(in_order.begin(), in_order.begin() + static_cast<std::ptrdiff_t>(field) + 1);

        if (field != swr::detail::name_field) {
            std::vector<std::string> nulled = in_order;  // null instead of the value
            nulled[field] = nulled[field].substr(0, nulled[field].find("\":") + 2) + "null";
            variants.push_back(nulled);
        }

        for (const std::vector<std::string>& members : variants) {
            const std::string body = "[" + object_of(members) + "," + next_item + "]";
            swr::parsed_page complete = parse_page_complete(body);
            BOOST_TEST_REQUIRE(complete.error == "", body);
            BOOST_TEST(fast_path_agrees(body, complete), "fast path declined: " << body);
        }
    }
}

BOOST_AUTO_TEST_CASE(fast_path_declines_other_shapes)
{
    check_declined(R"([{"name":"a\"b"}])");                      // escape
    check_declined(R"([{"name":"a","size":1.0}])");              // fraction
    check_declined(R"([{"name":"a","size":1e3}])");              // exponent
    check_declined(R"([{"name":"a","size":-0}])");               // negative zero
    check_declined(R"([{"name":"a","size":007}])");              // leading zeros
    check_declined(R"([{"name":"a","size":9223372036854775808}])");   // above int64
    check_declined(R"([{"name":"a","size":-9223372036854775809}])");  // below int64
    check_declined(R"([{"name":"a","size":"1"}])");              // wrong type
    check_declined(R"([{"name":"a","extra":{"b":1}}])");         // nested unknown value
    check_declined(R"([{"name":"a"},])");                        // trailing comma
    check_declined(R"([{"name":"a",}])");                        // trailing comma in an item
    check_declined(R"([{"name":null}])");                        // null name
    check_declined(R"([{"size":1}])");                           // no name
    check_declined(R"([{"n\u0061me":"a"}])");                    // escaped key
    check_declined("[{\"name\":\"a\xC0\xAF\"}]");                // overlong UTF-8
    check_declined("[{\"name\":\"a\xED\xA0\x80\"}]");            // UTF-8 surrogate
    check_declined("[{\"name\":\"a\xE0\x9F\xBF\"}]");            // overlong three-byte form
    check_declined("[{\"name\":\"a\xE4\x28\xA1\"}]");            // no continuation byte
    check_declined("[{\"name\":\"a\xE4\xB8\"}]");                // character cut short
    check_declined("[{\"name\":\"a\tb\"}]");                     // control character
    check_declined(R"([{"name":"a"}] [])");                      // data after the array
    check_declined(R"({"name":"a"})");                           // not an array
    check_declined("");
}

BOOST_AUTO_TEST_CASE(fast_path_keeps_largest_integers)
{
    const std::string body = R"([{"name":"a","size":9223372036854775807,"num_download":-9223372036854775808}])";

    std::optional<std::vector<swr::repository>> fast = parse_page_fast(body);

    BOOST_TEST_REQUIRE(fast.has_value());
    BOOST_TEST(fast->at(0).size == INT64_MAX);
    BOOST_TEST(fast->at(0).num_download == INT64_MIN);
}

BOOST_AUTO_TEST_CASE(repeated_key_last_value_counts)
{
    const std::string body =
        R"([{"name":"a","size":5,"size":7,"tags":["x"],"tags":["y"],"status":true,"status":null}])";

    for (const swr::parsed_page& page : {parse_page_complete(body), swr::parse_repositories(body)}) {
        BOOST_TEST_REQUIRE(page.error == "");
        BOOST_TEST_REQUIRE(page.items.size() == 1u);
        BOOST_TEST(page.items[0].size == 7);
        BOOST_TEST(page.items[0].tags == (std::vector<std::string>{"y"}), boost::test_tools::per_element());
        BOOST_TEST(page.items[0].status == false);
    }
}

BOOST_AUTO_TEST_CASE(repeated_key_replaces_wrong_value)
{
    swr::parsed_page fixed = parse_page_complete(R"([{"name":1,"name":"a","size":"x","size":3}])");
    swr::parsed_page broken = parse_page_complete(R"([{"name":"a","size":3,"size":"x"}])");

    BOOST_TEST(fixed.error == "");
    BOOST_TEST_REQUIRE(fixed.items.size() == 1u);
    BOOST_TEST(fixed.items[0].size == 3);
    BOOST_TEST(broken.error == "item 0 field 'size': expected an integer, got string");
}

BOOST_AUTO_TEST_CASE(first_field_in_api_order_is_reported)
{
    swr::parsed_page page = parse_page_complete(R"([{"name":"a"},{"tags":[1],"size":true,"name":"b"}])");

    BOOST_TEST(page.error == "item 1 field 'size': expected an integer, got boolean");
    BOOST_TEST(page.items.empty());
}

// Random edits of a server page: whenever the fast path accepts the result,
// it must agree with the complete parser, and parse_repositories always
// returns what the complete parser does.
BOOST_AUTO_TEST_CASE(fast_path_agrees_on_random_edits)
{
    const std::string seed = sample_page(3);
    const std::vector<std::string> insertions = {
        " ", "\n", ",", "]", "}", "\"", ":", "null", "1", "-1", "0", "1.5", "true", "[]", "{}", "\\",
        "\"x\"", "\"name\":\"q\",", "\"size\":9,", "\"tags\":[\"t\"],", "\xe4\xb8\xad", "\xc3", "\x01"};
    std::mt19937_64 random(20261204);
    int accepted = 0;

    for (int round = 0; round < 20'000; ++round) {
        std::string body = seed;
        int edits = 1 + static_cast<int>(random() % 3);
        for (int edit = 0; edit < edits && !body.empty(); ++edit) {
            std::size_t position = random() % body.size();
            if (random() % 2 == 0)
                body.erase(position, 1 + random() % 4);
            else
                body.insert(position, insertions[random() % insertions.size()]);
        }

        swr::parsed_page complete = parse_page_complete(body);
        if (fast_path_agrees(body, complete))
            ++accepted;
        swr::parsed_page result = swr::parse_repositories(body);
        BOOST_TEST_REQUIRE(result.error == complete.error, "body: " << body);
        BOOST_TEST_REQUIRE((result.items == complete.items), "body: " << body);
    }
    // Some edits (whitespace, a repeated known field) keep a body the fast path reads.
    BOOST_TEST(accepted > 100);
}

BOOST_AUTO_TEST_CASE(reused_items_keep_no_old_values)
{
    // Storage filled from a page where every field is set, then reused for
    // items with only a name, fewer of them: nothing of the first page stays.
    std::vector<swr::repository> items;
    BOOST_TEST_REQUIRE(swr::detail::parse_repositories_into(sample_page(5), items).empty());
    BOOST_TEST_REQUIRE(items.size() == 5u);
    const char* capacity_before = items[0].description.data();

    const std::string sparse = R"([{"name":"a"},{"name":"b","tags":null,"total_range":null}])";
    std::string error = swr::detail::parse_repositories_into(sparse, items);

    BOOST_TEST(error.empty(), error);
    BOOST_TEST((items == parse_page_complete(sparse).items));
    BOOST_TEST_REQUIRE(items.size() == 2u);
    BOOST_TEST(items[0].description.empty());
    BOOST_TEST(!items[1].total_range.has_value());
    // The first item's description kept its memory for the next page.
    BOOST_TEST(static_cast<const void*>(items[0].description.data()) == static_cast<const void*>(capacity_before));
}

BOOST_AUTO_TEST_CASE(reused_items_replaced_on_fallback)
{
    // A body the fast path declines is read by the complete parser, which
    // replaces the storage; an invalid one leaves no items.
    std::vector<swr::repository> items;
    BOOST_TEST_REQUIRE(swr::detail::parse_repositories_into(sample_page(3), items).empty());

    const std::string escaped = R"([{"name":"a\"b"}])";
    BOOST_TEST(swr::detail::parse_repositories_into(escaped, items).empty());
    BOOST_TEST((items == parse_page_complete(escaped).items));

    std::string error = swr::detail::parse_repositories_into(R"([{"name":1}])", items);
    BOOST_TEST(error == parse_page_complete(R"([{"name":1}])").error);
    BOOST_TEST(!error.empty());
    BOOST_TEST(items.empty());
}

namespace {

// Writes random pages in which whitespace, member order, repeated keys,
// nulls, keys close to known ones and non-ASCII text vary, for comparing
// the two parsers.
class page_writer {
public:
    explicit page_writer(std::uint64_t seed) : random_(seed) {}

    std::string page()
    {
        // Half the pages are written without whitespace, as servers do.
        compact_ = pick(2) == 0;
        std::string body = space() + "[" + space();
        int items = static_cast<int>(pick(4));
        for (int i = 0; i < items; ++i) {
            if (i > 0)
                body += space() + "," + space();
            body += item();
        }
        body += space() + "]" + space();
        // Sometimes cut the body, so that it ends inside or right after a member.
        if (pick(8) == 0 && !body.empty())
            body.resize(pick(body.size()));
        return body;
    }

private:
    std::uint64_t pick(std::uint64_t bound) { return bound == 0 ? 0 : random_() % bound; }

    std::string space()
    {
        static const std::vector<std::string> spaces = {"", "", "", "", " ", "\n", "\t", "\r\n", "  "};
        if (compact_ && pick(50) != 0)
            return "";
        return spaces[pick(spaces.size())];
    }

    std::string key()
    {
        static const std::vector<std::string> near_keys = {
            "nam", "names", "name_", "namespac", "namespacex", "categoryx", "tag", "tagss", "url_", "total",
            "total_range_", "is_publi", "internal_pathx", "domain", "", "x", "path\u00e9", "\u4e2d"};
        if (pick(5) == 0)
            return near_keys[pick(near_keys.size())];
        return std::string(swr::detail::repository_fields[pick(swr::detail::repository_fields.size())].key);
    }

    std::string text()
    {
        static const std::vector<std::string> texts = {
            "",  "a", "db", "library", "\u5185\u90e8\u4f7f\u7528\u7684\u57fa\u7840\u955c\u50cf", "\u00e9t\u00e9",
            "a description long enough for 16-byte loads", "\xf0\x9f\x90\xb3", "x:y,z", "\"name\":"};
        return texts[pick(texts.size())];
    }

    std::string quoted(const std::string& text)
    {
        // Texts with a quote inside are written escaped.
        std::string result = "\"";
        for (char c : text) {
            if (c == '"')
                result += '\\';
            result += c;
        }
        return result + "\"";
    }

    std::string value(std::string_view name)
    {
        if (pick(compact_ ? 60 : 6) == 0)
            return "null";
        const swr::detail::field_spec* spec = nullptr;
        for (const auto& field : swr::detail::repository_fields) {
            if (field.key == name)
                spec = &field;
        }
        auto type = spec ? spec->type : static_cast<swr::detail::field_type>(pick(5));
        // Now and then a value of another type, which the complete parser rejects.
        if (pick(25) == 0)
            type = static_cast<swr::detail::field_type>(pick(5));
        static const std::vector<std::string> integers = {
            "0", "1", "-1", "42", "123456789", "9223372036854775807", "-9223372036854775808"};
        switch (type) {
        case swr::detail::field_type::text:
            return quoted(text());
        case swr::detail::field_type::integer:
        case swr::detail::field_type::optional_integer:
            return integers[pick(integers.size())];
        case swr::detail::field_type::boolean:
            return pick(2) == 0 ? "true" : "false";
        case swr::detail::field_type::strings: {
            std::string list = "[" + space();
            std::uint64_t count = pick(3);
            for (std::uint64_t i = 0; i < count; ++i) {
                if (i > 0)
                    list += space() + "," + space();
                list += quoted(text());
            }
            return list + space() + "]";
        }
        }
        return "null";
    }

    std::string item()
    {
        std::vector<std::string> names;
        if (pick(2) == 0) {
            names = all_keys_with_changes();
        } else {
            if (pick(10) != 0)
                names.push_back("name");
            std::uint64_t others = pick(8);
            for (std::uint64_t i = 0; i < others; ++i)
                names.push_back(key());
        }
        // Now and then shuffled.
        if (pick(3) == 0) {
            for (std::size_t i = names.size(); i > 1; --i)
                std::swap(names[i - 1], names[pick(i)]);
        }
        std::string body = "{" + space();
        for (std::size_t i = 0; i < names.size(); ++i) {
            if (i > 0)
                body += space() + "," + space();
            body += quoted(names[i]) + space() + ":" + space() + value(names[i]);
        }
        return body + space() + "}";
    }

    // Every key in the API's order, as servers write them, with up to two
    // changes: a key left out, added or repeated, two keys swapped, or the
    // list cut short.
    std::vector<std::string> all_keys_with_changes()
    {
        std::vector<std::string> names;
        for (const auto& field : swr::detail::repository_fields)
            names.emplace_back(field.key);
        for (std::uint64_t changes = pick(3); changes > 0; --changes) {
            auto at = static_cast<std::ptrdiff_t>(pick(names.size()));
            switch (pick(5)) {
            case 0:
                names.erase(names.begin() + at);
                break;
            case 1:
                names.insert(names.begin() + at, key());
                break;
            case 2:
                names.insert(names.begin() + at, names[static_cast<std::size_t>(at)]);
                break;
            case 3:
                if (at + 1 < static_cast<std::ptrdiff_t>(names.size()))
                    std::swap(names[static_cast<std::size_t>(at)], names[static_cast<std::size_t>(at) + 1]);
                break;
            default:
                names.resize(static_cast<std::size_t>(at) + 1);
                break;
            }
            if (names.empty())
                break;
        }
        return names;
    }

    std::mt19937_64 random_;
    bool compact_ = false;
};

}  // namespace

// Structured random pages: whenever the fast path accepts one, it must
// return what the complete parser returns, also when parsing into storage
// left by an earlier page.
BOOST_AUTO_TEST_CASE(fast_path_agrees_on_random_pages)
{
    page_writer writer(20261205);
    std::vector<swr::repository> reused;
    int accepted = 0;

    for (int round = 0; round < 100'000; ++round) {
        const std::string body = writer.page();
        swr::parsed_page complete = parse_page_complete(body);
        if (fast_path_agrees(body, complete))
            ++accepted;
        std::string error = swr::detail::parse_repositories_into(body, reused);
        BOOST_TEST_REQUIRE(error == complete.error, "body: " << body);
        BOOST_TEST_REQUIRE((reused == complete.items), "reused storage differs on: " << body);
    }
    BOOST_TEST_MESSAGE("fast path accepted " << accepted << " of 100000 pages");
    BOOST_TEST(accepted > 10'000);
}
