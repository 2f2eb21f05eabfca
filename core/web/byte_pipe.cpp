#include "web/byte_pipe.hpp"

#include <algorithm>
#include <cstring>

namespace htut::web {

awaitable<bool> BytePipe::write(std::string data) {
  for (;;) {
    std::shared_ptr<AsyncSignal> wait_for;
    {
      std::unique_lock lock(mutex_);
      if (reader_gone_) co_return false;
      if (buffered_ < capacity_) {
        buffered_ += data.size();
        chunks_.push_back(std::move(data));
        readable_.notify_one();
        co_return true;
      }
      space_ = std::make_shared<AsyncSignal>(co_await net::this_coro::executor);
      wait_for = space_;
    }
    co_await wait_for->wait_until(net::steady_timer::time_point::max());
  }
}

void BytePipe::close() {
  std::lock_guard lock(mutex_);
  closed_ = true;
  readable_.notify_all();
}

void BytePipe::abort(std::string reason) {
  std::lock_guard lock(mutex_);
  abort_reason_ = reason.empty() ? "upload aborted" : std::move(reason);
  closed_ = true;
  readable_.notify_all();
}

Result<std::size_t> BytePipe::read(char* buf, std::size_t cap) {
  std::unique_lock lock(mutex_);
  readable_.wait(lock, [&] { return !chunks_.empty() || closed_; });
  if (!abort_reason_.empty()) return make_error(Error::Kind::invalid, abort_reason_);
  std::size_t n = 0;
  while (n < cap && !chunks_.empty()) {
    auto& front = chunks_.front();
    std::size_t take = std::min(cap - n, front.size() - front_offset_);
    std::memcpy(buf + n, front.data() + front_offset_, take);
    n += take;
    front_offset_ += take;
    if (front_offset_ == front.size()) {
      buffered_ -= front.size();
      chunks_.pop_front();
      front_offset_ = 0;
    }
  }
  if (space_ && buffered_ < capacity_) {
    space_->notify();
    space_.reset();
  }
  return n;
}

void BytePipe::reader_done() {
  std::lock_guard lock(mutex_);
  reader_gone_ = true;
  if (space_) {
    space_->notify();
    space_.reset();
  }
}

}  // namespace htut::web
