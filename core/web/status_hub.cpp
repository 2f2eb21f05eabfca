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

std::unique_ptr<StatusHub::Subscription> StatusHub::subscribe(const std::string& slug) {
  std::lock_guard lock(mutex_);
  auto it = subscribers_.emplace(slug, std::make_shared<Waker>());
  return std::make_unique<Subscription>(*this, it);
}

std::size_t StatusHub::subscriptions() const {
  std::lock_guard lock(mutex_);
  return subscribers_.size();
}

StatusHub::Subscription::~Subscription() {
  std::lock_guard lock(hub_.mutex_);
  hub_.subscribers_.erase(it_);
}

awaitable<bool> StatusHub::Subscription::wait(std::chrono::steady_clock::time_point deadline) {
  std::shared_ptr<AsyncSignal> signal;
  {
    std::lock_guard lock(waker_->mutex);
    if (waker_->woken) {
      waker_->woken = false;
      co_return true;
    }
    signal = std::make_shared<AsyncSignal>(co_await net::this_coro::executor);
    waker_->waiting = signal;
  }
  co_await signal->wait_until(deadline);
  std::lock_guard lock(waker_->mutex);
  waker_->waiting.reset();
  bool woken = waker_->woken;
  waker_->woken = false;
  co_return woken;
}

void StatusHub::notify(const std::string& slug) {
  cache_.invalidate(slug);
  auto seq = ++sequence_;
  std::lock_guard lock(mutex_);
  auto [first, last] = subscribers_.equal_range(slug);
  for (auto it = first; it != last; ++it) it->second->wake(seq);
}

void StatusHub::notify_all() {
  cache_.clear();
  auto seq = ++sequence_;
  std::lock_guard lock(mutex_);
  for (auto& [slug, waker] : subscribers_) waker->wake(seq);
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
