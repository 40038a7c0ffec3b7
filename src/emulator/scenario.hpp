#ifndef SWR_EMULATOR_SCENARIO_HPP
#define SWR_EMULATOR_SCENARIO_HPP

// Fault scenario files: JSON in the format described in <swr/emulator.hpp>.

#include <swr/emulator.hpp>

#include <cstddef>
#include <map>
#include <string>
#include <string_view>

namespace swr::emulator_detail {

/// Parses and checks a fault scenario.
///
/// @throws std::runtime_error in the form `ORIGIN:LINE: FIELD: PROBLEM`,
/// e.g. `faults.json:7: rules[1].status: invalid value 700: expected an
/// integer from 200 to 599`,
/// or `ORIGIN:LINE:COLUMN: invalid JSON: ...` for a syntax error.
fault_scenario parse_fault_scenario(std::string_view text, std::string_view origin);

/// The line on which each value of a JSON text starts, by path: `""` for the
/// top level, `rules`, `rules[2]`, `rules[2].status`. Lines count from 1.
class json_line_index {
public:
    /// `text` must be valid JSON.
    explicit json_line_index(std::string_view text);

    /// Line of `path`, or of its nearest enclosing value that has one.
    std::size_t line_of(std::string path) const;

private:
    std::map<std::string, std::size_t> lines_;
};

}  // namespace swr::emulator_detail

#endif
