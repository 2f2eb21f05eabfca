#include "web/memory_budget.hpp"

namespace htut::web {

MemoryBudget::MemoryBudget(std::size_t total) : total_(total), reserve_(total / 4) {}

std::size_t MemoryBudget::in_use() const {
  std::lock_guard lock(mutex_);
  return used_[0] + used_[1];
}

bool MemoryBudget::try_take(Pool pool, std::size_t n) {
  auto& used = used_[pool == Pool::small ? 0 : 1];
  if (used + n > capacity(pool) && used != 0) return false;
  used += n;
  return true;
}

awaitable<bool> MemoryBudget::acquire(Pool pool, std::size_t n, std::chrono::steady_clock::time_point deadline) {
  auto ex = co_await net::this_coro::executor;
  for (;;) {
    std::shared_ptr<AsyncSignal> signal;
    {
      std::lock_guard lock(mutex_);
      if (try_take(pool, n)) co_return true;
      if (std::chrono::steady_clock::now() >= deadline) co_return false;
      signal = std::make_shared<AsyncSignal>(ex);
      waiters_.push_back(signal);
    }
    co_await signal->wait_until(deadline);
  }
}

void MemoryBudget::release(Pool pool, std::size_t n) {
  std::vector<std::weak_ptr<AsyncSignal>> waiters;
  {
    std::lock_guard lock(mutex_);
    auto& used = used_[pool == Pool::small ? 0 : 1];
    used -= std::min(used, n);
    waiters.swap(waiters_);
  }
  for (auto& w : waiters)
    if (auto s = w.lock()) s->notify();
}

}  // namespace htut::web
