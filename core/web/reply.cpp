#include "web/reply.hpp"

#include <boost/json.hpp>

namespace htut::web {

void apply_common_headers(http::fields& f, std::string_view request_id) {
  f.set(http::field::server, "htut");
  f.set("X-Request-ID", request_id);
  f.set("X-Content-Type-Options", "nosniff");
  f.set("Content-Security-Policy",
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
        "connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'");
  f.set("Referrer-Policy", "same-origin");
  f.set("X-Frame-Options", "DENY");
}

Reply text_reply(unsigned version, bool keep_alive, http::status status, std::string_view content_type, std::string body,
                 std::string_view request_id) {
  http::response<http::string_body> res{status, version};
  res.set(http::field::content_type, content_type);
  res.set(http::field::cache_control, "no-store");
  res.keep_alive(keep_alive);
  res.body() = std::move(body);
  return make_reply(std::move(res), request_id);
}

Reply json_error(unsigned version, bool keep_alive, http::status status, std::string_view message,
                 std::string_view request_id) {
  boost::json::object o;
  o["error"] = message;
  return text_reply(version, keep_alive, status, "application/json", boost::json::serialize(o), request_id);
}

Reply sent_reply(unsigned status, std::size_t bytes) {
  Reply r{http::message_generator(http::response<http::empty_body>()), status, bytes, false, true};
  return r;
}

}  // namespace htut::web
