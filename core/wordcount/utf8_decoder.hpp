#pragma once
// Streaming UTF-8 decoder with Unicode's "substitution of maximal subparts"
// (Unicode §3.9, Table 3-7; what Python's errors="replace" does): each
// maximal subpart of an ill-formed sequence becomes one U+FFFD and the byte
// that broke it is decoded afresh. State survives between calls, so input may
// be split anywhere.
#include <cstddef>
#include <cstdint>

namespace htut::wordcount {

inline constexpr char32_t kReplacement = 0xFFFD;

// Decodes one complete, well-formed sequence at p (the common case, without
// the byte-at-a-time state machine). Returns its length, or 0 when the bytes
// at p are ill-formed or cut off by end: then feed them to Utf8Decoder.
inline size_t decode_well_formed(const uint8_t* p, const uint8_t* end, char32_t& cp) {
  const size_t avail = static_cast<size_t>(end - p);
  const uint8_t b0 = p[0];
  auto cont = [](uint8_t b) { return (b & 0xC0u) == 0x80u; };
  if (b0 < 0x80) {
    cp = b0;
    return 1;
  }
  if (b0 >= 0xC2 && b0 <= 0xDF) {
    if (avail < 2 || !cont(p[1])) return 0;
    cp = (b0 & 0x1Fu) << 6 | (p[1] & 0x3Fu);
    return 2;
  }
  if (b0 >= 0xE0 && b0 <= 0xEF) {
    if (avail < 3 || !cont(p[1]) || !cont(p[2])) return 0;
    if ((b0 == 0xE0 && p[1] < 0xA0) || (b0 == 0xED && p[1] > 0x9F)) return 0;  // overlong, surrogate
    cp = (b0 & 0x0Fu) << 12 | (p[1] & 0x3Fu) << 6 | (p[2] & 0x3Fu);
    return 3;
  }
  if (b0 >= 0xF0 && b0 <= 0xF4) {
    if (avail < 4 || !cont(p[1]) || !cont(p[2]) || !cont(p[3])) return 0;
    if ((b0 == 0xF0 && p[1] < 0x90) || (b0 == 0xF4 && p[1] > 0x8F)) return 0;  // overlong, > U+10FFFF
    cp = (b0 & 0x07u) << 18 | (p[1] & 0x3Fu) << 12 | (p[2] & 0x3Fu) << 6 | (p[3] & 0x3Fu);
    return 4;
  }
  return 0;
}

class Utf8Decoder {
 public:
  // Decodes one byte; calls emit(char32_t) zero, one or two times.
  template <class Emit>
  void push(uint8_t b, Emit&& emit) {
    if (need_ != 0) {
      if (b >= lo_ && b <= hi_) {
        cp_ = (cp_ << 6) | (b & 0x3Fu);
        lo_ = 0x80;
        hi_ = 0xBF;
        if (--need_ == 0) emit(cp_);
        return;
      }
      need_ = 0;  // the sequence so far is a maximal subpart: replace it, then restart at b
      emit(kReplacement);
    }
    start(b, emit);
  }

  // End of input: a truncated sequence becomes U+FFFD.
  template <class Emit>
  void finish(Emit&& emit) {
    if (need_ != 0) {
      need_ = 0;
      emit(kReplacement);
    }
  }

  // True when no multi-byte sequence is in progress.
  bool idle() const { return need_ == 0; }

 private:
  template <class Emit>
  void start(uint8_t b, Emit&& emit) {
    lo_ = 0x80;
    hi_ = 0xBF;
    if (b < 0x80) {
      emit(char32_t{b});
    } else if (b >= 0xC2 && b <= 0xDF) {
      begin(1, b & 0x1Fu);
    } else if (b >= 0xE0 && b <= 0xEF) {
      begin(2, b & 0x0Fu);
      if (b == 0xE0) lo_ = 0xA0;  // no overlongs
      if (b == 0xED) hi_ = 0x9F;  // no surrogates
    } else if (b >= 0xF0 && b <= 0xF4) {
      begin(3, b & 0x07u);
      if (b == 0xF0) lo_ = 0x90;  // no overlongs
      if (b == 0xF4) hi_ = 0x8F;  // nothing above U+10FFFF
    } else {
      emit(kReplacement);  // 80..C1, F5..FF never start a sequence
    }
  }
  void begin(uint8_t need, uint32_t bits) {
    need_ = need;
    cp_ = bits;
  }

  uint32_t cp_ = 0;
  uint8_t need_ = 0;
  uint8_t lo_ = 0x80;
  uint8_t hi_ = 0xBF;
};

}  // namespace htut::wordcount
