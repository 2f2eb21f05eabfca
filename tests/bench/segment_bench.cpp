// Step 3b's cost: `wordcount::count_words` over a file against ICU's word
// break iterator alone on the same words (the step-3 words that hold a code
// point of a script written without spaces, already in UTF-16), both in
// process, best thread CPU time of R runs. Usage: htut_bench_segment FILE [RUNS]
#include <unicode/brkiter.h>
#include <unicode/locid.h>
#include <unicode/uchar.h>
#include <unicode/ustring.h>
#include <unicode/utf16.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "wordcount/counter.hpp"
#include "wordcount/segmenter.hpp"

namespace {

double thread_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

template <class F>
double best_of(int runs, F&& f) {
  double best = 1e300;
  for (int i = 0; i < runs; ++i) {
    const double t0 = thread_seconds();
    f();
    best = std::min(best, thread_seconds() - t0);
  }
  return best;
}

bool word_char(UChar32 c) { return (U_GET_GC_MASK(c) & (U_GC_L_MASK | U_GC_M_MASK | U_GC_N_MASK)) != 0; }

// Step 3's words (runs of L/M/N, an apostrophe between two of them joins) that
// step 3b sends to ICU; step 2 is ignored (the input has no links).
std::vector<std::u16string> no_space_words(const std::u16string& text) {
  std::vector<std::u16string> words;
  std::u16string word;
  bool segment = false;
  auto flush = [&] {
    if (segment) words.push_back(word);
    word.clear();
    segment = false;
  };
  for (int32_t i = 0, n = static_cast<int32_t>(text.size()); i < n;) {
    const int32_t at = i;
    UChar32 c;
    U16_NEXT(text.data(), i, n, c);
    if (word_char(c)) {
      word.append(text, static_cast<size_t>(at), static_cast<size_t>(i - at));
      segment |= htut::wordcount::in_no_space_script(static_cast<char32_t>(c));
    } else if ((c == 0x27 || c == 0x2019) && !word.empty() && i < n && word_char(text[static_cast<size_t>(i)])) {
      word += u'\'';
    } else {
      flush();
    }
  }
  flush();
  return words;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: htut_bench_segment FILE [RUNS]\n");
    return 2;
  }
  const int runs = argc > 2 ? std::max(1, std::atoi(argv[2])) : 3;
  std::ifstream in(argv[1], std::ios::binary);
  if (!in) {
    std::fprintf(stderr, "htut_bench_segment: cannot read %s\n", argv[1]);
    return 1;
  }
  std::ostringstream s;
  s << in.rdbuf();
  const std::string text = s.str();

  UErrorCode status = U_ZERO_ERROR;
  std::u16string utf16(text.size(), u'\0');
  int32_t len = 0;
  u_strFromUTF8WithSub(utf16.data(), static_cast<int32_t>(utf16.size()), &len, text.data(),
                       static_cast<int32_t>(text.size()), 0xFFFD, nullptr, &status);
  if (U_FAILURE(status)) return 1;
  utf16.resize(static_cast<size_t>(len));
  const std::vector<std::u16string> words = no_space_words(utf16);
  size_t word_bytes = 0;
  for (const auto& w : words) word_bytes += w.size();

  std::unique_ptr<icu::BreakIterator> bi(icu::BreakIterator::createWordInstance(icu::Locale::getRoot(), status));
  if (U_FAILURE(status)) return 1;
  UText ut = UTEXT_INITIALIZER;
  uint64_t kept = 0;
  const double icu_alone = best_of(runs, [&] {
    for (const auto& w : words) {
      utext_openUChars(&ut, w.data(), static_cast<int64_t>(w.size()), &status);
      bi->setText(&ut, status);
      bi->first();
      while (bi->next() != icu::BreakIterator::DONE) kept += bi->getRuleStatus() >= UBRK_WORD_NONE_LIMIT;
    }
  });
  utext_close(&ut);
  uint64_t total = 0;
  const double counter = best_of(runs, [&] { total = htut::wordcount::count_words(text).total_words; });

  const double mb = static_cast<double>(text.size()) / 1e6;
  std::printf("file %s: %.1f MB, %zu words sent to ICU (%.0f%% of the UTF-16 text), %llu words counted\n", argv[1], mb,
              words.size(), 100.0 * static_cast<double>(word_bytes) / static_cast<double>(utf16.size()),
              static_cast<unsigned long long>(total));
  std::printf("best of %d, thread CPU time, MB/s = 10^6 bytes of the file per second\n", runs);
  std::printf("count_words (steps 1-6)      %8.1f MB/s  %.3f s\n", mb / counter, counter);
  std::printf("ICU word break alone         %8.1f MB/s  %.3f s\n", mb / icu_alone, icu_alone);
  std::printf("count_words / ICU alone      %8.2fx\n", counter / icu_alone);
  return kept == 0 && !words.empty() ? 1 : 0;
}
