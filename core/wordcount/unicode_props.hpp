#pragma once
// What the word-count rules need to know about one code point, packed into
// 32 bits: its role (whitespace, word character, apostrophe, other), its simple
// lowercase mapping, whether that lowercase is a letter (L*), and whether the
// code point is of a script written without spaces (step 3b).
// Answers come from ICU (Unicode 15 in ICU 72); the BMP is tabulated once so
// the hot path is one array load.
#include <cstdint>

namespace htut::wordcount {

enum class CharClass : uint32_t { other = 0, space = 1, word = 2, apostrophe = 3 };

struct CharProps {
  uint32_t packed;
  CharClass cls() const { return static_cast<CharClass>((packed >> 21) & 3u); }
  // The simple lowercase mapping; U+2019 maps to U+0027 (step 4 of the rules).
  char32_t lower() const { return packed & 0x1FFFFFu; }
  bool lower_is_letter() const { return (packed >> 23) & 1u; }
  bool no_space_script() const { return (packed >> 24) & 1u; }
};

// Table of the 65536 BMP code points (built on first use, thread-safe; about
// 1.5 ms, so a counter asks for it only when it meets a non-ASCII code point).
const CharProps* bmp_props_table();
// Any code point, computed from ICU (used above the BMP).
CharProps compute_props(char32_t cp);

inline CharProps char_props(const CharProps* bmp, char32_t cp) { return cp < 0x10000 ? bmp[cp] : compute_props(cp); }

// The exact whitespace set of step 1.
constexpr bool is_rule_whitespace(char32_t c) {
  return (c >= 0x09 && c <= 0x0D) || (c >= 0x1C && c <= 0x20) || c == 0x85 || c == 0xA0 || c == 0x1680 ||
         (c >= 0x2000 && c <= 0x200A) || c == 0x2028 || c == 0x2029 || c == 0x202F || c == 0x205F || c == 0x3000;
}

// What the window fast path needs to know about a code point of 2 UTF-8
// bytes (U+0080..U+07FF: Latin-1, Latin Extended, Greek, Cyrillic, Armenian,
// Hebrew, Arabic...).
struct TwoByteProps {
  uint16_t lowered;  // its lowercase as 2 UTF-8 bytes, in memory order
  uint8_t flags;
  uint8_t unused;
  static constexpr uint8_t kWord = 1;    // a word character
  static constexpr uint8_t kLetter = 2;  // its lowercase is a letter
  static constexpr uint8_t kSpace = 4;   // whitespace of step 1 (U+0085, U+00A0)
  // Not for the fast path: its lowercase is longer than 2 bytes, or anything
  // else the window loop does not model.
  static constexpr uint8_t kGeneralPath = 8;
  // Its lowercase is 1 ASCII byte (U+0130 -> i): lowered holds it first, and
  // the second byte is not part of the word.
  static constexpr uint8_t kDropSecond = 16;
};
// Indexed by the code point (2048 entries; built on first use, thread-safe).
const TwoByteProps* two_byte_props_table();

// The properties of an ASCII code point, without ICU (the same as the table's:
// a unit test compares them).
constexpr CharProps ascii_char_props(char32_t c) {
  const bool upper = c >= 'A' && c <= 'Z';
  const char32_t lower = upper ? c + 0x20 : c;
  const bool letter = lower >= 'a' && lower <= 'z';
  const bool digit = c >= '0' && c <= '9';
  CharClass cls = CharClass::other;
  if (is_rule_whitespace(c)) {
    cls = CharClass::space;
  } else if (c == '\'') {
    cls = CharClass::apostrophe;
  } else if (letter || digit) {
    cls = CharClass::word;
  }
  return CharProps{static_cast<uint32_t>(lower) | static_cast<uint32_t>(cls) << 21 |
                   static_cast<uint32_t>(letter) << 23};
}

}  // namespace htut::wordcount
