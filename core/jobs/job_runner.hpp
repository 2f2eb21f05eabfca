#pragma once
// JobRunner: what the worker does with one job message, from the message body
// to the decision to ack, dead-letter or requeue it. No AMQP here: the caller
// settles the delivery on the thread that owns its connection.
//
//   invalid message          -> dead-letter
//   no such row              -> dead-letter
//   row already done/failed  -> ack (a redelivered or duplicate job)
//   object missing           -> row failed with the reason, dead-letter
//   counted                  -> row done (totals + top words in one UPDATE), ack
//   storage/db unavailable   -> retried in-process, then requeue
//   shutdown while counting  -> requeue
#include <atomic>
#include <cstdint>
#include <string>
#include <string_view>

#include "jobs/job_store.hpp"
#include "jobs/retry.hpp"
#include "storage/storage.hpp"
#include "wordcount/counter.hpp"

namespace htut::jobs {

enum class Settle { ack, dead_letter, requeue };

struct Outcome {
  Settle settle = Settle::requeue;
  std::string result;  // done, duplicate, failed, invalid, no_row, retry_later, cancelled
  std::string slug;
  std::uint64_t bytes = 0;
  std::uint64_t words = 0;
  std::string error;  // why, when not done
};

const char* settle_name(Settle settle);

class JobRunner {
 public:
  JobRunner(storage::Storage& storage, JobStore& store, RetryPolicy retry = {}, wordcount::CountOptions count = {})
      : storage_(storage), store_(store), retry_(retry), count_(std::move(count)) {}

  // Thread-safe as long as storage and store are (they are). `cancel` aborts
  // the count (and retries) when the worker must stop.
  Outcome run(std::string_view body, const std::atomic<bool>& cancel);

 private:
  storage::Storage& storage_;
  JobStore& store_;
  RetryPolicy retry_;
  wordcount::CountOptions count_;  // memory budget and spill directory of each count
};

}  // namespace htut::jobs
