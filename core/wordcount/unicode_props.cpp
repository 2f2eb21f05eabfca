#include "wordcount/unicode_props.hpp"

#include <unicode/uchar.h>

#include <cstring>
#include <vector>

#include "wordcount/segmenter.hpp"

namespace htut::wordcount {

namespace {

// Everything but the step-3b bit.
CharProps base_props(char32_t cp) {
  const auto c = static_cast<UChar32>(cp);
  CharClass cls = CharClass::other;
  if (is_rule_whitespace(cp)) {
    cls = CharClass::space;
  } else if (cp == 0x27 || cp == 0x2019) {
    cls = CharClass::apostrophe;
  } else if (U_GET_GC_MASK(c) & (U_GC_L_MASK | U_GC_M_MASK | U_GC_N_MASK)) {
    cls = CharClass::word;
  }
  // u_tolower is the simple (one-to-one) mapping: U+0130 -> 'i', no final sigma.
  UChar32 lower = cls == CharClass::apostrophe ? 0x27 : u_tolower(c);
  bool letter = (U_GET_GC_MASK(lower) & U_GC_L_MASK) != 0;
  return CharProps{static_cast<uint32_t>(lower) | static_cast<uint32_t>(cls) << 21 |
                   static_cast<uint32_t>(letter) << 23};
}

constexpr uint32_t kNoSpaceScriptBit = 1u << 24;

}  // namespace

CharProps compute_props(char32_t cp) {
  CharProps p = base_props(cp);
  if (in_no_space_script(cp)) p.packed |= kNoSpaceScriptBit;
  return p;
}

const CharProps* bmp_props_table() {
  static const std::vector<CharProps> table = [] {
    std::vector<CharProps> t(0x10000);
    for (char32_t cp = 0; cp < 0x10000; ++cp) t[cp] = base_props(cp);
    for_each_no_space_script_range([&](char32_t first, char32_t last) {
      for (char32_t cp = first; cp <= last && cp < 0x10000; ++cp) t[cp].packed |= kNoSpaceScriptBit;
    });
    return t;
  }();
  return table.data();
}

const TwoByteProps* two_byte_props_table() {
  static const std::vector<TwoByteProps> table = [] {
    std::vector<TwoByteProps> t(0x800, TwoByteProps{0, TwoByteProps::kGeneralPath, 0});
    for (char32_t cp = 0x80; cp < 0x800; ++cp) {
      const CharProps props = compute_props(cp);
      const char32_t lower = props.lower();
      TwoByteProps& e = t[cp];
      e.flags = 0;
      if (lower >= 0x800 || props.no_space_script() || props.cls() == CharClass::apostrophe) {
        e.flags = TwoByteProps::kGeneralPath;
        continue;
      }
      unsigned char bytes[2] = {static_cast<unsigned char>(0xC0 | (lower >> 6)),
                                static_cast<unsigned char>(0x80 | (lower & 0x3F))};
      if (lower < 0x80) {
        bytes[0] = static_cast<unsigned char>(lower);
        bytes[1] = 0;
        e.flags |= TwoByteProps::kDropSecond;
      }
      std::memcpy(&e.lowered, bytes, 2);
      if (props.cls() == CharClass::word) e.flags |= TwoByteProps::kWord;
      if (props.cls() == CharClass::word && props.lower_is_letter()) e.flags |= TwoByteProps::kLetter;
      if (props.cls() == CharClass::space) e.flags |= TwoByteProps::kSpace;
    }
    return t;
  }();
  return table.data();
}

}  // namespace htut::wordcount
