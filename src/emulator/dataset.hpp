#ifndef SWR_EMULATOR_DATASET_HPP
#define SWR_EMULATOR_DATASET_HPP

// Sources of the repositories an emulator serves: a deterministic generator
// and a JSON data file.

#include "emulator/catalog.hpp"
#include "emulator/query.hpp"

#include <swr/emulator.hpp>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace swr::emulator_detail {

/// Largest number of generated repositories per center.
inline constexpr std::int64_t max_generated_repositories = 10'000'000;

/// Repositories of both centers.
struct repository_set {
    std::vector<repository_record> self;
    std::vector<repository_record> thirdparty;
};

/// Generates repository number `index` of one center. The record depends
/// only on `which` and `index`, so a larger data set extends a smaller one.
///
/// The data covers cases that clients get wrong: several namespaces, nested
/// names (`base/alpine-7`), Chinese and empty descriptions, empty tag lists
/// and sizes above 4 GiB. `num_download` is above 2^53 for every index that
/// ends in 003 or 005 (modulo 1000), and exactly INT64_MAX for those ending in 005.
repository_record generate_repository(sharing_center center, std::int64_t index);

/// Generates repositories 0 to `count - 1` of one center (see `generate_repository`).
std::vector<repository_record> generate_repositories(sharing_center center, std::int64_t count);

/// Parses a data file body: an object keyed by center whose values are
/// arrays of repositories with every field of the SWR response. A
/// `total_range` in an item is ignored (it is computed per request); other
/// unknown fields are ignored too.
///
/// @throws std::runtime_error starting with `origin`, e.g. the file name,
/// and naming the item, field or JSON syntax position that is wrong.
repository_set parse_repository_json(std::string_view text, std::string_view origin);

/// Reads and parses a data file (see `parse_repository_json`).
///
/// @throws std::runtime_error naming the file and the problem.
repository_set load_repository_file(const std::string& path);

/// Builds the catalog that `options` describe: the data file when set,
/// otherwise `options.repositories` generated repositories per center.
///
/// @throws std::runtime_error as `load_repository_file` does.
std::shared_ptr<const catalog> load_catalog(const emulator_options& options);

}  // namespace swr::emulator_detail

#endif
