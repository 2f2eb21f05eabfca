#include <catch2/catch.hpp>
#include <string>

#include "db/errors.hpp"

using namespace htut;
using Kind = Error::Kind;

TEST_CASE("db errors: SQLSTATE classes map to kinds") {
  CHECK(db::kind_for_sqlstate("08006") == Kind::unavailable);  // connection_failure
  CHECK(db::kind_for_sqlstate("08001") == Kind::unavailable);
  CHECK(db::kind_for_sqlstate("57P01") == Kind::unavailable);  // admin_shutdown (server restart)
  CHECK(db::kind_for_sqlstate("57P03") == Kind::unavailable);  // cannot_connect_now (starting up)
  CHECK(db::kind_for_sqlstate("53300") == Kind::unavailable);  // too_many_connections
  CHECK(db::kind_for_sqlstate("57014") == Kind::unavailable);  // statement timeout
  CHECK(db::kind_for_sqlstate("22P02") == Kind::invalid);      // invalid_text_representation (bad JSON)
  CHECK(db::kind_for_sqlstate("22021") == Kind::invalid);      // bad UTF-8
  CHECK(db::kind_for_sqlstate("23514") == Kind::invalid);      // check_violation
  CHECK(db::kind_for_sqlstate("23505") == Kind::conflict);     // unique_violation
  CHECK(db::kind_for_sqlstate("42P01") == Kind::internal);     // undefined_table: our bug
  CHECK(db::kind_for_sqlstate("") == Kind::internal);
  CHECK(db::kind_for_sqlstate("0") == Kind::internal);
}

TEST_CASE("db errors: connection-level states drop the connection, data errors do not") {
  CHECK(db::is_connection_sqlstate("08003"));
  CHECK(db::is_connection_sqlstate("57P01"));
  CHECK(db::is_connection_sqlstate("57P02"));
  CHECK_FALSE(db::is_connection_sqlstate("57014"));  // a timed-out statement leaves the session usable
  CHECK_FALSE(db::is_connection_sqlstate("22P02"));
  CHECK_FALSE(db::is_connection_sqlstate(""));
}

TEST_CASE("db errors: messages become one line without the password") {
  CHECK(db::clean_message("server closed the connection unexpectedly\n\tThis probably means\n", "") ==
        "server closed the connection unexpectedly This probably means");
  CHECK(db::clean_message("  \n", "") == "");
  CHECK(db::clean_message("bad s3cr3t and s3cr3t again", "s3cr3t") == "bad *** and *** again");
  // The replacement itself never re-matches (no endless loop on a secret like "*").
  CHECK(db::clean_message("a * b", "*") == "a *** b");
}

TEST_CASE("db errors: NUL detection") {
  CHECK_FALSE(db::contains_nul("plain text"));
  CHECK_FALSE(db::contains_nul(""));
  CHECK(db::contains_nul(std::string("a\0b", 3)));
  CHECK(db::contains_nul(std::string(1, '\0')));
}

TEST_CASE("db errors: unavailable message") {
  auto e = db::unavailable_error("connection refused");
  CHECK(e.kind == Kind::unavailable);
  CHECK(e.message == "database unavailable: connection refused");
}
