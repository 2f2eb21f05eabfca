// Counting a document in byte ranges (htut count on several threads): where
// split_ranges() cuts, and that counting the ranges apart and merging them
// (Counter::absorb) gives exactly the count of the whole, also when ranges or
// the merge spill to disk.
#include <catch2/catch.hpp>
#include <random>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "wordcount/counter.hpp"
#include "wordcount/split_points.hpp"
#include "wordcount_test_support.hpp"

using namespace htut::wordcount;
using namespace htut::wordcount::testing;

namespace {

bool is_continuation(char c) { return (static_cast<unsigned char>(c) & 0xC0) == 0x80; }

// Checks every property split_ranges() promises for this text.
void check_ranges(const std::string& text, size_t parts, size_t max_scan) {
  INFO("parts " << parts << ", max_scan " << max_scan << ", text: " << text);
  const auto ranges = split_ranges(text.size(), parts, string_reader(text), max_scan);
  if (text.empty()) {
    REQUIRE(ranges.empty());
    return;
  }
  REQUIRE(!ranges.empty());
  REQUIRE(ranges.size() <= std::max<size_t>(parts, 1));
  REQUIRE(ranges.front().begin == 0);
  REQUIRE(ranges.back().end == text.size());
  for (size_t i = 0; i < ranges.size(); ++i) {
    REQUIRE(ranges[i].begin < ranges[i].end);                  // none empty
    if (i > 0) REQUIRE(ranges[i].begin == ranges[i - 1].end);  // in order, no gap, no overlap
  }
  for (size_t i = 1; i < ranges.size(); ++i) {
    const uint64_t cut = ranges[i].begin;
    // Right after an ASCII whitespace byte, so never inside a UTF-8 sequence.
    REQUIRE(is_ascii_space(static_cast<unsigned char>(text[cut - 1])));
    REQUIRE(!is_continuation(text[cut]));
    // The first such cut after one of the nominal offsets, within max_scan of it.
    bool from_a_nominal_offset = false;
    for (size_t k = 1; k < parts; ++k) {
      const uint64_t nominal = text.size() * k / parts;
      if (nominal >= cut || cut - nominal > max_scan) continue;
      if (cut_after_space(std::string_view(text).substr(nominal)) == cut - nominal) from_a_nominal_offset = true;
    }
    REQUIRE(from_a_nominal_offset);
  }
}

// Counts `rounds` random texts of min_tokens + up to spread tokens whole and
// in 2, 3 and 4 ranges (pieces fed of 1 to 100 bytes); the results must be
// equal. Returns how many of the merges had more than one range, and how many
// were cut and had a range that spilled.
std::pair<size_t, size_t> merge_random_texts(uint32_t seed, int rounds, size_t min_tokens, size_t spread,
                                             const CountOptions& options) {
  std::mt19937 rng(seed);
  size_t cut = 0, spilled = 0;
  for (int round = 0; round < rounds; ++round) {
    const std::string text = random_text(rng, min_tokens + rng() % spread);
    const CountResult whole = count_words(text, 1000);
    for (size_t k = 2; k <= 4; ++k) {
      INFO("round " << round << ", " << k << " ranges, input: " << text);
      const auto got = count_in_ranges(text, k, 1000, options, 64, 1 + rng() % 100);
      REQUIRE(got.result == whole);
      cut += got.ranges > 1;
      spilled += got.ranges > 1 && got.spilled_runs_before > 0;
    }
  }
  return {cut, spilled};
}

}  // namespace

TEST_CASE("wordcount split: cut_after_space finds the byte after the first ASCII whitespace") {
  CHECK(cut_after_space("") == std::string_view::npos);
  CHECK(cut_after_space("abc") == std::string_view::npos);
  CHECK(cut_after_space("ab c") == 3);
  CHECK(cut_after_space(" ") == 1);
  for (int b = 1; b < 256; ++b) {
    const char c = static_cast<char>(b);
    const bool space = (b >= 0x09 && b <= 0x0D) || (b >= 0x1C && b <= 0x20);
    INFO("byte " << b);
    CHECK(is_ascii_space(static_cast<unsigned char>(b)) == space);
    CHECK(cut_after_space(std::string("x") + c + "y") == (space ? 2 : std::string_view::npos));
  }
  // Whitespace outside ASCII (U+00A0, U+0085, U+3000) is never a cut: its bytes are not ASCII.
  CHECK(cut_after_space("a\xC2\xA0"
                        "b\xC2\x85"
                        "c\xE3\x80\x80"
                        "d") == std::string_view::npos);
}

TEST_CASE("wordcount split: ranges cover the input in order and cut only after ASCII whitespace") {
  std::mt19937 rng(20261202);
  for (int round = 0; round < 300; ++round) {
    const std::string text = random_text(rng, rng() % 400);
    for (size_t parts : {0, 1, 2, 3, 4, 7, 16})
      for (size_t max_scan : {0, 1, 5, 40, 1 << 20}) check_ranges(text, parts, max_scan);
  }
  // Multi-byte text: 2-, 3- and 4-byte sequences between single spaces.
  std::string multi;
  for (int i = 0; i < 2000; ++i)
    multi += i % 7 == 0 ? " " : (i % 3 == 0 ? "\xD0\xB4" : (i % 3 == 1 ? "\xE6\x97\xA5" : "\xF0\x90\x90\x80"));
  for (size_t parts = 1; parts <= 12; ++parts) check_ranges(multi, parts, 1 << 20);
  CHECK(split_ranges(multi.size(), 8, string_reader(multi)).size() == 8);
}

TEST_CASE("wordcount split: without ASCII whitespace near a nominal offset there are fewer ranges") {
  const std::string none(100000, 'a');
  CHECK(split_ranges(none.size(), 4, string_reader(none)) == std::vector<ByteRange>{{0, 100000}});
  // Only non-ASCII whitespace (U+3000): no cut either.
  std::string ideographic;
  for (int i = 0; i < 1000; ++i) ideographic += "\xE6\x97\xA5\xE3\x80\x80";
  CHECK(split_ranges(ideographic.size(), 3, string_reader(ideographic)).size() == 1);
  // One space, at 600 (nominal offsets 250, 500, 750): found from 250 within
  // 400 bytes (500 and 750 are then inside the first range), from 500 within
  // 101 bytes, not within 100.
  std::string one(1000, 'b');
  one[600] = ' ';
  CHECK(split_ranges(one.size(), 4, string_reader(one), 400) == std::vector<ByteRange>{{0, 601}, {601, 1000}});
  CHECK(split_ranges(one.size(), 4, string_reader(one), 101) == std::vector<ByteRange>{{0, 601}, {601, 1000}});
  CHECK(split_ranges(one.size(), 4, string_reader(one), 100) == std::vector<ByteRange>{{0, 1000}});
  // A cut that would leave the last range empty (whitespace at the very end) is no cut.
  std::string tail(1000, 'c');
  tail.back() = '\n';
  CHECK(split_ranges(tail.size(), 2, string_reader(tail)) == std::vector<ByteRange>{{0, 1000}});
  // The first cut reaches past the other nominal offsets (500, 750): the range
  // after it absorbs theirs.
  std::string far(1000, 'd');
  far[800] = ' ';
  far[900] = ' ';
  CHECK(split_ranges(far.size(), 4, string_reader(far)) == std::vector<ByteRange>{{0, 801}, {801, 1000}});
  CHECK(split_ranges(0, 4, string_reader("")).empty());
}

TEST_CASE("wordcount split: the reader is asked only for bounded windows after the nominal offsets") {
  std::string text(1 << 20, 'x');  // 1 MiB without whitespace, then a space near the end
  text[text.size() - 10] = ' ';
  struct Read {
    uint64_t offset;
    size_t n;
  };
  std::vector<Read> reads;
  const auto inner = string_reader(text);
  const ReadAt recording = [&](uint64_t offset, char* out, size_t n) {
    reads.push_back({offset, n});
    return inner(offset, out, std::min<size_t>(n, 7));  // short reads too
  };
  const size_t max_scan = 100000;
  const auto ranges = split_ranges(text.size(), 4, recording, max_scan);
  CHECK(ranges.size() == 1);  // the space is more than max_scan after every nominal offset
  REQUIRE(!reads.empty());
  for (const Read& r : reads) {
    bool inside = false;
    for (size_t k = 1; k < 4; ++k) {
      const uint64_t nominal = text.size() * k / 4;
      inside |= r.offset >= nominal && r.offset + r.n <= nominal + max_scan;
    }
    INFO("read at " << r.offset << " of " << r.n);
    CHECK(inside);
    CHECK(r.n <= 64 * 1024);
  }
  // With room enough, the one space is found through 7-byte reads.
  CHECK(split_ranges(text.size(), 4, recording, 1 << 20).size() == 2);
}

TEST_CASE("wordcount split: random texts counted in 2 to 4 ranges and merged equal the whole count") {
  const auto [cut, spilled] = merge_random_texts(1202, 300, 20, 600, {});
  CHECK(cut >= 600);  // most texts really were cut
  CHECK(spilled == 0);
}

TEST_CASE("wordcount split: ranges that spill, and merges that make the first range spill, stay exact") {
  // A budget of 1 byte: every range spills runs of a few words.
  const auto [cut, spilled] = merge_random_texts(77, 60, 200, 2000, CountOptions{1, "/tmp"});
  CHECK(cut >= 120);
  CHECK(spilled >= 120);

  // Two ranges of 3000 distinct words each: each fits its budget, both do not.
  std::string text;
  for (int i = 0; i < 6000; ++i) text += "word" + std::to_string(i) + "x w" + std::to_string(i % 50) + "y ";
  // A map of 8192 slots (32 bytes each) holds 4096 words; growing to 16384
  // needs 3 x 8192 x 32 bytes (old and new table), past the map's 7/8 of this.
  const uint64_t budget = RunSet::kBufferBytes + 640000;
  const auto got = count_in_ranges(text, 2, 100, CountOptions{budget, "/tmp"});
  CHECK(got.ranges == 2);
  CHECK(got.spilled_runs_before == 0);
  CHECK(got.spilled_runs_after > 0);
  CHECK(got.result == count_words(text, 100));
}

TEST_CASE("wordcount split: absorb takes a spilled counter into one in memory and the other way round") {
  std::string many;
  for (int i = 0; i < 3000; ++i) many += "many" + std::to_string(i) + "z ";
  const std::string few = "alpha beta many7z beta ";
  const CountResult whole = count_words(few + many, 50);
  for (bool spilled_first : {false, true}) {
    INFO("the spilled counter is " << (spilled_first ? "the first" : "the second"));
    Counter a(spilled_first ? CountOptions{1, "/tmp"} : CountOptions{});
    Counter b(spilled_first ? CountOptions{} : CountOptions{1, "/tmp"});
    a.feed(spilled_first ? many : few);
    b.feed(spilled_first ? few : many);
    a.finish();
    b.finish();
    CHECK((spilled_first ? a : b).spilled_runs() > 0);
    CHECK((spilled_first ? b : a).spilled_runs() == 0);
    a.absorb(std::move(b));
    CHECK(a.result(50) == whole);
    // b is left empty.
    CHECK(b.result(50) == CountResult{});
  }
}

TEST_CASE("wordcount split: absorb needs two finished counters") {
  Counter a, b;
  a.feed("alpha");
  b.feed("beta");
  CHECK_THROWS_AS(a.absorb(std::move(b)), std::logic_error);
  a.finish();
  CHECK_THROWS_AS(a.absorb(std::move(b)), std::logic_error);
  CHECK_THROWS_AS(a.absorb(std::move(a)), std::logic_error);
  b.finish();
  a.absorb(std::move(b));
  CHECK(a.result().total_words == 2);
}
