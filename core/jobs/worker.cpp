#include "jobs/worker.hpp"

#include <ctime>
#include <thread>
#include <vector>

#include "jobs/outbox.hpp"
#include "log/log.hpp"
#include "queue/backoff.hpp"
#include "queue/message.hpp"
#include "queue/topology.hpp"

namespace htut::jobs {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

constexpr milliseconds kPublishTimeout{5000};

void log_outcome(const Outcome& o, const queue::Delivery& d, Clock::time_point start) {
  auto ms = std::chrono::duration_cast<milliseconds>(Clock::now() - start).count();
  bool fine = o.settle == Settle::ack;
  log::Level level = fine ? log::Level::info : log::Level::warn;
  std::string line = log::format_line(level, "job",
                                      {{"slug", o.slug},
                                       {"bytes", o.bytes},
                                       {"words", o.words},
                                       {"duration_ms", ms},
                                       {"outcome", o.result},
                                       {"settle", settle_name(o.settle)},
                                       {"redelivered", d.redelivered},
                                       {"retries", o.retries}});
  if (o.settle == Settle::retry) line += " retry_in_ms=" + std::to_string(o.retry_in.count());
  if (!o.error.empty()) line += " error=" + log::escape_value(o.error);
  log::write_raw(std::move(line));
}

}  // namespace

Worker::Worker(std::string amqp_url, storage::Storage& storage, db::Documents& documents, WorkerOptions options)
    : amqp_url_(std::move(amqp_url)),
      storage_(storage),
      documents_(documents),
      options_(std::move(options)),
      store_(documents_),
      runner_(storage_, store_, options_.retry, options_.count) {
  queue::ConnectOptions amqp = options_.amqp;
  amqp.connection_name = "worker publisher";
  publisher_ = std::make_unique<queue::Publisher>(amqp_url_, amqp);
}

Worker::~Worker() = default;

void Worker::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  stop_cv_.notify_all();
  work_cv_.notify_all();
}

void Worker::run() {
  log::info("worker started", {{"concurrency", options_.concurrency}});
  std::vector<std::thread> threads;
  for (int i = 0; i < options_.concurrency; ++i) threads.emplace_back([this] { job_loop(); });
  threads.emplace_back([this] { outbox_loop(); });
  consume_loop();
  stop();  // in case consume_loop ended on its own
  for (auto& t : threads) t.join();
  log::info("worker stopped");
}

void Worker::consume_loop() {
  queue::ConnectOptions amqp = options_.amqp;
  amqp.connection_name = "worker consumer";
  const auto prefetch = static_cast<std::uint16_t>(std::clamp(options_.concurrency, 1, 65535));
  queue::Consumer consumer(amqp_url_, prefetch, amqp);
  // Capped low: after a broker outage, consuming resumes within a few seconds.
  queue::Backoff backoff(milliseconds(250), milliseconds(2500));
  bool was_down = false;
  std::optional<Clock::time_point> give_up_at;
  for (;;) {
    try {
      settle_finished(consumer);
      if (stopping_) {
        {
          std::lock_guard lock(mutex_);
          if (!give_up_at) {
            give_up_at = Clock::now() + options_.shutdown_grace;
            work_.clear();  // not started: unacked, the broker requeues them when we close
          }
          if (busy_ == 0 && finished_.empty()) break;
        }
        if (Clock::now() > *give_up_at) cancel_jobs_ = true;
        // Keep the connection serviced (heartbeats) without taking new work.
        if (!consumer.connected() || !consumer.keep_alive(options_.poll)) std::this_thread::sleep_for(options_.poll);
        continue;
      }
      auto next = consumer.next(options_.poll);
      if (!next) {
        if (!was_down) log::warn("worker cannot consume", {{"error", next.error().message}});
        was_down = true;
        std::unique_lock lock(mutex_);
        work_.clear();  // delivered on the lost connection: the broker redelivers them
        stop_cv_.wait_for(lock, backoff.next(), [this] { return stopping_.load(); });
        continue;
      }
      if (was_down) log::info("worker consuming again");
      was_down = false;
      backoff.reset();
      if (!*next) continue;
      {
        std::lock_guard lock(mutex_);
        work_.push_back(std::move(**next));
      }
      work_cv_.notify_one();
    } catch (const std::exception& e) {
      // Nothing here should throw; if it does (memory), drop the connection and go on.
      log::error("worker consuming loop failed; reconnecting", {{"error", e.what()}});
      consumer.disconnect();
      std::unique_lock lock(mutex_);
      work_.clear();
      stop_cv_.wait_for(lock, backoff.next(), [this] { return stopping_.load(); });
    }
  }
  consumer.disconnect();
}

void Worker::settle_finished(queue::Consumer& consumer) {
  std::deque<Settlement> done;
  {
    std::lock_guard lock(mutex_);
    done.swap(finished_);
  }
  for (const Settlement& s : done) {
    Status settled = s.ack ? consumer.ack(s.delivery) : consumer.reject(s.delivery, s.requeue);
    if (!settled)
      log::warn("worker could not settle a job; the broker will redeliver it", {{"error", settled.error().message}});
  }
}

void Worker::job_loop() {
  for (;;) {
    bool taken = false;
    try {
      queue::Delivery delivery;
      {
        std::unique_lock lock(mutex_);
        work_cv_.wait(lock, [this] { return stopping_.load() || !work_.empty(); });
        if (stopping_) return;
        delivery = std::move(work_.front());
        work_.pop_front();
        ++busy_;
        taken = true;
      }
      Settlement settlement = handle(delivery);
      std::lock_guard lock(mutex_);
      finished_.push_back(std::move(settlement));
      --busy_;
    } catch (...) {
      // Out of memory even for the bookkeeping: the delivery stays unacked
      // (the broker redelivers it when the connection closes); the thread goes on.
      log::error("worker job thread failed; going on");
      if (taken) {
        std::lock_guard lock(mutex_);
        --busy_;
      }
    }
  }
}

Worker::Settlement Worker::handle(const queue::Delivery& delivery) {
  try {
    auto start = Clock::now();
    Outcome outcome = runner_.run(delivery.body, queue::header_count(delivery.headers, queue::kRetriesHeader),
                                  cancel_jobs_);
    Settlement settlement = settle_outcome(delivery, outcome);
    log_outcome(outcome, delivery, start);
    return settlement;
  } catch (...) {
    // JobRunner::run never throws; this is the very last line of defence.
    log::error("job failed unexpectedly; dead-lettering it");
    return {delivery, false, false};
  }
}

Worker::Settlement Worker::settle_outcome(const queue::Delivery& delivery, const Outcome& outcome) {
  switch (outcome.settle) {
    case Settle::ack:
      return {delivery, true, false};
    case Settle::requeue:
      return {delivery, false, true};
    case Settle::dead_letter: {
      // Our own copy in countwords.dead says why and when (`htut jobs dead`);
      // if it cannot be published, the broker dead-letters the message itself.
      queue::Message dead;
      dead.queue = queue::kDeadQueue;
      dead.body = delivery.body;
      dead.content_type = delivery.content_type.empty() ? "application/json" : delivery.content_type;
      dead.headers = {{queue::kErrorHeader, outcome.error}};
      dead.timestamp = static_cast<std::int64_t>(std::time(nullptr));
      if (publisher_->send(dead, kPublishTimeout)) return {delivery, true, false};
      return {delivery, false, false};
    }
    case Settle::retry: {
      // The job waits in a retry queue (TTL), holding no prefetch slot, then
      // the broker dead-letters it back to countwords.
      queue::Message later;
      later.queue = queue::retry_queue(queue::retry_level(outcome.retries));
      later.body = delivery.body;
      later.headers = {{queue::kRetriesHeader, std::to_string(outcome.retries + 1)}};
      later.expiration = outcome.retry_in;
      if (auto sent = publisher_->send(later, kPublishTimeout); sent) return {delivery, true, false};
      // The broker takes no publish: wait here instead (this holds the slot,
      // but never spins), then requeue.
      sleep_unless(cancel_jobs_, outcome.retry_in);
      return {delivery, false, true};
    }
  }
  return {delivery, false, true};
}

void Worker::outbox_loop() {
  Outbox outbox(documents_, *publisher_);
  bool failing = false;
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    lock.unlock();
    try {
      auto result = outbox.publish_pending(100);
      if (!result && !failing) log::warn("outbox cannot publish", {{"error", result.error().message}});
      if (result && failing) log::info("outbox publishing again");
      failing = !result;
    } catch (const std::exception& e) {
      log::error("outbox pass failed", {{"error", e.what()}});
    } catch (...) {
      log::error("outbox pass failed");
    }
    lock.lock();
    stop_cv_.wait_for(lock, options_.outbox_interval, [this] { return stopping_.load(); });
  }
}

}  // namespace htut::jobs
