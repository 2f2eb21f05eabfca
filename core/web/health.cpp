#include "web/health.hpp"

#include <atomic>

#include <boost/json.hpp>

#include "db/documents.hpp"
#include "log/log.hpp"
#include "queue/publisher.hpp"
#include "storage/storage.hpp"
#include "web/app.hpp"

namespace htut::web {

struct Health::Component {
  const char* name;
  Check check;
  std::atomic<bool> running{false};
  std::mutex mutex;            // guards what follows
  bool reported_ok = true;     // what the log last said
  std::string reported_error;  // idem, to log a changed reason once
};

namespace {

// One computation: the three answers as they come in.
struct Round {
  explicit Round(net::any_io_executor ex) : done(std::make_shared<AsyncSignal>(ex)) {}
  std::mutex mutex;
  std::array<std::optional<Status>, Health::components> results;
  std::size_t pending = Health::components;
  std::shared_ptr<AsyncSignal> done;
};

}  // namespace

Health::Health(net::thread_pool& pool, std::array<Check, components> checks, std::chrono::milliseconds max_age,
               std::chrono::milliseconds deadline)
    : pool_(pool), max_age_(max_age), deadline_(deadline) {
  for (std::size_t i = 0; i < components; ++i) {
    auto c = std::make_shared<Component>();
    c->name = names[i];
    c->check = std::move(checks[i]);
    components_.push_back(std::move(c));
  }
}

std::uint64_t Health::computations() const {
  std::lock_guard lock(mutex_);
  return computations_;
}

awaitable<Health::Snapshot> Health::current() {
  auto ex = co_await net::this_coro::executor;
  std::shared_ptr<AsyncSignal> wait_for;
  {
    std::lock_guard lock(mutex_);
    if (last_ && std::chrono::steady_clock::now() - last_at_ < max_age_) co_return *last_;
    if (computing_) {
      wait_for = std::make_shared<AsyncSignal>(ex);
      waiters_.push_back(wait_for);
    } else {
      computing_ = true;
      ++computations_;
    }
  }
  if (wait_for) {
    co_await wait_for->wait_until(std::chrono::steady_clock::now() + deadline_ * 2);
    std::lock_guard lock(mutex_);
    co_return last_ ? *last_ : Snapshot{};
  }
  Snapshot result;
  log::debug("health checks run");
  try {
    result = co_await compute();
  } catch (const std::exception& e) {
    log::error("health check failed", {{"error", e.what()}});
  }
  std::vector<std::shared_ptr<AsyncSignal>> waiters;
  {
    std::lock_guard lock(mutex_);
    last_ = result;
    last_at_ = std::chrono::steady_clock::now();
    computing_ = false;
    waiters.swap(waiters_);
  }
  for (auto& w : waiters) w->notify();
  co_return result;
}

awaitable<Health::Snapshot> Health::compute() {
  auto round = std::make_shared<Round>(co_await net::this_coro::executor);
  for (std::size_t i = 0; i < components; ++i) {
    auto component = components_[i];
    auto finish = [round, i](Status s) {
      bool last = false;
      {
        std::lock_guard lock(round->mutex);
        round->results[i] = std::move(s);
        last = --round->pending == 0;
      }
      if (last) round->done->notify();
    };
    // The previous check of this component has not returned yet: it is hung.
    if (component->running.exchange(true)) {
      finish(make_error(Error::Kind::unavailable, "the previous check has not answered yet"));
      continue;
    }
    net::post(pool_, [component, finish] {
      Status s = ok_status();
      try {
        s = component->check();
      } catch (const std::exception& e) {
        s = make_error(Error::Kind::internal, e.what());
      }
      component->running = false;
      finish(std::move(s));
    });
  }
  co_await round->done->wait_until(std::chrono::steady_clock::now() + deadline_);

  Snapshot snapshot;
  std::lock_guard lock(round->mutex);
  for (std::size_t i = 0; i < components; ++i) {
    auto& c = *components_[i];
    const auto& r = round->results[i];
    bool ok = r && r->ok();
    std::string why = !r ? "no answer within " + std::to_string(deadline_.count()) + " ms" : ok ? "" : r->error().message;
    snapshot.ok[i] = ok;
    std::lock_guard clock(c.mutex);
    if (ok && !c.reported_ok) log::info("health check ok again", {{"component", c.name}});
    if (!ok && (c.reported_ok || why != c.reported_error))
      log::warn("health check failed", {{"component", c.name}, {"error", why}});
    c.reported_ok = ok;
    c.reported_error = why;
  }
  co_return snapshot;
}

std::unique_ptr<Health> make_health(net::thread_pool& pool, const Services& services) {
  auto* documents = services.documents;
  auto* publisher = services.publisher;
  auto* storage = services.storage;
  return std::make_unique<Health>(pool, std::array<Health::Check, Health::components>{
                                            [documents] { return documents->ping(); },
                                            [publisher] { return publisher->ping(std::chrono::seconds(2)); },
                                            [storage] { return storage->check(); }});
}

awaitable<Reply> App::healthz(Exchange& ex) {
  auto snapshot = co_await health_->current();
  boost::json::object o;
  o["status"] = snapshot.healthy() ? "ok" : "unavailable";
  std::string failed;
  for (std::size_t i = 0; i < Health::components; ++i) {
    o[Health::names[i]] = snapshot.ok[i] ? "ok" : "unavailable";
    if (!snapshot.ok[i]) failed += std::string(failed.empty() ? "" : ", ") + Health::names[i];
  }
  if (!failed.empty()) o["error"] = failed + " unavailable";
  co_return json_reply(ex, snapshot.healthy() ? http::status::ok : http::status::service_unavailable,
                       boost::json::serialize(o));
}

}  // namespace htut::web
