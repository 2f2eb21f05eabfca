#include <catch2/catch.hpp>
#include <regex>
#include <string>
#include <vector>

#include "common/embedded.hpp"
#include "db/migrator.hpp"

using namespace htut;

TEST_CASE("db migrations: file names give versions") {
  CHECK(*db::migration_version("0001_create_file_upload_meta.sql") == 1);
  CHECK(*db::migration_version("0042_add_x.sql") == 42);
  CHECK(*db::migration_version("12345_big.sql") == 12345);
  for (const char* bad : {"001_short.sql", "0000_zero.sql", "0001.sql", "0001_.sql", "0001_Upper.sql", "0001_x.txt",
                          "0001_with-dash.sql", "abcd_x.sql", "0001_x.sql.bak", "", "_x.sql"}) {
    INFO(bad);
    auto v = db::migration_version(bad);
    REQUIRE_FALSE(v.ok());
    CHECK(v.error().kind == Error::Kind::invalid);
    CHECK(v.error().message.find("NNNN_description.sql") != std::string::npos);
  }
}

TEST_CASE("db migrations: loaded in version order, duplicates refused") {
  std::vector<EmbeddedFile> files = {
      {"0002_b.sql", "", "", "SELECT 2", "", ""},
      {"0001_a.sql", "", "", "SELECT 1", "", ""},
      {"0010_c.sql", "", "", "SELECT 10", "", ""},
  };
  auto loaded = db::load_migrations(files);
  REQUIRE(loaded.ok());
  REQUIRE(loaded->size() == 3);
  CHECK((*loaded)[0].version == 1);
  CHECK((*loaded)[1].version == 2);
  CHECK((*loaded)[2].version == 10);
  CHECK((*loaded)[2].name == "0010_c.sql");
  CHECK((*loaded)[2].sql == "SELECT 10");

  files.push_back({"01_x.sql", "", "", "", "", ""});
  CHECK_FALSE(db::load_migrations(files).ok());
  files.back() = {"0002_again.sql", "", "", "", "", ""};
  auto dup = db::load_migrations(files);
  REQUIRE_FALSE(dup.ok());
  CHECK(dup.error().message.find("same version") != std::string::npos);
}

TEST_CASE("db migrations: the embedded set is valid and starts with the documents table") {
  auto loaded = db::load_migrations(embedded::migrations());
  REQUIRE(loaded.ok());
  REQUIRE_FALSE(loaded->empty());
  CHECK(loaded->front().name == "0001_create_file_upload_meta.sql");
  CHECK(loaded->front().sql.find("CREATE TABLE IF NOT EXISTS file_upload_meta") != std::string_view::npos);
  // The interface needs rank order kept: json, never jsonb.
  std::string first(loaded->front().sql);
  CHECK(std::regex_search(first, std::regex(R"(word_counts\s+json\s*,)")));
}
