#pragma once
// Answers for GET /api/documents/{slug} whose document is finished (done or
// failed), kept in memory. Any status change of a slug (Postgres NOTIFY,
// including the insert of a newer upload) drops its entry; a reconnect of the
// listener drops everything. A lookup that raced with a change is not stored.
#include <atomic>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

namespace htut::web {

class DocumentCache {
 public:
  explicit DocumentCache(std::size_t max_entries = 10000) : max_entries_(max_entries) {}

  // Read before the database lookup; pass to store().
  std::uint64_t version() const { return version_.load(std::memory_order_acquire); }
  std::optional<std::string> find(const std::string& slug) const;
  void store(const std::string& slug, std::string json, std::uint64_t version_before_lookup);

  void invalidate(const std::string& slug);
  void clear();
  // False until the status listener is connected: without it nothing is cached.
  void set_live(bool live);

 private:
  mutable std::mutex mutex_;
  std::unordered_map<std::string, std::string> entries_;
  std::atomic<std::uint64_t> version_{0};
  bool live_ = false;
  std::size_t max_entries_;
};

}  // namespace htut::web
