#pragma once
// Where a large document may be cut so that its pieces can be counted apart
// (one Counter each, on several threads) and merged with the same result as
// one count of the whole. Pure logic: the bytes come from a caller's reader.
//
// A cut right after an ASCII whitespace byte (U+0009–U+000D, U+001C–U+0020)
// is always safe: that byte ends a chunk (step 1 of spec/word-count.md), and
// no UTF-8 sequence, well- or ill-formed, continues across an ASCII byte, so
// every piece decodes and counts exactly as it does inside the whole text.
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string_view>
#include <vector>

#include "wordcount/unicode_props.hpp"

namespace htut::wordcount {

// A half-open byte range [begin, end) of the document.
struct ByteRange {
  uint64_t begin = 0;
  uint64_t end = 0;
  bool operator==(const ByteRange&) const = default;
};

// The ASCII whitespace bytes of step 1.
constexpr bool is_ascii_space(unsigned char b) { return b < 0x80 && is_rule_whitespace(b); }

// The offset right after the first ASCII whitespace byte of `bytes`, or
// std::string_view::npos when it holds none.
size_t cut_after_space(std::string_view bytes);

// Reads up to n bytes at `offset` into out; returns how many (0 at the end).
// May throw; split_ranges() lets it through.
using ReadAt = std::function<size_t(uint64_t offset, char* out, size_t n)>;

// Cuts a document of `size` bytes into at most `parts` ranges, in order, that
// cover it exactly, none empty. Cut i (0 < i < parts) is the first safe cut
// after the nominal offset size * i / parts, looked for in at most
// `max_scan` bytes from there (read in pieces of at most 64 KiB); without one
// (no whitespace there, or past the previous cut) the range before it goes on
// to the next cut, so there are fewer ranges. parts 0 counts as 1.
std::vector<ByteRange> split_ranges(uint64_t size, size_t parts, const ReadAt& read, size_t max_scan = 1 << 20);

}  // namespace htut::wordcount
