#pragma once
// Brings the broker's queues to what htut declares without losing a job:
// the broker half of `htut migrate` (docs/queue.md, "Upgrading the topology").
//
// When `countwords` exists with other properties (the heroku-tut app's
// non-durable, argument-less queue, or one another htut version declared),
// the broker refuses htut's declaration (406). Then its waiting jobs are
// moved into the durable holding queue `countwords.upgrading`, the old queue
// is deleted (only once it is empty, so a job that a still-running old app
// publishes meanwhile is moved too), htut's topology is declared by
// Connection::declare_topology(), and the jobs are moved back, persistent.
//
// Every move is basic.get, a confirmed persistent publish, then the ack of
// the source: a job is never only in flight. Each step is safe to repeat, so
// a run interrupted anywhere is finished by the next one (at worst one job
// is then delivered twice; the worker acks a duplicate without counting).
// Runs must not overlap: `htut migrate` holds its PostgreSQL advisory lock.
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "common/result.hpp"
#include "queue/options.hpp"

namespace htut::queue {

// Durable, no arguments; exists only while an upgrade is under way.
inline constexpr const char* kHoldingQueue = "countwords.upgrading";

struct UpgradeReport {
  bool replaced = false;         // countwords had other properties and was replaced
  std::uint64_t moved_out = 0;   // jobs moved from the old countwords to the holding queue
  std::uint64_t moved_back = 0;  // jobs moved from the holding queue into countwords
};

// `on_job(body)` runs for each job placed into countwords, once the broker
// confirmed it. Errors: `unavailable` (the broker cannot be reached), or
// `conflict` when the broker refuses htut's topology for another reason than
// an old countwords (the message says what it refused).
Result<UpgradeReport> upgrade_topology(const std::string& url, const ConnectOptions& options,
                                       const std::function<void(std::string_view body)>& on_job = {});

}  // namespace htut::queue
