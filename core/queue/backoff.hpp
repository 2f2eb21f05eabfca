#pragma once
// Exponential backoff (pure): initial, 2x, 4x, ... capped at max; reset() after a success.
#include <algorithm>
#include <chrono>

namespace htut::queue {

class Backoff {
 public:
  Backoff(std::chrono::milliseconds initial, std::chrono::milliseconds max)
      : initial_(initial), max_(max), next_(initial) {}
  // The delay to wait now; the following one doubles (up to max).
  std::chrono::milliseconds next() {
    auto current = next_;
    next_ = std::min(max_, next_ * 2);
    return current;
  }
  void reset() { next_ = initial_; }

 private:
  std::chrono::milliseconds initial_, max_, next_;
};

}  // namespace htut::queue
