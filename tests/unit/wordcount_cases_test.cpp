// Every shared word-count case (tests/data/wordcount, produced by the
// reference tool) must come out byte for byte, whatever the feeding pattern.
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "wordcount/counter.hpp"
#include "wordcount_test_support.hpp"

namespace fs = std::filesystem;
using namespace htut::wordcount;

namespace {

std::string read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  REQUIRE(in.good());
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

struct Case {
  std::string name;
  fs::path input;
  fs::path expected;
  size_t top;
};

std::vector<Case> shared_cases() {
  const fs::path dir = fs::path(HTUT_TEST_DATA_DIR) / "wordcount";
  const std::regex expected_name(R"((.+?)(?:\.top(\d+))?\.json)");
  std::vector<Case> cases;
  for (const auto& entry : fs::directory_iterator(dir)) {
    std::smatch m;
    const std::string fn = entry.path().filename().string();
    if (!std::regex_match(fn, m, expected_name)) continue;
    const fs::path input = dir / (m[1].str() + ".txt");
    if (!fs::exists(input)) continue;
    cases.push_back({fn, input, entry.path(), m[2].matched ? std::stoul(m[2].str()) : kDefaultTop});
  }
  std::sort(cases.begin(), cases.end(), [](const Case& a, const Case& b) { return a.name < b.name; });
  return cases;
}

std::string count_in_pieces(const std::string& text, size_t piece, size_t top) {
  Counter c;
  for (size_t i = 0; i < text.size(); i += piece) c.feed(std::string_view(text).substr(i, piece));
  c.finish();
  return to_json(c.result(top)) + "\n";
}

}  // namespace

TEST_CASE("wordcount: every shared case matches the reference output exactly") {
  const auto cases = shared_cases();
  REQUIRE(cases.size() >= 29);
  for (const auto& c : cases) {
    INFO("case " << c.name);
    const std::string text = read_file(c.input);
    const std::string expected = read_file(c.expected);
    CHECK(to_json(count_words(text, c.top)) + "\n" == expected);
  }
}

TEST_CASE("wordcount: shared cases give the same result for any feeding pattern") {
  for (const auto& c : shared_cases()) {
    const std::string text = read_file(c.input);
    const std::string expected = read_file(c.expected);
    for (size_t piece : {1, 2, 3, 7, 63, 64, 65, 1000, 4096, 65537}) {
      INFO("case " << c.name << ", pieces of " << piece << " bytes");
      CHECK(count_in_pieces(text, piece, c.top) == expected);
    }
  }
}

TEST_CASE("wordcount: shared cases counted in 2 to 4 byte ranges and merged give the same result") {
  size_t cut = 0;
  for (const auto& c : shared_cases()) {
    const std::string text = read_file(c.input);
    const std::string expected = read_file(c.expected);
    for (size_t k = 2; k <= 4; ++k) {
      for (size_t max_scan : {size_t{16}, size_t{1} << 20}) {
        // In memory; and (for one max_scan) spilling runs of a few words.
        for (uint64_t budget : {kDefaultMemoryBytes, max_scan == 16 ? kDefaultMemoryBytes : uint64_t{1}}) {
          INFO("case " << c.name << ", " << k << " ranges, max_scan " << max_scan << ", budget " << budget);
          const auto got =
              htut::wordcount::testing::count_in_ranges(text, k, c.top, CountOptions{budget, "/tmp"}, max_scan);
          CHECK(to_json(got.result) + "\n" == expected);
          cut += got.ranges > 1;
        }
      }
    }
  }
  CHECK(cut >= 100);  // most cases really were cut
}
