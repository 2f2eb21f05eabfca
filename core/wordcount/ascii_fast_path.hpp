#pragma once
// The ASCII fast path: counts whole chunks of pure-ASCII text 64 bytes at a
// time, with bit masks instead of a per-byte state machine.
#include <cstdint>

#include "wordcount/word_map.hpp"

namespace htut::wordcount {

// Counts the words of the complete, all-ASCII chunks that start at p (which
// must be at a chunk boundary) and returns where it stopped: always at a chunk
// boundary, before the first chunk it cannot finish inside [p, end) — one that
// has a non-ASCII byte, runs past end, or is longer than a 64-byte window.
// The caller's general path takes over from there.
const char* count_ascii_chunks(const char* p, const char* end, WordMap& words);

}  // namespace htut::wordcount
