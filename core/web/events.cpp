// GET /api/documents/{slug}/events: server-sent events without polling. Each
// stream holds one subscription on the LISTEN/NOTIFY hub and reads the row
// only when told of a change (reads shared between the streams of a
// document), plus a safety re-read about once a minute; a comment line every
// 15 s keeps proxies from timing the stream out.
#include "web/events.hpp"

#include <boost/json.hpp>

#include "log/log.hpp"
#include "web/app.hpp"
#include "web/document_json.hpp"
#include "web/status_hub.hpp"

namespace htut::web {
namespace {
constexpr auto keepalive_every = std::chrono::seconds(15);
constexpr auto recheck_every = std::chrono::seconds(60);
}  // namespace

struct SharedDocumentReads::Flight {
  explicit Flight(std::uint64_t seq) : started_at(seq) {}
  std::uint64_t started_at;
  std::mutex mutex;
  bool done = false;
  std::optional<Result<std::optional<db::Document>>> result;
  std::vector<std::shared_ptr<AsyncSignal>> waiters;
};

awaitable<Result<std::optional<db::Document>>> SharedDocumentReads::read(std::string slug, std::string time_uploaded,
                                                                         std::uint64_t at_least,
                                                                         std::uint64_t sequence_now) {
  auto ex = co_await net::this_coro::executor;
  const std::string key = slug + "\n" + time_uploaded;
  std::shared_ptr<Flight> flight;
  std::shared_ptr<AsyncSignal> signal;
  bool owner = false;
  {
    std::lock_guard lock(mutex_);
    auto& slot = flights_[key];
    if (slot && slot->started_at >= at_least) {
      flight = slot;
    } else {
      slot = flight = std::make_shared<Flight>(sequence_now);
      owner = true;
    }
  }
  if (!owner) {
    {
      std::lock_guard lock(flight->mutex);
      if (flight->done) co_return *flight->result;
      signal = std::make_shared<AsyncSignal>(ex);
      flight->waiters.push_back(signal);
    }
    co_await signal->wait_until(std::chrono::steady_clock::now() + std::chrono::seconds(60));
    std::lock_guard lock(flight->mutex);
    if (flight->done) co_return *flight->result;
    co_return make_error(Error::Kind::unavailable, "the database did not answer in time");
  }
  ++queries_;
  log::debug("event stream read", {{"slug", slug}});
  auto* documents = &documents_;
  auto reread = [documents, slug, time_uploaded] { return documents->find(slug, time_uploaded); };
  Result<std::optional<db::Document>> result = make_error(Error::Kind::internal, "read failed");
  try {
    result = co_await run_blocking(pool_, std::move(reread));
  } catch (const std::exception& e) {
    result = make_error(Error::Kind::internal, e.what());
  }
  std::vector<std::shared_ptr<AsyncSignal>> waiters;
  {
    std::lock_guard lock(flight->mutex);
    flight->result = result;
    flight->done = true;
    waiters.swap(flight->waiters);
  }
  for (auto& w : waiters) w->notify();
  {
    // Finished reads stay for the streams woken a moment later; the map keeps
    // one entry per document and is pruned of finished ones when it grows.
    std::lock_guard lock(mutex_);
    if (flights_.size() > 1024) {
      for (auto it = flights_.begin(); it != flights_.end();) {
        std::lock_guard flock(it->second->mutex);
        it = it->second->done ? flights_.erase(it) : std::next(it);
      }
    }
  }
  co_return result;
}

awaitable<Reply> App::document_events(Exchange& ex, std::string slug) {
  struct Count {
    std::atomic<int>& n;
    ~Count() { --n; }
  } count{event_streams_};
  if (++event_streams_ > max_event_streams) {
    log::warn("event stream refused: too many open", {{"limit", max_event_streams}});
    co_return api_error(ex, http::status::service_unavailable, "too many event streams; please try again in a moment",
                        "5");
  }
  auto* hub = services_.status_hub;
  // Subscribe before the first read, so no change between the two is missed.
  std::unique_ptr<StatusHub::Subscription> subscription;
  if (hub) subscription = hub->subscribe(slug);
  auto found = co_await find_newest(slug);
  if (!found) co_return api_error(ex, http::status::service_unavailable, found.error().message);
  if (!found->has_value()) co_return api_error(ex, http::status::not_found, "no document with the slug " + slug);

  auto& stream = ex.stream();
  http::response<http::empty_body> res{http::status::ok, ex.version()};
  res.set(http::field::content_type, "text/event-stream");
  res.set(http::field::cache_control, "no-store");
  res.set("X-Accel-Buffering", "no");
  apply_common_headers(res.base(), ex.request_id());
  res.keep_alive(false);
  http::response_serializer<http::empty_body> sr{res};
  stream.expires_after(std::chrono::seconds(30));
  auto [hec, hn] = co_await http::async_write_header(stream, sr, net::as_tuple(net::use_awaitable));
  std::size_t sent = 0;
  if (hec) co_return sent_reply(200, 0);

  const std::string time_uploaded = (*found)->time_uploaded;
  std::string last_status;
  std::optional<db::Document> doc = std::move(**found);
  auto cancelled_flag = std::make_shared<std::atomic<bool>>(false);
  auto cancel_id = server_ ? server_->on_shutdown([cancelled_flag] { *cancelled_flag = true; }) : 0;
  auto stopping = [&] { return cancelled_flag->load() || (server_ && server_->stopping()); };
  auto next_keepalive = std::chrono::steady_clock::now() + keepalive_every;
  auto next_recheck = std::chrono::steady_clock::now() + recheck_every;
  for (;;) {
    std::string frame;
    if (doc && doc->status != last_status) {
      last_status = doc->status;
      frame = "event: document\ndata: " + boost::json::serialize(web::document_json(*doc)) + "\n\n";
    } else if (std::chrono::steady_clock::now() >= next_keepalive) {
      frame = ": keep-alive\n\n";
    }
    if (!frame.empty()) {
      stream.expires_after(std::chrono::seconds(30));
      auto [ec, n] = co_await net::async_write(stream, net::buffer(frame), net::as_tuple(net::use_awaitable));
      if (ec) break;
      sent += n;
      next_keepalive = std::chrono::steady_clock::now() + keepalive_every;
    }
    if (last_status == "done" || last_status == "failed" || stopping()) break;
    // Shutdown is noticed within a second; otherwise the wait ends at a
    // change, the next keep-alive or the safety re-read.
    auto wake_at = std::min({next_keepalive, next_recheck, std::chrono::steady_clock::now() + std::chrono::seconds(1)});
    bool changed = subscription ? co_await subscription->wait(wake_at) : false;
    if (stopping()) break;
    bool recheck = std::chrono::steady_clock::now() >= next_recheck;
    doc.reset();
    if (!changed && !recheck) continue;
    next_recheck = std::chrono::steady_clock::now() + recheck_every;
    std::uint64_t at_least = changed && subscription ? subscription->last_sequence() : (hub ? hub->sequence() : 0);
    auto fresh = co_await event_reads_->read(slug, time_uploaded, at_least, hub ? hub->sequence() : 0);
    if (fresh && fresh->has_value()) doc = std::move(**fresh);
  }
  if (server_) server_->forget(cancel_id);
  subscription.reset();
  log::debug("event stream ended", {{"slug", slug}, {"subscriptions", hub ? hub->subscriptions() : 0},
                                    {"shared_reads", event_reads_->queries()}});
  co_return sent_reply(200, sent);
}

}  // namespace htut::web
