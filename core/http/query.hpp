#pragma once
// URL query strings (application/x-www-form-urlencoded).
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace htut::http {

// `a=1&b=x+y&c` -> [(a,1), (b,"x y"), (c,"")], in order, duplicates kept;
// a leading '?' is skipped. nullopt on a malformed %-escape.
std::optional<std::vector<std::pair<std::string, std::string>>> parse_query(std::string_view query);

// A URL path segment with its %-escapes decoded ('+' stays '+'); nullopt on
// a malformed %-escape.
std::optional<std::string> percent_decode(std::string_view segment);

// `limit` of GET /api/documents: absent -> 20; a decimal 1..100 -> it;
// anything else (empty, signs, junk, 0, 101, given twice, bad query) -> nullopt (400).
std::optional<int> parse_limit(std::string_view query);

// `top` of GET /api/documents/{slug}: how many of the stored words word_counts holds.
inline constexpr int kDefaultTopWords = 100;
inline constexpr int kMaxTopWords = 1000;  // the worker keeps a document's top 1000 words

// `top` of GET /api/documents/{slug}: absent -> 100; a decimal 1..1000 -> it;
// anything else -> nullopt (400), by the same rules as `limit`.
std::optional<int> parse_top(std::string_view query);

// The rule both follow: parameter `name` absent -> fallback; one decimal 1..max -> it; else nullopt.
std::optional<int> parse_count_param(std::string_view query, std::string_view name, int fallback, int max);

}  // namespace htut::http
