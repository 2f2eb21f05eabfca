#include "http/slug.hpp"

#include <unicode/normalizer2.h>
#include <unicode/unistr.h>

#include <stdexcept>

namespace htut::http {
namespace {

// NFKD splits accents from letters ("é" -> "e" + U+0301) and folds
// compatibility forms ("ＡＢＣ" -> "ABC", "ﬁ" -> "fi"), so more survives the ASCII filter.
icu::UnicodeString nfkd(std::string_view utf8) {
  UErrorCode status = U_ZERO_ERROR;
  const icu::Normalizer2* normalizer = icu::Normalizer2::getNFKDInstance(status);
  if (U_FAILURE(status)) throw std::runtime_error("ICU NFKD normalizer unavailable");
  // fromUTF8 turns invalid bytes into U+FFFD, which the ASCII filter drops.
  const auto input = icu::UnicodeString::fromUTF8(icu::StringPiece(utf8.data(), static_cast<int32_t>(utf8.size())));
  icu::UnicodeString out = normalizer->normalize(input, status);
  if (U_FAILURE(status)) throw std::runtime_error("ICU NFKD normalization failed");
  return out;
}

}  // namespace

std::string slugify(std::string_view name) {
  const icu::UnicodeString decomposed = nfkd(name);
  std::string slug;
  bool pending_dash = false;
  for (int32_t i = 0; i < decomposed.length(); ++i) {
    const char16_t u = decomposed.charAt(i);
    if (u >= 0x80) continue;  // dropped before runs are looked at: "a\u2014b" -> "ab"
    char c = static_cast<char>(u);
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) {
      if (pending_dash && !slug.empty()) slug += '-';
      pending_dash = false;
      slug += c;
      if (slug.size() >= kMaxSlugLength) break;
    } else {
      pending_dash = true;
    }
  }
  if (slug.size() > kMaxSlugLength) slug.resize(kMaxSlugLength);
  while (!slug.empty() && slug.back() == '-') slug.pop_back();
  return slug;
}

std::string document_slug(std::string_view name, std::string_view uuid_hex) {
  std::string slug = slugify(name);
  if (slug.empty()) slug = std::string(uuid_hex.substr(0, 12));
  return slug;
}

bool plausible_slug(std::string_view s) {
  if (s.empty() || s.size() > kMaxLinkedSlugLength) return false;
  for (char c : s)
    if (c < 0x21 || c > 0x7e || c == '/') return false;
  return true;
}

}  // namespace htut::http
