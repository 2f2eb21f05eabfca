#include "wordcount/counter.hpp"

#include <algorithm>
#include <array>
#include <cstring>
#include <stdexcept>
#include <vector>

#include "wordcount/ascii_fast_path.hpp"
#include "wordcount/segmenter.hpp"
#include "wordcount/stop_words.hpp"

namespace htut::wordcount {

namespace {
constexpr uint32_t kMaxWordCodePoints = 100;

constexpr auto kAsciiProps = [] {
  std::array<CharProps, 128> t{};
  for (char32_t c = 0; c < 128; ++c) t[c] = ascii_char_props(c);
  return t;
}();

constexpr uint32_t ascii3(char a, char b, char c) {
  return static_cast<uint32_t>(a) << 16 | static_cast<uint32_t>(b) << 8 | static_cast<uint32_t>(c);
}

// Count descending, then the word in code-point order (= UTF-8 byte order,
// which string_view's compare gives: char_traits<char> compares as unsigned char).
template <class A, class B>
bool ranks_before(const A& a, const B& b) {
  return a.second != b.second ? a.second > b.second : std::string_view(a.first) < std::string_view(b.first);
}
}  // namespace

Counter::Counter(CountOptions options)
    : options_(std::move(options)),
      word_(std::make_unique_for_overwrite<char[]>(kWordBufferBytes)) {
  for (std::string_view w : stop_words()) {
    counts_.add_stop_word(w);
    chunk_words_.add_stop_word(w);  // so that a chunk's spilled runs hold counted words only
  }
  // The budget: buffers of the run files first; of the rest, 1/8 for the
  // words of a huge chunk, which wait in chunk_words_ until the chunk ends.
  const uint64_t rest =
      options_.memory_bytes > RunSet::kBufferBytes ? options_.memory_bytes - RunSet::kBufferBytes : 0;
  counts_.set_budget(static_cast<size_t>(rest - rest / 8), &counts_spiller_);
  chunk_words_.set_budget(static_cast<size_t>(rest / 8), &chunk_spiller_);
}

void Counter::spill(WordMap& full, bool chunk) {
  if (!runs_) runs_ = std::make_unique<RunSet>(options_.spill_dir);
  runs_->spill(full, chunk);
}

void Counter::feed(std::string_view bytes) {
  if (finished_) throw std::logic_error("wordcount::Counter::feed() after finish()");
  const char* p = bytes.data();
  const char* end = p + bytes.size();
  while (p < end) {
    // Between chunks, whole ASCII chunks go through the fast path.
    if (!in_chunk_ && decoder_.idle()) {
      const char* q = count_ascii_chunks(p, end, counts_);
      // In non-Latin text most attempts fail at once; back off so they stay cheap.
      fast_path_backoff_ = q == p ? std::min<uint32_t>(2 * fast_path_backoff_ + 1, 64) : 0;
      chunks_until_fast_path_ = fast_path_backoff_;
      p = q;
      if (p == end) break;
    }
    p = scan(p, end);
  }
}

// The general path, one code point at a time. Returns at the end of the input,
// or after a chunk ends when the fast path may be able to take the next one.
const char* Counter::scan(const char* p, const char* end) {
  while (p < end) {
    char32_t cp;
    size_t n;
    if (decoder_.idle() &&
        (n = decode_well_formed(reinterpret_cast<const uint8_t*>(p), reinterpret_cast<const uint8_t*>(end), cp)) != 0) {
      p += n;
      handle(cp);
    } else {
      // Ill-formed, or a sequence cut by the end of this piece: byte by byte.
      decoder_.push(static_cast<uint8_t>(*p++), [this](char32_t c) { handle(c); });
    }
    if (!in_chunk_ && decoder_.idle() && end - p >= 64 && static_cast<uint8_t>(*p) < 0xE3) {
      if (chunks_until_fast_path_ == 0) break;
      --chunks_until_fast_path_;
    }
  }
  return p;
}

void Counter::handle(char32_t cp) {
  CharProps props;
  if (cp < 0x80) {
    props = kAsciiProps[cp];
  } else {
    if (props_ == nullptr) [[unlikely]] props_ = bmp_props_table();  // not needed for ASCII text
    props = char_props(props_, cp);
  }
  const CharClass cls = props.cls();
  if (cls == CharClass::space) {
    end_chunk();
    return;
  }
  in_chunk_ = true;
  if (discard_) return;  // the rest of a dropped chunk only matters for where it ends

  // Step 2 looks at the lowercased chunk; only ASCII code points can form a trigger.
  const char32_t lower = props.lower();
  const uint32_t ascii = lower < 0x80 ? lower : 0;
  if (ascii == '@' || (ascii == '/' && (tail_ & 0xFFFF) == (':' << 8 | '/')) ||
      (ascii == '.' && (tail_ & 0xFFFFFF) == ascii3('w', 'w', 'w'))) {
    discard_chunk();
    return;
  }
  tail_ = (tail_ << 8) | ascii;

  switch (cls) {
    case CharClass::word:
      word_props_ |= props.packed;  // for step 3b
      if (apostrophe_pending_) {
        apostrophe_pending_ = false;
        append('\'', false);
      }
      append(lower, props.lower_is_letter());
      break;
    case CharClass::apostrophe:
      if (word_code_points_ > 0 && !apostrophe_pending_) {
        apostrophe_pending_ = true;
      } else {
        end_word();
      }
      break;
    default:
      end_word();
  }
}

void Counter::append(char32_t c, bool letter) {
  word_letters_ += letter;
  if (++word_code_points_ > kMaxStoredCodePoints) return;  // far too long; only its length matters
  char* out = word_.get() + word_bytes_;
  if (c < 0x80) {
    out[0] = static_cast<char>(c);
    word_bytes_ += 1;
  } else if (c < 0x800) {
    out[0] = static_cast<char>(0xC0 | (c >> 6));
    out[1] = static_cast<char>(0x80 | (c & 0x3F));
    word_bytes_ += 2;
  } else if (c < 0x10000) {
    out[0] = static_cast<char>(0xE0 | (c >> 12));
    out[1] = static_cast<char>(0x80 | ((c >> 6) & 0x3F));
    out[2] = static_cast<char>(0x80 | (c & 0x3F));
    word_bytes_ += 3;
  } else {
    out[0] = static_cast<char>(0xF0 | (c >> 18));
    out[1] = static_cast<char>(0x80 | ((c >> 12) & 0x3F));
    out[2] = static_cast<char>(0x80 | ((c >> 6) & 0x3F));
    out[3] = static_cast<char>(0x80 | (c & 0x3F));
    word_bytes_ += 4;
  }
}

void Counter::end_word() {
  apostrophe_pending_ = false;  // a trailing apostrophe is not part of the word
  if (word_code_points_ == 0) return;
  size_t bytes = word_bytes_;
  uint32_t code_points = word_code_points_;
  uint32_t letters = word_letters_;
  word_bytes_ = 0;
  word_code_points_ = 0;
  word_letters_ = 0;
  if (CharProps{word_props_}.no_space_script()) return split_word(bytes);
  if (code_points > kMaxHeldCodePoints) return;
  // Step 4: a final 's goes (after lowercasing and ’ -> ').
  if (bytes >= 2 && word_[bytes - 2] == '\'' && word_[bytes - 1] == 's') {
    bytes -= 2;
    code_points -= 2;
    letters -= 1;
  }
  // Step 5 (the stop list is checked by the map).
  if (code_points < 2 || code_points > kMaxWordCodePoints || letters == 0) return;
  hold(word_.get(), bytes);
}

// Step 3b: the word's segments, steps 4 and 5 done (the map checks the stop list).
void Counter::split_word(size_t bytes) {
  word_props_ = 0;
  for (std::string_view w : Segmenter::for_this_thread().words(std::string_view(word_.get(), bytes)))
    hold(w.data(), w.size());
}

void Counter::hold(const char* word, size_t len) {
  if (count_directly_) {
    counts_.add_padded(word, len);
    return;
  }
  if (spilled_) {
    chunk_words_.add_padded(word, len);
    return;
  }
  const auto n = static_cast<uint16_t>(len);
  held_.append(reinterpret_cast<const char*>(&n), sizeof n);
  held_.append(word, len);
  if (held_.size() > kHeldBytesLimit) {
    for (size_t i = 0; i < held_.size();) {
      uint16_t m;
      std::memcpy(&m, held_.data() + i, sizeof m);
      chunk_words_.add(std::string_view(held_.data() + i + sizeof m, m));
      i += sizeof m + m;
    }
    held_.clear();
    spilled_ = true;
  }
}

void Counter::end_chunk() {
  if (!discard_ && held_.empty() && !spilled_) {
    // The common case: the chunk's only word ends here and the chunk is kept.
    count_directly_ = true;
    end_word();
    count_directly_ = false;
  } else {
    end_word();
  }
  if (!discard_ && !held_.empty()) {
    const size_t size = held_.size();
    held_.append(kKeyPadding, '\0');  // add_padded may read past each word
    for (size_t i = 0; i < size;) {
      uint16_t n;
      std::memcpy(&n, held_.data() + i, sizeof n);
      counts_.add_padded(held_.data() + i + sizeof n, n);
      i += sizeof n + n;
    }
  }
  if (!discard_ && spilled_) chunk_words_.for_each([this](std::string_view w, uint64_t n) { counts_.add(w, n); });
  if (runs_) discard_ ? runs_->drop_chunk() : runs_->keep_chunk();
  held_.clear();
  if (spilled_) chunk_words_.reset();
  spilled_ = false;
  in_chunk_ = false;
  discard_ = false;
  tail_ = 0;
}

void Counter::discard_chunk() {
  discard_ = true;
  apostrophe_pending_ = false;
  word_bytes_ = 0;
  word_code_points_ = 0;
  word_letters_ = 0;
  word_props_ = 0;
  held_.clear();
  if (spilled_) chunk_words_.reset();
  if (runs_) runs_->drop_chunk();
  spilled_ = false;
}

void Counter::finish() {
  if (finished_) return;
  decoder_.finish([this](char32_t cp) { handle(cp); });
  end_chunk();
  // Once anything went to disk, the rest goes too: result() merges the runs.
  if (runs_) runs_->spill(counts_, false);
  finished_ = true;
}

void Counter::absorb(Counter&& other) {
  if (!finished_ || !other.finished_ || &other == this)
    throw std::logic_error("wordcount::Counter::absorb() needs two distinct finished counters");
  if (other.runs_) {
    // finish() spilled all of other's words: its runs hold them.
    if (!runs_) runs_ = std::make_unique<RunSet>(options_.spill_dir);
    runs_->adopt(std::move(*other.runs_));
    other.runs_.reset();
  } else {
    // Stop words are never reported, so they are not counted here either.
    // Adding may spill this map (counts_spiller_).
    other.counts_.for_each([&](std::string_view w, uint64_t n) { counts_.add(w, n); });
    other.counts_.reset();
  }
  // As in finish(): once anything is on disk, the rest goes too (result() merges only the runs).
  if (runs_ && counts_.distinct() > 0) runs_->spill(counts_, false);
}

CountResult Counter::result(size_t top) const {
  if (!finished_) throw std::logic_error("wordcount::Counter::result() before finish()");
  CountResult r;
  if (runs_) {
    // Words arrive once each, in byte order, with their counts summed; the
    // top ones are kept in a heap whose front is the one that ranks last.
    auto& heap = r.top;
    auto before = [](const auto& a, const auto& b) { return ranks_before(a, b); };
    runs_->merge([&](std::string_view w, uint64_t n) {
      r.total_words += n;
      ++r.distinct_words;
      const std::pair<std::string_view, uint64_t> entry(w, n);
      if (heap.size() < top) {
        heap.emplace_back(w, n);
        std::push_heap(heap.begin(), heap.end(), before);
      } else if (top > 0 && ranks_before(entry, heap.front())) {
        std::pop_heap(heap.begin(), heap.end(), before);
        heap.back() = {std::string(w), n};
        std::push_heap(heap.begin(), heap.end(), before);
      }
    });
    std::sort_heap(heap.begin(), heap.end(), before);
    return r;
  }
  std::vector<std::pair<std::string_view, uint64_t>> all;
  all.reserve(counts_.distinct());
  counts_.for_each([&](std::string_view w, uint64_t n) { all.emplace_back(w, n); });
  auto before = [](const auto& a, const auto& b) { return ranks_before(a, b); };
  const size_t k = std::min(top, all.size());
  std::partial_sort(all.begin(), all.begin() + static_cast<std::ptrdiff_t>(k), all.end(), before);

  r.total_words = counts_.total();
  r.distinct_words = counts_.distinct();
  r.top.reserve(k);
  for (size_t i = 0; i < k; ++i) r.top.emplace_back(std::string(all[i].first), all[i].second);
  return r;
}

CountResult count_words(std::string_view text, size_t top, const CountOptions& options) {
  Counter c(options);
  c.feed(text);
  c.finish();
  return c.result(top);
}

}  // namespace htut::wordcount
