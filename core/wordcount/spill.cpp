#include "wordcount/spill.hpp"

#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <queue>
#include <utility>

#include "wordcount/word_map.hpp"

namespace htut::wordcount {

namespace {

constexpr size_t kWriteBuffer = 256 * 1024;
constexpr size_t kReadBuffer = 64 * 1024;
// Longest encoded entry: length varint, word (at most 512 bytes), count varint.
constexpr size_t kMaxEntry = 2 + 512 + 10;

[[noreturn]] void fail(const std::string& what, const std::string& dir, int err) {
  throw SpillError("cannot " + what + " a temporary file in " + dir +
                   " (the count outgrew COUNT_MEMORY_BYTES and spills to TMPDIR): " + std::strerror(err));
}

void put_varint(std::vector<char>& out, uint64_t v) {
  while (v >= 0x80) {
    out.push_back(static_cast<char>(v | 0x80));
    v >>= 7;
  }
  out.push_back(static_cast<char>(v));
}

// Reads one run back, entry by entry, through a small buffer.
class RunReader {
 public:
  explicit RunReader(const RunFile& file) : file_(file), buffer_(kReadBuffer) {}

  // Moves to the next entry; false at the end of the run.
  bool next() {
    if (end_ - pos_ < kMaxEntry && offset_ < file_.size()) refill();
    if (pos_ == end_) return false;
    const uint64_t len = varint();
    if (len == 0 || len > 512 || len > end_ - pos_) throw SpillError("a temporary word-count run file is corrupt");
    word_.assign(buffer_.data() + pos_, len);
    pos_ += len;
    count_ = varint();
    return true;
  }
  const std::string& word() const { return word_; }
  uint64_t count() const { return count_; }

 private:
  void refill() {
    std::memmove(buffer_.data(), buffer_.data() + pos_, end_ - pos_);
    end_ -= pos_;
    pos_ = 0;
    while (end_ < buffer_.size() && offset_ < file_.size()) {
      const size_t n = file_.read_at(offset_, buffer_.data() + end_, buffer_.size() - end_);
      if (n == 0) throw SpillError("a temporary word-count run file is shorter than written");
      end_ += n;
      offset_ += n;
    }
  }
  uint64_t varint() {
    uint64_t v = 0;
    for (unsigned shift = 0; pos_ < end_ && shift < 64; shift += 7) {
      const auto b = static_cast<unsigned char>(buffer_[pos_++]);
      v |= static_cast<uint64_t>(b & 0x7F) << shift;
      if ((b & 0x80) == 0) return v;
    }
    throw SpillError("a temporary word-count run file is corrupt");
  }

  const RunFile& file_;
  std::vector<char> buffer_;
  size_t pos_ = 0, end_ = 0;
  uint64_t offset_ = 0;
  std::string word_;
  uint64_t count_ = 0;
};

}  // namespace

RunFile::RunFile(const std::string& dir) : dir_(dir) {
  // No name at all where the file system supports it; otherwise a name that
  // lives only between mkstemp and unlink.
  fd_ = ::open(dir.c_str(), O_TMPFILE | O_RDWR | O_CLOEXEC | O_EXCL, 0600);
  if (fd_ < 0 && (errno == EOPNOTSUPP || errno == EISDIR || errno == EINVAL)) {
    std::string path = dir + "/htut-count-XXXXXX";
    fd_ = ::mkostemp(path.data(), O_CLOEXEC);
    if (fd_ >= 0) ::unlink(path.c_str());
  }
  if (fd_ < 0) fail("create", dir, errno);
}

RunFile::~RunFile() {
  if (fd_ >= 0) ::close(fd_);
}

RunFile::RunFile(RunFile&& other) noexcept
    : fd_(std::exchange(other.fd_, -1)),
      dir_(std::move(other.dir_)),
      buffer_(std::move(other.buffer_)),
      size_(other.size_) {}

RunFile& RunFile::operator=(RunFile&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = std::exchange(other.fd_, -1);
    dir_ = std::move(other.dir_);
    buffer_ = std::move(other.buffer_);
    size_ = other.size_;
  }
  return *this;
}

void RunFile::append(std::string_view word, uint64_t count) {
  if (buffer_.size() + kMaxEntry > kWriteBuffer) write_out();
  put_varint(buffer_, word.size());
  buffer_.insert(buffer_.end(), word.begin(), word.end());
  put_varint(buffer_, count);
}

void RunFile::write_out() {
  const char* p = buffer_.data();
  size_t left = buffer_.size();
  while (left > 0) {
    const ssize_t n = ::write(fd_, p, left);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) fail("write", dir_, n < 0 ? errno : ENOSPC);
    p += n;
    left -= static_cast<size_t>(n);
    size_ += static_cast<uint64_t>(n);
  }
  buffer_.clear();
}

void RunFile::finish_writing() {
  write_out();
  std::vector<char>().swap(buffer_);
}

size_t RunFile::read_at(uint64_t offset, char* out, size_t n) const {
  for (;;) {
    const ssize_t got = ::pread(fd_, out, n, static_cast<off_t>(offset));
    if (got >= 0) return static_cast<size_t>(got);
    if (errno != EINTR) fail("read", dir_, errno);
  }
}

void RunSet::spill(WordMap& map, bool chunk) {
  auto& runs = chunk ? chunk_runs_ : runs_;
  if (runs.size() + 1 >= kMaxWays) compact(runs);
  RunFile run(dir_);
  map.take_sorted([&](std::string_view w, uint64_t n) { run.append(w, n); });
  run.finish_writing();
  runs.push_back(std::move(run));
}

void RunSet::keep_chunk() { keep(chunk_runs_); }

void RunSet::adopt(RunSet&& other) { keep(other.runs_); }

void RunSet::keep(std::vector<RunFile>& from) {
  for (auto& r : from) {
    if (runs_.size() + 1 >= kMaxWays) compact(runs_);
    runs_.push_back(std::move(r));
  }
  from.clear();
}

void RunSet::compact(std::vector<RunFile>& runs) {
  // Merges the smaller half of the runs into one: run sizes form tiers, so a
  // word is rewritten O(log runs) times, not once per compaction.
  std::sort(runs.begin(), runs.end(), [](const RunFile& a, const RunFile& b) { return a.size() > b.size(); });
  const size_t keep = runs.size() / 2;
  RunFile merged(dir_);
  std::vector<const RunFile*> small;
  for (size_t i = keep; i < runs.size(); ++i) small.push_back(&runs[i]);
  merge(small, [&](std::string_view w, uint64_t n) { merged.append(w, n); });
  merged.finish_writing();
  runs.erase(runs.begin() + static_cast<std::ptrdiff_t>(keep), runs.end());
  runs.push_back(std::move(merged));
}

void RunSet::merge(const std::function<void(std::string_view, uint64_t)>& f) const {
  std::vector<const RunFile*> all;
  for (const auto& r : runs_) all.push_back(&r);
  merge(all, f);
}

void RunSet::merge(const std::vector<const RunFile*>& runs,
                   const std::function<void(std::string_view, uint64_t)>& f) {
  std::vector<RunReader> readers;
  readers.reserve(runs.size());
  for (const RunFile* r : runs) readers.emplace_back(*r);
  // A min-heap of the readers by their current word.
  auto later = [&](size_t a, size_t b) { return readers[a].word() > readers[b].word(); };
  std::priority_queue<size_t, std::vector<size_t>, decltype(later)> heap(later);
  for (size_t i = 0; i < readers.size(); ++i) {
    if (readers[i].next()) heap.push(i);
  }
  std::string word;
  while (!heap.empty()) {
    size_t i = heap.top();
    heap.pop();
    word = readers[i].word();
    uint64_t count = readers[i].count();
    if (readers[i].next()) heap.push(i);
    while (!heap.empty() && readers[heap.top()].word() == word) {
      i = heap.top();
      heap.pop();
      count += readers[i].count();
      if (readers[i].next()) heap.push(i);
    }
    f(word, count);
  }
}

}  // namespace htut::wordcount
