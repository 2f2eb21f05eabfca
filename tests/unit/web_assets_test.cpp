#include <catch2/catch.hpp>

#include "web/assets.hpp"
#include "web/document_cache.hpp"

using namespace htut;

TEST_CASE("hashed asset paths keep the extension") {
  CHECK(web::hashed_path("static/app.css", "\"0123456789abcdef0123456789abcdef\"") == "/static/app.01234567.css");
  CHECK(web::hashed_path("static/vendor/d3.min.js", "\"89abcdef89abcdef89abcdef89abcdef\"") ==
        "/static/vendor/d3.min.89abcdef.js");
  CHECK(web::hashed_path("static/LICENSE", "\"aaaaaaaabbbbbbbbccccccccdddddddd\"") == "/static/LICENSE.aaaaaaaa");
}

TEST_CASE("the asset table serves every embedded static file at two URLs") {
  web::AssetTable table;
  int statics = 0;
  for (const auto& f : embedded::assets()) {
    REQUIRE(f.etag.size() == 34);
    if (f.name.rfind("static/", 0) != 0) continue;
    ++statics;
    auto plain = table.find_url("/" + std::string(f.name));
    REQUIRE(plain);
    CHECK(plain->file == &f);
    CHECK_FALSE(plain->immutable);
    auto hashed = table.find_url(table.hashed_url(f.name));
    REQUIRE(hashed);
    CHECK(hashed->file == &f);
    CHECK(hashed->immutable);
  }
  CHECK(statics >= 5);
  // The vendor libraries from npm are embedded.
  CHECK(table.find_url("/static/vendor/d3.min.js"));
  CHECK(table.find_url("/static/vendor/d3.layout.cloud.js"));
  CHECK(table.file("templates/index.html") != nullptr);
  // Templates are not served.
  CHECK_FALSE(table.find_url("/templates/index.html"));
  CHECK_FALSE(table.find_url("/static/../templates/index.html"));
  CHECK_THROWS(table.hashed_url("static/no-such-file.css"));
}

TEST_CASE("compressible assets carry a smaller gzip copy") {
  web::AssetTable table;
  auto d3 = table.find_url("/static/vendor/d3.min.js");
  REQUIRE(d3);
  CHECK_FALSE(d3->file->gzip.empty());
  CHECK(d3->file->gzip.size() < d3->file->data.size() / 2);
  CHECK(d3->file->content_type == "text/javascript; charset=utf-8");
}

TEST_CASE("document cache: stores only when live and unchanged, drops on change") {
  web::DocumentCache cache(2);
  auto v = cache.version();
  cache.store("a", "{}", v);
  CHECK_FALSE(cache.find("a"));  // not live yet
  cache.set_live(true);
  v = cache.version();
  cache.store("a", "{\"a\":1}", v);
  CHECK(cache.find("a") == std::optional<std::string>("{\"a\":1}"));
  // A change between lookup and store: not stored.
  v = cache.version();
  cache.invalidate("b");
  cache.store("b", "{}", v);
  CHECK_FALSE(cache.find("b"));
  cache.invalidate("a");
  CHECK_FALSE(cache.find("a"));
  v = cache.version();
  cache.store("x", "1", v);
  cache.store("y", "2", v);
  cache.store("z", "3", v);  // over capacity: starts afresh
  CHECK(cache.find("z"));
  cache.set_live(false);
  CHECK_FALSE(cache.find("z"));
}
