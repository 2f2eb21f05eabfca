#pragma once
// The web application: routes requests to handlers. Blocking services
// (database, storage, broker) are called on the blocking pool, never on the
// I/O threads.
#include <atomic>
#include <memory>
#include <string>
#include <unordered_map>

#include "common/result.hpp"
#include "config/config.hpp"
#include "http/session.hpp"
#include "web/assets.hpp"
#include "web/memory_budget.hpp"
#include "web/page_template.hpp"
#include "web/server.hpp"

namespace htut::storage {
class Storage;
}
namespace htut::db {
class Documents;
struct Document;
}
namespace htut::queue {
class Publisher;
}

namespace htut::web {

class StatusHub;
class DocumentCache;
class Health;
class SharedDocumentReads;

struct Services {
  storage::Storage* storage = nullptr;
  db::Documents* documents = nullptr;
  queue::Publisher* publisher = nullptr;
  StatusHub* status_hub = nullptr;  // live status changes (LISTEN/NOTIFY)
};

// /healthz's checks of these services (health.cpp).
std::unique_ptr<Health> make_health(net::thread_pool& pool, const Services& services);

class App : public Handler {
 public:
  // upload_pool runs the storage writes of uploads in progress, one thread each;
  // at most max_uploads run at once (more get 503), which bounds threads and memory.
  App(const config::Config& config, Services services, net::thread_pool& blocking_pool, net::thread_pool& upload_pool,
      int max_uploads);
  ~App() override;

  // The server is needed for shutdown-aware long waits (event streams).
  void attach(Server& server) { server_ = &server; }

  awaitable<Reply> handle(Exchange& exchange) override;

 private:
  awaitable<Reply> route(Exchange& ex);
  Reply serve_asset(Exchange& ex, const AssetMatch& match);
  awaitable<Reply> index_page(Exchange& ex);
  awaitable<Reply> upload(Exchange& ex, bool api);
  awaitable<Reply> wordcloud_page(Exchange& ex, std::string slug);
  awaitable<Reply> document_json(Exchange& ex, std::string slug);
  awaitable<Reply> document_events(Exchange& ex, std::string slug);
  awaitable<Reply> documents_list(Exchange& ex);
  awaitable<Reply> document_file(Exchange& ex, std::string slug);
  awaitable<Reply> test_connection(Exchange& ex);
  awaitable<Reply> healthz(Exchange& ex);

  // What the index page shows besides the static parts.
  struct IndexView {
    std::string csrf_token;
    std::vector<::htut::http::Flash> flashes;
    std::string form_error;
    std::string document_name;
  };
  std::string render_index(const IndexView& view) const;

  // Database lookups on the blocking pool.
  awaitable<Result<std::optional<db::Document>>> find_newest(std::string slug);

  // Page helpers (pages.cpp).
  std::string render(std::string_view template_name,
                     const std::function<std::optional<std::string>(std::string_view)>& values) const;
  Reply html_page(Exchange& ex, http::status status, std::string body, const std::string& set_cookie = {},
                  std::string_view retry_after = {}) const;
  Reply error_page(Exchange& ex, http::status status, std::string_view message) const;
  Reply not_found(Exchange& ex) const;
  Reply method_not_allowed(Exchange& ex, std::string_view allow) const;
  Reply header_without_body(Exchange& ex, std::string_view content_type) const;  // HEAD of routes with effects
  Reply api_error(Exchange& ex, http::status status, std::string_view message, std::string_view retry_after = {}) const;
  Reply json_reply(Exchange& ex, http::status status, std::string body, std::string_view retry_after = {}) const;
  bool keep_alive(const Exchange& ex) const;

  friend class UploadHandler;

  const config::Config& config_;
  Services services_;
  net::thread_pool& blocking_;
  net::thread_pool& upload_pool_;
  const int max_uploads_;
  std::atomic<int> uploads_in_progress_{0};
  MemoryBudget upload_memory_;  // UPLOAD_MEMORY_BYTES
  std::atomic<int> event_streams_{0};
  static constexpr int max_event_streams = 2000;  // per process; 503 with Retry-After beyond
  Server* server_ = nullptr;
  std::unique_ptr<Health> health_;
  std::unique_ptr<SharedDocumentReads> event_reads_;  // events.cpp
  AssetTable assets_;
  std::unordered_map<std::string, PageTemplate> pages_;  // "index.html" -> compiled template
};

}  // namespace htut::web
