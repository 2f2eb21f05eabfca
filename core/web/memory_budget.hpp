#pragma once
// The memory that uploads of one process may hold at once (bytes received
// and not yet stored): UPLOAD_MEMORY_BYTES. Two pools so that big uploads
// cannot lock small ones out:
// - small uploads (whole body <= small_limit) take their declared size from a
//   reserve of a quarter of the budget;
// - big ones take a part-sized slot from the rest while they read, store a
//   part whenever it fills, and give the slot back while their client is idle.
// An upload that cannot have its memory at once waits (reading from its socket
// pauses: back-pressure); waiters are woken whenever memory comes back.
#include <chrono>
#include <cstddef>
#include <memory>
#include <mutex>
#include <vector>

#include "web/blocking.hpp"

namespace htut::web {

class MemoryBudget {
 public:
  enum class Pool { small, large };

  explicit MemoryBudget(std::size_t total);

  std::size_t total() const { return total_; }
  std::size_t capacity(Pool pool) const { return pool == Pool::small ? reserve_ : total_ - reserve_; }
  std::size_t in_use() const;

  // Waits until n bytes of `pool` are granted (true) or the deadline passes (false).
  // A request larger than the pool is granted when the pool is otherwise empty.
  awaitable<bool> acquire(Pool pool, std::size_t n, std::chrono::steady_clock::time_point deadline);
  void release(Pool pool, std::size_t n);

 private:
  bool try_take(Pool pool, std::size_t n);

  std::size_t total_, reserve_;
  mutable std::mutex mutex_;
  std::size_t used_[2] = {0, 0};
  std::vector<std::weak_ptr<AsyncSignal>> waiters_;
};

// Bytes held from a budget, given back on destruction.
class BudgetHold {
 public:
  BudgetHold(MemoryBudget& budget, MemoryBudget::Pool pool) : budget_(budget), pool_(pool) {}
  ~BudgetHold() { release(); }
  BudgetHold(const BudgetHold&) = delete;
  BudgetHold& operator=(const BudgetHold&) = delete;

  MemoryBudget& budget() { return budget_; }
  MemoryBudget::Pool pool() const { return pool_; }
  // After budget().acquire(pool(), n, …) granted n bytes: they are now held here.
  void add(std::size_t n) { held_ += n; }
  void release() { shrink_to(0); }
  // Gives back all but n bytes (what is still held in memory).
  void shrink_to(std::size_t n) {
    if (held_ > n) budget_.release(pool_, held_ - n);
    held_ = std::min(held_, n);
  }
  std::size_t held() const { return held_; }

 private:
  MemoryBudget& budget_;
  MemoryBudget::Pool pool_;
  std::size_t held_ = 0;
};

}  // namespace htut::web
