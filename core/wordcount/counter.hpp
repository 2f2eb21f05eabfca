#pragma once
// The streaming word counter (spec/word-count.md). Feed it the bytes of a
// document in chunks of any size — one byte at a time gives the same result —
// then finish() and read result(). Memory grows with the number of distinct
// words, not with the input size, up to a budget: past it the distinct words
// go to sorted runs in temporary files (spill.hpp) that result() merges, so
// the result stays exact. Not thread-safe: one Counter per document, or one
// per byte range of it (split_points.hpp), merged with absorb().
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "wordcount/count_result.hpp"
#include "wordcount/spill.hpp"
#include "wordcount/unicode_props.hpp"
#include "wordcount/utf8_decoder.hpp"
#include "wordcount/word_map.hpp"

namespace htut::wordcount {

inline constexpr size_t kDefaultTop = 100;
inline constexpr uint64_t kDefaultMemoryBytes = 48 * 1024 * 1024;

struct CountOptions {
  // Memory the count may use for its distinct words (COUNT_MEMORY_BYTES),
  // growth and spill buffers included; at least ~150 KiB are always used. The
  // top words of result() come on top (they are few: top <= 1000 in the app).
  uint64_t memory_bytes = kDefaultMemoryBytes;
  // Where runs go once the budget is spent (TMPDIR).
  std::string spill_dir = "/tmp";
};

class Counter {
 public:
  explicit Counter(CountOptions options = {});
  Counter(const Counter&) = delete;  // the maps point back at it
  Counter& operator=(const Counter&) = delete;

  // Counts the next bytes of the input. Not allowed after finish().
  // Throws SpillError when a run cannot be written.
  void feed(std::string_view bytes);
  // Marks the end of the input: flushes a truncated UTF-8 sequence and the last
  // chunk. Idempotent. Throws SpillError.
  void finish();
  // The totals and the top `top` words. Requires finish() (throws std::logic_error otherwise).
  // Throws SpillError when a run cannot be read back.
  CountResult result(size_t top = kDefaultTop) const;
  // How many runs went to disk (0: everything fitted in memory).
  size_t spilled_runs() const { return runs_ ? runs_->runs() : 0; }
  // Adds the words of `other` to this count, as if its input had followed
  // this one's at a chunk boundary (e.g. a document counted in pieces cut by
  // split_ranges(), one Counter each). Both must be finished (std::logic_error
  // otherwise); `other` is left empty. Stays exact within this counter's
  // budget: the runs `other` spilled move over (no copy), its words in memory
  // are added to this map, which spills as usual if they do not fit.
  // Throws SpillError.
  void absorb(Counter&& other);

 private:
  // Writes a full map out as a run (counts_: a run of the document; chunk_words_: of the current chunk).
  struct Spiller final : SpillTarget {
    Spiller(Counter& c, bool chunk) : counter(c), chunk_run(chunk) {}
    void spill(WordMap& full) override { counter.spill(full, chunk_run); }
    Counter& counter;
    bool chunk_run;
  };
  void spill(WordMap& full, bool chunk);

  // Longest word counted: 100 code points, plus 2 for a final 's that step 4
  // may still remove.
  static constexpr uint32_t kMaxHeldCodePoints = 102;
  // Longest word stored while it is being read: step 3b may find words in a
  // longer one. Past this, only its length is counted (the rest of a longer
  // word of those scripts is not segmented).
  static constexpr uint32_t kMaxStoredCodePoints = 1u << 18;
  static constexpr size_t kWordBufferBytes = kMaxStoredCodePoints * 4 + kKeyPadding;
  // Words of the current chunk wait here until the chunk ends (step 2 may still
  // drop them); past this many bytes they move into chunk_words_ instead, so a
  // huge chunk costs memory per distinct word only.
  static constexpr size_t kHeldBytesLimit = 16 * 1024;

  const char* scan(const char* p, const char* end);
  void handle(char32_t cp);
  void append(char32_t lower, bool letter);
  void end_word();
  [[gnu::noinline]] void split_word(size_t bytes);
  void hold(const char* word, size_t len);
  void end_chunk();
  void discard_chunk();

  const CharProps* props_ = nullptr;  // the BMP table, once a non-ASCII code point needs it
  Utf8Decoder decoder_;
  WordMap counts_;
  bool finished_ = false;
  CountOptions options_;
  Spiller counts_spiller_{*this, false};
  Spiller chunk_spiller_{*this, true};
  std::unique_ptr<RunSet> runs_;  // created by the first spill

  // The current chunk.
  bool in_chunk_ = false;
  bool discard_ = false;
  uint32_t tail_ = 0;  // the chunk's last 3 lowercased code points, ASCII only (others as 0)
  std::string held_;   // [uint16 length][bytes] per word
  bool spilled_ = false;
  WordMap chunk_words_;

  bool count_directly_ = false;  // hold() may count at once: the chunk ends with this word and is kept
  // How many chunk ends the general path lets pass before trying the fast path again.
  uint32_t fast_path_backoff_ = 0;
  uint32_t chunks_until_fast_path_ = 0;

  // The current word, lowercased UTF-8 with U+2019 written as ' (kWordBufferBytes).
  std::unique_ptr<char[]> word_;
  size_t word_bytes_ = 0;
  uint32_t word_code_points_ = 0;
  uint32_t word_letters_ = 0;
  bool apostrophe_pending_ = false;  // seen after a word character; joins if a word character follows
  // The OR of the CharProps of the word's characters: no_space_script() says
  // whether step 3b segments it. Only that bit matters, so it is reset only
  // once it is set (split_word) and when a chunk is dropped.
  uint32_t word_props_ = 0;
};

// Counts a whole text at once.
CountResult count_words(std::string_view text, size_t top = kDefaultTop, const CountOptions& options = {});

}  // namespace htut::wordcount
