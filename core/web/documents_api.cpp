// JSON routes and the other document routes: one document, the list, its
// event stream, its file; /test_connection and /healthz.
#include <boost/json.hpp>
#include <boost/url/parse.hpp>

#include "db/documents.hpp"
#include "http/query.hpp"
#include "log/log.hpp"
#include "queue/publisher.hpp"
#include "storage/storage.hpp"
#include "web/app.hpp"
#include "web/document_json.hpp"
#include "web/status_hub.hpp"

namespace htut::web {

awaitable<Result<std::optional<db::Document>>> App::find_newest(std::string slug) {
  auto* documents = services_.documents;
  auto lookup = [documents, slug] { return documents->newest_by_slug(slug); };
  auto found = co_await run_blocking(blocking_, std::move(lookup));
  co_return found;
}

awaitable<Reply> App::document_json(Exchange& ex, std::string slug) {
  DocumentCache* cache = services_.status_hub ? &services_.status_hub->cache() : nullptr;
  if (cache) {
    if (auto hit = cache->find(slug)) co_return json_reply(ex, http::status::ok, std::move(*hit));
  }
  auto version = cache ? cache->version() : 0;
  auto found = co_await find_newest(slug);
  if (!found) co_return api_error(ex, http::status::service_unavailable, found.error().message);
  if (!found->has_value()) co_return api_error(ex, http::status::not_found, "no document with the slug " + slug);
  std::string body = boost::json::serialize(web::document_json(**found));
  // Finished documents never change again until a newer upload (which notifies).
  if (cache && ((*found)->status == "done" || (*found)->status == "failed")) cache->store(slug, body, version);
  co_return json_reply(ex, http::status::ok, std::move(body));
}

awaitable<Reply> App::documents_list(Exchange& ex) {
  auto limit = ::htut::http::parse_limit(ex.query());
  if (!limit) co_return api_error(ex, http::status::bad_request, "limit must be a whole number from 1 to 100");
  auto* documents = services_.documents;
  int n = *limit;
  auto list_newest = [documents, n] { return documents->newest(n); };
  auto rows = co_await run_blocking(blocking_, std::move(list_newest));
  if (!rows) co_return api_error(ex, http::status::service_unavailable, rows.error().message);
  boost::json::array list;
  for (const auto& doc : *rows) list.push_back(web::document_json(doc));
  boost::json::object o;
  o["documents"] = std::move(list);
  co_return json_reply(ex, http::status::ok, boost::json::serialize(o));
}

awaitable<Reply> App::document_events(Exchange& ex, std::string slug) {
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

  auto executor = co_await net::this_coro::executor;
  std::string time_uploaded = (*found)->time_uploaded;
  std::string last_status;
  std::optional<db::Document> doc = std::move(**found);
  auto keepalive_every = std::chrono::seconds(15);
  auto next_keepalive = std::chrono::steady_clock::now() + keepalive_every;
  auto cancelled_flag = std::make_shared<std::atomic<bool>>(false);
  auto cancel_id = server_ ? server_->on_shutdown([cancelled_flag] { *cancelled_flag = true; }) : 0;
  auto cancelled = [&] { return cancelled_flag->load(); };
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
    if (last_status == "done" || last_status == "failed" || cancelled() || (server_ && server_->stopping())) break;
    // Wait for a NOTIFY about this slug, or re-read every few seconds anyway
    // (a notification may be lost while the listener reconnects).
    auto signal = std::make_shared<AsyncSignal>(executor);
    if (services_.status_hub) services_.status_hub->subscribe(slug, signal);
    co_await signal->wait_until(std::chrono::steady_clock::now() + std::chrono::seconds(1));
    if (cancelled() || (server_ && server_->stopping())) break;
    auto* documents = services_.documents;
    auto reread = [documents, slug, time_uploaded] {
      return documents->find(slug, time_uploaded);
    };
    auto fresh = co_await run_blocking(blocking_, std::move(reread));
    doc.reset();
    if (fresh && fresh->has_value()) doc = std::move(**fresh);
  }
  if (server_) server_->forget(cancel_id);
  co_return sent_reply(200, sent);
}

awaitable<Reply> App::document_file(Exchange& ex, std::string slug) {
  auto found = co_await find_newest(slug);
  if (!found) co_return error_page(ex, http::status::service_unavailable, found.error().message);
  if (!found->has_value()) co_return not_found(ex);
  auto* storage = services_.storage;
  std::string key = (*found)->s3_key;
  auto presign = [storage, key] { return storage->presign_get(key, std::chrono::minutes(5)); };
  auto url = co_await run_blocking(blocking_, std::move(presign));
  if (!url) co_return error_page(ex, http::status::service_unavailable, url.error().message);
  if (url->rfind("file://", 0) != 0) {
    http::response<http::empty_body> res{http::status::found, ex.version()};
    res.set(http::field::location, *url);
    res.set(http::field::cache_control, "no-store");
    res.content_length(0);
    res.keep_alive(keep_alive(ex));
    co_return make_reply(std::move(res), ex.request_id());
  }
  // Local storage: the bytes themselves, streamed from the file.
  auto parsed = boost::urls::parse_uri(*url);
  std::string path = parsed ? std::string(parsed->path()) : std::string();
  http::file_body::value_type body;
  beast::error_code ec;
  body.open(path.c_str(), beast::file_mode::scan, ec);
  if (ec) co_return error_page(ex, http::status::not_found, "The file of this document is missing.");
  http::response<http::file_body> res{http::status::ok, ex.version()};
  res.set(http::field::content_type, "text/plain; charset=utf-8");
  res.set(http::field::cache_control, "private, max-age=300");
  res.keep_alive(keep_alive(ex));
  res.body() = std::move(body);
  co_return make_reply(std::move(res), ex.request_id());
}

awaitable<Reply> App::test_connection(Exchange& ex) {
  auto* documents = services_.documents;
  auto insert_fake = [documents] { return documents->insert_test_connection_record(); };
  auto row = co_await run_blocking(blocking_, std::move(insert_fake));
  if (!row) co_return api_error(ex, http::status::service_unavailable, row.error().message);
  const auto& d = *row;
  boost::json::object result;
  result["document_name"] = d.document_name;
  result["document_slug"] = d.document_slug;
  result["time_uploaded"] = d.time_uploaded;
  result["s3_key"] = d.s3_key;
  result["filename"] = d.filename;
  result["word_counts"] = d.word_counts ? boost::json::parse(*d.word_counts) : boost::json::value(nullptr);
  result["status"] = d.status;
  result["error"] = d.error ? boost::json::value(*d.error) : boost::json::value(nullptr);
  boost::json::object o;
  o["result"] = std::move(result);
  co_return json_reply(ex, http::status::ok, boost::json::serialize(o));
}

}  // namespace htut::web
