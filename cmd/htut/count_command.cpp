// htut count [FILE|-] [--top N]: prints the word count of a file (or stdin) as
// one JSON line (spec/word-count.md). Wiring only: argument parsing, streaming
// reads, output.
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <optional>
#include <string>
#include <vector>

#include "cmd/htut/commands.hpp"
#include "config/config.hpp"
#include "wordcount/counter.hpp"

namespace htut::cmd {

namespace {

constexpr const char* kUsage = "usage: htut count [FILE|-] [--top N]   (N >= 0, default 100)\n";
constexpr size_t kReadChunk = 256 * 1024;

struct CountArgs {
  std::string path = "-";
  size_t top = wordcount::kDefaultTop;
};

// A non-negative decimal integer; values too large for size_t mean "all".
std::optional<size_t> parse_top(const std::string& s) {
  if (s.empty() || s.find_first_not_of("0123456789") != std::string::npos) return std::nullopt;
  size_t n = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), n);
  if (ec == std::errc::result_out_of_range) return SIZE_MAX;
  if (ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
  return n;
}

std::optional<CountArgs> parse_args(const Args& args) {
  CountArgs out;
  bool have_path = false;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    std::optional<std::string> value;
    if (a == "--top") {
      if (i + 1 >= args.size()) {
        std::cerr << "htut count: --top needs a number N >= 0\n";
        return std::nullopt;
      }
      value = args[++i];
    } else if (a.rfind("--top=", 0) == 0) {
      value = a.substr(6);
    } else if (a != "-" && a.size() > 1 && a[0] == '-') {
      std::cerr << "htut count: unknown option '" << a << "'\n";
      return std::nullopt;
    } else if (have_path) {
      std::cerr << "htut count: only one FILE may be given\n";
      return std::nullopt;
    } else {
      out.path = a;
      have_path = true;
      continue;
    }
    auto top = parse_top(*value);
    if (!top) {
      std::cerr << "htut count: --top needs a number N >= 0, not '" << *value << "'\n";
      return std::nullopt;
    }
    out.top = *top;
  }
  return out;
}

// Streams the file into the counter; on failure returns the reason.
std::optional<std::string> count_stream(int fd, wordcount::Counter& counter) {
  std::vector<char> buf(kReadChunk);
  for (;;) {
    const ssize_t n = ::read(fd, buf.data(), buf.size());
    if (n == 0) return std::nullopt;
    if (n < 0) {
      if (errno == EINTR) continue;
      return std::string(std::strerror(errno));
    }
    counter.feed(std::string_view(buf.data(), static_cast<size_t>(n)));
  }
}

}  // namespace

int count_main(const Args& args) {
  const auto parsed = parse_args(args);
  if (!parsed) {
    std::cerr << kUsage;
    return 2;
  }
  // COUNT_MEMORY_BYTES and TMPDIR: past the budget the count spills to disk.
  const auto cfg = load_role_config("count");
  if (!cfg) return 1;
  const bool from_stdin = parsed->path == "-";
  const int fd = from_stdin ? STDIN_FILENO : ::open(parsed->path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    std::cerr << "htut count: cannot open " << parsed->path << ": " << std::strerror(errno) << "\n";
    return 1;
  }
  wordcount::Counter counter(wordcount::CountOptions{cfg->count_memory_bytes, cfg->tmp_dir});
  std::string out;
  std::optional<std::string> failure;
  std::optional<std::string> spill_failure;  // a run could not be written or read back
  try {
    failure = count_stream(fd, counter);
    if (!failure) {
      counter.finish();
      out = wordcount::to_json(counter.result(parsed->top)) + "\n";
    }
  } catch (const wordcount::SpillError& e) {
    spill_failure = e.what();
  }
  if (!from_stdin) ::close(fd);
  if (failure) {
    std::cerr << "htut count: cannot read " << (from_stdin ? "standard input" : parsed->path) << ": " << *failure
              << "\n";
    return 1;
  }
  if (spill_failure) {
    std::cerr << "htut count: " << *spill_failure << "\n";
    return 1;
  }
  if (std::fwrite(out.data(), 1, out.size(), stdout) != out.size() || std::fflush(stdout) != 0) {
    std::cerr << "htut count: cannot write the result: " << std::strerror(errno) << "\n";
    return 1;
  }
  return 0;
}

}  // namespace htut::cmd
