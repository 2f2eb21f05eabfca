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
  auto top = ::htut::http::parse_top(ex.query());
  if (!top) co_return api_error(ex, http::status::bad_request, "top must be a whole number from 1 to 1000");
  // The cache holds the default answer (top 100) only; other sizes are read from the database.
  DocumentCache* cache = services_.status_hub && *top == ::htut::http::kDefaultTopWords ? &services_.status_hub->cache() : nullptr;
  if (cache) {
    if (auto hit = cache->find(slug)) co_return json_reply(ex, http::status::ok, std::move(*hit));
  }
  auto version = cache ? cache->version() : 0;
  auto found = co_await find_newest(slug);
  if (!found) co_return api_error(ex, http::status::service_unavailable, found.error().message);
  if (!found->has_value()) co_return api_error(ex, http::status::not_found, "no document with the slug " + slug);
  std::string body = boost::json::serialize(web::document_json(**found, static_cast<std::size_t>(*top)));
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
