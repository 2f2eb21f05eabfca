// Chunking must never change the result: every split point of tricky inputs,
// one byte at a time, and random texts that exercise both the ASCII fast path
// (large feeds) and the general path (1-byte feeds).
#include <algorithm>
#include <catch2/catch.hpp>
#include <random>
#include <string>
#include <vector>

#include "wordcount/ascii_fast_path.hpp"
#include "wordcount/counter.hpp"
#include "wordcount_test_support.hpp"

using namespace htut::wordcount;
using htut::wordcount::testing::random_text;

namespace {

CountResult count_split(std::string_view text, std::vector<size_t> cuts, size_t top = 1000) {
  Counter c;
  size_t at = 0;
  for (size_t cut : cuts) {
    c.feed(text.substr(at, cut - at));
    at = cut;
  }
  c.feed(text.substr(at));
  c.finish();
  return c.result(top);
}

CountResult count_bytewise(std::string_view text, size_t top = 1000) {
  Counter c;
  for (char ch : text) c.feed(std::string_view(&ch, 1));
  c.finish();
  return c.result(top);
}

const std::vector<std::string> kTricky = {
    "caf\xC3\xA9 CAF\xC3\x89 cafe\xCC\x81 na\xC3\xAFve",  // 2-byte letters and a combining mark
    "don't o\xE2\x80\x99"
    "clock rock'n'roll alice's ALICE\xE2\x80\x99S it's x'y'z ''a'' b'",
    "see http://example.com/x and WWW.EXAMPLE.ORG or me@host then www ok",
    "ab\xC3"
    "cd \xE2\x82\x41 \xF0\x9F\x98 e\xED\xA0\x80"
    "f \xC1\x81zz \xF4\x90\x80\x80yy",  // broken UTF-8
    "\xE2\x84\xAA"
    "elvin \xC4\xB0stanbul \xCE\x9F\xCE\x94\xCE\x9F\xCE\xA3 \xF0\x90\x90\x80\xF0\x90\x90\x81",
    "mail\xEF\xBF\xBD@x.org keep\xE2\x80\x8Bme@example.org a\xC2\xA0"
    "b\xE3\x80\x80"
    "cd\xC2\x85"
    "ef",
    "\xEF\xBB\xBFstart mid\xEF\xBB\xBF"
    "dle line\r\nnext\rdon\r't",
    "tail-cut \xE6\x97\xA5\xE6\x9C\xAC\xE8",  // truncated at the end of input
    std::string(70, 'a') + " x " + std::string(101, 'b') + "'s " + std::string(98, 'c') + "'s",
    "h:ttp://x a:/b c//d e.www www.x awww. Www. wwww.",
};

}  // namespace

TEST_CASE("wordcount: every split point of tricky inputs gives the same result") {
  for (const std::string& text : kTricky) {
    INFO("input: " << text);
    const CountResult whole = count_split(text, {});
    CHECK(count_bytewise(text) == whole);
    for (size_t i = 0; i <= text.size(); ++i) {
      for (size_t j = i; j <= text.size(); j += 3) {
        INFO("cuts at " << i << " and " << j);
        REQUIRE(count_split(text, {i, j}) == whole);
      }
    }
  }
}

TEST_CASE("wordcount: random texts count the same in one piece, byte by byte and in random pieces") {
  std::mt19937 rng(20261128);
  for (int round = 0; round < 300; ++round) {
    const std::string text = random_text(rng, 20 + rng() % 400);
    INFO("round " << round << " input: " << text);
    const CountResult whole = count_split(text, {});
    REQUIRE(count_bytewise(text) == whole);
    std::vector<size_t> cuts;
    for (size_t at = rng() % 80; at < text.size(); at += 1 + rng() % 150) cuts.push_back(at);
    REQUIRE(count_split(text, cuts) == whole);
  }
}

TEST_CASE("wordcount: a huge chunk of many words is held without losing or keeping them wrongly") {
  std::string many;
  for (int i = 0; i < 20000; ++i) many.append("word").append(std::to_string(i % 300)).append("-");
  // Kept: the chunk has no trigger. Dropped: the same chunk ending in an address.
  CountResult kept = count_words(many + " tail", 5);
  CHECK(kept.total_words == 20001);
  CHECK(kept.distinct_words == 301);
  CountResult dropped = count_words(many + "me@example.org tail", 5);
  CHECK(dropped.total_words == 1);
  CHECK(dropped.distinct_words == 1);
  CHECK(count_bytewise(many + "x www. tail", 5) == count_words(many + "x www. tail", 5));
}

TEST_CASE("wordcount: every instruction set's ASCII fast path gives the same words and stops at the same byte") {
  std::mt19937 rng(12);
  size_t compared = 0;
  for (int round = 0; round < 400; ++round) {
    std::string text = random_text(rng, 50 + rng() % 600);
    if (round % 2 == 0) {  // mostly ASCII, so the fast path gets far
      text.erase(std::remove_if(text.begin(), text.end(), [](char c) { return static_cast<unsigned char>(c) >= 0x80; }),
                 text.end());
    }
    text.append(kKeyPadding, ' ');
    auto run = [&](FastPathIsa isa) {
      WordMap m;
      const char* stop = count_ascii_chunks_with(isa, text.data(), text.data() + text.size(), m);
      std::vector<std::pair<std::string, uint64_t>> words;
      m.for_each([&](std::string_view w, uint64_t n) { words.emplace_back(w, n); });
      std::sort(words.begin(), words.end());
      return std::make_pair(stop - text.data(), words);
    };
    const auto reference = run(FastPathIsa::scalar);
    for (FastPathIsa isa : {FastPathIsa::sse2, FastPathIsa::avx2, FastPathIsa::avx512bw}) {
      if (!fast_path_supported(isa)) continue;
      INFO("round " << round << ", isa " << static_cast<int>(isa) << ", input: " << text);
      REQUIRE(run(isa) == reference);
      ++compared;
    }
  }
  CHECK(compared >= 400);  // at least SSE2 on x86-64
  WARN("best fast path on this CPU: " << static_cast<int>(best_fast_path()) << " (0 scalar, 1 sse2, 2 avx2, 3 avx512bw)");
}

TEST_CASE("wordcount: chunks longer than a window, with a trigger or a word at every distance from its edge") {
  // The fast path skips the windows of a long chunk that add nothing to it; a
  // trigger that reaches across the edge (`:` + `//`) or a word must still
  // count as in the general path (1-byte feeds).
  const std::vector<std::string> tails = {"://drop these words", "//keep these words", "@drop these", "www.drop these",
                                          ".www keep", "word \xC4\xB0stanbul \xD0\x9C\xD0\x98\xD0\xA0", "'s it's",
                                          "\xE2\x80\x99s it\xE2\x80\x99s don\xE2\x80\x99t\xE2\x80\x83x\xE2\x80\x99"};
  for (const std::string& tail : tails) {
    for (size_t filler = 56; filler <= 200; ++filler) {
      for (char fill : {'=', ':', '-'}) {
        const std::string text = "start " + std::string(filler, fill) + tail + " end " + std::string(70, 'x') + " z";
        INFO("input: " << text);
        REQUIRE(count_split(text, {}) == count_bytewise(text));
      }
    }
  }
}
