#include "jobs/worker.hpp"

#include <future>
#include <thread>
#include <vector>

#include "jobs/outbox.hpp"
#include "log/log.hpp"
#include "queue/backoff.hpp"
#include "queue/consumer.hpp"
#include "queue/publisher.hpp"

namespace htut::jobs {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

void log_outcome(const Outcome& o, const queue::Delivery& d, Clock::time_point start) {
  auto ms = std::chrono::duration_cast<milliseconds>(Clock::now() - start).count();
  bool fine = o.settle == Settle::ack;
  log::Level level = fine ? log::Level::info : log::Level::warn;
  if (o.error.empty()) {
    log::write(level, "job",
               {{"slug", o.slug},
                {"bytes", o.bytes},
                {"words", o.words},
                {"duration_ms", ms},
                {"outcome", o.result},
                {"settle", settle_name(o.settle)},
                {"redelivered", d.redelivered}});
  } else {
    log::write(level, "job",
               {{"slug", o.slug},
                {"bytes", o.bytes},
                {"words", o.words},
                {"duration_ms", ms},
                {"outcome", o.result},
                {"settle", settle_name(o.settle)},
                {"redelivered", d.redelivered},
                {"error", o.error}});
  }
}

}  // namespace

Worker::Worker(std::string amqp_url, storage::Storage& storage, db::Documents& documents, WorkerOptions options)
    : amqp_url_(std::move(amqp_url)),
      storage_(storage),
      documents_(documents),
      options_(std::move(options)),
      store_(documents_),
      runner_(storage_, store_, options_.retry, options_.count) {}

void Worker::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  stop_cv_.notify_all();
}

void Worker::run() {
  log::info("worker started", {{"concurrency", options_.concurrency}});
  std::vector<std::thread> threads;
  for (int i = 0; i < options_.concurrency; ++i) threads.emplace_back([this, i] { slot_loop(i); });
  threads.emplace_back([this] { outbox_loop(); });
  for (auto& t : threads) t.join();
  log::info("worker stopped");
}

void Worker::slot_loop(int slot) {
  queue::ConnectOptions amqp = options_.amqp;
  amqp.connection_name = "htut worker " + std::to_string(slot);
  queue::Consumer consumer(amqp_url_, 1, amqp);
  // Capped low: after a broker outage, consumers are back within a few seconds.
  queue::Backoff backoff(milliseconds(250), milliseconds(2500));
  bool was_down = false;
  while (!stopping_) {
    auto next = consumer.next(options_.poll);
    if (!next) {
      // Broker down or connection lost: wait (growing), then next() reconnects.
      if (!was_down) log::warn("worker cannot consume", {{"slot", slot}, {"error", next.error().message}});
      was_down = true;
      std::unique_lock lock(mutex_);
      stop_cv_.wait_for(lock, backoff.next(), [this] { return stopping_.load(); });
      continue;
    }
    if (was_down) log::info("worker consuming again", {{"slot", slot}});
    was_down = false;
    backoff.reset();
    if (!*next) continue;
    const queue::Delivery& delivery = **next;

    // Count on a helper thread; keep the connection serviced meanwhile.
    auto start = Clock::now();
    std::atomic<bool> cancel{false};
    auto job = std::async(std::launch::async, [&] { return runner_.run(delivery.body, cancel); });
    std::optional<Clock::time_point> give_up_at;
    bool connection_lost = false;
    // Wake as soon as the job is done; meanwhile poll the connection (a
    // non-blocking call) several times per heartbeat interval.
    while (job.wait_for(milliseconds(250)) != std::future_status::ready) {
      if (stopping_ && !give_up_at) give_up_at = Clock::now() + options_.shutdown_grace;
      if (give_up_at && Clock::now() > *give_up_at) cancel = true;
      if (!consumer.connected()) continue;
      if (auto s = consumer.keep_alive(milliseconds(1)); !s && !connection_lost) {
        log::warn("worker lost the broker during a job", {{"slot", slot}, {"error", s.error().message}});
        connection_lost = true;
      }
    }
    Outcome outcome = job.get();
    Status settled = outcome.settle == Settle::ack ? consumer.ack(delivery)
                                                   : consumer.reject(delivery, outcome.settle == Settle::requeue);
    log_outcome(outcome, delivery, start);
    if (!settled)
      log::warn("worker could not settle the job; the broker will redeliver it",
                {{"slot", slot}, {"slug", outcome.slug}, {"error", settled.error().message}});
  }
  consumer.disconnect();
}

void Worker::outbox_loop() {
  queue::ConnectOptions amqp = options_.amqp;
  amqp.connection_name = "htut worker outbox";
  queue::Publisher publisher(amqp_url_, amqp);
  Outbox outbox(documents_, publisher);
  bool failing = false;
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    lock.unlock();
    auto result = outbox.publish_pending(100);
    if (!result && !failing) log::warn("outbox cannot publish", {{"error", result.error().message}});
    if (result && failing) log::info("outbox publishing again");
    failing = !result;
    lock.lock();
    stop_cv_.wait_for(lock, options_.outbox_interval, [this] { return stopping_.load(); });
  }
}

}  // namespace htut::jobs
