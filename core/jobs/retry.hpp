#pragma once
// Short in-process retries of database statements (a restart, a dropped
// connection): cheaper than sending a job that is already counted round the
// retry queues. Storage reads are not retried here: a transient read failure
// puts the job back with a delay (the storage client itself retries a
// request once).
#include <atomic>
#include <chrono>
#include <thread>

#include "common/result.hpp"
#include "jobs/failure.hpp"
#include "queue/backoff.hpp"

namespace htut::jobs {

struct RetryPolicy {
  int attempts = 3;  // in total, the first one included
  std::chrono::milliseconds first_delay{500};
  std::chrono::milliseconds max_delay{2000};
};

// Sleeps up to `delay`, waking early when `cancel` is set.
inline void sleep_unless(const std::atomic<bool>& cancel, std::chrono::milliseconds delay) {
  auto until = std::chrono::steady_clock::now() + delay;
  while (!cancel.load() && std::chrono::steady_clock::now() < until)
    std::this_thread::sleep_for(std::min(delay, std::chrono::milliseconds(50)));
}

// Calls the database `operation` (returning a Result) until it succeeds,
// fails permanently, runs out of attempts, or `cancel` is set.
template <class Operation>
auto with_retries(const RetryPolicy& policy, const std::atomic<bool>& cancel, Operation operation)
    -> decltype(operation()) {
  queue::Backoff backoff(policy.first_delay, policy.max_delay);
  for (int attempt = 1;; ++attempt) {
    auto result = operation();
    if (result.ok() || !classify(Stage::database, result.error(), {}).transient || attempt >= policy.attempts ||
        cancel.load())
      return result;
    sleep_unless(cancel, backoff.next());
  }
}

}  // namespace htut::jobs
