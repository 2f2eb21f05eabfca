#include "http/cookies.hpp"

namespace htut::http {
namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

}  // namespace

std::map<std::string, std::string> parse_cookie_header(std::string_view header) {
  std::map<std::string, std::string> cookies;
  while (!header.empty()) {
    const std::size_t semi = header.find(';');
    const std::string_view piece = header.substr(0, semi);
    header = semi == std::string_view::npos ? std::string_view{} : header.substr(semi + 1);
    const std::size_t eq = piece.find('=');
    if (eq == std::string_view::npos) continue;
    const std::string_view name = trim(piece.substr(0, eq));
    std::string_view value = trim(piece.substr(eq + 1));
    if (name.empty()) continue;
    if (value.size() >= 2 && value.front() == '"' && value.back() == '"') value = value.substr(1, value.size() - 2);
    cookies.emplace(std::string(name), std::string(value));  // emplace keeps the first
  }
  return cookies;
}

std::string set_cookie_header(std::string_view name, std::string_view value, std::int64_t max_age_seconds) {
  std::string out;
  out.append(name).append("=").append(value);
  out.append("; Path=/; Max-Age=").append(std::to_string(max_age_seconds < 0 ? 0 : max_age_seconds));
  out.append("; HttpOnly; SameSite=Lax");
  return out;
}

}  // namespace htut::http
