// htut_fuzz_replay CORPUS_ROOT [TARGET [FILE...]]
// Runs every file under CORPUS_ROOT/<target>/ through the matching fuzz target
// (built without libFuzzer), so CI re-checks every input the fuzzers kept. With
// TARGET and FILEs, runs just those files (to reproduce a saved crash).
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>

#include "fuzz_target.hpp"

namespace fs = std::filesystem;

namespace {

std::vector<std::uint8_t> read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

void run_one(const htut::fuzz::Target& target, const fs::path& file) {
  htut::fuzz::set_current_input(target.name + ": " + file.string());
  const auto bytes = read_file(file);
  target.run(bytes.data(), bytes.size());
}

// Files of a target's corpus directory, sorted so runs are reproducible.
std::vector<fs::path> corpus_files(const fs::path& dir) {
  std::vector<fs::path> files;
  for (const auto& entry : fs::directory_iterator(dir))
    if (entry.is_regular_file()) files.push_back(entry.path());
  std::sort(files.begin(), files.end());
  return files;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s CORPUS_ROOT [TARGET [FILE...]]\n", argv[0]);
    return 2;
  }
  const fs::path root = argv[1];
  auto& targets = htut::fuzz::registry();
  std::sort(targets.begin(), targets.end(), [](const auto& a, const auto& b) { return a.name < b.name; });

  if (argc >= 3) {
    auto it = std::find_if(targets.begin(), targets.end(), [&](const auto& t) { return t.name == argv[2]; });
    if (it == targets.end()) {
      std::fprintf(stderr, "unknown target %s\n", argv[2]);
      return 2;
    }
    const auto files = argc > 3 ? std::vector<fs::path>(argv + 3, argv + argc) : corpus_files(root / it->name);
    for (const auto& f : files) run_one(*it, f);
    std::printf("%s: %zu inputs ok\n", it->name.c_str(), files.size());
    return 0;
  }

  int missing = 0;
  for (const auto& target : targets) {
    const fs::path dir = root / target.name;
    // An empty or missing corpus would make this test pass without checking anything.
    if (!fs::is_directory(dir) || corpus_files(dir).empty()) {
      std::fprintf(stderr, "%s: no corpus in %s\n", target.name.c_str(), dir.c_str());
      ++missing;
      continue;
    }
    const auto files = corpus_files(dir);
    for (const auto& f : files) run_one(target, f);
    std::printf("%s: %zu inputs ok\n", target.name.c_str(), files.size());
  }
  if (targets.empty()) std::fprintf(stderr, "no fuzz targets registered\n");
  return missing == 0 && !targets.empty() ? 0 : 1;
}
