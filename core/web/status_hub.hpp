#pragma once
// Fans Postgres NOTIFY document_status events out to waiting event streams.
// One thread owns the blocking StatusListener; each event stream holds one
// Subscription for its whole life (removed when it ends), woken at every
// change of its slug, or of everything after the listener reconnected.
#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "web/blocking.hpp"
#include "web/document_cache.hpp"

namespace htut::web {

class StatusHub {
 public:
  explicit StatusHub(std::string database_url);
  ~StatusHub();

  void start();
  void stop();

  class Subscription;
  // A subscription to the changes of `slug`, for as long as it lives.
  std::unique_ptr<Subscription> subscribe(const std::string& slug);
  std::size_t subscriptions() const;
  // Goes up by one at every notification: a read started at sequence() >= N
  // sees every change notified up to N.
  std::uint64_t sequence() const { return sequence_.load(); }

  // Finished documents' JSON, kept exactly as long as no change was notified.
  DocumentCache& cache() { return cache_; }

 private:
  void run();
  void notify(const std::string& slug);
  void notify_all();

  std::string url_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
  struct Waker;
  std::atomic<std::uint64_t> sequence_{0};
  mutable std::mutex mutex_;
  std::multimap<std::string, std::shared_ptr<Waker>> subscribers_;
  DocumentCache cache_;
};

// The waiting side: wait() returns true when a change was notified since the
// last wait (a change notified while nobody waited is not lost).
struct StatusHub::Waker {
  std::mutex mutex;
  bool woken = false;
  std::uint64_t sequence = 0;  // of the last notification
  std::shared_ptr<AsyncSignal> waiting;
  void wake(std::uint64_t seq) {
    std::shared_ptr<AsyncSignal> s;
    {
      std::lock_guard lock(mutex);
      woken = true;
      sequence = seq;
      s = std::move(waiting);
    }
    if (s) s->notify();
  }
};

class StatusHub::Subscription {
 public:
  Subscription(StatusHub& hub, std::multimap<std::string, std::shared_ptr<Waker>>::iterator it)
      : hub_(hub), it_(it), waker_(it->second) {}
  ~Subscription();
  Subscription(const Subscription&) = delete;
  Subscription& operator=(const Subscription&) = delete;

  // True when woken by a change before the deadline.
  awaitable<bool> wait(std::chrono::steady_clock::time_point deadline);
  // The hub's sequence at the last change this subscription was told of.
  std::uint64_t last_sequence() {
    std::lock_guard lock(waker_->mutex);
    return waker_->sequence;
  }

 private:
  StatusHub& hub_;
  std::multimap<std::string, std::shared_ptr<Waker>>::iterator it_;
  std::shared_ptr<Waker> waker_;
};

}  // namespace htut::web
