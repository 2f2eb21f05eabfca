#pragma once
// Counting in bounded memory: when the distinct words of a count outgrow its
// budget, the word map is written out as a sorted run of (word, count) to a
// temporary file and emptied; at the end the runs are merged, summing the
// counts of equal words. The only I/O of the word counter lives here.
//
// Run files have no name: they are opened with O_TMPFILE (or unlinked right
// after mkstemp where the file system lacks it), so they disappear when their
// descriptor is closed: on success, on error, on a cancelled job, and even
// when the process is killed.
#include <cstddef>
#include <cstdint>
#include <functional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace htut::wordcount {

class WordMap;

// A run file could not be created, written or read (disk full, TMPDIR missing…).
struct SpillError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// One unnamed temporary file, written once (buffered), then read with pread.
class RunFile {
 public:
  explicit RunFile(const std::string& dir);
  ~RunFile();
  RunFile(RunFile&& other) noexcept;
  RunFile& operator=(RunFile&& other) noexcept;
  RunFile(const RunFile&) = delete;
  RunFile& operator=(const RunFile&) = delete;

  // Appends one entry (buffered). Throws SpillError.
  void append(std::string_view word, uint64_t count);
  // Writes out the buffer and frees it. Throws SpillError.
  void finish_writing();

  uint64_t size() const { return size_; }
  // Reads up to n bytes at offset; returns how many (0 at the end). Throws SpillError.
  size_t read_at(uint64_t offset, char* out, size_t n) const;

 private:
  void write_out();

  int fd_ = -1;
  std::string dir_;
  std::vector<char> buffer_;
  uint64_t size_ = 0;
};

// The runs of one count.
class RunSet {
 public:
  // Bytes of buffers the run set may hold at once (read buffers while merging,
  // one write buffer): counted in the memory budget by the caller.
  static constexpr size_t kBufferBytes = 16 * 64 * 1024 + 256 * 1024;

  explicit RunSet(std::string dir) : dir_(std::move(dir)) {}

  // Writes the counted words of `map` as a new run, sorted, and empties it
  // (stop words stay). A chunk's run (chunk = true) waits for keep_chunk() or
  // drop_chunk(): the chunk may still turn out to be a link.
  void spill(WordMap& map, bool chunk);
  void keep_chunk();
  void drop_chunk() { chunk_runs_.clear(); }
  // Takes over the kept runs of another count (its files move, nothing is
  // copied), so that merge() sums both. Throws SpillError.
  void adopt(RunSet&& other);
  bool empty() const { return runs_.empty() && chunk_runs_.empty(); }
  size_t runs() const { return runs_.size(); }

  // Calls f(word, count) once per distinct word of all kept runs, in byte
  // order, with the counts summed. Throws SpillError.
  void merge(const std::function<void(std::string_view, uint64_t)>& f) const;

 private:
  // At most this many runs are merged at once; more are merged into one first.
  static constexpr size_t kMaxWays = 16;
  static void merge(const std::vector<const RunFile*>& runs, const std::function<void(std::string_view, uint64_t)>& f);
  void compact(std::vector<RunFile>& runs);
  // Moves the runs of `from` to runs_ (compacting runs_ as it fills) and clears `from`.
  void keep(std::vector<RunFile>& from);

  std::string dir_;
  std::vector<RunFile> runs_;
  std::vector<RunFile> chunk_runs_;
};

}  // namespace htut::wordcount
