#ifndef SWR_SRC_PAGE_PARSER_HPP
#define SWR_SRC_PAGE_PARSER_HPP

// The two parsers behind swr::parse_repositories. The fast one reads the
// shape servers actually send and gives up on anything else. The complete
// one accepts every valid body and words every error. parse_repositories
// tries the fast one first and falls back to the complete one.

#include <swr/repository.hpp>

#include <array>
#include <optional>
#include <string_view>
#include <vector>

namespace swr::detail {

/// Type of the value of a `repository` field.
enum class field_type { text, integer, optional_integer, boolean, strings };

/// A JSON key of a repository and the type of its value.
struct field_spec {
    std::string_view key;
    field_type type;
};

/// Every field of `repository`, in the API's order, which is also the order
/// in which errors of one item are reported.
inline constexpr std::array<field_spec, 18> repository_fields = {{
    {"name", field_type::text},
    {"category", field_type::text},
    {"description", field_type::text},
    {"size", field_type::integer},
    {"is_public", field_type::boolean},
    {"num_images", field_type::integer},
    {"num_download", field_type::integer},
    {"created_at", field_type::text},
    {"updated_at", field_type::text},
    {"logo", field_type::text},
    {"url", field_type::text},
    {"path", field_type::text},
    {"internal_path", field_type::text},
    {"domain_name", field_type::text},
    {"namespace", field_type::text},
    {"tags", field_type::strings},
    {"status", field_type::boolean},
    {"total_range", field_type::optional_integer},
}};

/// Index of `name` in `repository_fields`.
inline constexpr std::size_t name_field = 0;

/// Index in `repository_fields` of `key`, or `repository_fields.size()` for
/// an unknown key, searching the whole table.
std::size_t find_field_in_table(std::string_view key, std::size_t& guess) noexcept;

/// Index in `repository_fields` of `key`, or `repository_fields.size()` for
/// an unknown key. `guess` is tried first and then moved past the match, so
/// fields in API order cost one comparison each.
inline std::size_t find_field(std::string_view key, std::size_t& guess) noexcept
{
    if (guess < repository_fields.size()) {
        std::string_view expected = repository_fields[guess].key;
        if (key.size() == expected.size() && key[0] == expected[0] && key == expected)
            return guess++;
    }
    return find_field_in_table(key, guess);
}

/// The string member of `item` for text field `field`, else null.
inline std::string* text_member(repository& item, std::size_t field) noexcept
{
    switch (field) {
    case 0: return &item.name;
    case 1: return &item.category;
    case 2: return &item.description;
    case 7: return &item.created_at;
    case 8: return &item.updated_at;
    case 9: return &item.logo;
    case 10: return &item.url;
    case 11: return &item.path;
    case 12: return &item.internal_path;
    case 13: return &item.domain_name;
    case 14: return &item.namespace_name;
    default: return nullptr;
    }
}

/// The integer member of `item` for integer field `field` (not `total_range`), else null.
inline std::int64_t* integer_member(repository& item, std::size_t field) noexcept
{
    switch (field) {
    case 3: return &item.size;
    case 5: return &item.num_images;
    case 6: return &item.num_download;
    default: return nullptr;
    }
}

/// The boolean member of `item` for boolean field `field`, else null.
inline bool* boolean_member(repository& item, std::size_t field) noexcept
{
    switch (field) {
    case 4: return &item.is_public;
    case 16: return &item.status;
    default: return nullptr;
    }
}

/// Resets field `field` of `item` to its default, as a `null` value does.
void reset_field(repository& item, std::size_t field);

/// Parses a page whose tokens are limited to what servers send: no escapes
/// in strings, integers without fraction or exponent, no nested values in
/// unknown fields, no trailing commas, every value of the expected type and
/// every item named. Returns nothing for any other body, valid or not; for
/// a body it accepts, it returns exactly what `parse_page_complete` would.
std::optional<std::vector<repository>> parse_page_fast(std::string_view body);

/// Same as the other overload, but parses into `items`, whose elements are
/// reused (overwritten, keeping the capacity of their strings). Returns
/// false, with `items` in an unspecified state, where the other returns
/// nothing.
bool parse_page_fast(std::string_view body, std::vector<repository>& items);

/// Parses `body` into `items` as `parse_repositories` does, reusing the
/// elements `items` already has. Returns the error message, empty on success.
std::string parse_repositories_into(std::string_view body, std::vector<repository>& items);

/// Parses any body with Boost.JSON's push parser. The rules and error
/// messages are those of `parse_repositories`.
parsed_page parse_page_complete(std::string_view body);

}  // namespace swr::detail

#endif
