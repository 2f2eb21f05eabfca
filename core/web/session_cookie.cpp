#include "web/session_cookie.hpp"

#include "http/cookies.hpp"

#include <chrono>

namespace htut::web {
namespace {
constexpr std::int64_t session_max_age = 7 * 24 * 3600;

std::int64_t now_seconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}
}  // namespace

SessionCookie::SessionCookie(const http::request_header<>& header, const std::string& secret_key)
    : key_(secret_key), secure_(header["X-Forwarded-Proto"] == "https") {
  auto cookies = ::htut::http::parse_cookie_header(header[http::field::cookie]);
  if (auto it = cookies.find(name); it != cookies.end()) {
    if (auto s = ::htut::http::verify_session(it->second, key_, now_seconds())) {
      session_ = std::move(*s);
      verified_ = true;
    }
  }
}

const std::string& SessionCookie::csrf_token() {
  if (session_.csrf_token.empty()) {
    session_.csrf_token = ::htut::http::new_csrf_token();
    session_.issued_at = now_seconds();
    changed_ = true;
  }
  return session_.csrf_token;
}

std::vector<::htut::http::Flash> SessionCookie::take_flashes() {
  std::vector<::htut::http::Flash> out;
  out.swap(session_.flashes);
  if (!out.empty()) changed_ = true;
  return out;
}

void SessionCookie::add_flash(::htut::http::Flash flash) {
  csrf_token();
  // Keep the cookie small: only the latest few messages survive.
  if (session_.flashes.size() >= 3) session_.flashes.erase(session_.flashes.begin());
  session_.flashes.push_back(std::move(flash));
  changed_ = true;
}

std::string SessionCookie::set_cookie_header() const {
  // Re-signing renews the session: it expires a week after its last use.
  auto renewed = session_;
  renewed.issued_at = now_seconds();
  auto cookie = ::htut::http::set_cookie_header(name, ::htut::http::sign_session(renewed, key_), session_max_age);
  if (secure_) cookie += "; Secure";
  return cookie;
}

}  // namespace htut::web
