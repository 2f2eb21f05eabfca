#pragma once
// How htut turns DATABASE_URL into libpq connection parameters. Pure (no I/O),
// so the rules are unit-tested.
#include <chrono>
#include <string>
#include <utility>
#include <vector>

namespace htut::db {

struct ConnectOptions {
  std::chrono::seconds connect_timeout{5};             // per host; libpq's minimum is 2 s
  std::chrono::milliseconds statement_timeout{30000};  // 0 = none (migrations, LISTEN)
  std::string application_name = "htut";               // shows in pg_stat_activity
};

// Keyword/value pairs for PQconnectdbParams(expand_dbname=1). Our defaults
// come BEFORE the URL, so anything the URL itself sets (sslmode,
// connect_timeout, application_name, ...) wins; libpq applies the last value.
// statement_timeout is not here: it is SET after connecting, so a URL's own
// `options` cannot silently drop it.
std::vector<std::pair<std::string, std::string>> connect_parameters(const std::string& url,
                                                                    const ConnectOptions& options);

// The password in a postgres:// URL or key=value conninfo ("" when none or
// unparsable), so error messages can be scrubbed of it.
std::string url_password(const std::string& url);

}  // namespace htut::db
