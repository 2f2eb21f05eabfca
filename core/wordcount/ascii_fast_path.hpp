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
// Classifies with the best instruction set of the CPU, chosen once at run time.
const char* count_ascii_chunks(const char* p, const char* end, WordMap& words);

// The instruction sets the fast path has a version for; all give the same result.
enum class FastPathIsa { scalar, sse2, avx2, avx512bw };
bool fast_path_supported(FastPathIsa isa);
FastPathIsa best_fast_path();
// The same with a given version (for tests and measurements); isa must be supported.
const char* count_ascii_chunks_with(FastPathIsa isa, const char* p, const char* end, WordMap& words);

}  // namespace htut::wordcount
