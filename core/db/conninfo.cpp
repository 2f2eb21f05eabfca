#include "db/conninfo.hpp"

#include <algorithm>
#include <cstring>

#include "db/libpq_api.hpp"

namespace htut::db {

std::vector<std::pair<std::string, std::string>> connect_parameters(const std::string& url,
                                                                    const ConnectOptions& options) {
  auto timeout = std::max<std::chrono::seconds::rep>(2, options.connect_timeout.count());
  return {
      {"connect_timeout", std::to_string(timeout)},
      {"application_name", options.application_name},
      // TCP keepalives: a connection whose peer vanished (host down, network
      // cut) fails within about a minute instead of hanging a LISTEN forever.
      {"keepalives", "1"},
      {"keepalives_idle", "30"},
      {"keepalives_interval", "10"},
      {"keepalives_count", "3"},
      {"dbname", url},
  };
}

std::string url_password(const std::string& url) {
  const LibPq& pq = libpq();
  char* err = nullptr;
  PQconninfoOption* opts = pq.conninfoParse(url.c_str(), &err);
  if (err != nullptr) pq.freemem(err);
  if (opts == nullptr) return "";
  std::string password;
  for (PQconninfoOption* o = opts; o->keyword != nullptr; ++o) {
    if (std::strcmp(o->keyword, "password") == 0 && o->val != nullptr) password = o->val;
  }
  pq.conninfoFree(opts);
  return password;
}

}  // namespace htut::db
