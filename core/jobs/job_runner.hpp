#pragma once
// JobRunner: what the worker does with one job message, from the message body
// to the decision to ack, dead-letter, retry later or requeue it. No AMQP
// here: the caller publishes retries and dead letters and settles the
// delivery on the thread that owns its connection. Failures are classified
// by jobs/failure.hpp.
//
//   invalid message              -> dead-letter
//   no such row                  -> dead-letter
//   row already done/failed      -> ack (a redelivered or duplicate job)
//   started 3 times, no outcome  -> row failed (crash_error), dead-letter
//   permanent failure            -> row failed with the reason, dead-letter
//   transient failure            -> row stays pending, retry after retry_in
//   counted                      -> row done (totals + top words in one UPDATE), ack
//   shutdown while counting      -> requeue at once
//   an exception (bad_alloc, …)  -> row failed, dead-letter; never the process
#include <atomic>
#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "jobs/job_store.hpp"
#include "jobs/retry.hpp"
#include "queue/job.hpp"
#include "storage/storage.hpp"
#include "wordcount/counter.hpp"

namespace htut::jobs {

enum class Settle { ack, dead_letter, retry, requeue };

struct Outcome {
  Settle settle = Settle::requeue;
  // done, duplicate, failed, crashed, invalid, no_row, retry_later, cancelled
  std::string result;
  std::string slug;
  std::uint64_t bytes = 0;
  std::uint64_t words = 0;
  std::string error;                      // why, when not done
  std::chrono::milliseconds retry_in{0};  // Settle::retry: how long the job waits
  int retries = 0;                        // transient retries before this delivery
};

const char* settle_name(Settle settle);

class JobRunner {
 public:
  JobRunner(storage::Storage& storage, JobStore& store, RetryPolicy retry = {}, wordcount::CountOptions count = {})
      : storage_(storage), store_(store), retry_(retry), count_(std::move(count)) {}

  // Thread-safe as long as storage and store are (they are). `retries`: how
  // often the job was put back already (its x-htut-retries header). `cancel`
  // aborts the count (and database retries) when the worker must stop.
  // Never throws.
  Outcome run(std::string_view body, int retries, const std::atomic<bool>& cancel);

 private:
  Outcome run_job(const queue::Job& job, int retries, const std::atomic<bool>& cancel, Outcome& o);

  storage::Storage& storage_;
  JobStore& store_;
  RetryPolicy retry_;
  wordcount::CountOptions count_;  // memory budget and spill directory of each count
};

}  // namespace htut::jobs
