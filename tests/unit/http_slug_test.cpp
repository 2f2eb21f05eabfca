#include <catch2/catch.hpp>
#include <string>

#include "http/slug.hpp"

using htut::http::document_slug;
using htut::http::slugify;

TEST_CASE("slugify: ASCII") {
  CHECK(slugify("Moby Dick") == "moby-dick");
  CHECK(slugify("  Moby   Dick!!  ") == "moby-dick");
  CHECK(slugify("--Hello, World--") == "hello-world");
  CHECK(slugify("already-a-slug") == "already-a-slug");
  CHECK(slugify("A_B.C/D\\E") == "a-b-c-d-e");
  CHECK(slugify("2024 Report (final) v2") == "2024-report-final-v2");
  CHECK(slugify("") == "");
  CHECK(slugify("!!!") == "");
  CHECK(slugify("\t\r\n") == "");
}

TEST_CASE("slugify: accents decompose, other non-ASCII is dropped") {
  CHECK(slugify("Crème Brûlée") == "creme-brulee");
  CHECK(slugify("Ærøskøbing") == "rskbing");  // Æ and ø have no decomposition: dropped, not a separator
  CHECK(slugify("Straße") == "strae");
  CHECK(slugify("Ångström") == "angstrom");
  CHECK(slugify("naïve café") == "naive-cafe");
  CHECK(slugify("a\u2014b") == "ab");  // em dash is non-ASCII: dropped before runs are looked at
  CHECK(slugify("Москва") == "");
  CHECK(slugify("東京 2020") == "2020");
}

TEST_CASE("slugify: compatibility forms fold through NFKD") {
  CHECK(slugify("ＡＢＣ") == "abc");           // fullwidth
  CHECK(slugify("\xEF\xAC\x81le") == "file");  // U+FB01 LATIN SMALL LIGATURE FI
  CHECK(slugify("x²") == "x2");
  CHECK(slugify("①②") == "12");
  CHECK(slugify("\xE2\x84\xAA") == "k");  // U+212A KELVIN SIGN
}

TEST_CASE("slugify: emoji, controls and bidi overrides") {
  CHECK(slugify("🐳🐋") == "");
  CHECK(slugify("whale 🐳 song") == "whale-song");
  CHECK(slugify("abc\u202Etxt.exe") == "abctxt-exe");  // U+202E RIGHT-TO-LEFT OVERRIDE dropped
  CHECK(slugify("a\u200Bb") == "ab");                  // zero width space
  CHECK(slugify("\xFF\xFEinvalid\xC3") == "invalid");  // invalid UTF-8 bytes dropped
}

TEST_CASE("slugify: cut to 80 characters without a trailing dash") {
  const std::string long_name(200, 'a');
  CHECK(slugify(long_name) == std::string(80, 'a'));
  // A dash would land at position 80: it is removed.
  const std::string name = std::string(80, 'b') + " c";
  CHECK(slugify(name) == std::string(80, 'b'));
  const std::string name2 = std::string(79, 'b') + " cdef";
  CHECK(slugify(name2) == std::string(79, 'b'));
  const std::string name3 = std::string(78, 'b') + " cdef";
  CHECK(slugify(name3) == std::string(78, 'b') + "-c");
  std::string words;
  for (int i = 0; i < 50; ++i) words += "word ";
  const std::string s = slugify(words);
  CHECK(s.size() <= 80);
  CHECK(s.back() != '-');
  CHECK(s.front() != '-');
}

TEST_CASE("document_slug falls back to the UUID prefix") {
  CHECK(document_slug("Moby Dick", "0f1e2d3c4b5a69788796a5b4c3d2e1f0") == "moby-dick");
  CHECK(document_slug("🐳", "0f1e2d3c4b5a69788796a5b4c3d2e1f0") == "0f1e2d3c4b5a");
}

TEST_CASE("plausible_slug: htut's slugs and the heroku-tut app's") {
  using htut::http::plausible_slug;
  CHECK(plausible_slug("moby-dick"));
  CHECK(plausible_slug("fake_document"));
  // The seed's slugify split only on some punctuation and kept upper case made by NFKD.
  CHECK(plausible_slug("c++-tips"));
  CHECK(plausible_slug("a:b;c~d"));
  CHECK(plausible_slug("Na"));
  CHECK(plausible_slug(std::string(1000, 'a')));
  CHECK_FALSE(plausible_slug(std::string(1001, 'a')));
  CHECK_FALSE(plausible_slug(""));
  CHECK_FALSE(plausible_slug("a/b"));
  CHECK_FALSE(plausible_slug("a b"));
  CHECK_FALSE(plausible_slug("a\nb"));
  CHECK_FALSE(plausible_slug("caf\xc3\xa9"));
}
