#pragma once
// Step 3b of the word-count rules (v2): a word holding a character of a script
// written without spaces (Chinese, Japanese, Thai, Lao, Khmer, Burmese…) is
// replaced by the segments ICU's word break iterator (root locale, dictionary
// based for these scripts) finds in it, keeping those whose rule status is
// >= 100 (numbers, letters, kana, ideographs). The one place that wraps ICU's
// break iterator; one iterator per thread, cloned from a shared prototype.
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string_view>
#include <vector>

#include <unicode/utext.h>

U_NAMESPACE_BEGIN
class BreakIterator;
U_NAMESPACE_END

namespace htut::wordcount {

// [[:Line_Break=Complex_Context:][:Script=Han:][:Script=Hiragana:][:Script=Katakana:]]
// (a frozen ICU set, built once). Words without such a code point are never segmented.
bool in_no_space_script(char32_t cp);
// Calls f(first, last) for each range of code points of that set, in order.
void for_each_no_space_script_range(const std::function<void(char32_t, char32_t)>& f);

class Segmenter {
 public:
  // This thread's segmenter (created on first use; throws std::runtime_error
  // if ICU cannot build its word break iterator).
  static Segmenter& for_this_thread();

  Segmenter();
  ~Segmenter();
  Segmenter(const Segmenter&) = delete;
  Segmenter& operator=(const Segmenter&) = delete;

  // The segments of `word` (a whole step-3 word, already lowercased, UTF-8,
  // apostrophes as U+0027) that survive steps 4 and 5 apart from the stop
  // list: a final 's removed, 2 to 100 code points, at least one letter. Each
  // is a view into `word`. Valid until the next call on this segmenter.
  std::span<const std::string_view> words(std::string_view word);

 private:
  std::unique_ptr<icu::BreakIterator> iterator_;
  UText text_ = UTEXT_INITIALIZER;
  std::vector<char16_t> utf16_;  // the word in UTF-16, reused
  std::vector<std::string_view> out_;
};

}  // namespace htut::wordcount
