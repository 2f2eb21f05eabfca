#include "storage/retry_policy.hpp"

#include <algorithm>
#include <random>

namespace htut::storage {

std::chrono::milliseconds RetryPolicy::delay(int attempt) const {
  long long ceiling = base.count();
  for (int i = 1; i < attempt && ceiling < cap.count(); ++i) ceiling *= 2;
  ceiling = std::min<long long>(ceiling, cap.count());
  thread_local std::mt19937_64 rng{std::random_device{}()};
  std::uniform_int_distribution<long long> jitter(0, ceiling / 2);
  return std::chrono::milliseconds(ceiling - ceiling / 2 + jitter(rng));
}

}  // namespace htut::storage
