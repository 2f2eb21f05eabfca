#pragma once
// The browser session: a signed cookie holding the CSRF token and one-shot
// flash messages. Nothing secret is stored in it; the signature (HMAC-SHA256
// under FLASK_SECRET_KEY) only stops clients from forging it. A cookie that
// is tampered with, truncated, garbage or too old is simply ignored.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace htut::http {

inline constexpr std::string_view kSessionCookieName = "session";
inline constexpr std::int64_t kSessionMaxAgeSeconds = 7 * 24 * 3600;

struct Flash {
  std::string kind;  // "success" or "error"
  std::string document_name;
  std::string document_slug;
  std::string message;
};

struct Session {
  std::string csrf_token;
  std::vector<Flash> flashes;
  std::int64_t issued_at = 0;  // unix seconds
};

// `base64url(json).base64url(hmac)`, JSON {"csrf":..,"flash":[..],"iat":..}.
std::string sign_session(const Session& session, std::string_view key);

// nullopt when the value is not one we signed under `key`, its JSON is not a
// session, or it was issued more than kSessionMaxAgeSeconds before `now`
// (or more than a few minutes in the future).
std::optional<Session> verify_session(std::string_view cookie_value, std::string_view key, std::int64_t now);

// 32 lowercase hex digits from RAND_bytes.
std::string new_csrf_token();

// Constant time; false when either is empty.
bool csrf_matches(std::string_view form_token, std::string_view session_token);

}  // namespace htut::http
