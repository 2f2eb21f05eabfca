#include "web/status_hub.hpp"

#include <boost/json.hpp>

#include "db/status_listener.hpp"
#include "log/log.hpp"

namespace htut::web {

StatusHub::StatusHub(std::string database_url) : url_(std::move(database_url)) {}

StatusHub::~StatusHub() { stop(); }

void StatusHub::start() { thread_ = std::thread([this] { run(); }); }

void StatusHub::stop() {
  stop_ = true;
  if (thread_.joinable()) thread_.join();
}

void StatusHub::subscribe(const std::string& slug, std::shared_ptr<AsyncSignal> signal) {
  std::lock_guard lock(mutex_);
  subscribers_.emplace(slug, signal);
}

void StatusHub::notify(const std::string& slug) {
  cache_.invalidate(slug);
  std::lock_guard lock(mutex_);
  auto [first, last] = subscribers_.equal_range(slug);
  for (auto it = first; it != last; ++it)
    if (auto s = it->second.lock()) s->notify();
  subscribers_.erase(first, last);
}

void StatusHub::notify_all() {
  cache_.clear();
  std::lock_guard lock(mutex_);
  for (auto& [slug, weak] : subscribers_)
    if (auto s = weak.lock()) s->notify();
  subscribers_.clear();
}

void StatusHub::run() {
  db::StatusListener listener(url_);
  std::uint64_t generation = 0;
  bool reported_down = false;
  while (!stop_) {
    auto payloads = listener.wait(std::chrono::milliseconds(500));
    if (!payloads) {
      cache_.set_live(false);
      if (!reported_down) log::warn("live status updates paused", {{"error", payloads.error().message}});
      reported_down = true;
      continue;
    }
    if (reported_down) log::info("live status updates resumed");
    reported_down = false;
    // Notifications sent while disconnected are lost: wake everyone to re-read.
    if (listener.generation() != generation) {
      generation = listener.generation();
      notify_all();
      cache_.set_live(true);
    }
    for (const auto& payload : *payloads) {
      boost::system::error_code ec;
      auto v = boost::json::parse(payload, ec);
      if (ec || !v.is_object()) continue;
      if (auto* slug = v.as_object().if_contains("document_slug"); slug && slug->is_string())
        notify(std::string(slug->as_string()));
    }
  }
}

}  // namespace htut::web
