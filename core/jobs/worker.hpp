#pragma once
// Worker: the `htut worker` role (docs/queue.md, "The worker").
//
// One consuming AMQP connection per process, prefetch WORKER_CONCURRENCY,
// owned by the thread that calls run(); WORKER_CONCURRENCY job threads count
// what it hands them; one publishing connection (Publisher, thread-safe)
// shared by the job threads (retries, dead letters) and the outbox thread.
// rabbitmq-c connections are single-threaded, so the job threads hand their
// decisions back and the consuming thread acks/rejects; it polls its
// connection at least every 100 ms, which also keeps heartbeats going while
// jobs run.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <string>

#include "db/documents.hpp"
#include "jobs/job_runner.hpp"
#include "queue/consumer.hpp"
#include "queue/options.hpp"
#include "queue/publisher.hpp"
#include "storage/storage.hpp"

namespace htut::jobs {

struct WorkerOptions {
  int concurrency = 1;
  std::chrono::milliseconds poll{100};              // longest wait of the consuming thread
  std::chrono::milliseconds outbox_interval{2000};  // between outbox passes
  // After stop(), jobs in hand may finish for this long; then they are
  // abandoned and requeued (Heroku kills 30 s after SIGTERM).
  std::chrono::milliseconds shutdown_grace{20000};
  queue::ConnectOptions amqp;
  RetryPolicy retry;
  wordcount::CountOptions count;  // COUNT_MEMORY_BYTES, TMPDIR
};

class Worker {
 public:
  Worker(std::string amqp_url, storage::Storage& storage, db::Documents& documents, WorkerOptions options);
  ~Worker();

  // Runs until stop(): returns once every job in hand is settled and the
  // connections are closed. Never throws for what a job does.
  void run();
  // Thread-safe; returns at once.
  void stop();

 private:
  struct Settlement {
    queue::Delivery delivery;
    bool ack = false;
    bool requeue = false;  // when !ack: requeue, or dead-letter through the broker
  };

  void consume_loop();
  void job_loop();
  void outbox_loop();
  Settlement handle(const queue::Delivery& delivery);
  Settlement settle_outcome(const queue::Delivery& delivery, const Outcome& outcome);
  void settle_finished(queue::Consumer& consumer);

  std::string amqp_url_;
  storage::Storage& storage_;
  db::Documents& documents_;
  WorkerOptions options_;
  DocumentsJobStore store_;
  JobRunner runner_;
  std::unique_ptr<queue::Publisher> publisher_;
  std::atomic<bool> stopping_{false};
  std::atomic<bool> cancel_jobs_{false};
  std::mutex mutex_;
  std::condition_variable work_cv_;  // job threads: work arrived, or stopping
  std::condition_variable stop_cv_;  // sleeps that a stop cuts short
  std::deque<queue::Delivery> work_;
  std::deque<Settlement> finished_;
  int busy_ = 0;  // job threads working on a delivery
};

}  // namespace htut::jobs
