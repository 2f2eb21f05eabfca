#pragma once
// Helpers of the word-count unit tests: random texts (ASCII-heavy pieces with
// the step-2 triggers, apostrophes, separators, some non-ASCII and broken
// UTF-8), and counting a text in ranges cut by split_ranges(), one Counter
// each, merged with absorb() as `htut count` does on several threads.
#include <algorithm>
#include <cstring>
#include <memory>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "wordcount/counter.hpp"
#include "wordcount/split_points.hpp"

namespace htut::wordcount::testing {

inline std::string random_text(std::mt19937& rng, size_t tokens) {
  static const std::vector<std::string> pieces = {
      "the", "Word", "WORD", "alice", "'s", "'", "don't", "x", "ab", "1984", "1st", "w", "ww", "www", ".", ":", "/",
      "//", "@", "-", "_", ",", "\xE2\x80\x99", "\xC3\xA9", "\xE2\x84\xAA", "\xC4\xB0", "\xFF", "\xE2\x82",
      "\xD0\xBC\xD0\xB8\xD1\x80", "\xE6\x97\xA5\xE6\x9C\xAC", "http", "com", "Www", "a1", "o'neil",
      // 2-byte UTF-8 for the window fast path: Cyrillic and
      // Greek capitals, a 1-letter word, a combining mark,
      // Arabic-Indic digits (numbers, not letters), guillemets,
      // sharp s, the DZ digraph (lowercase U+01C6), micro sign
      "\xD0\x9C\xD0\x98\xD0\xA0", "\xCE\x9F\xCE\x94\xCE\x9F\xCE\xA3", "\xD1\x8F", "\xCC\x81", "\xD9\xA1\xD9\xA2",
      "\xC2\xAB", "\xC3\x9F", "\xC7\x84", "\xC2\xB5", "\xD0\xB4\xD0\xBE\xD0\xBC", "\xC4\xB0stanbul",
      // U+2000..U+203F in the window: ’ inside a word, a final ’s, quotes, an
      // em dash, an ellipsis, a zero-width space (not a space), a Cyrillic word with ’
      "don\xE2\x80\x99t", "dog\xE2\x80\x99s", "\xE2\x80\x9Cquoted\xE2\x80\x9D", "\xE2\x80\x94", "\xE2\x80\xA6",
      "a\xE2\x80\x8B"
      "b",
      "\xD0\xBC\xE2\x80\x99\xD0\xB8",
      // chunks longer than a window: inert runs, one
      // ending in a colon (a `://` may follow), one in a word
      std::string(70, '='), std::string(150, '-'), std::string(64, '~') + ":", std::string(66, '.') + "www",
      "\xC2\xAB" + std::string(63, '*') + "\xC2\xBB"};
  static const std::vector<std::string> gaps = {" ",        "  ",           "\n",           "\t",
                                                "\r\n",     "\xC2\xA0",     "\xC2\x85",     "\xE3\x80\x80",
                                                "\xE2\x80\x83", "\xE2\x80\xA8", ""};
  std::string out;
  for (size_t i = 0; i < tokens; ++i) {
    out += pieces[rng() % pieces.size()];
    if (rng() % 3 == 0) out += gaps[rng() % gaps.size()];
  }
  return out;
}

// Reads a string as split_ranges() reads a file.
inline ReadAt string_reader(std::string_view text) {
  return [text](uint64_t offset, char* out, size_t n) -> size_t {
    if (offset >= text.size()) return 0;
    const size_t got = std::min<size_t>(n, text.size() - offset);
    std::memcpy(out, text.data() + offset, got);
    return got;
  };
}

struct RangesCount {
  CountResult result;
  size_t ranges = 0;
  size_t spilled_runs_before = 0;  // of all the range counters, before merging
  size_t spilled_runs_after = 0;   // of the merged counter
};

// Counts text in at most `parts` ranges (split_ranges with max_scan), each
// fed in pieces of `piece` bytes, then merges them into the first.
inline RangesCount count_in_ranges(std::string_view text, size_t parts, size_t top, const CountOptions& options = {},
                                   size_t max_scan = 1 << 20, size_t piece = 4096) {
  const auto ranges = split_ranges(text.size(), parts, string_reader(text), max_scan);
  std::vector<std::unique_ptr<Counter>> counters;
  RangesCount out;
  out.ranges = ranges.size();
  for (const ByteRange& r : ranges) {
    auto& c = counters.emplace_back(std::make_unique<Counter>(options));
    for (uint64_t at = r.begin; at < r.end; at += piece)
      c->feed(text.substr(at, std::min<uint64_t>(piece, r.end - at)));
    c->finish();
    out.spilled_runs_before += c->spilled_runs();
  }
  if (counters.empty()) {  // an empty text has no range
    counters.push_back(std::make_unique<Counter>(options));
    counters[0]->finish();
  }
  for (size_t i = 1; i < counters.size(); ++i) counters[0]->absorb(std::move(*counters[i]));
  out.spilled_runs_after = counters[0]->spilled_runs();
  out.result = counters[0]->result(top);
  return out;
}

}  // namespace htut::wordcount::testing
