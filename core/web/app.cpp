#include "web/app.hpp"

#include <boost/json.hpp>

#include "http/query.hpp"
#include "http/slug.hpp"
#include "log/log.hpp"
#include "web/events.hpp"
#include "web/health.hpp"

namespace htut::web {
namespace {

// "/api/documents/abc/events" with prefix "/api/documents/" -> "abc/events"
std::optional<std::string_view> after_prefix(std::string_view path, std::string_view prefix) {
  if (path.size() <= prefix.size() || path.substr(0, prefix.size()) != prefix) return std::nullopt;
  return path.substr(prefix.size());
}

// The slug a path segment names, %-decoded (a link to a document of the
// heroku-tut app may escape its '+' or ':'); nullopt when it cannot name one.
std::optional<std::string> slug_of(std::string_view segment) {
  auto slug = ::htut::http::percent_decode(segment);
  if (!slug || !::htut::http::plausible_slug(*slug)) return std::nullopt;
  return slug;
}

}  // namespace

App::App(const config::Config& config, Services services, net::thread_pool& blocking_pool, net::thread_pool& upload_pool,
         int max_uploads)
    : config_(config),
      services_(services),
      blocking_(blocking_pool),
      upload_pool_(upload_pool),
      max_uploads_(max_uploads),
      upload_memory_(config.upload_memory_bytes),
      health_(make_health(blocking_pool, services)),
      event_reads_(std::make_unique<SharedDocumentReads>(blocking_pool, *services.documents)) {
  auto asset_url = [this](std::string_view asset) { return assets_.hashed_url(asset); };
  for (const auto& f : embedded::assets()) {
    if (f.name.rfind("templates/", 0) == 0)
      pages_.emplace(std::string(f.name.substr(10)), PageTemplate(f.data, asset_url));
  }
}

App::~App() = default;

awaitable<Reply> App::handle(Exchange& ex) {
  try {
    co_return co_await route(ex);
  } catch (const std::exception& e) {
    log::error("request failed", {{"path", ex.path()}, {"error", e.what()}, {"request_id", ex.request_id()}});
    if (ex.path().substr(0, 5) == "/api/")
      co_return json_error(ex.version(), false, http::status::internal_server_error,
                           "internal error; the request id is " + ex.request_id(), ex.request_id());
    co_return text_reply(ex.version(), false, http::status::internal_server_error, "text/plain; charset=utf-8",
                         "Internal error. Request id: " + ex.request_id() + "\n", ex.request_id());
  }
}

Reply App::method_not_allowed(Exchange& ex, std::string_view allow) const {
  std::string body, type;
  if (ex.path().substr(0, 5) == "/api/") {
    boost::json::object o;
    o["error"] = "method not allowed; use " + std::string(allow);
    body = boost::json::serialize(o);
    type = "application/json";
  } else {
    body = render("error.html", [&](std::string_view name) -> std::optional<std::string> {
      if (name == "status") return std::string("405 Method Not Allowed");
      if (name == "message") return "Use " + std::string(allow) + " here.";
      return std::nullopt;
    });
    type = "text/html; charset=utf-8";
  }
  http::response<http::string_body> res{http::status::method_not_allowed, ex.version()};
  res.set(http::field::content_type, type);
  res.set(http::field::cache_control, "no-store");
  res.set(http::field::allow, allow);
  res.keep_alive(keep_alive(ex));
  res.body() = std::move(body);
  return make_reply(std::move(res), ex.request_id());
}

Reply App::header_without_body(Exchange& ex, std::string_view content_type) const {
  http::response<http::empty_body> res{http::status::ok, ex.version()};
  res.set(http::field::content_type, content_type);
  res.set(http::field::cache_control, "no-store");
  res.keep_alive(keep_alive(ex));
  return make_reply(std::move(res), ex.request_id());
}

// HEAD is routed as GET (the server sends only the header of the answer), so
// handlers of GET routes must not change anything for a HEAD.
awaitable<Reply> App::route(Exchange& ex) {
  const auto method = ex.method();
  const bool get = method == http::verb::get || method == http::verb::head;
  const bool post = method == http::verb::post;
  const std::string_view path = ex.path();
  constexpr std::string_view read_only = "GET, HEAD";
  constexpr std::string_view read_write = "GET, HEAD, POST";

  if (path.substr(0, 8) == "/static/") {
    if (!get) co_return method_not_allowed(ex, read_only);
    if (auto match = assets_.find_url(path)) co_return serve_asset(ex, *match);
    co_return not_found(ex);
  }
  if (path == "/") {
    if (get) co_return co_await index_page(ex);
    if (post) co_return co_await upload(ex, false);
    co_return method_not_allowed(ex, read_write);
  }
  if (path == "/healthz") {
    if (get) co_return co_await healthz(ex);
    co_return method_not_allowed(ex, read_only);
  }
  if (path == "/test_connection") {
    // GET inserts a row; HEAD must change nothing, so it gets the header alone.
    if (method == http::verb::head) co_return header_without_body(ex, "application/json");
    if (get) co_return co_await test_connection(ex);
    co_return method_not_allowed(ex, read_only);
  }
  if (path == "/api/documents") {
    if (post) co_return co_await upload(ex, true);
    if (get) co_return co_await documents_list(ex);
    co_return method_not_allowed(ex, read_write);
  }
  if (auto rest = after_prefix(path, "/api/documents/")) {
    std::string_view slug = *rest;
    bool events = false;
    if (auto slash = slug.find('/'); slash != std::string_view::npos) {
      if (slug.substr(slash) != "/events") co_return api_error(ex, http::status::not_found, "no such route");
      events = true;
      slug = slug.substr(0, slash);
    }
    if (!get) co_return method_not_allowed(ex, read_only);
    auto decoded = slug_of(slug);
    if (!decoded) co_return api_error(ex, http::status::not_found, "no document with that slug");
    if (events && method == http::verb::head) co_return header_without_body(ex, "text/event-stream");
    if (events) co_return co_await document_events(ex, std::move(*decoded));
    co_return co_await document_json(ex, std::move(*decoded));
  }
  if (auto rest = after_prefix(path, "/wordcloud/")) {
    if (!get) co_return method_not_allowed(ex, read_only);
    // No ?: inside the co_await: GCC 12 destroys such a temporary twice in a coroutine.
    std::string slug(*rest);
    if (auto decoded = slug_of(*rest)) slug = std::move(*decoded);
    co_return co_await wordcloud_page(ex, std::move(slug));
  }
  if (auto rest = after_prefix(path, "/documents/")) {
    std::string_view r = *rest;
    auto slash = r.find('/');
    if (slash != std::string_view::npos && r.substr(slash) == "/file") {
      if (auto decoded = slug_of(r.substr(0, slash))) {
        if (!get) co_return method_not_allowed(ex, read_only);
        co_return co_await document_file(ex, std::move(*decoded));
      }
    }
  }
  if (path.substr(0, 5) == "/api/") co_return api_error(ex, http::status::not_found, "no such route");
  co_return not_found(ex);
}

bool App::keep_alive(const Exchange& ex) const {
  return ex.keep_alive() && ex.body_complete() && !(server_ && server_->stopping());
}

Reply App::serve_asset(Exchange& ex, const AssetMatch& match) {
  const EmbeddedFile& f = *match.file;
  auto accept = ex.header()[http::field::accept_encoding];
  auto accepts = [&](std::string_view coding) {
    auto at = accept.find(coding);
    if (at == std::string_view::npos) return false;
    auto rest = accept.substr(at + coding.size());
    return !(rest.substr(0, 4) == ";q=0" && rest.substr(0, 5) != ";q=0.");
  };
  // Pre-compressed at build time: brotli when the client takes it, else gzip.
  std::string_view encoding, data = f.data;
  if (!f.brotli.empty() && accepts("br")) {
    encoding = "br";
    data = f.brotli;
  } else if (!f.gzip.empty() && accepts("gzip")) {
    encoding = "gzip";
    data = f.gzip;
  }
  // Each encoding is its own representation, so it needs its own strong ETag.
  std::string etag(f.etag);
  if (!encoding.empty()) {
    etag.pop_back();
    etag.append("-").append(encoding).append("\"");
  }
  auto cache_control = match.immutable ? "public, max-age=31536000, immutable" : "public, no-cache";

  auto if_none_match = ex.header()[http::field::if_none_match];
  if (!if_none_match.empty() &&
      (if_none_match == "*" || if_none_match.find(etag) != std::string_view::npos ||
       if_none_match.find(f.etag) != std::string_view::npos)) {
    http::response<http::empty_body> res{http::status::not_modified, ex.version()};
    res.set(http::field::etag, etag);
    res.set(http::field::cache_control, cache_control);
    res.set(http::field::vary, "Accept-Encoding");
    res.keep_alive(keep_alive(ex));
    return make_reply(std::move(res), ex.request_id());
  }
  http::response<http::span_body<const char>> res{http::status::ok, ex.version()};
  res.set(http::field::content_type, f.content_type);
  res.set(http::field::etag, etag);
  res.set(http::field::cache_control, cache_control);
  res.set(http::field::vary, "Accept-Encoding");
  if (!encoding.empty()) res.set(http::field::content_encoding, encoding);
  res.keep_alive(keep_alive(ex));
  res.body() = boost::span<const char>(data.data(), data.size());
  return make_reply(std::move(res), ex.request_id());
}

}  // namespace htut::web
