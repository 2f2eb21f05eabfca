#pragma once
// A bounded byte pipe from a coroutine (the request body) to a blocking
// thread (the storage upload), so a file streams straight through without
// being held in memory. The writer waits asynchronously when the pipe is
// full; the reader blocks on a condition variable.
#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <string>

#include "common/result.hpp"
#include "web/blocking.hpp"

namespace htut::web {

class BytePipe {
 public:
  explicit BytePipe(std::size_t capacity) : capacity_(capacity) {}

  // Writer side (coroutine). False when the reader has gone (its upload failed).
  awaitable<bool> write(std::string data);
  void close();                       // end of data
  void abort(std::string reason);     // the reader's next read fails with this reason

  // Reader side (blocking thread): fills buf, 0 at end of data.
  Result<std::size_t> read(char* buf, std::size_t cap);
  void reader_done();                 // the reader stopped (success or failure): wake the writer

 private:
  std::mutex mutex_;
  std::condition_variable readable_;
  std::deque<std::string> chunks_;
  std::size_t front_offset_ = 0;
  std::size_t buffered_ = 0;
  std::size_t capacity_;
  bool closed_ = false;
  bool reader_gone_ = false;
  std::string abort_reason_;
  std::shared_ptr<AsyncSignal> space_;  // set while the writer waits for room
};

}  // namespace htut::web
