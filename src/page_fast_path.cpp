// parse_page_fast: one pass over a page in the shape servers send, straight
// into `repository` values. Anything outside that shape, valid or not, makes
// it give up, and parse_repositories then runs the complete parser, which
// also words the errors. So this file only has to be right about what it
// accepts: the JSON grammar (RFC 8259) with strict UTF-8, as Boost.JSON
// checks it.

#include "page_parser.hpp"

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstring>
#include <limits>
#include <utility>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace swr::detail {

namespace {

constexpr std::size_t no_field = repository_fields.size();

// Bit `i` stands for field `i` of repository_fields.
using field_set = std::uint32_t;
constexpr field_set all_fields = (field_set{1} << repository_fields.size()) - 1;

// Each member's start as servers write it, `"key":`, followed by zeros, to
// compare 16 bytes of input with it at once. Every key is at most 13 bytes.
struct member_pattern {
    std::array<char, 16> bytes{};
    unsigned mask = 0;  // bit i: byte i belongs to the pattern
    std::size_t size = 0;
};

constexpr std::array<member_pattern, repository_fields.size()> make_member_patterns()
{
    std::array<member_pattern, repository_fields.size()> patterns{};
    for (std::size_t field = 0; field < repository_fields.size(); ++field) {
        std::string_view key = repository_fields[field].key;
        member_pattern& pattern = patterns[field];
        pattern.bytes[0] = '"';
        for (std::size_t i = 0; i < key.size(); ++i)
            pattern.bytes[i + 1] = key[i];
        pattern.bytes[key.size() + 1] = '"';
        pattern.bytes[key.size() + 2] = ':';
        pattern.size = key.size() + 3;
        pattern.mask = (1u << pattern.size) - 1;
    }
    return patterns;
}

constexpr auto member_patterns = make_member_patterns();
static_assert([] {
    for (const field_spec& field : repository_fields) {
        if (field.key.size() > 13)
            return false;
    }
    return true;
}());

bool is_whitespace(char c) noexcept
{
    // Most bytes are above the space, so one comparison usually decides.
    auto byte = static_cast<unsigned char>(c);
    return byte <= ' ' && (byte == ' ' || byte == '\n' || byte == '\r' || byte == '\t');
}

bool is_digit(char c) noexcept
{
    return c >= '0' && c <= '9';
}

// Length of the UTF-8 sequence that starts with the non-ASCII byte at `p`,
// or 0 when it is invalid (RFC 3629: no overlong forms, no surrogates,
// nothing above U+10FFFF).
std::size_t utf8_length(const unsigned char* p, const unsigned char* end) noexcept
{
    auto continuation = [](unsigned char byte, unsigned char low = 0x80, unsigned char high = 0xBF) {
        return byte >= low && byte <= high;
    };
    std::size_t left = static_cast<std::size_t>(end - p);
    unsigned char lead = p[0];
    if (lead >= 0xC2 && lead <= 0xDF)
        return left >= 2 && continuation(p[1]) ? 2 : 0;
    if (lead >= 0xE0 && lead <= 0xEF) {
        unsigned char low = lead == 0xE0 ? 0xA0 : 0x80;
        unsigned char high = lead == 0xED ? 0x9F : 0xBF;
        return left >= 3 && continuation(p[1], low, high) && continuation(p[2]) ? 3 : 0;
    }
    if (lead >= 0xF0 && lead <= 0xF4) {
        unsigned char low = lead == 0xF0 ? 0x90 : 0x80;
        unsigned char high = lead == 0xF4 ? 0x8F : 0xBF;
        return left >= 4 && continuation(p[1], low, high) && continuation(p[2]) && continuation(p[3]) ? 4 : 0;
    }
    return 0;
}

// Same as utf8_length, but checks inline first for the three-byte
// characters of most CJK text, whose lead byte allows every continuation
// byte. This took 11% off the reader's time on the emulator's pages.
[[gnu::always_inline]] inline std::size_t utf8_length_fast(const unsigned char* p, const unsigned char* end) noexcept
{
    if (end - p >= 3) {
        unsigned lead = p[0];
        bool any_continuation = (lead & 0xF0) == 0xE0 && lead != 0xE0 && lead != 0xED;
        if (any_continuation && (p[1] & 0xC0) == 0x80 && (p[2] & 0xC0) == 0x80)
            return 3;
    }
    return utf8_length(p, end);
}

class fast_reader {
public:
    explicit fast_reader(std::string_view body) : p_(body.data()), end_(body.data() + body.size()) {}

    // Reads the page into `items`, reusing the elements it already has, and
    // leaves `items` with exactly the page's items when it succeeds.
    bool read_page(std::vector<repository>& items)
    {
        std::size_t count = 0;
        if (!consume('['))
            return false;
        if (consume(']')) {
            items.clear();
            return at_end();
        }
        for (;;) {
            if (!consume('{') || !read_item(next_item(items, count)))
                return false;
            char next = peek();
            if (next == ',') {
                ++p_;
                continue;
            }
            if (next != ']')
                return false;
            ++p_;
            items.resize(count);
            return at_end();
        }
    }

private:
    // The element for item number `count`, which is then counted: a reused
    // one, whose fields read_item overwrites or resets, or a new one.
    static repository& next_item(std::vector<repository>& items, std::size_t& count)
    {
        if (count < items.size())
            return items[count++];
        ++count;
        return items.emplace_back();
    }

    void skip_whitespace() noexcept
    {
        while (p_ < end_ && is_whitespace(*p_))
            ++p_;
    }

    // The next byte that is not whitespace, without consuming it; '\0' at
    // the end, which no token starts with.
    char peek() noexcept
    {
        if (p_ < end_ && !is_whitespace(*p_))
            return *p_;
        skip_whitespace();
        return p_ < end_ ? *p_ : '\0';
    }

    bool consume(char c) noexcept
    {
        if (peek() != c)
            return false;
        ++p_;
        return true;
    }

    bool at_end() noexcept
    {
        skip_whitespace();
        return p_ == end_;
    }

    // Reads the members of an object whose `{` was consumed. Fields the
    // object lacks get their defaults, so a reused item keeps nothing of the
    // one it held before.
    bool read_item(repository& item)
    {
        // Most objects are read by the first call alone; the loop below
        // takes over from the first member out of the API's order.
        member_run run = read_members_in_order(item, std::make_index_sequence<repository_fields.size()>{});
        auto first_fields = static_cast<field_set>((field_set{1} << run.count) - 1);
        if (run.closed) {
            reset_missing(item, first_fields);
            return true;
        }
        bool named = run.count > 0;
        std::size_t guess = run.count;
        field_set seen = first_fields;
        for (;;) {
            std::size_t field = 0;
            if (!read_expected_member(guess, field)) {
                std::string_view key;
                if (!consume('"') || !read_string(key, true))
                    return false;
                field = find_field(key, guess);
                if (!consume(':'))
                    return false;
            }
            if (!read_value(item, field, named))
                return false;
            if (field < no_field)
                seen |= field_set{1} << field;
            char next = p_ < end_ && *p_ == ',' ? ',' : peek();
            if (next == ',') {
                ++p_;
                continue;
            }
            if (next != '}')
                return false;
            ++p_;
            reset_missing(item, seen);
            return named;
        }
    }

    static void reset_missing(repository& item, field_set seen)
    {
        for (field_set missing = all_fields & ~seen; missing != 0; missing &= missing - 1)
            reset_field(item, static_cast<std::size_t>(__builtin_ctz(missing)));
    }

    struct member_run {
        std::size_t count = 0;  // members read: the first `count` fields, in API order
        bool closed = false;    // true when the object's `}` followed them
    };

    // Reads the members that come in the API's order, each written as
    // `"key":value` and followed by `,` or `}`. Each field gets its own copy
    // of the code, with its value's type known at compile time, so the
    // branches of one field (where its strings end, say) are predicted from
    // that field's history instead of from all of them. On 256 different
    // pages of the emulator this took about 8% off the reader's time.
    template <std::size_t... Fields>
    member_run read_members_in_order(repository& item, std::index_sequence<Fields...>)
    {
        member_run run;
        (void)(read_member_in_order<Fields>(item, run) && ...);
        return run;
    }

    // Reads member `Field` and the `,` after it and returns true, or reads
    // it and the closing `}` and returns false with `run.closed` set. Else
    // returns false with the input where it was.
    template <std::size_t Field>
    bool read_member_in_order(repository& item, member_run& run)
    {
        const char* start = p_;
        std::size_t guess = Field;
        std::size_t field = 0;
        if (read_expected_member(guess, field) && read_known_value<Field>(item) && p_ < end_) {
            if (*p_ == ',' || *p_ == '}') {
                run.closed = *p_ == '}';
                ++p_;
                ++run.count;
                return !run.closed;
            }
        }
        p_ = start;
        return false;
    }

    template <std::size_t Field>
    bool read_known_value(repository& item)
    {
        constexpr field_type type = repository_fields[Field].type;
        if constexpr (type == field_type::text) {
            std::string_view text;
            if (p_ >= end_ || *p_ != '"')
                return false;
            ++p_;
            if (!read_string(text, false))
                return false;
            copy_text(*text_member(item, Field), text);
            return true;
        } else if constexpr (type == field_type::integer) {
            return read_integer(*integer_member(item, Field));
        } else if constexpr (type == field_type::optional_integer) {
            std::int64_t value = 0;
            if (!read_integer(value))
                return false;
            item.total_range = value;
            return true;
        } else if constexpr (type == field_type::boolean) {
            return read_boolean(*boolean_member(item, Field));
        } else {
            return read_tags(item.tags);
        }
    }

    // Reads `"key":` when the key is the one expected next in API order and
    // written without whitespace, as find_field would match it.
    bool read_expected_member(std::size_t& guess, std::size_t& field) noexcept
    {
        if (guess >= repository_fields.size())
            return false;
        const member_pattern& expected = member_patterns[guess];
#if defined(__SSE2__)
        if (end_ - p_ >= 16) {
            __m128i input = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p_));
            __m128i pattern = _mm_loadu_si128(reinterpret_cast<const __m128i*>(expected.bytes.data()));
            auto equal = static_cast<unsigned>(_mm_movemask_epi8(_mm_cmpeq_epi8(input, pattern)));
            if ((equal & expected.mask) != expected.mask)
                return false;
            p_ += expected.size;
            field = guess++;
            return true;
        }
#endif
        if (static_cast<std::size_t>(end_ - p_) < expected.size ||
            std::memcmp(p_, expected.bytes.data(), expected.size) != 0)
            return false;
        p_ += expected.size;
        field = guess++;
        return true;
    }

    bool read_value(repository& item, std::size_t field, bool& named)
    {
        // The usual case first: a string right after the colon.
        if (field < no_field && repository_fields[field].type == field_type::text && p_ < end_ && *p_ == '"') {
            ++p_;
            return read_text(item, field, named);
        }
        if (peek() == 'n') {
            // null: the default, as the complete parser does; a null name
            // is left to it to report.
            if (field == name_field || !read_literal("null"))
                return false;
            if (field < no_field)
                reset_field(item, field);
            return true;
        }
        if (field == no_field)
            return skip_scalar();

        switch (repository_fields[field].type) {
        case field_type::text:
            return consume('"') && read_text(item, field, named);
        case field_type::integer:
            return read_integer(*integer_member(item, field));
        case field_type::optional_integer: {
            std::int64_t value = 0;
            if (!read_integer(value))
                return false;
            item.total_range = value;
            return true;
        }
        case field_type::boolean:
            return read_boolean(*boolean_member(item, field));
        case field_type::strings:
            return read_tags(item.tags);
        }
        return false;
    }

    // Reads the string whose opening quote was consumed into text field `field`.
    bool read_text(repository& item, std::size_t field, bool& named)
    {
        std::string_view text;
        if (!read_string(text, false))
            return false;
        copy_text(*text_member(item, field), text);
        named = named || field == name_field;
        return true;
    }

    // Replaces the contents of `target` with `text`. Appending to the emptied
    // string skips the overlap checks of `assign`, which took 7% more of the
    // reader's time on 256 different pages of the emulator.
    static void copy_text(std::string& target, std::string_view text)
    {
        target.clear();
        target.append(text.data(), text.size());
    }

    // A value of an unknown field: a string, an integer or a literal.
    bool skip_scalar()
    {
        std::string_view ignored_text;
        std::int64_t ignored_number = 0;
        bool ignored_flag = false;
        char first = peek();
        if (first == '"') {
            ++p_;
            return read_string(ignored_text, false);
        }
        if (first == 't' || first == 'f')
            return read_boolean(ignored_flag);
        return read_integer(ignored_number);
    }

    bool read_tags(std::vector<std::string>& tags)
    {
        // A later `tags` key replaces the list, as in the complete parser.
        tags.clear();
        if (!consume('['))
            return false;
        if (consume(']'))
            return true;
        for (;;) {
            std::string_view tag;
            if (!consume('"') || !read_string(tag, false))
                return false;
            tags.emplace_back(tag.data(), tag.size());
            char next = peek();
            if (next == ',') {
                ++p_;
                continue;
            }
            if (next != ']')
                return false;
            ++p_;
            return true;
        }
    }

    bool read_literal(std::string_view word) noexcept
    {
        if (static_cast<std::size_t>(end_ - p_) < word.size() || std::memcmp(p_, word.data(), word.size()) != 0)
            return false;
        p_ += word.size();
        return true;
    }

    bool read_boolean(bool& out) noexcept
    {
        if (read_literal("true")) {
            out = true;
            return true;
        }
        if (read_literal("false")) {
            out = false;
            return true;
        }
        return false;
    }

    // An integer without fraction or exponent that fits int64. Negative
    // zero and leading zeros are left to the complete parser.
    bool read_integer(std::int64_t& out) noexcept
    {
        bool negative = p_ < end_ && *p_ == '-';
        if (negative)
            ++p_;
        if (p_ >= end_ || !is_digit(*p_) || (*p_ == '0' && (negative || (p_ + 1 < end_ && is_digit(p_[1])))))
            return false;

        // Up to 19 digits cannot overflow 64 bits; more are beyond int64.
        std::uint64_t value = 0;
        const char* first = p_;
        for (; p_ < end_ && is_digit(*p_); ++p_)
            value = value * 10 + static_cast<std::uint64_t>(*p_ - '0');
        if (p_ - first > 19)
            return false;
        if (p_ < end_ && (*p_ == '.' || *p_ == 'e' || *p_ == 'E'))
            return false;

        constexpr auto largest = static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max());
        if (value > largest + (negative ? 1 : 0))
            return false;
        out = negative ? static_cast<std::int64_t>(0 - value) : static_cast<std::int64_t>(value);
        return true;
    }

    // Reads a string whose opening quote was consumed, up to and including
    // its closing quote. Gives up on escapes and control characters, and on
    // any non-ASCII byte in a key.
    // Inlined, so that each field read in order has its own copy (see
    // read_members_in_order).
    [[gnu::always_inline]] bool read_string(std::string_view& out, bool ascii_only) noexcept
    {
        const char* start = p_;
        for (;;) {
            skip_plain_bytes();
            if (p_ >= end_)
                return false;
            auto byte = static_cast<unsigned char>(*p_);
            if (byte == '"') {
                out = std::string_view(start, static_cast<std::size_t>(p_ - start));
                ++p_;
                return true;
            }
            if (byte < 0x80 || ascii_only)
                return false;  // a backslash or a control character
            // A run of non-ASCII characters, as in CJK text, is checked here
            // without going back to the 16-byte scan after each character.
            do {
                std::size_t length = utf8_length_fast(reinterpret_cast<const unsigned char*>(p_),
                                                 reinterpret_cast<const unsigned char*>(end_));
                if (length == 0)
                    return false;
                p_ += length;
            } while (p_ < end_ && static_cast<unsigned char>(*p_) >= 0x80);
        }
    }

    // Advances past printable ASCII other than `"` and `\`.
    [[gnu::always_inline]] void skip_plain_bytes() noexcept
    {
#if defined(__SSE2__)
        // 16 bytes at a time: a signed comparison below 0x20 also catches
        // every byte from 0x80, so one mask finds all the bytes to stop at.
        const __m128i quote = _mm_set1_epi8('"');
        const __m128i backslash = _mm_set1_epi8('\\');
        const __m128i space = _mm_set1_epi8(0x20);
        while (end_ - p_ >= 16) {
            __m128i chunk = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p_));
            __m128i stops = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(chunk, quote), _mm_cmpeq_epi8(chunk, backslash)),
                                         _mm_cmplt_epi8(chunk, space));
            int mask = _mm_movemask_epi8(stops);
            if (mask != 0) {
                p_ += __builtin_ctz(static_cast<unsigned>(mask));
                return;
            }
            p_ += 16;
        }
#endif
        while (p_ < end_) {
            auto byte = static_cast<unsigned char>(*p_);
            if (byte < 0x20 || byte >= 0x80 || byte == '"' || byte == '\\')
                return;
            ++p_;
        }
    }

    const char* p_;
    const char* end_;
};

}  // namespace

bool parse_page_fast(std::string_view body, std::vector<repository>& items)
{
    // Items of real pages take 300 to 1,000 bytes each. The cap is the
    // largest page size, so that a big body of few items reserves little.
    items.reserve(std::min<std::size_t>(body.size() / 512, 1000));
    fast_reader reader(body);
    return reader.read_page(items);
}

std::optional<std::vector<repository>> parse_page_fast(std::string_view body)
{
    std::vector<repository> items;
    if (!parse_page_fast(body, items))
        return std::nullopt;
    return items;
}

}  // namespace swr::detail
