#include <catch2/catch.hpp>

#include "db/conninfo.hpp"

using namespace htut;

namespace {
std::string value_of(const std::vector<std::pair<std::string, std::string>>& params, const std::string& key) {
  std::string v;
  for (const auto& [k, val] : params) {
    if (k == key) v = val;
  }
  return v;
}
std::size_t index_of(const std::vector<std::pair<std::string, std::string>>& params, const std::string& key) {
  for (std::size_t i = 0; i < params.size(); ++i) {
    if (params[i].first == key) return i;
  }
  return params.size();
}
}  // namespace

TEST_CASE("db conninfo: defaults come before the URL so the URL wins") {
  db::ConnectOptions o;
  o.connect_timeout = std::chrono::seconds(7);
  auto p = db::connect_parameters("postgres://u:p@h:5432/db?sslmode=require", o);
  CHECK(value_of(p, "dbname") == "postgres://u:p@h:5432/db?sslmode=require");
  CHECK(value_of(p, "connect_timeout") == "7");
  CHECK(value_of(p, "application_name") == "htut");
  CHECK(value_of(p, "keepalives") == "1");
  auto url_at = index_of(p, "dbname");
  REQUIRE(url_at == p.size() - 1);
  CHECK(index_of(p, "connect_timeout") < url_at);
  CHECK(index_of(p, "application_name") < url_at);
}

TEST_CASE("db conninfo: connect_timeout is at least libpq's 2 s") {
  db::ConnectOptions o;
  o.connect_timeout = std::chrono::seconds(0);
  CHECK(value_of(db::connect_parameters("postgres:///x", o), "connect_timeout") == "2");
}

TEST_CASE("db conninfo: the password is found for scrubbing") {
  CHECK(db::url_password("postgres://user:s%40cret@host/db") == "s@cret");
  CHECK(db::url_password("postgresql://user:pw@host:5432/db?sslmode=require") == "pw");
  CHECK(db::url_password("postgres://user@host/db") == "");
  CHECK(db::url_password("host=h password=kv dbname=d") == "kv");
  CHECK(db::url_password("not a url = =") == "");
}
