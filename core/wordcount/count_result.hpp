#pragma once
// The outcome of a word count and its JSON form (spec/word-count.md, "Result").
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace htut::wordcount {

struct CountResult {
  uint64_t total_words = 0;
  uint64_t distinct_words = 0;
  // The top words, by count descending, then by word in code-point (UTF-8 byte) order.
  std::vector<std::pair<std::string, uint64_t>> top;

  bool operator==(const CountResult&) const = default;
};

// {"total_words": T, "distinct_words": D, "word_counts": {...}} without a
// trailing newline; the same bytes as the reference tool (json.dumps,
// ensure_ascii=False): non-ASCII raw, only `"`, `\` and control characters escaped.
std::string to_json(const CountResult& result);

// Just the {"word": n, ...} object, keys in rank order.
std::string word_counts_json(const CountResult& result);

}  // namespace htut::wordcount
