#include "emulator/dataset.hpp"

#include "emulator/responses.hpp"

#include <boost/json/parse_options.hpp>
#include <boost/json/stream_parser.hpp>
#include <boost/json/value.hpp>

#include <array>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <limits>
#include <sstream>
#include <stdexcept>

namespace swr::emulator_detail {

namespace {

namespace json = boost::json;

// Word lists of the generator. Changing them changes every generated data set.
constexpr std::array<std::string_view, 16> image_words = {
    "nginx", "redis", "postgres", "alpine", "ubuntu", "debian", "python", "golang",
    "node", "openjdk", "busybox", "envoy", "grafana", "kafka", "etcd", "mysql",
};
constexpr std::array<std::string_view, 4> nested_groups = {"base", "tools", "data", "edge"};
constexpr std::array<std::string_view, 7> categories = {
    "linux", "app_server", "database", "lang", "windows", "arm", "other",
};
constexpr std::array<std::string_view, 10> tag_words = {
    "latest", "stable", "v1.0.0", "v1.2.3", "v2.0.0-rc1", "2025.11", "amd64", "arm64", "debug", "slim",
};
constexpr std::array<std::string_view, 3> regions = {"cn-north-4", "ap-southeast-1", "cn-east-3"};

struct owner {
    std::string_view namespace_name;
    std::string_view domain_name;
};
constexpr std::array<owner, 5> self_owners = {{
    {"library", "emulator_account"},
    {"platform", "emulator_account"},
    {"team-a", "emulator_account"},
    {"team-b", "emulator_account"},
    {"ml", "emulator_account"},
}};
constexpr std::array<owner, 5> thirdparty_owners = {{
    {"partner-alpha", "partner_alpha"},
    {"vendor-beta", "vendor-beta"},
    {"open-lab", "open_lab"},
    {"east-apps", "华东分公司"},
    {"shared-ci", "ci_team"},
}};

constexpr std::string_view english_description = "Base image with security patches applied weekly.";
constexpr std::string_view chinese_description = "内部使用的基础镜像，每周更新安全补丁";

constexpr std::int64_t gib = std::int64_t{1} << 30;

// 2018-01-01T00:00:00Z in seconds since the epoch.
constexpr std::int64_t first_creation_time = 1514764800;
constexpr std::int64_t seconds_per_year = 365 * 24 * 3600;

std::string format_utc(std::int64_t seconds_since_epoch)
{
    using namespace std::chrono;
    sys_seconds time{seconds{seconds_since_epoch}};
    sys_days day = floor<days>(time);
    year_month_day date{day};
    hh_mm_ss clock{time - day};

    char text[32];
    std::snprintf(text, sizeof text, "%04d-%02u-%02uT%02d:%02d:%02dZ", static_cast<int>(date.year()),
                  static_cast<unsigned>(date.month()), static_cast<unsigned>(date.day()),
                  static_cast<int>(clock.hours().count()), static_cast<int>(clock.minutes().count()),
                  static_cast<int>(clock.seconds().count()));
    return text;
}

repository_record make_repository(sharing_center center, std::int64_t index)
{
    // One random stream per record, seeded by the center and the index.
    std::uint64_t state = static_cast<std::uint64_t>(index) * 2 + (center == sharing_center::self ? 0 : 1);
    auto next = [&state] { return splitmix64(state); };
    auto pick = [&next](std::size_t size) { return static_cast<std::size_t>(next() % size); };

    const auto& owners = center == sharing_center::self ? self_owners : thirdparty_owners;
    const owner& who = owners[pick(owners.size())];

    repository_record record;
    std::string word(image_words[pick(image_words.size())]);
    if (pick(8) == 0) {
        record.name = std::string(nested_groups[pick(nested_groups.size())]) + "/" + word + "-" +
                      std::to_string(index);
    } else {
        record.name = word + "-" + std::to_string(index);
    }
    record.namespace_name = who.namespace_name;
    record.domain_name = who.domain_name;
    record.category = categories[pick(categories.size())];

    switch (pick(4)) {
    case 0:
        break;
    case 1:
        record.description = chinese_description;
        break;
    case 2:
        record.description = std::string(english_description) + " Image " + word + ".";
        break;
    default:
        for (int repeat = 0; repeat < 8; ++repeat) {
            record.description += english_description;
            record.description += ' ';
        }
        record.description += chinese_description;
    }

    // About 1 in 8 above 4 GiB, 1 in 20 empty.
    std::size_t size_class = pick(40);
    if (size_class < 2) {
        record.size = 0;
    } else if (size_class < 7) {
        record.size = 4 * gib + static_cast<std::int64_t>(next() % static_cast<std::uint64_t>(60 * gib));
    } else {
        record.size = static_cast<std::int64_t>(next() % static_cast<std::uint64_t>(2 * gib));
    }
    record.is_public = pick(3) == 0;

    // Up to 6 distinct tags in list order, none for about 1 in 6.
    std::size_t tag_target = pick(7);
    std::uint64_t tag_bits = next();
    for (std::size_t i = 0; i < tag_words.size() && record.tags.size() < tag_target; ++i) {
        if ((tag_bits >> i) & 1) {
            record.tags.emplace_back(tag_words[i]);
        }
    }
    record.num_images = static_cast<std::int64_t>(record.tags.size());

    record.num_download = static_cast<std::int64_t>(next() % 1'000'000);
    if (index % 1000 == 3) {
        record.num_download = (std::int64_t{1} << 53) + 1 + static_cast<std::int64_t>(next() % 1000);
    } else if (index % 1000 == 5) {
        record.num_download = std::numeric_limits<std::int64_t>::max();
    }

    std::int64_t created = first_creation_time + static_cast<std::int64_t>(next() % (7 * seconds_per_year));
    std::int64_t updated = created + static_cast<std::int64_t>(next() % (2 * seconds_per_year));
    record.created_at = format_utc(created);
    record.updated_at = format_utc(updated);

    std::string region(regions[pick(regions.size())]);
    std::string repository_path = record.namespace_name + "/" + record.name;
    record.path = "swr." + region + ".myhuaweicloud.com/" + repository_path;
    record.internal_path = "100.125.0.198:20202/" + repository_path;

    // For `self` the service always reports false.
    record.status = center == sharing_center::thirdparty && pick(10) != 0;
    return record;
}

// Builds the "origin: where: problem" message of a data file error.
[[noreturn]] void fail(std::string_view origin, const std::string& where, const std::string& problem)
{
    throw std::runtime_error(std::string(origin) + ": " + where + ": " + problem);
}

std::string_view kind_name(const json::value& value)
{
    switch (value.kind()) {
    case json::kind::null:
        return "null";
    case json::kind::bool_:
        return "a boolean";
    case json::kind::int64:
    case json::kind::uint64:
        return "an integer";
    case json::kind::double_:
        return "a floating-point number";
    case json::kind::string:
        return "a string";
    case json::kind::array:
        return "an array";
    case json::kind::object:
        return "an object";
    }
    return "a value";
}

// Reads typed fields of one item, naming the item in every error.
class item_reader {
public:
    item_reader(const json::object& item, std::string_view origin, std::string where)
        : item_(item), origin_(origin), where_(std::move(where))
    {
    }

    std::string text(std::string_view key) const
    {
        const json::value& value = field(key);
        if (!value.is_string()) {
            wrong_type(key, "a string", value);
        }
        return std::string(value.get_string());
    }

    std::int64_t integer(std::string_view key) const
    {
        const json::value& value = field(key);
        if (value.is_int64()) {
            return value.get_int64();
        }
        if (value.is_uint64()) {
            fail(origin_, where_, "field \"" + std::string(key) + "\" is larger than 2^63 - 1");
        }
        wrong_type(key, "an integer", value);
    }

    bool boolean(std::string_view key) const
    {
        const json::value& value = field(key);
        if (!value.is_bool()) {
            wrong_type(key, "a boolean", value);
        }
        return value.get_bool();
    }

    std::vector<std::string> text_list(std::string_view key) const
    {
        const json::value& value = field(key);
        if (!value.is_array()) {
            wrong_type(key, "an array of strings", value);
        }
        std::vector<std::string> list;
        for (const json::value& element : value.get_array()) {
            if (!element.is_string()) {
                wrong_type(key, "an array of strings", element);
            }
            list.emplace_back(element.get_string());
        }
        return list;
    }

private:
    const json::value& field(std::string_view key) const
    {
        const json::value* value = item_.if_contains(key);
        if (value == nullptr) {
            fail(origin_, where_, "missing field \"" + std::string(key) + "\"");
        }
        return *value;
    }

    [[noreturn]] void wrong_type(std::string_view key, std::string_view expected,
                                 const json::value& value) const
    {
        fail(origin_, where_,
             "field \"" + std::string(key) + "\" must be " + std::string(expected) + ", not " +
                 std::string(kind_name(value)));
    }

    const json::object& item_;
    std::string_view origin_;
    std::string where_;
};

repository_record read_item(const json::value& value, std::string_view origin, const std::string& where)
{
    if (!value.is_object()) {
        fail(origin, where, "must be an object, not " + std::string(kind_name(value)));
    }
    item_reader read(value.get_object(), origin, where);

    repository_record record;
    record.name = read.text("name");
    record.category = read.text("category");
    record.description = read.text("description");
    record.size = read.integer("size");
    record.is_public = read.boolean("is_public");
    record.num_images = read.integer("num_images");
    record.num_download = read.integer("num_download");
    record.created_at = read.text("created_at");
    record.updated_at = read.text("updated_at");
    record.logo = read.text("logo");
    record.url = read.text("url");
    record.path = read.text("path");
    record.internal_path = read.text("internal_path");
    record.domain_name = read.text("domain_name");
    record.namespace_name = read.text("namespace");
    record.tags = read.text_list("tags");
    record.status = read.boolean("status");

    // Checked only for its type: the emulator computes total_range per request.
    if (value.get_object().contains("total_range")) {
        read.integer("total_range");
    }
    return record;
}

// Parses `text` as JSON, naming the line and column of a syntax error.
json::value parse_json(std::string_view text, std::string_view origin)
{
    json::stream_parser parser;
    boost::system::error_code ec;
    std::size_t consumed = parser.write(text.data(), text.size(), ec);
    if (!ec) {
        parser.finish(ec);
    }
    if (ec) {
        std::size_t line = 1;
        std::size_t column = 1;
        for (std::size_t i = 0; i < consumed && i < text.size(); ++i) {
            if (text[i] == '\n') {
                ++line;
                column = 1;
            } else {
                ++column;
            }
        }
        fail(origin, "line " + std::to_string(line) + ", column " + std::to_string(column),
             "invalid JSON: " + ec.message());
    }
    return parser.release();
}

}  // namespace

repository_record generate_repository(sharing_center center, std::int64_t index)
{
    return make_repository(center, index);
}

std::vector<repository_record> generate_repositories(sharing_center center, std::int64_t count)
{
    std::vector<repository_record> records;
    records.reserve(static_cast<std::size_t>(count));
    for (std::int64_t index = 0; index < count; ++index) {
        records.push_back(make_repository(center, index));
    }
    return records;
}

repository_set parse_repository_json(std::string_view text, std::string_view origin)
{
    json::value document = parse_json(text, origin);
    if (!document.is_object()) {
        fail(origin, "top level",
             "must be an object keyed by center ({\"self\": [...], \"thirdparty\": [...]}), not " +
                 std::string(kind_name(document)));
    }

    repository_set set;
    for (const auto& [key, items] : document.get_object()) {
        std::vector<repository_record>* target = nullptr;
        if (key == "self") {
            target = &set.self;
        } else if (key == "thirdparty") {
            target = &set.thirdparty;
        } else {
            fail(origin, "top level", "unknown center \"" + std::string(key) + "\"; use self or thirdparty");
        }
        if (!items.is_array()) {
            fail(origin, std::string(key), "must be an array, not " + std::string(kind_name(items)));
        }

        const json::array& list = items.get_array();
        target->reserve(list.size());
        for (std::size_t i = 0; i < list.size(); ++i) {
            std::string where = std::string(key) + "[" + std::to_string(i) + "]";
            target->push_back(read_item(list[i], origin, where));
        }
    }
    return set;
}

repository_set load_repository_file(const std::string& path)
{
    std::error_code status_error;
    if (std::filesystem::is_directory(path, status_error)) {
        throw std::runtime_error("data file " + path + ": is a directory, not a JSON file");
    }
    std::ifstream file(path, std::ios::binary);
    if (!file) {
        throw std::runtime_error("data file " + path + ": cannot be opened for reading");
    }
    std::ostringstream contents;
    contents << file.rdbuf();
    if (file.bad()) {
        throw std::runtime_error("data file " + path + ": read failed");
    }
    return parse_repository_json(contents.str(), "data file " + path);
}

std::shared_ptr<const catalog> load_catalog(const emulator_options& options)
{
    if (!options.data_file.empty()) {
        repository_set set = load_repository_file(options.data_file);
        return std::make_shared<const catalog>(std::move(set.self), std::move(set.thirdparty));
    }

    // Record by record, so that the full records never exist all at once.
    auto repositories = std::make_shared<catalog>();
    for (sharing_center center : {sharing_center::self, sharing_center::thirdparty}) {
        for (std::int64_t index = 0; index < options.repositories; ++index) {
            repositories->add(center, make_repository(center, index));
        }
    }
    return repositories;
}

}  // namespace swr::emulator_detail
