#include "db/errors.hpp"

#include <cctype>

namespace htut::db {

Error::Kind kind_for_sqlstate(std::string_view sqlstate) {
  if (sqlstate.size() != 5) return Error::Kind::internal;
  if (is_connection_sqlstate(sqlstate) || sqlstate == "53300" || sqlstate == "57014") return Error::Kind::unavailable;
  if (sqlstate.substr(0, 2) == "22" || sqlstate == "23502" || sqlstate == "23514") return Error::Kind::invalid;
  if (sqlstate == "23505") return Error::Kind::conflict;
  return Error::Kind::internal;
}

bool is_connection_sqlstate(std::string_view sqlstate) {
  // 57P01 admin_shutdown, 57P02 crash_shutdown, 57P03 cannot_connect_now.
  return sqlstate.substr(0, 2) == "08" || sqlstate == "57P01" || sqlstate == "57P02" || sqlstate == "57P03";
}

std::string clean_message(std::string_view raw, std::string_view secret) {
  std::string out;
  out.reserve(raw.size());
  bool pending_space = false;
  for (char c : raw) {
    if (std::isspace(static_cast<unsigned char>(c))) {
      pending_space = !out.empty();
      continue;
    }
    if (pending_space) out += ' ';
    pending_space = false;
    out += c;
  }
  if (!secret.empty()) {
    for (auto pos = out.find(secret); pos != std::string::npos; pos = out.find(secret, pos + 3))
      out.replace(pos, secret.size(), "***");
  }
  return out;
}

bool contains_nul(std::string_view text) { return text.find('\0') != std::string_view::npos; }

Error unavailable_error(std::string_view detail) {
  return make_error(Error::Kind::unavailable, "database unavailable: " + std::string(detail));
}

}  // namespace htut::db
