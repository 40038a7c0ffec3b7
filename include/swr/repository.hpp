#ifndef SWR_REPOSITORY_HPP
#define SWR_REPOSITORY_HPP

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace swr {

/// One shared repository, as returned by `GET /v2/manage/shared-repositories`.
///
/// Integers are exact to 64 bits. Fields absent or `null` in the response
/// keep the defaults below.
struct repository {
    std::string name;          ///< Repository name; may contain `/` for nested repositories.
    std::string category;      ///< Category, e.g. `linux`, `app_server`.
    std::string description;   ///< Free text, possibly empty.
    std::int64_t size = 0;     ///< Total size in bytes.
    bool is_public = false;    ///< Whether the repository is public.
    std::int64_t num_images = 0;    ///< Number of images (tags) in the repository.
    std::int64_t num_download = 0;  ///< Download count.
    std::string created_at;    ///< Creation time, UTC, e.g. `2018-03-21T12:22:37Z`.
    std::string updated_at;    ///< Last update time, UTC.
    std::string logo;          ///< Logo URL.
    std::string url;           ///< Reserved by the API.
    std::string path;          ///< Pull path, `swr.{region}.myhuaweicloud.com/{namespace}/{name}`.
    std::string internal_path; ///< Internal pull path, `{ip}:{port}/{namespace}/{name}`.
    std::string domain_name;   ///< Owning account.
    std::string namespace_name;     ///< Namespace (JSON field `namespace`).
    std::vector<std::string> tags;  ///< Tag names.
    /// For `thirdparty`: whether the share is still valid. For `self`: always false.
    bool status = false;
    /// Total number of records as reported in the item (`total_range`), when present.
    std::optional<std::int64_t> total_range;

    friend bool operator==(const repository&, const repository&) = default;
};

/// Result of parsing one response body.
struct parsed_page {
    /// Repositories in body order; empty when `error` is set.
    std::vector<repository> items;
    /// Empty on success; otherwise names the item index, the field and the problem.
    std::string error;
};

/// Parses a response body (a JSON array of repositories).
///
/// Tolerant of what real servers do: unknown fields are ignored, missing or
/// `null` fields keep their defaults, and trailing commas are accepted.
/// Invalid JSON, a body or item of the wrong kind, a value of the wrong type,
/// an integer outside int64 and a missing `name` are errors, returned in
/// `parsed_page::error`.
parsed_page parse_repositories(std::string_view body);

/// Serializes `item` as one JSON object with every field in the API's order,
/// `total_range` only when set.
std::string to_json(const repository& item);

}  // namespace swr

#endif
