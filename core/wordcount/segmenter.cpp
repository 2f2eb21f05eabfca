#include "wordcount/segmenter.hpp"

#include <unicode/brkiter.h>
#include <unicode/locid.h>
#include <unicode/uchar.h>
#include <unicode/uniset.h>
#include <unicode/utf16.h>
#include <unicode/utf8.h>

#include <mutex>
#include <stdexcept>
#include <string>

namespace htut::wordcount {

namespace {

constexpr uint32_t kMaxWordCodePoints = 100;

[[noreturn]] void icu_failed(const char* what, UErrorCode status) {
  throw std::runtime_error(std::string("word count: ICU ") + what + " failed: " + u_errorName(status));
}

const icu::UnicodeSet& no_space_scripts() {
  static const icu::UnicodeSet set = [] {
    UErrorCode status = U_ZERO_ERROR;
    icu::UnicodeSet s(icu::UnicodeString(u"[[:Line_Break=Complex_Context:][:Script=Han:][:Script=Hiragana:]"
                                         u"[:Script=Katakana:]]"),
                      status);
    if (U_FAILURE(status)) icu_failed("UnicodeSet", status);
    s.freeze();
    return s;
  }();
  return set;
}

// Building a word instance loads rules and dictionaries: done once, then cloned per thread.
std::unique_ptr<icu::BreakIterator> clone_prototype() {
  static std::mutex mutex;
  static std::unique_ptr<icu::BreakIterator> prototype;
  std::lock_guard lock(mutex);
  if (!prototype) {
    UErrorCode status = U_ZERO_ERROR;
    prototype.reset(icu::BreakIterator::createWordInstance(icu::Locale::getRoot(), status));
    if (U_FAILURE(status) || !prototype) {
      prototype.reset();
      icu_failed("word break iterator", status);
    }
  }
  std::unique_ptr<icu::BreakIterator> copy(prototype->clone());
  if (!copy) throw std::runtime_error("word count: cloning ICU's word break iterator failed");
  return copy;
}

bool has_letter(const char16_t* s, int32_t i, int32_t end) {
  while (i < end) {
    UChar32 c;
    U16_NEXT_UNSAFE(s, i, c);
    if (U_GET_GC_MASK(c) & U_GC_L_MASK) return true;
  }
  return false;
}

}  // namespace

bool in_no_space_script(char32_t cp) { return no_space_scripts().contains(static_cast<UChar32>(cp)); }

void for_each_no_space_script_range(const std::function<void(char32_t, char32_t)>& f) {
  const icu::UnicodeSet& set = no_space_scripts();
  for (int32_t i = 0; i < set.getRangeCount(); ++i)
    f(static_cast<char32_t>(set.getRangeStart(i)), static_cast<char32_t>(set.getRangeEnd(i)));
}

Segmenter& Segmenter::for_this_thread() {
  thread_local Segmenter segmenter;
  return segmenter;
}

Segmenter::Segmenter() : iterator_(clone_prototype()) {}

Segmenter::~Segmenter() { utext_close(&text_); }

std::span<const std::string_view> Segmenter::words(std::string_view word) {
  out_.clear();
  // UTF-16 for ICU: its dictionary engines work on UTF-16 directly.
  if (utf16_.size() < word.size()) utf16_.resize(word.size());
  const auto* bytes = reinterpret_cast<const uint8_t*>(word.data());
  const auto n = static_cast<int32_t>(word.size());
  int32_t units = 0;
  for (int32_t i = 0; i < n;) {
    UChar32 c;
    U8_NEXT_UNSAFE(bytes, i, c);  // the counter wrote well-formed UTF-8
    U16_APPEND_UNSAFE(utf16_.data(), units, c);
  }

  UErrorCode status = U_ZERO_ERROR;
  utext_openUChars(&text_, utf16_.data(), units, &status);
  iterator_->setText(&text_, status);
  if (U_FAILURE(status)) icu_failed("setText", status);

  // Walk the segments in order, keeping the byte offset in `word` alongside the UTF-16 index.
  size_t from = 0;
  int32_t i = iterator_->first();
  for (int32_t end = iterator_->next(); end != icu::BreakIterator::DONE; end = iterator_->next()) {
    const int32_t start = i;
    uint32_t code_points = 0;
    size_t len = 0;
    while (i < end) {
      UChar32 c;
      U16_NEXT_UNSAFE(utf16_.data(), i, c);
      ++code_points;
      len += U8_LENGTH(c);
    }
    const size_t at = from;
    from += len;
    if (iterator_->getRuleStatus() < UBRK_WORD_NONE_LIMIT) continue;  // spaces, punctuation, symbols
    // Steps 4 and 5 for the segment (the map checks the stop list).
    int32_t stop = end;
    if (len >= 2 && word[at + len - 2] == '\'' && word[at + len - 1] == 's') {
      len -= 2;
      code_points -= 2;
      stop -= 2;
    }
    if (code_points < 2 || code_points > kMaxWordCodePoints || !has_letter(utf16_.data(), start, stop)) continue;
    out_.emplace_back(word.data() + at, len);
  }
  return out_;
}

}  // namespace htut::wordcount
