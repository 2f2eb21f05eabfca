#include "http/session.hpp"

#include <boost/json.hpp>

#include "http/signed_value.hpp"

namespace htut::http {
namespace {

namespace json = boost::json;

constexpr std::string_view kPurpose = "htut-session-v1";
constexpr std::int64_t kClockSkewSeconds = 300;
constexpr std::size_t kMaxFlashes = 8;  // keeps the cookie well under 4 KB

bool read_string(const json::object& obj, std::string_view key, std::string& out, bool required) {
  const json::value* v = obj.if_contains(key);
  if (!v) return !required;
  if (!v->is_string()) return false;
  out = std::string(v->get_string());
  return true;
}

std::optional<Flash> read_flash(const json::value& value) {
  if (!value.is_object()) return std::nullopt;
  const auto& obj = value.get_object();
  Flash flash;
  if (!read_string(obj, "kind", flash.kind, true)) return std::nullopt;
  if (flash.kind != "success" && flash.kind != "error") return std::nullopt;
  if (!read_string(obj, "document_name", flash.document_name, false)) return std::nullopt;
  if (!read_string(obj, "document_slug", flash.document_slug, false)) return std::nullopt;
  if (!read_string(obj, "message", flash.message, false)) return std::nullopt;
  return flash;
}

}  // namespace

std::string sign_session(const Session& session, std::string_view key) {
  json::array flashes;
  for (std::size_t i = 0; i < session.flashes.size() && i < kMaxFlashes; ++i) {
    const Flash& f = session.flashes[i];
    flashes.push_back(json::object{{"kind", f.kind},
                                   {"document_name", f.document_name},
                                   {"document_slug", f.document_slug},
                                   {"message", f.message}});
  }
  const json::object payload{{"csrf", session.csrf_token}, {"flash", std::move(flashes)}, {"iat", session.issued_at}};
  return sign_value(json::serialize(payload), key, kPurpose);
}

std::optional<Session> verify_session(std::string_view cookie_value, std::string_view key, std::int64_t now) {
  const auto payload = verify_signed_value(cookie_value, key, kPurpose);
  if (!payload) return std::nullopt;
  boost::system::error_code ec;
  const json::value root = json::parse(*payload, ec);
  if (ec || !root.is_object()) return std::nullopt;
  const auto& obj = root.get_object();

  Session session;
  if (!read_string(obj, "csrf", session.csrf_token, true)) return std::nullopt;
  const json::value* iat = obj.if_contains("iat");
  if (!iat || !iat->is_int64()) return std::nullopt;
  session.issued_at = iat->get_int64();
  if (session.issued_at > now + kClockSkewSeconds || now - session.issued_at > kSessionMaxAgeSeconds)
    return std::nullopt;
  if (const json::value* flashes = obj.if_contains("flash")) {
    if (!flashes->is_array()) return std::nullopt;
    for (const auto& item : flashes->get_array()) {
      auto flash = read_flash(item);
      if (!flash) return std::nullopt;
      session.flashes.push_back(std::move(*flash));
    }
  }
  return session;
}

std::string new_csrf_token() { return random_hex(16); }

bool csrf_matches(std::string_view form_token, std::string_view session_token) {
  if (form_token.empty() || session_token.empty()) return false;
  return constant_time_equal(form_token, session_token);
}

}  // namespace htut::http
