// file:// storage on a temp directory: round trips, atomic writes, keys that try to escape.
#include <atomic>
#include <catch2/catch.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>

#include "storage/file_storage.hpp"
#include "storage/object_key.hpp"

namespace fs = std::filesystem;
using namespace htut;
using namespace htut::storage;

namespace {

struct TempDir {
  fs::path path;
  TempDir() {
    std::string tmpl = (fs::temp_directory_path() / "htut-storage-test-XXXXXX").string();
    path = ::mkdtemp(tmpl.data());
  }
  ~TempDir() { fs::remove_all(path); }
};

std::string get_all(Storage& s, const std::string& key) {
  std::string out;
  auto st = s.get(key, string_sink(out));
  REQUIRE(st.ok());
  return out;
}

}  // namespace

TEST_CASE("object keys: traversal and odd bytes are rejected") {
  for (const char* bad : {"", "/abs", "../x", "a/../../x", "a/..", "./a", "a//b", "a/", "a\\b", "..", "."})
    CHECK_FALSE(validate_key(bad).ok());
  CHECK_FALSE(validate_key(std::string("a\0b", 3)).ok());
  CHECK_FALSE(validate_key("a\nb").ok());
  CHECK_FALSE(validate_key(std::string(1025, 'a')).ok());
  for (const char* good : {"files/a.txt", "a b+c~d%e", "ünï/文件.txt", "deep/1/2/3/4/5", "..a", "a..", ".env"})
    CHECK(validate_key(good).ok());
  CHECK(validate_key("../x").error().kind == Error::Kind::invalid);
}

TEST_CASE("file storage: put, get, head, list, remove") {
  TempDir dir;
  FileStorage s(dir.path / "objects");  // created on demand
  REQUIRE(s.check().ok());

  std::string data(1'000'003, 'x');
  for (std::size_t i = 0; i < data.size(); ++i) data[i] = static_cast<char>('a' + i % 26);
  auto info = s.put("files/big one.txt", string_reader(data));
  REQUIRE(info.ok());
  CHECK(info->size == data.size());
  CHECK(get_all(s, "files/big one.txt") == data);

  REQUIRE(s.put("files/ünï/文件", string_reader("hello")).ok());
  REQUIRE(s.put("other", string_reader("")).ok());
  CHECK(get_all(s, "other").empty());

  auto head = s.head("files/ünï/文件");
  REQUIRE(head.ok());
  CHECK(head->size == 5);
  CHECK_FALSE(head->etag.empty());
  CHECK(s.head("missing").error().kind == Error::Kind::not_found);
  CHECK(s.head("files").error().kind == Error::Kind::not_found);  // a directory is no object
  std::string ignored;
  CHECK(s.get("missing/x", string_sink(ignored)).error().kind == Error::Kind::not_found);

  auto all = s.list("");
  REQUIRE(all.ok());
  REQUIRE(all->size() == 3);
  CHECK((*all)[0].key == "files/big one.txt");
  CHECK((*all)[1].key == "files/ünï/文件");
  CHECK((*all)[2].key == "other");
  auto files = s.list("files/ü");
  REQUIRE(files.ok());
  REQUIRE(files->size() == 1);
  CHECK(files->front().size == 5);

  REQUIRE(s.remove("files/ünï/文件").ok());
  REQUIRE(s.remove("files/ünï/文件").ok());                 // already gone is fine
  CHECK_FALSE(fs::exists(dir.path / "objects/files/ünï"));  // emptied directory dropped
  CHECK(s.list("files/")->size() == 1);

  auto url = s.presign_get("files/big one.txt", std::chrono::seconds(60));
  REQUIRE(url.ok());
  CHECK(*url == "file://" + (dir.path / "objects/files/big%20one.txt").string());
}

TEST_CASE("file storage: keys cannot escape the directory") {
  TempDir dir;
  FileStorage s(dir.path / "root");
  for (const char* bad : {"../escaped", "a/../../escaped", "/etc/passwd", "a\\..\\b"}) {
    auto r = s.put(bad, string_reader("nope"));
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().kind == Error::Kind::invalid);
    std::string out;
    CHECK(s.get(bad, string_sink(out)).error().kind == Error::Kind::invalid);
    CHECK(s.remove(bad).error().kind == Error::Kind::invalid);
  }
  CHECK_FALSE(fs::exists(dir.path / "escaped"));
}

TEST_CASE("file storage: a failed write leaves the old object and no temp file") {
  TempDir dir;
  FileStorage s(dir.path);
  REQUIRE(s.put("k", string_reader("old contents")).ok());
  int calls = 0;
  Reader failing = [&](char* buf, std::size_t cap) -> Result<std::size_t> {
    if (++calls > 3) return make_error(Error::Kind::invalid, "client went away");
    std::fill(buf, buf + cap, 'n');
    return cap;
  };
  auto r = s.put("k", failing);
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().message == "client went away");
  CHECK(get_all(s, "k") == "old contents");
  int entries = 0;
  for (auto& e : fs::directory_iterator(dir.path)) {
    (void)e;
    ++entries;
  }
  CHECK(entries == 1);
}

TEST_CASE("file storage: readers see the old or the new object, never a mix") {
  TempDir dir;
  FileStorage s(dir.path);
  const std::string a(300'000, 'a'), b(300'000, 'b');
  REQUIRE(s.put("k", string_reader(a)).ok());
  std::atomic<bool> stop{false};
  std::thread writer([&] {
    for (int i = 0; i < 30; ++i) (void)s.put("k", string_reader(i % 2 ? a : b));
    stop = true;
  });
  int reads = 0;
  while (!stop) {
    std::string got = get_all(s, "k");
    CHECK((got == a || got == b));
    ++reads;
  }
  writer.join();
  CHECK(reads > 0);
}

TEST_CASE("file storage: a sink error stops the download") {
  TempDir dir;
  FileStorage s(dir.path);
  REQUIRE(s.put("k", string_reader(std::string(2'000'000, 'z'))).ok());
  std::size_t seen = 0;
  auto st = s.get("k", [&](std::string_view chunk) -> Status {
    seen += chunk.size();
    return make_error(Error::Kind::unavailable, "reader gone");
  });
  REQUIRE_FALSE(st.ok());
  CHECK(st.error().message == "reader gone");
  CHECK(seen < 2'000'000);
}
