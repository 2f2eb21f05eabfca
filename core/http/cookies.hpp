#pragma once
// Cookie and Set-Cookie header values (RFC 6265).
#include <cstdint>
#include <map>
#include <string>
#include <string_view>

namespace htut::http {

// `a=1; b="2"` -> {a: 1, b: 2}. Tolerant: pieces without '=' or with an
// empty name are skipped; the first of duplicate names wins (the most
// specific path comes first in browsers).
std::map<std::string, std::string> parse_cookie_header(std::string_view header);

// `name=value; Path=/; Max-Age=N; HttpOnly; SameSite=Lax` (the caller adds
// `; Secure` behind https). Max-Age 0 deletes the cookie.
std::string set_cookie_header(std::string_view name, std::string_view value, std::int64_t max_age_seconds);

}  // namespace htut::http
