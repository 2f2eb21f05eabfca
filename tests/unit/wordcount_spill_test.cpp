// Counting in bounded memory (issue 12): with a budget far too small for the
// distinct words, the counter spills sorted runs to temporary files and merges
// them; the result must be byte for byte the in-memory one, and no file may
// be left behind, also when writing a run fails.
#include <sys/resource.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "wordcount/counter.hpp"

namespace fs = std::filesystem;
using namespace htut::wordcount;

namespace {

// A private, initially empty TMPDIR, removed at the end.
struct TempDir {
  fs::path path;
  TempDir() {
    std::string tmpl = (fs::temp_directory_path() / "htut-spill-test-XXXXXX").string();
    REQUIRE(mkdtemp(tmpl.data()) != nullptr);
    path = tmpl;
  }
  ~TempDir() { fs::remove_all(path); }
  bool empty() const { return fs::is_empty(path); }
};

// Far below what any count needs: every map spills as soon as it fills its initial table.
CountOptions tiny(const TempDir& dir) { return CountOptions{1, dir.path.string()}; }

std::string read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

CountResult count_in_pieces(const std::string& text, size_t piece, size_t top, const CountOptions& options,
                            size_t* runs = nullptr) {
  Counter c(options);
  for (size_t i = 0; i < text.size(); i += piece) c.feed(std::string_view(text).substr(i, piece));
  c.finish();
  if (runs != nullptr) *runs = c.spilled_runs();
  return c.result(top);
}

// Words drawn with a skewed law (many ties at the cut-off), some
// long (arena keys), some non-ASCII (general path), separated by spaces.
std::string zipf_text(size_t tokens, size_t vocabulary, uint32_t seed) {
  std::mt19937 rng(seed);
  std::string out;
  for (size_t i = 0; i < tokens; ++i) {
    const size_t rank = (rng() % vocabulary) * (rng() % vocabulary) / vocabulary;  // small ranks are frequent
    const size_t id = rank * 2654435761u % 1000003;
    switch (id % 5) {
      case 0:
        out += "word" + std::to_string(id);
        break;
      case 1:
        out += "a-rather-long-compound-word-number-" + std::to_string(id);
        break;
      case 2:
        out += "\xCE\xBB\xCF\x8C\xCE\xB3\xCE\xBF\xCF\x82" + std::to_string(id);  // λόγος
        break;
      case 3:
        out += "Word" + std::to_string(id) + "'s";
        break;
      default:
        out += "x" + std::to_string(id) + "y";
    }
    out += (rng() % 7 == 0) ? "\n" : " ";
  }
  return out;
}

}  // namespace

TEST_CASE("wordcount spill: every shared case gives the in-memory bytes with a tiny budget") {
  TempDir dir;
  const fs::path data = fs::path(HTUT_TEST_DATA_DIR) / "wordcount";
  size_t cases = 0, spilled = 0;
  for (const auto& entry : fs::directory_iterator(data)) {
    const std::string fn = entry.path().filename().string();
    if (entry.path().extension() != ".json") continue;
    const std::string stem = fn.substr(0, fn.find('.'));
    const fs::path input = data / (stem + ".txt");
    if (!fs::exists(input)) continue;
    size_t top = kDefaultTop;
    if (const auto at = fn.find(".top"); at != std::string::npos) top = std::stoul(fn.substr(at + 4));
    const std::string text = read_file(input);
    const std::string expected = read_file(entry.path());
    for (size_t piece : {size_t{1} << 30, size_t{7}, size_t{4096}}) {
      INFO("case " << fn << ", pieces of " << piece);
      size_t runs = 0;
      CHECK(to_json(count_in_pieces(text, piece, top, tiny(dir), &runs)) + "\n" == expected);
      spilled += runs > 1;
      CHECK(dir.empty());
    }
    ++cases;
  }
  CHECK(cases >= 29);
  CHECK(spilled >= 6);  // the larger cases really went through the runs
}

TEST_CASE("wordcount spill: many distinct words, top 1000 and beyond, exact with spilling") {
  TempDir dir;
  const std::string text = zipf_text(200000, 60000, 7);
  size_t runs = 0;
  // A budget that spills a few big runs rather than many small ones.
  const CountOptions small{4 << 20, dir.path.string()};
  const CountResult spilled = count_in_pieces(text, 65536, 5000, small, &runs);
  CHECK(runs >= 2);
  CHECK(spilled.distinct_words > 20000);
  CHECK(spilled == count_words(text, 5000));
  // Many small runs (tiered merges of runs of 4 words).
  const std::string part = text.substr(0, 200000);
  CHECK(count_in_pieces(part, 65536, 1000, tiny(dir), &runs) == count_words(part, 1000));
  CHECK(runs >= 2);
  CHECK(count_in_pieces(text, 65536, 1000, small, &runs) == count_words(text, 1000));
  CHECK(runs >= 2);
  CHECK(count_in_pieces(text, 65536, 0, small) == count_words(text, 0));
  CHECK(dir.empty());
}

TEST_CASE("wordcount spill: the words of a huge chunk spill too, and go when the chunk is a link") {
  TempDir dir;
  std::string many;
  for (int i = 0; i < 8000; ++i) many.append("w\xC3\xB6rd").append(std::to_string(i)).append("-");
  for (const std::string& text : {many + " tail", many + "me@example.org tail", many + "x www. tail",
                                  "head " + many + " tail " + many}) {
    size_t runs = 0;
    CHECK(count_in_pieces(text, 1000, 100, tiny(dir), &runs) == count_words(text, 100));
    CHECK(runs >= 1);
    CHECK(dir.empty());
  }
}

TEST_CASE("wordcount spill: a run that cannot be written fails the count with a clear error and no file") {
  TempDir dir;
  const std::string text = zipf_text(50000, 20000, 3);
  SECTION("TMPDIR missing") {
    const std::string missing = (dir.path / "no-such-dir").string();
    Counter c(CountOptions{1, missing});
    try {
      c.feed(text);
      c.finish();
      FAIL("the count did not fail");
    } catch (const SpillError& e) {
      INFO(e.what());
      CHECK(std::string(e.what()).find(missing) != std::string::npos);
      CHECK(std::string(e.what()).find("No such file or directory") != std::string::npos);
    }
  }
  SECTION("disk full (a file size limit of 4 KiB)") {
    // write() past RLIMIT_FSIZE fails with EFBIG (SIGXFSZ ignored), as on a full disk.
    rlimit old{};
    REQUIRE(getrlimit(RLIMIT_FSIZE, &old) == 0);
    auto old_handler = std::signal(SIGXFSZ, SIG_IGN);
    rlimit small = old;
    small.rlim_cur = 4096;
    REQUIRE(setrlimit(RLIMIT_FSIZE, &small) == 0);
    std::string error;
    try {
      Counter c(CountOptions{1, dir.path.string()});
      c.feed(text);
      c.finish();
    } catch (const SpillError& e) {
      error = e.what();
    }
    setrlimit(RLIMIT_FSIZE, &old);
    std::signal(SIGXFSZ, old_handler);
    INFO(error);
    CHECK(error.find("cannot write a temporary file in " + dir.path.string()) != std::string::npos);
    CHECK(error.find("File too large") != std::string::npos);
  }
  CHECK(dir.empty());
}
