// The libpq table (db/libpq_api.hpp): libpq is dlopen'ed, not linked.
#include <catch2/catch.hpp>

#include "common/shared_library.hpp"
#include "db/libpq_api.hpp"

using namespace htut;
using Catch::Matchers::Contains;
using Catch::Matchers::EndsWith;
using Catch::Matchers::StartsWith;

TEST_CASE("libpq loads on first use and its functions work through the table") {
  const db::LibPq& pq = db::libpq();
  CHECK(pq.libVersion() >= 150000);  // Debian 12's libpq5 is 15.x
  CHECK(&db::libpq() == &pq);        // loaded once
  // A call with results: the parser libpq itself uses for conninfo strings.
  char* err = nullptr;
  PQconninfoOption* opts = pq.conninfoParse("host=h dbname=d", &err);
  REQUIRE(opts != nullptr);
  CHECK(err == nullptr);
  pq.conninfoFree(opts);
}

TEST_CASE("a missing libpq gives an error that names it and what to install") {
  CHECK_THROWS_AS(db::load_libpq("libdoesnotexist.so.1"), common::LibraryError);
  CHECK_THROWS_WITH(db::load_libpq("libdoesnotexist.so.1"),
                    StartsWith("libdoesnotexist.so.1 could not be loaded (") &&
                        Contains("libdoesnotexist.so.1: cannot open shared object file") &&
                        EndsWith("): install Debian's libpq5 (apt-get install libpq5)"));
}

TEST_CASE("a library without a function the table needs gives an error that names the function") {
  // libcurl is a real library, and has no PQconnectdbParams (the table's first function).
  CHECK_THROWS_AS(db::load_libpq("libcurl.so.4"), common::LibraryError);
  CHECK_THROWS_WITH(db::load_libpq("libcurl.so.4"), StartsWith("libcurl.so.4 has no PQconnectdbParams (") &&
                                                        Contains("undefined symbol: PQconnectdbParams") &&
                                                        EndsWith("install Debian's libpq5 (apt-get install libpq5)"));
}
