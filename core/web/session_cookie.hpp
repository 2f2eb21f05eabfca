#pragma once
// The signed session cookie of a request: its CSRF token and flash messages.
// Tampered, expired or missing cookies start a fresh session (never an error).
#include <string>
#include <vector>

#include "http/session.hpp"
#include "web/net.hpp"

namespace htut::web {

class SessionCookie {
 public:
  static constexpr const char* name = "htut_session";

  SessionCookie(const http::request_header<>& header, const std::string& secret_key);

  const std::string& csrf_token();                  // creates one when the session has none
  std::vector<::htut::http::Flash> take_flashes();  // one-time: removes them
  void add_flash(::htut::http::Flash flash);
  bool has_session() const { return verified_; }
  bool changed() const { return changed_; }
  std::string set_cookie_header() const;

 private:
  const std::string& key_;
  ::htut::http::Session session_;
  bool verified_ = false;
  bool secure_ = false;  // behind an https router (X-Forwarded-Proto): add the Secure flag
  bool changed_ = false;
};

}  // namespace htut::web
