#pragma once
// A response on its way out, plus what the access log needs to know about it.
#include <string>
#include <string_view>

#include "web/net.hpp"

namespace htut::web {

struct Reply {
  http::message_generator message;
  unsigned status = 200;
  std::size_t body_bytes = 0;
  bool keep_alive = true;
  bool already_sent = false;  // the handler wrote to the stream itself (server-sent events)
};

// Headers every response carries (interface: nosniff, CSP, X-Request-ID, ...).
void apply_common_headers(http::fields& fields, std::string_view request_id);

template <class Body>
Reply make_reply(http::response<Body>&& res, std::string_view request_id) {
  apply_common_headers(res.base(), request_id);
  // Empty bodies (304, HEAD) keep the Content-Length the handler chose.
  if constexpr (!std::is_same_v<Body, http::empty_body>) res.prepare_payload();
  Reply r{http::message_generator(http::response<Body>()), res.result_int(), 0, res.keep_alive(), false};
  if constexpr (std::is_same_v<Body, http::string_body>) r.body_bytes = res.body().size();
  else if constexpr (requires { res.body().size(); }) r.body_bytes = res.body().size();
  r.message = http::message_generator(std::move(res));
  return r;
}

// A small text or JSON response.
Reply text_reply(unsigned version, bool keep_alive, http::status status, std::string_view content_type, std::string body,
                 std::string_view request_id);
Reply json_error(unsigned version, bool keep_alive, http::status status, std::string_view message,
                 std::string_view request_id);
Reply sent_reply(unsigned status, std::size_t bytes);  // for handlers that wrote their own response

}  // namespace htut::web
