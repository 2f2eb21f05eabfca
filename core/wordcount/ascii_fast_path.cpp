#include "wordcount/ascii_fast_path.hpp"

#include <cstring>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace htut::wordcount {

namespace {

// One bit per byte of a 64-byte window, bit i for byte i.
struct Masks {
  uint64_t space = 0;      // the ASCII part of the rule's whitespace set
  uint64_t alpha = 0;      // A-Z a-z
  uint64_t digit = 0;      // 0-9
  uint64_t apos = 0;       // '
  uint64_t at = 0;         // @
  uint64_t colon = 0;      // :
  uint64_t slash = 0;      // /
  uint64_t dot = 0;        // .
  uint64_t w = 0;          // w W
  uint64_t non_ascii = 0;  // >= 0x80
};

#if defined(__SSE2__)
// Classifies 64 bytes with SSE2 (the x86-64 baseline) and lowercases them into out.
Masks classify(const char* p, char* out) {
  Masks m;
  for (int part = 0; part < 4; ++part) {
    const __m128i b = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + 16 * part));
    auto in_range = [&](__m128i x, char lo, char hi) {
      return _mm_and_si128(_mm_cmpgt_epi8(x, _mm_set1_epi8(static_cast<char>(lo - 1))),
                           _mm_cmplt_epi8(x, _mm_set1_epi8(static_cast<char>(hi + 1))));
    };
    auto bits = [&](__m128i x) {
      return static_cast<uint64_t>(static_cast<uint16_t>(_mm_movemask_epi8(x))) << (16 * part);
    };
    auto eq = [&](__m128i x, char c) { return _mm_cmpeq_epi8(x, _mm_set1_epi8(c)); };
    // Setting bit 5 lowercases A-Z and leaves a-z alone, so one range test finds letters.
    const __m128i folded = _mm_or_si128(b, _mm_set1_epi8(0x20));
    const __m128i letter = in_range(folded, 'a', 'z');
    const __m128i upper = in_range(b, 'A', 'Z');
    _mm_storeu_si128(reinterpret_cast<__m128i*>(out + 16 * part),
                     _mm_or_si128(b, _mm_and_si128(upper, _mm_set1_epi8(0x20))));
    m.space |= bits(_mm_or_si128(in_range(b, 0x09, 0x0D), in_range(b, 0x1C, 0x20)));
    m.alpha |= bits(letter);
    m.digit |= bits(in_range(b, '0', '9'));
    m.apos |= bits(eq(b, '\''));
    m.at |= bits(eq(b, '@'));
    m.colon |= bits(eq(b, ':'));
    m.slash |= bits(eq(b, '/'));
    m.dot |= bits(eq(b, '.'));
    m.w |= bits(eq(folded, 'w'));
    m.non_ascii |= bits(b);
  }
  return m;
}
#else
// Portable fallback: the same masks one byte at a time.
Masks classify(const char* p, char* out) {
  Masks m;
  for (int i = 0; i < 64; ++i) {
    const auto b = static_cast<unsigned char>(p[i]);
    const uint64_t bit = 1ull << i;
    const unsigned char lower = (b >= 'A' && b <= 'Z') ? b | 0x20 : b;
    out[i] = static_cast<char>(lower);
    if ((b >= 0x09 && b <= 0x0D) || (b >= 0x1C && b <= 0x20)) m.space |= bit;
    if (lower >= 'a' && lower <= 'z') m.alpha |= bit;
    if (b >= '0' && b <= '9') m.digit |= bit;
    if (b == '\'') m.apos |= bit;
    if (b == '@') m.at |= bit;
    if (b == ':') m.colon |= bit;
    if (b == '/') m.slash |= bit;
    if (b == '.') m.dot |= bit;
    if (lower == 'w') m.w |= bit;
    if (b >= 0x80) m.non_ascii |= bit;
  }
  return m;
}
#endif

// Bits lo..hi-1 set.
inline uint64_t bit_range(unsigned lo, unsigned hi) {
  const uint64_t upto_hi = hi >= 64 ? ~0ull : (1ull << hi) - 1;
  return upto_hi & ~((1ull << lo) - 1);
}

// Clears the words of every chunk that holds a step-2 trigger (`@`, `://`,
// `www.`). Chunks are the runs between space bits; the window ends in a space.
uint64_t drop_discarded_chunks(const Masks& m, uint64_t window, uint64_t word_bits) {
  uint64_t trig = m.at | (m.dot & (m.w << 1) & (m.w << 2) & (m.w << 3)) | (m.slash & (m.slash << 1) & (m.colon << 2));
  trig &= window;
  while (trig != 0) {
    const unsigned t = static_cast<unsigned>(__builtin_ctzll(trig));
    const uint64_t spaces_below = m.space & ((1ull << t) - 1);
    const unsigned lo = spaces_below ? 64u - static_cast<unsigned>(__builtin_clzll(spaces_below)) : 0u;
    const uint64_t spaces_above = m.space & window & ~bit_range(0, t + 1);
    const unsigned hi = static_cast<unsigned>(__builtin_ctzll(spaces_above));  // exists: the window ends in a space
    const uint64_t chunk = bit_range(lo, hi);
    word_bits &= ~chunk;
    trig &= ~chunk;
  }
  return word_bits;
}

}  // namespace

const char* count_ascii_chunks(const char* p, const char* end, WordMap& words) {
  // The lowercased window, padded so the map may read 16 bytes past any word
  // and so w[len - 2] stays inside it for a 1-byte word at the window's start.
  alignas(16) char buffer[16 + 64 + kKeyPadding] = {};
  char* const lowered = buffer + 16;
  while (end - p >= 64) {
#if defined(__SSE2__)
    // Cheap early exit for non-Latin text: a non-ASCII byte in the first 16
    // with no space before it means the first chunk is not for this path.
    const __m128i head = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
    const unsigned head_non_ascii = static_cast<unsigned>(_mm_movemask_epi8(head));
    if (head_non_ascii != 0) {
      const __m128i space = _mm_or_si128(
          _mm_and_si128(_mm_cmpgt_epi8(head, _mm_set1_epi8(0x08)), _mm_cmplt_epi8(head, _mm_set1_epi8(0x0E))),
          _mm_and_si128(_mm_cmpgt_epi8(head, _mm_set1_epi8(0x1B)), _mm_cmplt_epi8(head, _mm_set1_epi8(0x21))));
      const unsigned before = (head_non_ascii & (0u - head_non_ascii)) - 1;
      if ((static_cast<unsigned>(_mm_movemask_epi8(space)) & before) == 0) break;
    }
#endif
    const Masks m = classify(p, lowered);
    uint64_t spaces = m.space;
    if (m.non_ascii != 0) spaces &= (1ull << __builtin_ctzll(m.non_ascii)) - 1;
    if (spaces == 0) break;  // the first chunk is not pure ASCII or is too long for a window
    // Work on whole chunks only: up to and including the last space.
    const unsigned last = 63u - static_cast<unsigned>(__builtin_clzll(spaces));
    const uint64_t window = bit_range(0, last + 1);

    const uint64_t word = m.alpha | m.digit;
    // An apostrophe joins two word characters (at the window's edges a space or
    // the chunk boundary before p stands next to it, so no carry is needed).
    const uint64_t joined = m.apos & (word << 1) & (word >> 1);
    uint64_t runs = (word | joined) & window;
    runs = drop_discarded_chunks(m, window, runs);

    // Each maximal run of bits is one word; bit 63 is never set (it would need
    // a space after it). The loop body avoids data-dependent branches: word
    // lengths are unpredictable, and a mispredicted branch costs more than the work.
    while (runs != 0) {
      const unsigned s = static_cast<unsigned>(__builtin_ctzll(runs));
      const uint64_t after = runs + (runs & (0 - runs));  // clears the lowest run, sets the bit past it
      const unsigned len = static_cast<unsigned>(__builtin_ctzll(after)) - s;
      runs &= after;
      const char* w = lowered + s;
      // Step 4: drop a final 's (a word of 1 or 2 bytes cannot hold one).
      const char* w_end = w + len;  // w_end[-2] is in the buffer even for len 1
      const bool possessive = (len >= 3) & (w_end[-2] == '\'') & (w_end[-1] == 's');
      const unsigned n = len - 2 * possessive;
      // Words without a letter go; 1-byte words reach the map, where they are stop entries.
      if (((m.alpha >> s) & ((1ull << n) - 1)) == 0) continue;
      words.add_padded(w, n);
    }
    p += last + 1;
  }
  return p;
}

}  // namespace htut::wordcount
