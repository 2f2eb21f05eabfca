// htut count [FILE|-] [--top N]: prints the word count of a file (or stdin) as
// one JSON line (spec/word-count.md). Wiring only: argument parsing, streaming
// reads, output. A large regular file is counted on several threads, one
// Counter per byte range (wordcount/split_points.hpp), merged at the end:
// the output is the same bytes as a count on one thread.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <system_error>
#include <thread>
#include <vector>

#include "cmd/htut/commands.hpp"
#include "config/config.hpp"
#include "wordcount/counter.hpp"
#include "wordcount/split_points.hpp"

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

// Threads for a regular file: one per kBytesPerThread, up to the cores, and
// no more than leave each range kMinBudgetPerThread of COUNT_MEMORY_BYTES (a
// counter far below its budget's floor spills runs of a few words: slow).
constexpr uint64_t kBytesPerThread = 16 * 1024 * 1024;
constexpr uint64_t kMinBudgetPerThread = 8 * 1024 * 1024;
constexpr size_t kMaxThreads = 64;

// HTUT_COUNT_THREADS, a tuning and testing knob: how many threads (byte
// ranges) count a regular file, whatever its size; 1 counts on one thread.
// Unset: automatic (0). nullopt: malformed (reported).
std::optional<size_t> thread_setting() {
  const char* v = std::getenv("HTUT_COUNT_THREADS");
  if (v == nullptr || *v == '\0') return 0;
  const auto n = parse_top(v);
  if (!n || *n < 1 || *n > kMaxThreads) {
    std::cerr << "htut count: HTUT_COUNT_THREADS must be a whole number from 1 to " << kMaxThreads << ", not '" << v
              << "'\n";
    return std::nullopt;
  }
  return *n;
}

// HTUT_COUNT_THREADS, when set, wins (a testing knob: it may leave ranges a tiny budget).
size_t threads_for(uint64_t file_size, size_t setting, uint64_t budget) {
  if (setting != 0) return setting;
  const uint64_t cores = std::max(1u, std::thread::hardware_concurrency());
  const uint64_t most = std::min({cores, uint64_t{kMaxThreads}, std::max<uint64_t>(budget / kMinBudgetPerThread, 1)});
  return static_cast<size_t>(std::clamp<uint64_t>(file_size / kBytesPerThread, 1, most));
}

// The reason of the last failed call (thread-safe, unlike strerror()).
std::string errno_text() { return std::generic_category().message(errno); }

// Counts the bytes [range) of the file (pread, so ranges share the fd), then
// finishes the counter. Gives up early, unfinished and without a reason, once
// `stop` is set (another range failed). On failure returns the reason.
std::optional<std::string> count_range(int fd, wordcount::ByteRange range, wordcount::Counter& counter,
                                       const std::atomic<bool>& stop) {
  std::vector<char> buf(kReadChunk);
  for (uint64_t at = range.begin; at < range.end;) {
    if (stop.load(std::memory_order_relaxed)) return std::nullopt;
    const auto want = static_cast<size_t>(std::min<uint64_t>(buf.size(), range.end - at));
    const ssize_t n = ::pread(fd, buf.data(), want, static_cast<off_t>(at));
    if (n < 0) {
      if (errno == EINTR) continue;
      return errno_text();
    }
    if (n == 0) return std::string("the file got shorter while it was being counted");
    counter.feed(std::string_view(buf.data(), static_cast<size_t>(n)));
    at += static_cast<uint64_t>(n);
  }
  counter.finish();
  return std::nullopt;
}

// Counts the ranges on one thread each (the first on this one), each with its
// own Counter of `each` options, then merges them into the first (absorb():
// exact, also when ranges spilled to disk). On failure sets `failure` (a read
// error); a SpillError (or any other exception) of a range is rethrown here.
// The first failing range in file order is the one reported. `spilled_runs`
// gets the runs each range spilled before the merge.
std::unique_ptr<wordcount::Counter> count_ranges(int fd, const std::vector<wordcount::ByteRange>& ranges,
                                                 const wordcount::CountOptions& each,
                                                 std::optional<std::string>& failure,
                                                 std::vector<size_t>& spilled_runs) {
  const size_t n = ranges.size();
  std::vector<std::unique_ptr<wordcount::Counter>> counters;
  for (size_t i = 0; i < n; ++i) counters.push_back(std::make_unique<wordcount::Counter>(each));
  std::vector<std::optional<std::string>> failures(n);
  std::vector<std::exception_ptr> errors(n);
  std::atomic<bool> stop{false};
  auto run = [&](size_t i) {
    try {
      failures[i] = count_range(fd, ranges[i], *counters[i], stop);
    } catch (...) {
      errors[i] = std::current_exception();
    }
    if (failures[i] || errors[i]) stop = true;
  };
  {
    std::vector<size_t> here = {0};  // ranges this thread counts
    std::vector<std::jthread> threads;
    for (size_t i = 1; i < n; ++i) {
      try {
        threads.emplace_back(run, i);
      } catch (const std::system_error&) {  // no thread to be had: count it here
        here.push_back(i);
      }
    }
    for (size_t i : here) run(i);
  }  // joins the threads
  for (size_t i = 0; i < n; ++i) {
    if (errors[i]) std::rethrow_exception(errors[i]);
    if (failures[i]) {
      failure = failures[i];
      return nullptr;
    }
  }
  for (const auto& c : counters) spilled_runs.push_back(c->spilled_runs());
  for (size_t i = 1; i < n; ++i) {
    counters[0]->absorb(std::move(*counters[i]));
    counters[i].reset();  // its memory goes before the next one's words come in
  }
  return std::move(counters[0]);
}

// Where to cut a regular file of `size` bytes for `threads` threads.
std::vector<wordcount::ByteRange> ranges_of(int fd, uint64_t size, size_t threads) {
  if (threads <= 1) return {{0, size}};
  return wordcount::split_ranges(size, threads, [fd](uint64_t offset, char* out, size_t n) -> size_t {
    for (;;) {
      const ssize_t got = ::pread(fd, out, n, static_cast<off_t>(offset));
      if (got >= 0) return static_cast<size_t>(got);
      // A read error: no cut here; counting the range reports it.
      if (errno != EINTR) return 0;
    }
  });
}

// With LOG_LEVEL=debug: how the file was cut, on stderr (stdout is the result).
void report_ranges(const std::vector<wordcount::ByteRange>& ranges, const std::vector<size_t>& spilled_runs,
                   uint64_t budget) {
  const char* level = std::getenv("LOG_LEVEL");
  if (level == nullptr || std::string_view(level) != "debug") return;
  for (size_t i = 0; i < ranges.size() && i < spilled_runs.size(); ++i) {
    std::cerr << "htut count: range " << i + 1 << "/" << ranges.size() << " bytes " << ranges[i].begin << "-"
              << ranges[i].end << ", budget " << budget << " bytes, " << spilled_runs[i] << " runs spilled\n";
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
  const auto setting = thread_setting();
  if (!setting) return 1;
  const bool from_stdin = parsed->path == "-";
  const int fd = from_stdin ? STDIN_FILENO : ::open(parsed->path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    std::cerr << "htut count: cannot open " << parsed->path << ": " << std::strerror(errno) << "\n";
    return 1;
  }
  // Standard input and other files that are not regular stream on one thread.
  struct stat st {};
  const bool regular = !from_stdin && ::fstat(fd, &st) == 0 && S_ISREG(st.st_mode);
  std::string out;
  std::optional<std::string> failure;
  std::optional<std::string> spill_failure;  // a run could not be written or read back
  try {
    std::unique_ptr<wordcount::Counter> counter;
    const auto ranges =
        regular ? ranges_of(fd, static_cast<uint64_t>(st.st_size),
                            threads_for(static_cast<uint64_t>(st.st_size), *setting, cfg->count_memory_bytes))
                : std::vector<wordcount::ByteRange>{};
    if (ranges.size() > 1) {
      // The budget is shared: each range's Counter gets its part of it.
      const uint64_t budget = cfg->count_memory_bytes / ranges.size();
      std::vector<size_t> spilled_runs;
      counter = count_ranges(fd, ranges, wordcount::CountOptions{budget, cfg->tmp_dir}, failure, spilled_runs);
      report_ranges(ranges, spilled_runs, budget);
    } else {
      counter = std::make_unique<wordcount::Counter>(wordcount::CountOptions{cfg->count_memory_bytes, cfg->tmp_dir});
      failure = count_stream(fd, *counter);
      if (!failure) counter->finish();
    }
    if (!failure) out = wordcount::to_json(counter->result(parsed->top)) + "\n";
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
