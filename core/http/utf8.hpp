#pragma once
// Strict UTF-8 decoding (no overlong forms, no surrogates, nothing above
// U+10FFFF), shared by the name rules and HTML escaping.
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace htut::http {

// Decodes the code point starting at text[pos] and advances pos past it.
// On an invalid sequence returns nullopt and advances pos by the length of
// the maximal invalid subpart (at least 1), so callers can substitute U+FFFD.
std::optional<char32_t> next_code_point(std::string_view text, std::size_t& pos);

bool is_valid_utf8(std::string_view text);

void append_utf8(std::string& out, char32_t cp);

}  // namespace htut::http
