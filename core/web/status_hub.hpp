#pragma once
// Fans Postgres NOTIFY document_status events out to waiting event streams.
// One thread owns the blocking StatusListener; subscribers are one-shot
// AsyncSignals keyed by slug.
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

  // Wakes `signal` at the next status change of `slug` (or of everything after a reconnect).
  void subscribe(const std::string& slug, std::shared_ptr<AsyncSignal> signal);

  // Finished documents' JSON, kept exactly as long as no change was notified.
  DocumentCache& cache() { return cache_; }

 private:
  void run();
  void notify(const std::string& slug);
  void notify_all();

  std::string url_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
  std::mutex mutex_;
  std::multimap<std::string, std::weak_ptr<AsyncSignal>> subscribers_;
  DocumentCache cache_;
};

}  // namespace htut::web
