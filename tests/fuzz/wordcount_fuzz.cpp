// Fuzz target: the streaming word counter.
// Invariants: feeding the text in one piece, split at a data-derived point, in
// random pieces or one byte at a time gives the same result; totals bound the
// top list; the top list is ordered by (count desc, word asc by bytes) and a
// shorter top is a prefix of a longer one; to_json is valid JSON (so valid
// UTF-8) holding exactly the result.
#include <algorithm>
#include <boost/json.hpp>
#include <cstring>
#include <memory>
#include <vector>

#include "fuzz_target.hpp"
#include "fuzz_util.hpp"
#include "wordcount/count_result.hpp"
#include "wordcount/counter.hpp"
#include "wordcount/split_points.hpp"

namespace {

namespace wc = htut::wordcount;
using htut::fuzz::show;

wc::CountResult count_pieces(const std::vector<std::string_view>& pieces) {
  wc::Counter counter;
  for (std::string_view p : pieces) counter.feed(p);
  counter.finish();
  counter.finish();  // idempotent
  return counter.result();
}

std::string dump(const wc::CountResult& r) {
  std::string s = "total=" + std::to_string(r.total_words) + " distinct=" + std::to_string(r.distinct_words) + " top=[";
  for (const auto& [w, n] : r.top) s += show(w, 40) + ":" + std::to_string(n) + " ";
  return s + "]";
}

void check_ordering(const wc::CountResult& r) {
  std::uint64_t sum = 0;
  for (std::size_t i = 0; i < r.top.size(); ++i) {
    const auto& [word, count] = r.top[i];
    HTUT_FUZZ_CHECK(!word.empty() && count >= 1, "empty word or zero count: " + dump(r));
    sum += count;
    if (i > 0) {
      const auto& [prev_word, prev_count] = r.top[i - 1];
      const bool ordered = prev_count > count || (prev_count == count && prev_word < word);
      HTUT_FUZZ_CHECK(ordered, "top not ordered at " + std::to_string(i) + ": " + dump(r));
    }
  }
  HTUT_FUZZ_CHECK(r.total_words >= sum, "total below the sum of the top counts: " + dump(r));
  HTUT_FUZZ_CHECK(r.distinct_words >= r.top.size(), "distinct below the top size: " + dump(r));
  HTUT_FUZZ_CHECK(r.top.size() == std::min<std::uint64_t>(r.distinct_words, wc::kDefaultTop),
                  "top should hold min(distinct, 100) words: " + dump(r));
  HTUT_FUZZ_CHECK((r.total_words == 0) == (r.distinct_words == 0), "words without distinct words: " + dump(r));
}

void check_json(const wc::CountResult& r) {
  const std::string text = wc::to_json(r);
  boost::system::error_code ec;
  const boost::json::value v = boost::json::parse(text, ec);  // rejects invalid UTF-8
  HTUT_FUZZ_CHECK(!ec && v.is_object(), "to_json is not a JSON object: " + show(text) + " (" + ec.message() + ")");
  const auto& obj = v.get_object();
  auto number = [&](std::string_view key) {
    const auto* n = obj.if_contains(key);
    HTUT_FUZZ_CHECK(n && (n->is_uint64() || n->is_int64()), "missing " + std::string(key) + ": " + show(text));
    return n->to_number<std::uint64_t>();
  };
  HTUT_FUZZ_CHECK(number("total_words") == r.total_words, "total_words differs: " + show(text));
  HTUT_FUZZ_CHECK(number("distinct_words") == r.distinct_words, "distinct_words differs: " + show(text));
  const auto* counts = obj.if_contains("word_counts");
  HTUT_FUZZ_CHECK(counts && counts->is_object(), "word_counts missing: " + show(text));
  const auto& wcs = counts->get_object();
  HTUT_FUZZ_CHECK(wcs.size() == r.top.size(), "word_counts size differs: " + show(text));
  std::size_t i = 0;
  for (const auto& kv : wcs) {  // boost::json::object keeps insertion (rank) order
    HTUT_FUZZ_CHECK(std::string_view(kv.key()) == r.top[i].first, "word_counts key differs at " + std::to_string(i));
    HTUT_FUZZ_CHECK(kv.value().to_number<std::uint64_t>() == r.top[i].second, "count differs at " + std::to_string(i));
    ++i;
  }
  const std::string inner = wc::word_counts_json(r);
  HTUT_FUZZ_CHECK(text.find(inner) != std::string::npos, "word_counts_json is not what to_json embeds");
}

// Counts the text in at most `parts` byte ranges cut by split_ranges() (as
// `htut count` does on several threads), one Counter each, merged with absorb().
wc::CountResult count_ranges(std::string_view text, std::size_t parts, std::size_t max_scan) {
  const auto ranges = wc::split_ranges(
      text.size(), parts,
      [text](std::uint64_t offset, char* out, std::size_t n) {
        const std::size_t got = offset < text.size() ? std::min<std::size_t>(n, text.size() - offset) : 0;
        if (got > 0) std::memcpy(out, text.data() + offset, got);
        return got;
      },
      max_scan);
  std::vector<std::unique_ptr<wc::Counter>> counters;
  for (const wc::ByteRange& r : ranges) {
    counters.push_back(std::make_unique<wc::Counter>());
    counters.back()->feed(text.substr(r.begin, r.end - r.begin));
    counters.back()->finish();
  }
  auto merged = std::make_unique<wc::Counter>();
  merged->finish();  // an empty text has no range
  for (auto& c : counters) merged->absorb(std::move(*c));
  return merged->result();
}

}  // namespace

HTUT_FUZZ_TARGET(wordcount) {
  const std::string_view text = htut::fuzz::as_text(data, size);
  htut::fuzz::Rng rng(text);

  const wc::CountResult whole = count_pieces({text});
  check_ordering(whole);
  check_json(whole);

  const std::size_t cut = size == 0 ? 0 : data[0] % (size + 1);  // a data-derived split point
  const wc::CountResult split = count_pieces({text.substr(0, cut), text.substr(cut)});
  HTUT_FUZZ_CHECK(split == whole, "split at " + std::to_string(cut) + ": " + dump(split) + " vs " + dump(whole));

  const wc::CountResult random = count_pieces(htut::fuzz::random_pieces(text, rng, 97));
  HTUT_FUZZ_CHECK(random == whole, "random pieces: " + dump(random) + " vs " + dump(whole));

  std::vector<std::string_view> bytes;
  for (std::size_t i = 0; i < text.size(); ++i) bytes.push_back(text.substr(i, 1));
  const wc::CountResult bytewise = count_pieces(bytes);
  HTUT_FUZZ_CHECK(bytewise == whole, "byte by byte: " + dump(bytewise) + " vs " + dump(whole));

  HTUT_FUZZ_CHECK(wc::count_words(text) == whole, "count_words differs from Counter");

  const std::size_t parts = 2 + (size == 0 ? 0 : data[size / 2] % 3);
  const std::size_t max_scan = 1 + (size == 0 ? 0 : data[0] % 64);
  const wc::CountResult ranged = count_ranges(text, parts, max_scan);
  HTUT_FUZZ_CHECK(ranged == whole, std::to_string(parts) + " ranges (max_scan " + std::to_string(max_scan) +
                                       "): " + dump(ranged) + " vs " + dump(whole));

  // A shorter top is a prefix of the longer one.
  wc::Counter counter;
  counter.feed(text);
  counter.finish();
  const std::size_t k = size == 0 ? 0 : data[size - 1] % 8;
  const wc::CountResult small = counter.result(k);
  HTUT_FUZZ_CHECK(small.total_words == whole.total_words && small.distinct_words == whole.distinct_words &&
                      small.top.size() == std::min<std::size_t>(k, whole.top.size()) &&
                      std::equal(small.top.begin(), small.top.end(), whole.top.begin()),
                  "result(" + std::to_string(k) + ") is not a prefix of result(): " + dump(small));
  return 0;
}
