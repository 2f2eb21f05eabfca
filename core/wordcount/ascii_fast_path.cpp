#include "wordcount/ascii_fast_path.hpp"

#include "wordcount/unicode_props.hpp"

#include <array>
#include <cstring>
#include <utility>

#if defined(__x86_64__)
#include <immintrin.h>
#define HTUT_X86 1
// Code between HTUT_BEGIN_<ISA> and HTUT_END_ISA is compiled for that
// instruction set (and runs only where the CPU has it). BMI1/BMI2 come with
// the AVX ones (MULX, BLSR, SHLX: about 4% fewer instructions per word).
#if defined(__clang__)
#define HTUT_BEGIN_AVX2 _Pragma("clang attribute push (__attribute__((target(\"avx2,bmi,bmi2\"))), apply_to = function)")
#define HTUT_BEGIN_AVX512BW \
  _Pragma("clang attribute push (__attribute__((target(\"avx512bw,bmi,bmi2\"))), apply_to = function)")
#define HTUT_END_ISA _Pragma("clang attribute pop")
#else
#define HTUT_BEGIN_AVX2 _Pragma("GCC push_options") _Pragma("GCC target(\"avx2,bmi,bmi2\")")
#define HTUT_BEGIN_AVX512BW _Pragma("GCC push_options") _Pragma("GCC target(\"avx512bw,bmi,bmi2\")")
#define HTUT_END_ISA _Pragma("GCC pop_options")
#endif
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
  uint64_t s = 0;          // s S (step 4's final 's)
  uint64_t non_ascii = 0;  // >= 0x80
};

// The UTF-8 structure of a window, computed only for windows with non-ASCII bytes.
struct Utf8Masks {
  uint64_t lead2 = 0;  // C2-DF: the first byte of a 2-byte sequence
  uint64_t cont = 0;   // 80-BF: a continuation byte
  uint64_t e2 = 0;     // E2 and 80: E2 80 xx is U+2000..U+203F (spaces, ’, dashes, quotes, …)
  uint64_t x80 = 0;
};

// The TwoByteProps flags of a window's 2-byte code points, one bit each at the lead byte.
struct LeadFlags {
  uint64_t word = 0, letter = 0, space = 0, general = 0, drop_second = 0;
};

// The masks of single bytes, with their byte.
inline std::array<std::pair<char, uint64_t*>, 5> single_bytes(Masks& m) {
  return {{{'\'', &m.apos}, {'@', &m.at}, {':', &m.colon}, {'/', &m.slash}, {'.', &m.dot}}};
}

// Portable: one byte at a time. The reference the vector versions must match
// (a unit test compares them), and the fallback off x86-64.
Masks classify_scalar(const char* p) {
  Masks m;
  for (int i = 0; i < 64; ++i) {
    const auto b = static_cast<unsigned char>(p[i]);
    const uint64_t bit = 1ull << i;
    const unsigned char lower = (b >= 'A' && b <= 'Z') ? b | 0x20 : b;
    if ((b >= 0x09 && b <= 0x0D) || (b >= 0x1C && b <= 0x20)) m.space |= bit;
    if (lower >= 'a' && lower <= 'z') m.alpha |= bit;
    if (b >= '0' && b <= '9') m.digit |= bit;
    if (b == '\'') m.apos |= bit;
    if (b == '@') m.at |= bit;
    if (b == ':') m.colon |= bit;
    if (b == '/') m.slash |= bit;
    if (b == '.') m.dot |= bit;
    if (lower == 'w') m.w |= bit;
    if (lower == 's') m.s |= bit;
    if (b >= 0x80) m.non_ascii |= bit;
  }
  return m;
}

// Lowercases the window's ASCII letters into out (the other bytes as they are).
void lower_scalar(const char* p, char* out) {
  for (int i = 0; i < 64; ++i) {
    const auto b = static_cast<unsigned char>(p[i]);
    out[i] = static_cast<char>((b >= 'A' && b <= 'Z') ? b | 0x20 : b);
  }
}

Utf8Masks utf8_scalar(const char* p) {
  Utf8Masks u;
  for (int i = 0; i < 64; ++i) {
    const auto b = static_cast<unsigned char>(p[i]);
    if (b >= 0xC2 && b <= 0xDF) u.lead2 |= 1ull << i;
    if (b >= 0x80 && b <= 0xBF) u.cont |= 1ull << i;
    if (b == 0xE2) u.e2 |= 1ull << i;
    if (b == 0x80) u.x80 |= 1ull << i;
  }
  return u;
}

// Gathers bit k of every byte of `flags` (64 bytes of TwoByteProps flags) into LeadFlags.
LeadFlags lead_flags_scalar(const uint8_t* flags) {
  LeadFlags f;
  for (int i = 0; i < 64; ++i) {
    const uint64_t bit = 1ull << i;
    if (flags[i] & TwoByteProps::kWord) f.word |= bit;
    if (flags[i] & TwoByteProps::kLetter) f.letter |= bit;
    if (flags[i] & TwoByteProps::kSpace) f.space |= bit;
    if (flags[i] & TwoByteProps::kGeneralPath) f.general |= bit;
    if (flags[i] & TwoByteProps::kDropSecond) f.drop_second |= bit;
  }
  return f;
}

#if defined(HTUT_X86)
// Classifies 64 bytes with SSE2 (the x86-64 baseline).
Masks classify_sse2(const char* p) {
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
    m.space |= bits(_mm_or_si128(in_range(b, 0x09, 0x0D), in_range(b, 0x1C, 0x20)));
    m.alpha |= bits(letter);
    m.digit |= bits(in_range(b, '0', '9'));
    for (const auto& [c, mask] : single_bytes(m)) *mask |= bits(eq(b, c));
    m.w |= bits(eq(folded, 'w'));
    m.s |= bits(eq(folded, 's'));
    m.non_ascii |= bits(b);
  }
  return m;
}

void lower_sse2(const char* p, char* out) {
  for (int part = 0; part < 4; ++part) {
    const __m128i b = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + 16 * part));
    const __m128i upper = _mm_and_si128(_mm_cmpgt_epi8(b, _mm_set1_epi8('A' - 1)), _mm_cmplt_epi8(b, _mm_set1_epi8('Z' + 1)));
    _mm_storeu_si128(reinterpret_cast<__m128i*>(out + 16 * part), _mm_or_si128(b, _mm_and_si128(upper, _mm_set1_epi8(0x20))));
  }
}

// LeadFlags from top_bits(shift): the mask of bit 7 of every byte after
// shifting 16-bit lanes left by shift, i.e. of bit 7 - shift of every byte.
template <class TopBits>
LeadFlags lead_flags_by_shift(TopBits top_bits) {
  static_assert(TwoByteProps::kWord == 1 && TwoByteProps::kDropSecond == 16);
  return LeadFlags{top_bits(7), top_bits(6), top_bits(5), top_bits(4), top_bits(3)};
}

LeadFlags lead_flags_sse2(const uint8_t* flags) {
  return lead_flags_by_shift([flags](int shift) {
    uint64_t mask = 0;
    for (int part = 0; part < 4; ++part) {
      const __m128i b = _mm_loadu_si128(reinterpret_cast<const __m128i*>(flags + 16 * part));
      mask |= static_cast<uint64_t>(static_cast<uint16_t>(_mm_movemask_epi8(_mm_slli_epi16(b, shift)))) << (16 * part);
    }
    return mask;
  });
}

Utf8Masks utf8_sse2(const char* p) {
  Utf8Masks u;
  for (int part = 0; part < 4; ++part) {
    const __m128i b = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + 16 * part));
    auto bits = [&](__m128i x) {
      return static_cast<uint64_t>(static_cast<uint16_t>(_mm_movemask_epi8(x))) << (16 * part);
    };
    // Signed bytes: C2-DF are -62..-33, 80-BF are below -64.
    u.lead2 |= bits(_mm_and_si128(_mm_cmpgt_epi8(b, _mm_set1_epi8(-63)), _mm_cmplt_epi8(b, _mm_set1_epi8(-32))));
    u.cont |= bits(_mm_cmplt_epi8(b, _mm_set1_epi8(-64)));
    u.e2 |= bits(_mm_cmpeq_epi8(b, _mm_set1_epi8(static_cast<char>(0xE2))));
    u.x80 |= bits(_mm_cmpeq_epi8(b, _mm_set1_epi8(static_cast<char>(0x80))));
  }
  return u;
}

HTUT_BEGIN_AVX2
// The same with AVX2: two 32-byte halves.
Masks classify_avx2(const char* p) {
  Masks m;
  for (int part = 0; part < 2; ++part) {
    const __m256i b = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p + 32 * part));
    auto in_range = [&](__m256i x, char lo, char hi) {
      return _mm256_and_si256(_mm256_cmpgt_epi8(x, _mm256_set1_epi8(static_cast<char>(lo - 1))),
                              _mm256_cmpgt_epi8(_mm256_set1_epi8(static_cast<char>(hi + 1)), x));
    };
    auto bits = [&](__m256i x) {
      return static_cast<uint64_t>(static_cast<uint32_t>(_mm256_movemask_epi8(x))) << (32 * part);
    };
    auto eq = [&](__m256i x, char c) { return _mm256_cmpeq_epi8(x, _mm256_set1_epi8(c)); };
    const __m256i folded = _mm256_or_si256(b, _mm256_set1_epi8(0x20));
    m.space |= bits(_mm256_or_si256(in_range(b, 0x09, 0x0D), in_range(b, 0x1C, 0x20)));
    m.alpha |= bits(in_range(folded, 'a', 'z'));
    m.digit |= bits(in_range(b, '0', '9'));
    for (const auto& [c, mask] : single_bytes(m)) *mask |= bits(eq(b, c));
    m.w |= bits(eq(folded, 'w'));
    m.s |= bits(eq(folded, 's'));
    m.non_ascii |= bits(b);
  }
  return m;
}

void lower_avx2(const char* p, char* out) {
  for (int part = 0; part < 2; ++part) {
    const __m256i b = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p + 32 * part));
    const __m256i upper = _mm256_and_si256(_mm256_cmpgt_epi8(b, _mm256_set1_epi8('A' - 1)),
                                           _mm256_cmpgt_epi8(_mm256_set1_epi8('Z' + 1), b));
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(out + 32 * part),
                        _mm256_or_si256(b, _mm256_and_si256(upper, _mm256_set1_epi8(0x20))));
  }
}

LeadFlags lead_flags_avx2(const uint8_t* flags) {
  return lead_flags_by_shift([flags](int shift) {
    uint64_t mask = 0;
    for (int part = 0; part < 2; ++part) {
      const __m256i b = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(flags + 32 * part));
      mask |= static_cast<uint64_t>(static_cast<uint32_t>(_mm256_movemask_epi8(_mm256_slli_epi16(b, shift))))
              << (32 * part);
    }
    return mask;
  });
}

Utf8Masks utf8_avx2(const char* p) {
  Utf8Masks u;
  for (int part = 0; part < 2; ++part) {
    const __m256i b = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p + 32 * part));
    auto bits = [&](__m256i x) {
      return static_cast<uint64_t>(static_cast<uint32_t>(_mm256_movemask_epi8(x))) << (32 * part);
    };
    u.lead2 |= bits(_mm256_and_si256(_mm256_cmpgt_epi8(b, _mm256_set1_epi8(-63)), _mm256_cmpgt_epi8(_mm256_set1_epi8(-32), b)));
    u.cont |= bits(_mm256_cmpgt_epi8(_mm256_set1_epi8(-64), b));
    u.e2 |= bits(_mm256_cmpeq_epi8(b, _mm256_set1_epi8(static_cast<char>(0xE2))));
    u.x80 |= bits(_mm256_cmpeq_epi8(b, _mm256_set1_epi8(static_cast<char>(0x80))));
  }
  return u;
}
HTUT_END_ISA

HTUT_BEGIN_AVX512BW
// The same with AVX-512BW: one register, and compares give the 64-bit masks directly.
[[gnu::always_inline]] inline Masks classify_avx512(const char* p) {
  const __m512i b = _mm512_loadu_si512(p);
  // Unsigned range tests: (x - lo) <= (hi - lo).
  auto in_range = [](__m512i x, char lo, char hi) {
    return static_cast<uint64_t>(
        _mm512_cmple_epu8_mask(_mm512_sub_epi8(x, _mm512_set1_epi8(lo)), _mm512_set1_epi8(static_cast<char>(hi - lo))));
  };
  auto eq = [](__m512i x, char c) { return static_cast<uint64_t>(_mm512_cmpeq_epi8_mask(x, _mm512_set1_epi8(c))); };
  const __m512i folded = _mm512_or_si512(b, _mm512_set1_epi8(0x20));
  Masks m;
  m.space = in_range(b, 0x09, 0x0D) | in_range(b, 0x1C, 0x20);
  m.alpha = in_range(folded, 'a', 'z');
  m.digit = in_range(b, '0', '9');
  for (const auto& [c, mask] : single_bytes(m)) *mask = eq(b, c);
  m.w = eq(folded, 'w');
  m.s = eq(folded, 's');
  m.non_ascii = static_cast<uint64_t>(_mm512_movepi8_mask(b));
  return m;
}

void lower_avx512(const char* p, char* out) {
  const __m512i b = _mm512_loadu_si512(p);
  const __mmask64 upper = _mm512_cmple_epu8_mask(_mm512_sub_epi8(b, _mm512_set1_epi8('A')), _mm512_set1_epi8('Z' - 'A'));
  _mm512_storeu_si512(out, _mm512_mask_add_epi8(b, upper, b, _mm512_set1_epi8(0x20)));
}

[[gnu::always_inline]] inline LeadFlags lead_flags_avx512(const uint8_t* flags) {
  const __m512i b = _mm512_loadu_si512(flags);
  auto bit = [&](uint8_t flag) {
    return static_cast<uint64_t>(_mm512_test_epi8_mask(b, _mm512_set1_epi8(static_cast<char>(flag))));
  };
  return LeadFlags{bit(TwoByteProps::kWord), bit(TwoByteProps::kLetter), bit(TwoByteProps::kSpace),
                   bit(TwoByteProps::kGeneralPath), bit(TwoByteProps::kDropSecond)};
}

Utf8Masks utf8_avx512(const char* p) {
  const __m512i b = _mm512_loadu_si512(p);
  auto in_range = [](__m512i x, unsigned char lo, unsigned char hi) {
    return static_cast<uint64_t>(_mm512_cmple_epu8_mask(_mm512_sub_epi8(x, _mm512_set1_epi8(static_cast<char>(lo))),
                                                        _mm512_set1_epi8(static_cast<char>(hi - lo))));
  };
  auto eq = [](__m512i x, unsigned char c) {
    return static_cast<uint64_t>(_mm512_cmpeq_epi8_mask(x, _mm512_set1_epi8(static_cast<char>(c))));
  };
  return Utf8Masks{in_range(b, 0xC2, 0xDF), in_range(b, 0x80, 0xBF), eq(b, 0xE2), eq(b, 0x80)};
}
HTUT_END_ISA
#endif


// Bits lo..hi-1 set.
inline uint64_t bit_range(unsigned lo, unsigned hi) {
  const uint64_t upto_hi = hi >= 64 ? ~0ull : (1ull << hi) - 1;
  return upto_hi & ~((1ull << lo) - 1);
}

inline uint64_t trigger_bits(const Masks& m) {
  return m.at | (m.dot & (m.w << 1) & (m.w << 2) & (m.w << 3)) | (m.slash & (m.slash << 1) & (m.colon << 2));
}

// Clears the words of every chunk that holds one of the triggers (step 2).
// Chunks are the runs between space bits; the window ends in a space.
uint64_t drop_discarded_chunks(uint64_t trig, uint64_t space, uint64_t window, uint64_t word_bits) {
  trig &= window;
  while (trig != 0) {
    const unsigned t = static_cast<unsigned>(__builtin_ctzll(trig));
    const uint64_t spaces_below = space & ((1ull << t) - 1);
    const unsigned lo = spaces_below ? 64u - static_cast<unsigned>(__builtin_clzll(spaces_below)) : 0u;
    const uint64_t spaces_above = space & window & ~bit_range(0, t + 1);
    const unsigned hi = static_cast<unsigned>(__builtin_ctzll(spaces_above));  // exists: the window ends in a space
    const uint64_t chunk = bit_range(lo, hi);
    word_bits &= ~chunk;
    trig &= ~chunk;
  }
  return word_bits;
}

// A window's bytes as the loop sees them: ASCII, 2-byte code points and U+2000..U+203F together.
struct Window {
  uint64_t word;   // word characters (both bytes of a 2-byte one)
  uint64_t alpha;  // ... whose lowercase is a letter
  uint64_t space;  // whitespace, only before the first byte for the general path
  uint64_t general;  // bytes the general path must take: the window ends before the first
  uint64_t drop;     // second bytes of code points whose lowercase is 1 byte (not part of the word)
  uint64_t cont;     // continuation bytes
  uint64_t apos3;    // first bytes of U+2019 (’, an apostrophe; lowered to ')
  uint64_t leads;    // first bytes of the 2-byte code points whose flags classify_window stored
};

// A window of ASCII only.
inline Window ascii_window(const Masks& m) { return Window{m.alpha | m.digit, m.alpha, m.space, 0, 0, 0, 0, 0}; }

// Whitespace counts only before the first byte for the general path.
inline Window spaces_before_general(Window v) {
  if (v.general != 0) v.space &= (1ull << __builtin_ctzll(v.general)) - 1;
  return v;
}

// The properties of the 2-byte code point at p[i]; its lowercase goes to lowered[i].
inline TwoByteProps lower_two_byte(const char* p, unsigned i, char* lowered, const TwoByteProps* table) {
  const auto lead = static_cast<unsigned char>(p[i]);
  const auto cont = static_cast<unsigned char>(p[i + 1]);
  const TwoByteProps e = table[(lead & 0x1Fu) << 6 | (cont & 0x3Fu)];
  std::memcpy(lowered + i, &e.lowered, 2);
  return e;
}

// Up to this many 2-byte code points in a window update its masks one by
// one; more store their flags for the vector unit. (Clearing the lowest set
// bit this many times is cheaper than POPCNT, which x86-64's baseline lacks.)
inline constexpr int kFewLeads = 4;

// Completes the classification of a window (m) with its code points of 2
// UTF-8 bytes (Latin-1 and Latin Extended letters, Greek, Cyrillic...),
// looked up one by one in an 8 KiB table (fetched on first need into
// `table`). Their lowercase goes into `lowered`.
// Up to kFewLeads of them update the masks one by one. With more, their
// flags go into `flags` (64 bytes, each at its lead byte) and v.leads says
// where: add_lead_flags() completes the window with their masks, which the
// caller computes with its instruction set (for Russian or Greek text the
// one-by-one update cost about twice as much; for one or two code points the
// wait for the flag bytes' stores costs more than it).
inline Window classify_window(const Masks& m, const Utf8Masks& u, const char* p, char* lowered, uint8_t* flags,
                              const TwoByteProps*& table) {
  Window v{m.alpha | m.digit, m.alpha, m.space, 0, 0, u.cont, 0, 0};
  // Non-ASCII bytes that are not a whole 2-byte sequence (a lead at byte 63
  // counts as cut) or E2 80 xx.
  v.general = (m.non_ascii & ~(u.lead2 | u.cont)) | (u.lead2 & ~(u.cont >> 1)) | (u.cont & ~(u.lead2 << 1));
  const uint64_t punct = u.e2 & (u.x80 >> 1) & (u.cont >> 2);
  v.general &= ~(punct | punct << 1 | punct << 2);
  const uint64_t before_general = v.general != 0 ? (1ull << __builtin_ctzll(v.general)) - 1 : ~0ull;
  // U+2000..U+203F: the spaces of step 1 among them, and ’ (U+2019), which
  // joins words like ' and is lowered to it; the rest (dashes, quotes,
  // ellipsis, zero-width characters…) is neither.
  for (uint64_t at = punct & before_general; at != 0; at &= at - 1) {
    const unsigned i = static_cast<unsigned>(__builtin_ctzll(at));
    const unsigned low = static_cast<unsigned char>(p[i + 2]) & 0x3Fu;  // U+2000 + low
    v.space |= (7ull << i) * is_rule_whitespace(0x2000 + low);
    if (low == 0x19) {
      v.apos3 |= 1ull << i;
      lowered[i] = '\'';
    }
  }
  uint64_t leads = u.lead2 & before_general;
  if (leads == 0) return spaces_before_general(v);
  if (table == nullptr) table = two_byte_props_table();
  uint64_t beyond_few = leads;  // the leads past the first kFewLeads
  for (int i = 0; i < kFewLeads; ++i) beyond_few &= beyond_few - 1;
  if (beyond_few == 0) {
    // A few (German or French words in English): their masks one by one,
    // without waiting for the flag bytes' stores.
    do {
      const unsigned i = static_cast<unsigned>(__builtin_ctzll(leads));
      leads &= leads - 1;
      const TwoByteProps e = lower_two_byte(p, i, lowered, table);
      const uint64_t pair = 3ull << i;
      v.word |= pair * (e.flags & TwoByteProps::kWord);
      v.alpha |= pair * ((e.flags / TwoByteProps::kLetter) & 1u);
      v.space |= pair * ((e.flags / TwoByteProps::kSpace) & 1u);
      v.general |= (1ull << i) * ((e.flags / TwoByteProps::kGeneralPath) & 1u);
      v.drop |= (2ull << i) * ((e.flags / TwoByteProps::kDropSecond) & 1u);
    } while (leads != 0);
    return spaces_before_general(v);
  }
  v.leads = leads;
  std::memset(flags, 0, 64);
  do {
    const unsigned i = static_cast<unsigned>(__builtin_ctzll(leads));
    leads &= leads - 1;
    flags[i] = lower_two_byte(p, i, lowered, table).flags;
  } while (leads != 0);
  return spaces_before_general(v);
}

// Adds the masks of a window's 2-byte code points (f: their flags at their lead bytes).
inline void add_lead_flags(Window& v, const LeadFlags& f) {
  v.word |= f.word | f.word << 1;
  v.alpha |= f.letter | f.letter << 1;
  v.space |= f.space | f.space << 1;
  v.general |= f.general;
  v.drop |= f.drop_second << 1;
  v = spaces_before_general(v);
}

// Whether a window that is all inside one chunk adds nothing to it: no word
// character, nothing for the general path, and no byte that could start a
// step-2 trigger reaching into the next window (`://` needs a colon, `@` is
// one; `www.` needs word characters). Lines of `=====` or `-----` longer than
// a window are such chunks.
inline bool inert(const Masks& m, const Window& v) { return (v.word | v.general | m.at | m.colon) == 0; }

// Counts a word of more than 16 bytes read from the text or the lowered
// window (fold as for count_window).
[[gnu::noinline]] void add_folded(const char* w, unsigned len, uint64_t fold, WordMap& words) {
  if (fold == 0) return words.add_padded(w, len);
  char lowered[64 + kKeyPadding] = {};
  for (unsigned i = 0; i < len; i += 8) {
    uint64_t part;
    std::memcpy(&part, w + i, 8);
    part |= fold;
    std::memcpy(lowered + i, &part, 8);
  }
  words.add_padded(lowered, len);
}

// Counts a word whose bytes (in lowered) include dropped ones (`drop`, bit 0
// for its first byte): the bytes kept are copied together first.
[[gnu::noinline]] void add_with_drops(const char* w, unsigned len, uint64_t drop, WordMap& words) {
  char kept[64 + kKeyPadding] = {};
  unsigned n = 0;
  for (unsigned i = 0; i < len; ++i) {
    kept[n] = w[i];
    n += ((drop >> i) & 1u) == 0;
  }
  words.add_padded(kept, n);
}

// Bytes ORed into the 8-byte halves of a key read straight from the text:
// in a word of an ASCII window (letters, digits and joined apostrophes)
// setting bit 5 of every byte lowercases it and changes nothing else.
inline constexpr uint64_t kAsciiFold = 0x2020202020202020ull;

// The index of x's lowest set bit (x != 0). kPlainTzcnt: as one TZCNT.
// GCC's tuning for any x86-64 puts an XOR before each TZCNT against a false
// dependency on its destination that CPUs since Skylake no longer have (and
// the loop runs about as many instructions per cycle as it can, so each one
// counts); the AVX-512 loop, which runs only on such CPUs, does without. (On a
// CPU without BMI1, TZCNT runs as BSF, the same for x != 0.)
// (64 bits wide: an unsigned would be zero-extended before each use as an offset.)
template <bool kPlainTzcnt>
[[gnu::always_inline]] inline uint64_t lowest_bit(uint64_t x) {
  if constexpr (kPlainTzcnt) {
#if defined(HTUT_X86)
    uint64_t i;
    asm("tzcnt %1, %0" : "=r"(i) : "r"(x) : "cc");
    return i;
#endif
  }
  return static_cast<uint64_t>(__builtin_ctzll(x));
}

// Counts the words of a window: each maximal run of bits in runs is one;
// bit 63 is never set (it would need a space after it). kCheckLetters: a word
// needs a letter (a bit in alpha).
// (Hashing a window's words first and prefetching their slots measured
// slower: the table of real text is mostly in cache.)
template <bool kUtf8, bool kCheckLetters, uint64_t kFold, bool kPlainTzcnt>
[[gnu::always_inline]] inline void count_runs(uint64_t runs, uint64_t alpha, uint64_t drop, bool has_drops,
                                              const char* keys, WordMap& words, WordMap::ShortView& view) {
  // Each word's first bit, and the bit past its end.
  uint64_t starts = runs & ~(runs << 1);
  uint64_t ends = (runs + starts) & ~runs;
  while (starts != 0) {
    const uint64_t s = lowest_bit<kPlainTzcnt>(starts);
    const uint64_t len = lowest_bit<kPlainTzcnt>(ends) - s;
    starts &= starts - 1;
    ends &= ends - 1;
    const uint64_t bits = (1ull << len) - 1;
    if (kCheckLetters && ((alpha >> s) & bits) == 0) continue;
    const char* w = keys + s;
    const bool word_has_drops = has_drops && ((drop >> s) & bits) != 0;
    if (len > 16 || word_has_drops) [[unlikely]] {
      if (word_has_drops) {
        add_with_drops(w, len, drop >> s, words);
      } else {
        add_folded(w, len, kFold, words);
      }
      view = words.short_view();  // adding may have rebuilt the table
      continue;
    }
    uint64_t lo, hi;
    WordMap::load_short(w, len, kFold, lo, hi);
    if (!words.count_short(view, lo, hi)) view = words.short_view();
  }
}

// Counts the words of the window's whole chunks (up to its last space, which
// exists) and returns how many bytes they take. kUtf8: the window has
// non-ASCII bytes (the masks of 2-byte code points matter). Words are read
// from `keys` (kKeyPadding readable bytes after the window) with kFold
// ORed in: the lowered window with 0, or, for an ASCII window, the text
// itself with kAsciiFold. (Reading the text avoids a load of a key from the
// lowered copy just stored: CPUs forward a wide store to an 8-byte load only
// at some offsets (tools/bench-store-forward), and any other such load waits
// until the store has retired, which makes consecutive windows wait on each
// other.)
template <bool kUtf8, uint64_t kFold, bool kPlainTzcnt>
[[gnu::always_inline]] inline unsigned count_window(const Masks& m, const Window& v, const char* keys, WordMap& words,
                                                    WordMap::ShortView& view) {
  const uint64_t word = v.word;
  const uint64_t alpha = v.alpha;
  // Work on whole chunks only: up to and including the last space.
  const unsigned last = 63u - static_cast<unsigned>(__builtin_clzll(v.space));
  const uint64_t window = bit_range(0, last + 1);

  // An apostrophe joins two word characters (at the window's edges a space or
  // the chunk boundary before it stands next to it, so no carry is needed).
  const uint64_t joined = m.apos & (word << 1) & (word >> 1);
  uint64_t runs = (word | joined) & window;
  uint64_t drop = v.drop;
  if constexpr (kUtf8) {
    // ’ joins like ': it is 3 bytes, the last two are not part of the word.
    const uint64_t joined3 = v.apos3 & (word << 1) & (word >> 3);
    runs |= (joined3 | joined3 << 1 | joined3 << 2) & window;
    drop |= joined3 << 1 | joined3 << 2;
    // Step 4: a final ’s goes too.
    const uint64_t possessive3 = joined3 & (m.s >> 3) & ~(runs >> 4);
    runs &= ~(possessive3 * 0xF);
  }
  // Step 2: most windows have none of `@`, `:`, or a `.` after a `w`.
  if (((m.at | m.colon | (m.dot & (m.w << 1))) & window) != 0) {
    const uint64_t trig = trigger_bits(m) & window;
    if (trig != 0) runs = drop_discarded_chunks(trig, v.space, window, runs);
  }
  // Step 4 on the masks: a joined apostrophe followed by an s that ends the
  // word goes, with the s.
  const uint64_t possessive = joined & (m.s >> 1) & ~(runs >> 2);
  runs &= ~(possessive | possessive << 1);
  bool has_drops = false;
  if constexpr (kUtf8) {
    // Step 5's length: a word of one 2-byte code point goes (of 1 byte: below).
    const uint64_t single = runs & ~(runs << 1) & (v.cont >> 1) & ~(runs >> 2);
    runs &= ~(single | single << 1);
    has_drops = (drop & runs) != 0;
  }
  // Step 5's length for ASCII: a 1-byte word goes.
  runs &= (runs << 1) | (runs >> 1);
  // Words without a letter go; only a window with digits, marks or other
  // numbers in its words has any (joined apostrophes stand between word characters).
  // (Two copies of the loop: most windows need no letter check.)
  if ((word & ~alpha & runs) != 0) {
    count_runs<kUtf8, true, kFold, kPlainTzcnt>(runs, alpha, drop, has_drops, keys, words, view);
  } else {
    count_runs<kUtf8, false, kFold, kPlainTzcnt>(runs, alpha, drop, has_drops, keys, words, view);
  }
  return last + 1;
}

// One loop per instruction set (ascii_fast_path_loop.inc), each compiled for it.
#define HTUT_COUNT_FN count_scalar
#define HTUT_PLAIN_TZCNT false
#define HTUT_CLASSIFY_FN classify_scalar
#define HTUT_UTF8_FN utf8_scalar
#define HTUT_LOWER_FN lower_scalar
#define HTUT_LEAD_FLAGS_FN lead_flags_scalar
#include "wordcount/ascii_fast_path_loop.inc"
#undef HTUT_COUNT_FN
#undef HTUT_CLASSIFY_FN
#undef HTUT_UTF8_FN
#undef HTUT_LOWER_FN
#undef HTUT_LEAD_FLAGS_FN
#undef HTUT_PLAIN_TZCNT

#if defined(HTUT_X86)
#define HTUT_HEAD_CHECK 1
#define HTUT_COUNT_FN count_sse2
#define HTUT_PLAIN_TZCNT false
#define HTUT_CLASSIFY_FN classify_sse2
#define HTUT_UTF8_FN utf8_sse2
#define HTUT_LOWER_FN lower_sse2
#define HTUT_LEAD_FLAGS_FN lead_flags_sse2
#include "wordcount/ascii_fast_path_loop.inc"
#undef HTUT_COUNT_FN
#undef HTUT_CLASSIFY_FN
#undef HTUT_UTF8_FN
#undef HTUT_LOWER_FN
#undef HTUT_LEAD_FLAGS_FN
#undef HTUT_PLAIN_TZCNT

HTUT_BEGIN_AVX2
#define HTUT_COUNT_FN count_avx2
#define HTUT_PLAIN_TZCNT false
#define HTUT_CLASSIFY_FN classify_avx2
#define HTUT_UTF8_FN utf8_avx2
#define HTUT_LOWER_FN lower_avx2
#define HTUT_LEAD_FLAGS_FN lead_flags_avx2
#include "wordcount/ascii_fast_path_loop.inc"
#undef HTUT_COUNT_FN
#undef HTUT_CLASSIFY_FN
#undef HTUT_UTF8_FN
#undef HTUT_LOWER_FN
#undef HTUT_LEAD_FLAGS_FN
#undef HTUT_PLAIN_TZCNT
HTUT_END_ISA

#undef HTUT_HEAD_CHECK  // AVX-512 classifies a whole window about as cheaply

HTUT_BEGIN_AVX512BW
#define HTUT_COUNT_FN count_avx512
#define HTUT_PLAIN_TZCNT true
#define HTUT_CLASSIFY_FN classify_avx512
#define HTUT_UTF8_FN utf8_avx512
#define HTUT_LOWER_FN lower_avx512
#define HTUT_LEAD_FLAGS_FN lead_flags_avx512
#include "wordcount/ascii_fast_path_loop.inc"
#undef HTUT_COUNT_FN
#undef HTUT_CLASSIFY_FN
#undef HTUT_UTF8_FN
#undef HTUT_LOWER_FN
#undef HTUT_LEAD_FLAGS_FN
#undef HTUT_PLAIN_TZCNT
HTUT_END_ISA
#endif

using CountFn = const char* (*)(const char*, const char*, WordMap&);

CountFn count_fn(FastPathIsa isa) {
  switch (isa) {
#if defined(HTUT_X86)
    case FastPathIsa::sse2:
      return count_sse2;
    case FastPathIsa::avx2:
      return count_avx2;
    case FastPathIsa::avx512bw:
      return count_avx512;
#endif
    default:
      return count_scalar;
  }
}

}  // namespace

bool fast_path_supported(FastPathIsa isa) {
#if defined(HTUT_X86)
  __builtin_cpu_init();
  switch (isa) {
    case FastPathIsa::scalar:
    case FastPathIsa::sse2:
      return true;
    case FastPathIsa::avx2:
      return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("bmi") && __builtin_cpu_supports("bmi2");
    case FastPathIsa::avx512bw:
      return __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("bmi") && __builtin_cpu_supports("bmi2");
  }
  return false;
#else
  return isa == FastPathIsa::scalar;
#endif
}

FastPathIsa best_fast_path() {
  // On the AMD EPYC guest of docs/performance-wordcount.md (commit d5a21e0) the
  // AVX-512BW version measured about 5% faster than AVX2 on English text.
  for (FastPathIsa isa : {FastPathIsa::avx512bw, FastPathIsa::avx2, FastPathIsa::sse2}) {
    if (fast_path_supported(isa)) return isa;
  }
  return FastPathIsa::scalar;
}

const char* count_ascii_chunks(const char* p, const char* end, WordMap& words) {
  static const CountFn best = count_fn(best_fast_path());
  return best(p, end, words);
}

const char* count_ascii_chunks_with(FastPathIsa isa, const char* p, const char* end, WordMap& words) {
  return count_fn(isa)(p, end, words);
}

}  // namespace htut::wordcount
