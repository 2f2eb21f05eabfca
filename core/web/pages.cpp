// HTML pages: the index with its form and flash, the word-cloud page, errors.
#include <boost/json.hpp>

#include "db/documents.hpp"
#include "http/html.hpp"
#include "http/session.hpp"
#include "log/log.hpp"
#include "web/app.hpp"
#include "web/session_cookie.hpp"

namespace htut::web {

std::string App::render(std::string_view template_name,
                        const std::function<std::optional<std::string>(std::string_view)>& values) const {
  auto it = pages_.find(std::string(template_name));
  if (it == pages_.end()) throw std::runtime_error("missing template " + std::string(template_name));
  return it->second.render(values);
}

Reply App::html_page(Exchange& ex, http::status status, std::string body, const std::string& set_cookie,
                     std::string_view retry_after) const {
  http::response<http::string_body> res{status, ex.version()};
  res.set(http::field::content_type, "text/html; charset=utf-8");
  res.set(http::field::cache_control, "no-store");
  if (!set_cookie.empty()) res.set(http::field::set_cookie, set_cookie);
  if (!retry_after.empty()) res.set(http::field::retry_after, retry_after);
  res.keep_alive(keep_alive(ex));
  res.body() = std::move(body);
  return make_reply(std::move(res), ex.request_id());
}

Reply App::error_page(Exchange& ex, http::status status, std::string_view message) const {
  auto body = render("error.html", [&](std::string_view name) -> std::optional<std::string> {
    if (name == "status") return std::to_string(static_cast<unsigned>(status)) + " " + std::string(http::obsolete_reason(status));
    if (name == "message") return log::scrub(std::string(message));
    return std::nullopt;
  });
  return html_page(ex, status, std::move(body));
}

Reply App::not_found(Exchange& ex) const {
  auto body = render("not_found.html", [&](std::string_view name) -> std::optional<std::string> {
    if (name == "message") return std::string("There is nothing at this address.");
    return std::nullopt;
  });
  return html_page(ex, http::status::not_found, std::move(body));
}

Reply App::json_reply(Exchange& ex, http::status status, std::string body, std::string_view retry_after) const {
  http::response<http::string_body> res{status, ex.version()};
  res.set(http::field::content_type, "application/json");
  res.set(http::field::cache_control, "no-store");
  if (!retry_after.empty()) res.set(http::field::retry_after, retry_after);
  res.keep_alive(keep_alive(ex));
  res.body() = std::move(body);
  return make_reply(std::move(res), ex.request_id());
}

Reply App::api_error(Exchange& ex, http::status status, std::string_view message, std::string_view retry_after) const {
  boost::json::object o;
  o["error"] = log::scrub(std::string(message));  // a last line of defence: no secret in an answer
  return json_reply(ex, status, boost::json::serialize(o), retry_after);
}

namespace {

std::string human_bytes(std::uint64_t n) {
  const char* units[] = {"bytes", "KiB", "MiB", "GiB", "TiB"};
  int u = 0;
  double v = static_cast<double>(n);
  while (v >= 1024 && u < 4 && static_cast<std::uint64_t>(v) % 1024 == 0) {
    v /= 1024;
    ++u;
  }
  if (u == 0) return std::to_string(n) + " bytes";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g %s", v, units[u]);
  return buf;
}

std::string flash_html(const ::htut::http::Flash& f) {
  using ::htut::http::html_escape;
  if (f.kind == "success") {
    std::string slug = html_escape(f.document_slug);
    return "<div class=\"flash flash-success\" role=\"status\">Uploaded <strong>" +
           html_escape(::htut::http::reveal_format_characters(f.document_name)) +
           "</strong>. <a href=\"/documents/" + slug + "/file\">View the file</a> · <a href=\"/wordcloud/" + slug +
           "\">See its word cloud</a></div>";
  }
  return "<div class=\"flash flash-error\" role=\"alert\">" + html_escape(f.message) + "</div>";
}

}  // namespace

std::string App::render_index(const IndexView& view) const {
  std::string flashes;
  for (const auto& f : view.flashes) flashes += flash_html(f);
  std::string form_error;
  if (!view.form_error.empty())
    form_error = "<p id=\"form-error\" class=\"form-error\" role=\"alert\">" +
                 ::htut::http::html_escape(view.form_error) + "</p>";
  return render("index.html", [&](std::string_view name) -> std::optional<std::string> {
    if (name == "me") return config_.me ? *config_.me : std::string("an unnamed htut (set ME in the environment)");
    if (name == "flash_html") return flashes;
    if (name == "form_error_html") return form_error;
    if (name == "csrf_token") return view.csrf_token;
    if (name == "document_name_value") return view.document_name;
    if (name == "max_upload_bytes") return std::to_string(config_.max_upload_bytes);
    if (name == "max_upload_human") return human_bytes(config_.max_upload_bytes);
    return std::nullopt;
  });
}

awaitable<Reply> App::index_page(Exchange& ex) {
  SessionCookie cookie(ex.header(), config_.secret_key);
  IndexView view;
  view.csrf_token = cookie.csrf_token();
  // HEAD changes nothing: the flash stays for the GET that shows it.
  if (ex.method() != http::verb::head) view.flashes = cookie.take_flashes();
  std::string set_cookie = cookie.changed() ? cookie.set_cookie_header() : std::string();
  co_return html_page(ex, http::status::ok, render_index(view), set_cookie);
}

awaitable<Reply> App::wordcloud_page(Exchange& ex, std::string slug) {
  auto found = co_await find_newest(slug);
  if (!found.ok()) co_return error_page(ex, http::status::service_unavailable, found.error().message);
  if (!found->has_value()) {
    auto body = render("not_found.html", [&](std::string_view name) -> std::optional<std::string> {
      if (name == "message") return "No document called \u201c" + slug + "\u201d yet.";
      return std::nullopt;
    });
    co_return html_page(ex, http::status::not_found, std::move(body));
  }
  const auto& doc = **found;
  auto body = render("wordcloud.html", [&](std::string_view name) -> std::optional<std::string> {
    if (name == "document_name") return ::htut::http::reveal_format_characters(doc.document_name);
    if (name == "document_slug") return doc.document_slug;
    if (name == "status") return doc.status;
    return std::nullopt;
  });
  co_return html_page(ex, http::status::ok, std::move(body));
}

}  // namespace htut::web
