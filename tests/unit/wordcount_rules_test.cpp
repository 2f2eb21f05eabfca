// The individual rules of spec/word-count.md, and the JSON form.
#include <catch2/catch.hpp>
#include <stdexcept>
#include <string>
#include <vector>

#include "wordcount/counter.hpp"
#include "wordcount/utf8_decoder.hpp"
#include "wordcount/word_map.hpp"

using namespace htut::wordcount;

namespace {

using Words = std::vector<std::pair<std::string, uint64_t>>;

Words top(std::string_view text, size_t n = 100) { return count_words(text, n).top; }

std::u32string decode(std::string_view bytes) {
  Utf8Decoder d;
  std::u32string out;
  for (char c : bytes) d.push(static_cast<uint8_t>(c), [&](char32_t cp) { out += cp; });
  d.finish([&](char32_t cp) { out += cp; });
  return out;
}

}  // namespace

TEST_CASE("utf8 decoder: maximal subparts become one U+FFFD each") {
  CHECK(decode("a\xC3\xA9") == U"a\u00E9");
  CHECK(decode("\xE2\x82\x41") == U"\uFFFDA");                       // truncated, then ASCII kept
  CHECK(decode("\xC1\x81") == U"\uFFFD\uFFFD");                      // overlong lead bytes
  CHECK(decode("\xE0\x80\x80") == U"\uFFFD\uFFFD\uFFFD");            // overlong 3-byte
  CHECK(decode("\xED\xA0\x80") == U"\uFFFD\uFFFD\uFFFD");            // surrogate
  CHECK(decode("\xF4\x90\x80\x80") == U"\uFFFD\uFFFD\uFFFD\uFFFD");  // above U+10FFFF
  CHECK(decode("\xF0\x9F\x98\x80") == U"\U0001F600");
  CHECK(decode("\xF0\x9F\x98") == U"\uFFFD");  // truncated at the end
  CHECK(decode("\xF0\x9F\x98x") == U"\uFFFDx");
  CHECK(decode("\x80\xBF\xFF") == U"\uFFFD\uFFFD\uFFFD");
}

TEST_CASE("wordcount: words, apostrophes and the 's rule") {
  CHECK(top("e-mail snake_case") == Words{{"case", 1}, {"mail", 1}, {"snake", 1}});
  CHECK(top("o\xE2\x80\x99"
            "clock rock'n'roll") == Words{{"o'clock", 1}, {"rock'n'roll", 1}});
  CHECK(top("ALICE\xE2\x80\x99S alice's let's it's") == Words{{"alice", 2}, {"let", 1}});
  CHECK(top("'quoted' trailing' ''double''") == Words{{"double", 1}, {"quoted", 1}, {"trailing", 1}});
  CHECK(top("class\xE2\x80\x99s\xE2\x80\x99s") == Words{{"class's", 1}});
}

TEST_CASE("wordcount: links and addresses drop the whole chunk") {
  CHECK(top("see-https://x.org/page me@example.org @handle git@host:repo www.site WWW.SITE").empty());
  CHECK(top("http:x awww awww. Www.") == Words{{"awww", 1}, {"http", 1}});
  CHECK(top("\xEF\xBC\xA0"
            "handle") == Words{{"handle", 1}});  // fullwidth @ is not @
}

TEST_CASE("wordcount: filters: stop words, length, letters") {
  CHECK(top("The AND of x 1984 1st h2o") == Words{{"1st", 1}, {"h2o", 1}});
  CHECK(top(std::string(100, 'a') + " " + std::string(101, 'b')) == Words{{std::string(100, 'a'), 1}});
  CHECK(top(std::string(100, 'a') + "'s") == Words{{std::string(100, 'a'), 1}});
  CHECK(top("\xE6\x97\xA5 \xE6\x97\xA5\xE6\x9C\xAC") == Words{{"\xE6\x97\xA5\xE6\x9C\xAC", 1}});
}

TEST_CASE("wordcount: simple lowercase mapping") {
  CHECK(top("\xC4\xB0stanbul \xE2\x84\xAA"
            "elvin \xCE\x9F\xCE\x94\xCE\x9F\xCE\xA3") ==
        Words{{"istanbul", 1}, {"kelvin", 1}, {"\xCE\xBF\xCE\xB4\xCE\xBF\xCF\x83", 1}});
}

TEST_CASE("wordcount: ranking by count, then code point order, cut at top N") {
  const std::string text = "bb aa aa cc cc \xEF\xBD\x9A\xEF\xBD\x9A \xF0\x90\x90\xA8\xF0\x90\x90\xA8";
  CountResult r = count_words(text, 3);
  CHECK(r.total_words == 7);
  CHECK(r.distinct_words == 5);
  CHECK(r.top == Words{{"aa", 2}, {"cc", 2}, {"bb", 1}});
  // U+FF5A (UTF-16 0xFF5A) sorts before U+10428 (UTF-16 0xD801...) in code point order.
  CHECK(count_words(text, 10).top.back().first == "\xF0\x90\x90\xA8\xF0\x90\x90\xA8");
  CHECK(count_words(text, 0).top.empty());
}

TEST_CASE("wordcount: JSON output matches the reference format") {
  CountResult r{3, 2, {{"na\xC3\xAFve", 2}, {"q\"b\\s\x01\n", 1}}};
  CHECK(to_json(r) ==
        "{\"total_words\": 3, \"distinct_words\": 2, \"word_counts\": {\"na\xC3\xAFve\": 2, "
        "\"q\\\"b\\\\s\\u0001\\n\": 1}}");
  CHECK(word_counts_json(CountResult{}) == "{}");
  CHECK(to_json(count_words("")) == "{\"total_words\": 0, \"distinct_words\": 0, \"word_counts\": {}}");
}

TEST_CASE("wordcount: counter lifecycle") {
  Counter c;
  c.feed("hello world");
  CHECK_THROWS_AS(c.result(), std::logic_error);
  c.finish();
  c.finish();
  CHECK(c.result().total_words == 2);
  CHECK_THROWS_AS(c.feed("more"), std::logic_error);
}

TEST_CASE("word map: counts, stop words, long keys, growth") {
  WordMap m;
  m.add_stop_word("the");
  m.add("the", 5);
  CHECK(m.total() == 0);
  std::string long_word(300, 'x');
  // (appending, not "w" + to_string: GCC 12 reports a false -Wrestrict on that)
  for (int i = 0; i < 5000; ++i) m.add(std::string("w").append(std::to_string(i)));
  m.add(long_word, 2);
  m.add(long_word + "y");
  m.add("w42");
  CHECK(m.distinct() == 5002);
  CHECK(m.total() == 5004);
  uint64_t n42 = 0, nlong = 0;
  m.for_each([&](std::string_view w, uint64_t n) {
    if (w == "w42") n42 = n;
    if (w == long_word) nlong = n;
    CHECK(w != "the");
  });
  CHECK(n42 == 2);
  CHECK(nlong == 2);
  m.reset();
  CHECK(m.distinct() == 0);
  m.add("the", 5);  // still a stop word
  m.add("alpha");
  CHECK(m.distinct() == 1);
  CHECK(m.total() == 1);
}

TEST_CASE("unicode props: the ASCII properties without ICU equal the table built from ICU") {
  const CharProps* table = bmp_props_table();
  for (char32_t c = 0; c < 0x80; ++c) {
    INFO("code point " << static_cast<uint32_t>(c));
    CHECK(ascii_char_props(c).packed == table[c].packed);
  }
}
