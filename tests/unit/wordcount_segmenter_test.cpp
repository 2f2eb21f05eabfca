// Step 3b of the word-count rules (v2): words of scripts written without
// spaces are split by ICU's word break iterator. Expected values are the
// oracle's (shared/tools/wordcount_ref.py --rules v2).
#include <unicode/uchar.h>

#include <catch2/catch.hpp>
#include <string>
#include <thread>
#include <vector>

#include "wordcount/counter.hpp"
#include "wordcount/segmenter.hpp"

using namespace htut::wordcount;

namespace {

using Words = std::vector<std::pair<std::string, uint64_t>>;

Words top(std::string_view text, size_t n = 100) { return count_words(text, n).top; }

std::string repeat(std::string_view s, size_t n) {
  std::string out;
  for (size_t i = 0; i < n; ++i) out += s;
  return out;
}

}  // namespace

TEST_CASE("segmenter: the set of scripts written without spaces") {
  for (char32_t cp : {U'\u0E01', U'\u0E9E', U'\u1780', U'\u1019', U'\u6771', U'\u3072', U'\u30BF', U'\uFF76',
                      U'\u3005', U'\U00020000'})
    CHECK(in_no_space_script(cp));
  for (char32_t cp : {U'a', U'\u00E9', U'\uD55C', U'\u05D0', U'\u0430', U'\uFF21', U'\u3001', U'\U00010400'})
    CHECK_FALSE(in_no_space_script(cp));
}

TEST_CASE("segmenter: the spec's examples") {
  CHECK(top("iPhone\u624B\u673A\u4E1C\u4EAC2020\u5E74") ==
        Words{{"iphone", 1}, {"\u4E1C\u4EAC", 1}, {"\u624B\u673A", 1}});
  CHECK(top("\u0E20\u0E32\u0E29\u0E32\u0E44\u0E17\u0E22\u0E40\u0E1B\u0E47\u0E19\u0E20\u0E32\u0E29\u0E32") ==
        Words{{"\u0E20\u0E32\u0E29\u0E32", 2}, {"\u0E40\u0E1B\u0E47\u0E19", 1}, {"\u0E44\u0E17\u0E22", 1}});
  // Fullwidth Latin next to Han: split at the script change, then lowercased.
  CHECK(top("\uFF21\uFF22\uFF23\u5317\u4EAC") == Words{{"\u5317\u4EAC", 1}, {"\uFF41\uFF42\uFF43", 1}});
}

TEST_CASE("segmenter: steps 4 and 5 apply to each segment") {
  // 'S after Han is its own segment ("s": too short); 's after Han likewise.
  CHECK(top("\u4E1C\u4EAC'S \u5B66\u751F's") == Words{{"\u4E1C\u4EAC", 1}, {"\u5B66\u751F", 1}});
  // A Hebrew letter keeps a following apostrophe before Han (UAX #29 WB7a), whichever apostrophe it was.
  CHECK(top("\u05D3\u05D1'\u6771\u4EAC \u05D3\u05D1\u2019\u6771\u4EAC") ==
        Words{{"\u05D3\u05D1'", 2}, {"\u6771\u4EAC", 2}});
}

TEST_CASE("segmenter: words longer than 100 code points are segmented, not dropped") {
  CHECK(top(repeat("\u5317\u4EAC\u5927\u5B66", 50)) == Words{{"\u5317\u4EAC", 50}, {"\u5927\u5B66", 50}});
  // A run of 150 Latin letters is one (too long) segment; the Han after it still counts.
  CHECK(top(std::string(150, 'a') + "\u5317\u4EAC") == Words{{"\u5317\u4EAC", 1}});
  // Without such a script, a long word is still dropped whole.
  CHECK(top(std::string(150, 'a') + "\u00E9") == Words{});
}

TEST_CASE("segmenter: step 2 drops the whole chunk before segmenting") {
  CHECK(top("\u5317\u4EAC@x \u4E1C\u4EAC www.\u5317\u4EAC.cn") == Words{{"\u4E1C\u4EAC", 1}});
}

TEST_CASE("segmenter: any feeding pattern gives the same result") {
  const std::string text = repeat("\u6211\u4EEC\u4ECA\u5929\u53BB\u5317\u4EAC\u3002 iPhone\u624B\u673A ", 20) +
                           repeat("\u5317\u4EAC\u5927\u5B66", 40);
  const std::string whole = to_json(count_words(text));
  for (size_t piece : {1, 2, 5, 64}) {
    Counter c;
    for (size_t i = 0; i < text.size(); i += piece) c.feed(std::string_view(text).substr(i, piece));
    c.finish();
    INFO("pieces of " << piece);
    CHECK(to_json(c.result()) == whole);
  }
}

TEST_CASE("segmenter: one iterator per thread, results independent of the thread") {
  const std::string text = repeat("\u6771\u4EAC\u90FD\u306B\u4F4F\u3093\u3067\u3044\u308B\u4EBA\u3005 ", 200);
  const std::string expected = to_json(count_words(text));
  std::vector<std::string> got(4);
  std::vector<std::thread> threads;
  for (size_t t = 0; t < got.size(); ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 5; ++i) got[t] = to_json(count_words(text));
    });
  }
  for (auto& th : threads) th.join();
  for (const auto& g : got) CHECK(g == expected);
  CHECK(&Segmenter::for_this_thread() == &Segmenter::for_this_thread());
}

TEST_CASE("segmenter: a word is stored up to 2^18 code points; the rest of a longer one is not segmented") {
  // 70,000 x 4 ideographs: the first 65,536 repetitions (2^18 code points) are segmented.
  const CountResult r = count_words(repeat("\u5317\u4EAC\u5927\u5B66", 70000));
  CHECK(r.top == Words{{"\u5317\u4EAC", 65536}, {"\u5927\u5B66", 65536}});
}

// The counter hands ICU the lowercased word (it keeps no other copy). That
// gives the same segments as the original word (what the oracle segments)
// because lowercasing a word character changes none of the properties ICU's
// word break rules and dictionaries look at.
TEST_CASE("segmenter: lowercasing a word character keeps its word-break properties") {
  size_t checked = 0;
  for (UChar32 c = 0; c <= 0x10FFFF; ++c) {
    if (!(U_GET_GC_MASK(c) & (U_GC_L_MASK | U_GC_M_MASK | U_GC_N_MASK))) continue;
    const UChar32 lower = u_tolower(c);
    if (lower == c) continue;
    ++checked;
    INFO("U+" << std::hex << c);
    CHECK(u_getIntPropertyValue(c, UCHAR_WORD_BREAK) == u_getIntPropertyValue(lower, UCHAR_WORD_BREAK));
    CHECK(u_hasBinaryProperty(c, UCHAR_EXTENDED_PICTOGRAPHIC) == u_hasBinaryProperty(lower, UCHAR_EXTENDED_PICTOGRAPHIC));
    CHECK(in_no_space_script(static_cast<char32_t>(c)) == in_no_space_script(static_cast<char32_t>(lower)));
  }
  CHECK(checked > 1000);
}
