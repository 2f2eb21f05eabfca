#pragma once
// Everything htut declares on the broker, in one place (docs/queue.md,
// "Topology"). The web role, the worker, `htut jobs` and `htut migrate` all
// declare exactly this, so whichever connects first creates it and later
// declarations are no-ops.
//
//   countwords              durable; rejected messages dead-letter to countwords.dead
//   countwords.dead         durable; jobs that failed for good (`htut jobs dead`)
//   countwords.retry.<N>s   durable, x-message-ttl N s, dead-letters back to countwords:
//                           a job put back after a transient failure waits here,
//                           holding no worker's prefetch slot (N = 1, 2, 4 … 256)
#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "common/result.hpp"
#include "queue/options.hpp"

namespace htut::queue {

inline constexpr const char* kJobQueue = "countwords";
inline constexpr const char* kDeadQueue = "countwords.dead";

struct QueueSpec {
  std::string name;
  std::string dead_letter_to;     // routing key on the default exchange ""; empty: no dead-lettering
  std::int64_t message_ttl_ms = 0;  // 0: none
};

// The queues in declaration order (a dead-letter target before its source).
std::vector<QueueSpec> topology();

// Transient retries: level k waits up to 2^k s (1 s … 256 s).
inline constexpr int kRetryLevels = 9;
// The retry queue of level k (clamped to 0..kRetryLevels-1), e.g. "countwords.retry.4s".
std::string retry_queue(int level);
std::chrono::milliseconds retry_ceiling(int level);
// The level for a job already put back `retries` times: min(retries, kRetryLevels - 1).
int retry_level(int retries);
// The delay of the next retry (its message's expiration): exponential in
// `retries`, capped at 256 s, with "equal jitter": half of the level's
// ceiling plus `unit_random` (0..1) times the other half, so jobs that failed
// together do not come back together. Pure.
std::chrono::milliseconds retry_delay(int retries, double unit_random);

// Opens a connection, declares topology(), closes it. For `htut migrate`
// and anything else that must bring the broker to what htut declares.
Status declare_topology(const std::string& amqp_url, const ConnectOptions& options = {});

}  // namespace htut::queue
