#pragma once
// Worker: the `htut worker` role. N slots, each a thread with its own AMQP
// consumer (prefetch 1, so the broker hands out at most N jobs at once and
// a stopped worker holds none back), plus the outbox loop.
//
// A job is counted on a helper thread while its slot keeps the AMQP
// connection serviced (rabbitmq-c only sends heartbeats inside its calls);
// the ack then happens on the slot thread, which owns the connection.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>

#include "db/documents.hpp"
#include "jobs/job_runner.hpp"
#include "queue/options.hpp"
#include "storage/storage.hpp"

namespace htut::jobs {

struct WorkerOptions {
  int concurrency = 1;
  std::chrono::milliseconds poll{500};              // how often a slot looks at the stop flag
  std::chrono::milliseconds outbox_interval{2000};  // between outbox passes
  // After stop(), a job in hand may finish for this long; then it is
  // abandoned and requeued (Heroku kills 30 s after SIGTERM).
  std::chrono::milliseconds shutdown_grace{20000};
  queue::ConnectOptions amqp;
  RetryPolicy retry;
  wordcount::CountOptions count;  // COUNT_MEMORY_BYTES, TMPDIR
};

class Worker {
 public:
  Worker(std::string amqp_url, storage::Storage& storage, db::Documents& documents, WorkerOptions options);

  // Runs until stop(): returns once every slot has settled its job and closed its connection.
  void run();
  // Thread-safe; returns at once.
  void stop();

 private:
  void slot_loop(int slot);
  void outbox_loop();

  std::string amqp_url_;
  storage::Storage& storage_;
  db::Documents& documents_;
  WorkerOptions options_;
  DocumentsJobStore store_;
  JobRunner runner_;
  std::atomic<bool> stopping_{false};
  std::mutex mutex_;
  std::condition_variable stop_cv_;  // wakes the outbox loop's sleep
};

}  // namespace htut::jobs
