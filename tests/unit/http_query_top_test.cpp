#include <catch2/catch.hpp>

#include "http/query.hpp"

using namespace htut::http;

TEST_CASE("parse_top: absent gives 100, 1..1000 is taken, anything else is refused") {
  CHECK(parse_top("") == kDefaultTopWords);
  CHECK(parse_top("limit=5") == 100);
  CHECK(parse_top("top=1") == 1);
  CHECK(parse_top("top=300") == 300);
  CHECK(parse_top("?top=1000") == 1000);
  CHECK(parse_top("x=1&top=%35%30") == 50);
  CHECK(parse_top("top=0100") == 100);
  for (const char* bad : {"top=", "top", "top=0", "top=1001", "top=-5", "top=+5", "top=5.0", "top=abc", "top= 5",
                          "top=5&top=6", "top=99999999999999999999", "top=%zz", "top=1e3", "top=0x10"}) {
    INFO(bad);
    CHECK(parse_top(bad) == std::nullopt);
  }
}

TEST_CASE("parse_count_param: the shared rule") {
  CHECK(parse_count_param("n=7", "n", 3, 10) == 7);
  CHECK(parse_count_param("m=7", "n", 3, 10) == 3);
  CHECK(parse_count_param("n=11", "n", 3, 10) == std::nullopt);
  CHECK(parse_count_param("n=999999999", "n", 3, 999999999) == 999999999);
  CHECK(parse_count_param("n=1000000000", "n", 3, 999999999) == std::nullopt);
}
