#pragma once
// Exponential backoff with jitter for transient S3 failures (connection errors, 5xx,
// SlowDown). 4xx answers are never retried: they will not change.
#include <chrono>

namespace htut::storage {

struct RetryPolicy {
  int max_attempts = 4;                 // 1 try + 3 retries
  std::chrono::milliseconds base{250};  // first backoff
  std::chrono::milliseconds cap{4000};  // longest backoff
  // The pause after failed attempt number `attempt` (1-based): half of min(cap, base*2^(attempt-1))
  // plus a random part up to the other half, so many clients don't retry in lockstep.
  std::chrono::milliseconds delay(int attempt) const;
};

}  // namespace htut::storage
