#pragma once
// Small helpers the fuzz targets share: deterministic "randomness" derived
// from the input (so a saved input replays exactly) and input splitting.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace htut::fuzz {

// SplitMix64, seeded from the input bytes: chunk sizes, mutation positions.
class Rng {
 public:
  explicit Rng(std::string_view seed_bytes) {
    std::uint64_t h = 0xcbf29ce484222325ull;  // FNV-1a of the input
    for (unsigned char c : seed_bytes) h = (h ^ c) * 0x100000001b3ull;
    state_ = h;
  }
  std::uint64_t next() {
    std::uint64_t z = (state_ += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
  }
  // Uniform-ish in [lo, hi].
  std::size_t between(std::size_t lo, std::size_t hi) { return lo + static_cast<std::size_t>(next() % (hi - lo + 1)); }

 private:
  std::uint64_t state_;
};

// Splits `text` into pieces of 1..max_piece bytes chosen by `rng`.
inline std::vector<std::string_view> random_pieces(std::string_view text, Rng& rng, std::size_t max_piece) {
  std::vector<std::string_view> pieces;
  while (!text.empty()) {
    const std::size_t n = std::min(text.size(), rng.between(1, max_piece));
    pieces.push_back(text.substr(0, n));
    text.remove_prefix(n);
  }
  return pieces;
}

// Splits at the first '\n': {before, after}; {text, ""} when there is none.
inline std::pair<std::string_view, std::string_view> split_line(std::string_view text) {
  const std::size_t nl = text.find('\n');
  if (nl == std::string_view::npos) return {text, {}};
  return {text.substr(0, nl), text.substr(nl + 1)};
}

inline std::string_view as_text(const std::uint8_t* data, std::size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

// Printable form of bytes for failure messages (escapes, truncated).
inline std::string show(std::string_view bytes, std::size_t max = 200) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string out = "\"";
  for (std::size_t i = 0; i < bytes.size() && i < max; ++i) {
    const auto c = static_cast<unsigned char>(bytes[i]);
    if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\') {
      out.push_back(static_cast<char>(c));
    } else {
      out += "\\x";
      out.push_back(digits[c >> 4]);
      out.push_back(digits[c & 15]);
    }
  }
  if (bytes.size() > max) out += "...";
  return out + "\"";
}

}  // namespace htut::fuzz
