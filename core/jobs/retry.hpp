#pragma once
// In-process retries of transient failures (storage or database unavailable),
// with a growing delay that a shutdown can cut short.
#include <atomic>
#include <chrono>
#include <thread>

#include "common/result.hpp"
#include "queue/backoff.hpp"

namespace htut::jobs {

struct RetryPolicy {
  int attempts = 4;  // in total, the first one included
  std::chrono::milliseconds first_delay{500};
  std::chrono::milliseconds max_delay{4000};
};

// Worth trying again: the service may come back. Everything else (not_found,
// invalid, ...) is permanent.
inline bool is_transient(const Error& e) {
  return e.kind == Error::Kind::unavailable || e.kind == Error::Kind::internal || e.kind == Error::Kind::forbidden;
}

// Sleeps up to `delay`, waking early when `cancel` is set.
inline void sleep_unless(const std::atomic<bool>& cancel, std::chrono::milliseconds delay) {
  auto until = std::chrono::steady_clock::now() + delay;
  while (!cancel.load() && std::chrono::steady_clock::now() < until)
    std::this_thread::sleep_for(std::min(delay, std::chrono::milliseconds(50)));
}

// Calls `operation` (returning a Result) until it succeeds, fails
// permanently, runs out of attempts, or `cancel` is set.
template <class Operation>
auto with_retries(const RetryPolicy& policy, const std::atomic<bool>& cancel, Operation operation)
    -> decltype(operation()) {
  queue::Backoff backoff(policy.first_delay, policy.max_delay);
  for (int attempt = 1;; ++attempt) {
    auto result = operation();
    if (result.ok() || !is_transient(result.error()) || attempt >= policy.attempts || cancel.load()) return result;
    sleep_unless(cancel, backoff.next());
  }
}

}  // namespace htut::jobs
