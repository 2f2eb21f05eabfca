#pragma once
// The window fast path (named for where it started, ASCII): counts whole
// chunks 64 bytes at a time with bit masks instead of a per-byte state
// machine. It takes ASCII, 2-byte UTF-8 (Latin-1/Extended, Greek, Cyrillic…)
// and U+2000..U+203F (general punctuation); anything else goes to the
// general path (counter.cpp).
#include <cstdint>

#include "wordcount/word_map.hpp"

namespace htut::wordcount {

// Counts the words of the complete chunks that start at p (which must be at a
// chunk boundary) and returns where it stopped: always at a chunk boundary,
// before the first chunk it cannot finish inside [p, end) — one with a byte
// this path leaves to the general one, one that runs past end, or one longer
// than a 64-byte window that has words. The caller's general path takes over
// from there.
// Classifies with the best instruction set of the CPU, chosen once at run time.
const char* count_ascii_chunks(const char* p, const char* end, WordMap& words);

// The instruction sets the fast path has a version for; all give the same result.
enum class FastPathIsa { scalar, sse2, avx2, avx512bw };
bool fast_path_supported(FastPathIsa isa);
FastPathIsa best_fast_path();
// The same with a given version (for tests and measurements); isa must be supported.
const char* count_ascii_chunks_with(FastPathIsa isa, const char* p, const char* end, WordMap& words);

}  // namespace htut::wordcount
