#include "web/document_cache.hpp"

namespace htut::web {

std::optional<std::string> DocumentCache::find(const std::string& slug) const {
  std::lock_guard lock(mutex_);
  auto it = entries_.find(slug);
  if (it == entries_.end()) return std::nullopt;
  return it->second;
}

void DocumentCache::store(const std::string& slug, std::string json, std::uint64_t version_before_lookup) {
  std::lock_guard lock(mutex_);
  if (!live_ || version_.load(std::memory_order_acquire) != version_before_lookup) return;
  if (entries_.size() >= max_entries_) entries_.clear();
  entries_[slug] = std::move(json);
}

void DocumentCache::invalidate(const std::string& slug) {
  std::lock_guard lock(mutex_);
  version_.fetch_add(1, std::memory_order_acq_rel);
  entries_.erase(slug);
}

void DocumentCache::clear() {
  std::lock_guard lock(mutex_);
  version_.fetch_add(1, std::memory_order_acq_rel);
  entries_.clear();
}

void DocumentCache::set_live(bool live) {
  std::lock_guard lock(mutex_);
  version_.fetch_add(1, std::memory_order_acq_rel);
  live_ = live;
  if (!live) entries_.clear();
}

}  // namespace htut::web
