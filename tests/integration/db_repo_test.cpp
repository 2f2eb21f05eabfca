// The document repository, the pool and the listener against a real
// PostgreSQL (HTUT_TEST_DATABASE_URL, set by tools/test). Each run creates its
// own database, migrates it with the embedded migrations and drops it at exit.
#include <atomic>
#include <catch2/catch.hpp>
#include <cstdlib>
#include <fstream>
#include <random>
#include <regex>
#include <set>
#include <thread>

#include "common/embedded.hpp"
#include "db/documents.hpp"
#include "db/migrator.hpp"
#include "db/status_listener.hpp"

using namespace htut;
using namespace std::chrono_literals;

namespace {

// postgres://u@h:p/db?q -> the same URL naming another database.
std::string with_database(const std::string& url, const std::string& db) {
  auto scheme_end = url.find("://");
  auto path = url.find('/', scheme_end == std::string::npos ? 0 : scheme_end + 3);
  auto query = url.find('?');
  std::string base = url.substr(0, path == std::string::npos ? query : path);
  return base + "/" + db + (query == std::string::npos ? "" : url.substr(query));
}

std::unique_ptr<db::Connection> connect(const std::string& url) {
  auto c = db::Connection::open(url);
  if (!c) FAIL("cannot connect to the test database: " << c.error().message);
  return std::move(*c);
}

// One database for the whole run.
struct TestDatabase {
  std::string admin_url, name, url;
  TestDatabase() {
    const char* env = std::getenv("HTUT_TEST_DATABASE_URL");
    if (env == nullptr || *env == '\0')
      throw std::runtime_error("HTUT_TEST_DATABASE_URL is not set: run this test via tools/test");
    admin_url = env;
    name = "htut_dbrepo_" + std::to_string(std::random_device{}() % 1000000000u);
    url = with_database(admin_url, name);
    auto admin = db::Connection::open(admin_url);
    if (!admin) throw std::runtime_error(admin.error().message);
    // CREATE DATABASE takes no parameters; the name is ours, digits and letters only.
    if (auto r = (*admin)->exec("CREATE DATABASE " + name); !r) throw std::runtime_error(r.error().message);
    auto conn = db::Connection::open(url);
    if (!conn) throw std::runtime_error(conn.error().message);
    auto migrations = db::load_migrations(embedded::migrations());
    if (!migrations) throw std::runtime_error(migrations.error().message);
    auto run = db::migrate(**conn, *migrations);
    if (!run) throw std::runtime_error(run.error().message);
  }
  ~TestDatabase() {
    if (auto admin = db::Connection::open(admin_url))
      (void)(*admin)->exec("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)");
  }
};

TestDatabase& test_db() {
  static TestDatabase db;
  return db;
}

std::string unique_slug(const std::string& prefix) {
  static std::atomic<int> n{0};
  return prefix + "-" + std::to_string(++n);
}

db::NewDocument new_doc(const std::string& slug) {
  return {"Name of " + slug, slug, slug + ".txt", "files/" + slug + ".txt", 1234};
}

int count_sessions(const std::string& application_name) {
  auto c = connect(test_db().url);
  auto r = c->exec("SELECT count(*) FROM pg_stat_activity WHERE datname = $1 AND application_name = $2",
                   {test_db().name, application_name});
  REQUIRE(r.ok());
  return static_cast<int>(r->optional_int(0, 0).value_or(-1));
}

int terminate_sessions(const std::string& application_name) {
  auto c = connect(test_db().url);
  auto r = c->exec(
      "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = $1 AND application_name = $2",
      {test_db().name, application_name});
  REQUIRE(r.ok());
  return static_cast<int>(r->optional_int(0, 0).value_or(0));
}

}  // namespace

TEST_CASE("db repo: insert, find, newest, newest_by_slug") {
  db::Pool pool(test_db().url, 2);
  db::Documents docs(pool);
  auto slug = unique_slug("moby");
  auto a = docs.insert_pending(new_doc(slug));
  REQUIRE(a.ok());
  CHECK(a->status == "pending");
  CHECK(a->document_slug == slug);
  CHECK(a->document_name == "Name of " + slug);
  CHECK(a->filename == slug + ".txt");
  CHECK(a->s3_key == "files/" + slug + ".txt");
  CHECK_FALSE(a->published);
  CHECK_FALSE(a->error);
  CHECK_FALSE(a->total_words);
  CHECK_FALSE(a->word_counts);
  CHECK(std::regex_match(a->time_uploaded, std::regex(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z)")));

  auto b = docs.insert_pending(new_doc(slug));  // same slug again: a new, newer row
  REQUIRE(b.ok());
  CHECK(b->time_uploaded > a->time_uploaded);

  auto found = docs.find(slug, a->time_uploaded);
  REQUIRE(found.ok());
  REQUIRE(found->has_value());
  CHECK((*found)->time_uploaded == a->time_uploaded);

  auto newest = docs.newest_by_slug(slug);
  REQUIRE(newest.ok());
  REQUIRE(newest->has_value());
  CHECK((*newest)->time_uploaded == b->time_uploaded);

  auto none = docs.newest_by_slug("no-such-slug-" + slug);
  REQUIRE(none.ok());
  CHECK_FALSE(none->has_value());
  auto missing = docs.find(slug, "2001-01-01T00:00:00.000000Z");
  REQUIRE(missing.ok());
  CHECK_FALSE(missing->has_value());

  auto list = docs.newest(2);
  REQUIRE(list.ok());
  REQUIRE(list->size() == 2);
  CHECK((*list)[0].time_uploaded == b->time_uploaded);
  CHECK((*list)[1].time_uploaded == a->time_uploaded);
  CHECK(docs.newest(0).error().kind == Error::Kind::invalid);

  auto bad_time = docs.find(slug, "yesterday-ish");
  REQUIRE_FALSE(bad_time.ok());
  CHECK(bad_time.error().kind == Error::Kind::invalid);
}

TEST_CASE("db repo: complete is one-shot, fail, remove") {
  db::Pool pool(test_db().url, 2);
  db::Documents docs(pool);
  auto d = docs.insert_pending(new_doc(unique_slug("count")));
  REQUIRE(d.ok());
  const std::string counts = R"({"whale": 3, "the": 2, "a": 1})";
  auto first = docs.complete(d->document_slug, d->time_uploaded, 6, 3, counts);
  REQUIRE(first.ok());
  CHECK(*first);
  auto again = docs.complete(d->document_slug, d->time_uploaded, 99, 99, R"({"other": 1})");
  REQUIRE(again.ok());
  CHECK_FALSE(*again);  // a redelivered job changes nothing
  auto failed_late = docs.fail(d->document_slug, d->time_uploaded, "too late");
  REQUIRE(failed_late.ok());
  CHECK_FALSE(*failed_late);
  auto done = docs.find(d->document_slug, d->time_uploaded);
  REQUIRE(done.ok());
  REQUIRE(done->has_value());
  CHECK((*done)->status == "done");
  CHECK((*done)->total_words == 6);
  CHECK((*done)->distinct_words == 3);
  CHECK((*done)->word_counts == counts);
  CHECK_FALSE((*done)->error);

  auto f = docs.insert_pending(new_doc(unique_slug("broken")));
  REQUIRE(f.ok());
  auto failed = docs.fail(f->document_slug, f->time_uploaded, "the file vanished");
  REQUIRE(failed.ok());
  CHECK(*failed);
  auto after = docs.find(f->document_slug, f->time_uploaded);
  REQUIRE(after.ok());
  CHECK((*after)->status == "failed");
  CHECK((*after)->error == "the file vanished");
  CHECK_FALSE((*after)->word_counts);
  auto complete_after_fail = docs.complete(f->document_slug, f->time_uploaded, 1, 1, "{}");
  REQUIRE(complete_after_fail.ok());
  CHECK_FALSE(*complete_after_fail);

  REQUIRE(docs.remove(f->document_slug, f->time_uploaded).ok());
  auto gone = docs.find(f->document_slug, f->time_uploaded);
  REQUIRE(gone.ok());
  CHECK_FALSE(gone->has_value());
  CHECK(docs.remove(f->document_slug, f->time_uploaded).ok());  // already gone is fine
  auto complete_gone = docs.complete(f->document_slug, f->time_uploaded, 1, 1, "{}");
  REQUIRE(complete_gone.ok());
  CHECK_FALSE(*complete_gone);
}

TEST_CASE("db repo: word_counts keep their key order and text; bad JSON is invalid") {
  db::Pool pool(test_db().url, 1);
  db::Documents docs(pool);
  auto d = docs.insert_pending(new_doc(unique_slug("order")));
  REQUIRE(d.ok());
  // Descending counts with keys deliberately NOT in sorted or length order,
  // exactly what jsonb would reorder.
  const std::string counts = R"({"zebra":9,"a":8,"mmmmmmmm":7,"b":7,"élan":6,"\"quoted\"":5,"文字":1})";
  auto ok = docs.complete(d->document_slug, d->time_uploaded, 43, 7, counts);
  REQUIRE(ok.ok());
  REQUIRE(*ok);
  auto back = docs.find(d->document_slug, d->time_uploaded);
  REQUIRE(back.ok());
  CHECK((*back)->word_counts == counts);

  auto e = docs.insert_pending(new_doc(unique_slug("badjson")));
  REQUIRE(e.ok());
  auto bad = docs.complete(e->document_slug, e->time_uploaded, 1, 1, "{not json");
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.error().kind == Error::Kind::invalid);
  auto still = docs.find(e->document_slug, e->time_uploaded);
  CHECK((*still)->status == "pending");
}

TEST_CASE("db repo: hostile strings are stored and read back exactly") {
  db::Pool pool(test_db().url, 1);
  db::Documents docs(pool);
  std::string long_unicode;
  while (long_unicode.size() < 10 * 1024) long_unicode += "Ünïcödé 文件 🐋 ";
  const std::vector<std::string> hostile = {
      "O'Brien's \"quoted\" \\backslash\\ $1 %s",
      "'; DROP TABLE file_upload_meta; --",
      long_unicode,
      "\xE2\x80\xAE"
      "txt.exe",  // U+202E RIGHT-TO-LEFT OVERRIDE
      "tab\tnew\nline\r",
      "$$ dollar $tag$ quoting $$",
  };
  for (const auto& text : hostile) {
    INFO(text.substr(0, 40));
    auto slug = unique_slug("hostile");
    db::NewDocument nd{text, slug, text, "files/" + slug, 1};
    auto d = docs.insert_pending(nd);
    REQUIRE(d.ok());
    CHECK(d->document_name == text);
    CHECK(d->filename == text);
    auto f = docs.fail(slug, d->time_uploaded, text);
    REQUIRE(f.ok());
    CHECK(*f);
    auto back = docs.find(slug, d->time_uploaded);
    REQUIRE(back.ok());
    REQUIRE(back->has_value());
    CHECK((*back)->document_name == text);
    CHECK((*back)->filename == text);
    CHECK((*back)->error == text);
  }
  // The table survived the "DROP TABLE" name.
  REQUIRE(docs.newest(1).ok());
}

TEST_CASE("db repo: a NUL byte is invalid and nothing is stored") {
  db::Pool pool(test_db().url, 1);
  db::Documents docs(pool);
  auto slug = unique_slug("nul");
  db::NewDocument nd{std::string("a\0b", 3), slug, "f.txt", "files/f.txt", 1};
  auto d = docs.insert_pending(nd);
  REQUIRE_FALSE(d.ok());
  CHECK(d.error().kind == Error::Kind::invalid);
  CHECK(d.error().message == "text contains a NUL byte");
  auto none = docs.newest_by_slug(slug);
  REQUIRE(none.ok());
  CHECK_FALSE(none->has_value());
  // The connection stays usable after the refusal.
  CHECK(docs.ping().ok());
  // Invalid UTF-8 is refused by the server as a data error.
  db::NewDocument bad_utf8{"\xC3\x28", unique_slug("utf8"), "f.txt", "files/f.txt", 1};
  auto u = docs.insert_pending(bad_utf8);
  REQUIRE_FALSE(u.ok());
  CHECK(u.error().kind == Error::Kind::invalid);
  // A slug past the bound is a data error too.
  auto long_slug = docs.insert_pending(new_doc(std::string(201, 'x')));
  REQUIRE_FALSE(long_slug.ok());
  CHECK(long_slug.error().kind == Error::Kind::invalid);
}

TEST_CASE("db repo: the outbox lists pending unpublished documents, oldest first") {
  db::Pool pool(test_db().url, 1);
  db::Documents docs(pool);
  auto a = docs.insert_pending(new_doc(unique_slug("outbox")));
  auto b = docs.insert_pending(new_doc(unique_slug("outbox")));
  REQUIRE(a.ok());
  REQUIRE(b.ok());
  auto has = [&](const std::vector<db::Document>& v, const db::Document& d) {
    for (const auto& x : v) {
      if (x.document_slug == d.document_slug && x.time_uploaded == d.time_uploaded) return true;
    }
    return false;
  };
  auto before = docs.unpublished(1000);
  REQUIRE(before.ok());
  CHECK(has(*before, *a));
  CHECK(has(*before, *b));
  for (std::size_t i = 1; i < before->size(); ++i) CHECK((*before)[i - 1].time_uploaded <= (*before)[i].time_uploaded);

  REQUIRE(docs.mark_published(a->document_slug, a->time_uploaded).ok());
  REQUIRE(docs.mark_published(a->document_slug, a->time_uploaded).ok());  // idempotent
  auto after = docs.unpublished(1000);
  REQUIRE(after.ok());
  CHECK_FALSE(has(*after, *a));
  CHECK(has(*after, *b));
  auto pa = docs.find(a->document_slug, a->time_uploaded);
  CHECK((*pa)->published);

  auto unknown = docs.mark_published("no-such-slug", a->time_uploaded);
  REQUIRE_FALSE(unknown.ok());
  CHECK(unknown.error().kind == Error::Kind::not_found);

  // A done document leaves the outbox even if never marked published.
  REQUIRE(*docs.complete(b->document_slug, b->time_uploaded, 0, 0, "{}"));
  auto last = docs.unpublished(1000);
  CHECK_FALSE(has(*last, *b));
}

TEST_CASE("db repo: the /test_connection record") {
  db::Pool pool(test_db().url, 1);
  db::Documents docs(pool);
  auto r = docs.insert_test_connection_record();
  REQUIRE(r.ok());
  CHECK(r->document_name == "Fake Document");
  CHECK(r->document_slug == "fake_document");
  CHECK(r->s3_key == "files/does_not_exist.txt");
  CHECK(r->filename == "does_not_exist.txt");
  CHECK(r->status == "failed");
  CHECK(r->error == db::test_record_error);
  auto r2 = docs.insert_test_connection_record();  // again: a second row
  REQUIRE(r2.ok());
  CHECK(r2->time_uploaded != r->time_uploaded);
  auto outbox = docs.unpublished(1000);
  REQUIRE(outbox.ok());
  for (const auto& d : *outbox) CHECK(d.document_slug != "fake_document");
}

TEST_CASE("db pool: 8 threads x 200 queries share 4 connections") {
  db::ConnectOptions options;
  options.application_name = "htut-pooltest";
  db::Pool pool(test_db().url, 4, options);
  db::Documents docs(pool, 10s);
  auto d = docs.insert_pending(new_doc(unique_slug("pool")));
  REQUIRE(d.ok());
  std::atomic<int> failures{0}, successes{0};
  std::atomic<int> most_sessions{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 200; ++i) {
        bool ok = (i + t) % 2 ? docs.find(d->document_slug, d->time_uploaded).ok() : docs.ping().ok();
        (ok ? successes : failures)++;
      }
    });
  }
  // While they run, the server never sees more than 4 sessions of the pool.
  for (int i = 0; i < 5; ++i) {
    int n = count_sessions("htut-pooltest");
    most_sessions = std::max(most_sessions.load(), n);
    std::this_thread::sleep_for(20ms);
  }
  for (auto& th : threads) th.join();
  CHECK(failures == 0);
  CHECK(successes == 1600);
  CHECK(most_sessions <= 4);
  CHECK(count_sessions("htut-pooltest") <= 4);
}

TEST_CASE("db pool: exhausted pool times out with unavailable") {
  db::Pool pool(test_db().url, 1);
  auto held = pool.acquire(1s);
  REQUIRE(held.ok());
  auto started = std::chrono::steady_clock::now();
  auto second = pool.acquire(200ms);
  auto waited = std::chrono::steady_clock::now() - started;
  REQUIRE_FALSE(second.ok());
  CHECK(second.error().kind == Error::Kind::unavailable);
  CHECK(second.error().message.rfind("database unavailable: ", 0) == 0);
  CHECK(waited >= 190ms);
  CHECK(waited < 2s);
  // Released: the next acquire gets it at once, and it is the same session.
  { auto moved = std::move(*held); }
  auto third = pool.acquire(200ms);
  REQUIRE(third.ok());
  CHECK_FALSE(third->fresh());
}

TEST_CASE("db connection: unreachable server is unavailable and never shows the password") {
  auto c = db::Connection::open("postgres://someone:topsecret-pw@127.0.0.1:1/nodb");
  REQUIRE_FALSE(c.ok());
  CHECK(c.error().kind == Error::Kind::unavailable);
  CHECK(c.error().message.rfind("database unavailable: ", 0) == 0);
  CHECK(c.error().message.find("topsecret-pw") == std::string::npos);
  CHECK(c.error().message.find('\n') == std::string::npos);

  db::Pool pool("postgres://someone:topsecret-pw@127.0.0.1:1/nodb", 2);
  db::Documents docs(pool);
  auto p = docs.ping();
  REQUIRE_FALSE(p.ok());
  CHECK(p.error().kind == Error::Kind::unavailable);
}

TEST_CASE("db pool: sessions killed by the server are replaced without a restart") {
  db::ConnectOptions options;
  options.application_name = "htut-killtest";
  db::Pool pool(test_db().url, 3, options);
  db::Documents docs(pool);
  // Open three sessions, all idle in the pool.
  {
    auto a = pool.acquire(1s), b = pool.acquire(1s), c = pool.acquire(1s);
    REQUIRE((a.ok() && b.ok() && c.ok()));
  }
  REQUIRE(count_sessions("htut-killtest") == 3);
  REQUIRE(terminate_sessions("htut-killtest") == 3);
  std::this_thread::sleep_for(100ms);
  // At most the first call may notice the loss; the next one works.
  auto first = docs.ping();
  if (!first.ok()) CHECK(first.error().kind == Error::Kind::unavailable);
  CHECK(docs.ping().ok());
  CHECK(docs.newest(1).ok());
}

TEST_CASE("db listener: receives the trigger's NOTIFY and reconnects by itself") {
  db::Pool pool(test_db().url, 1);
  db::Documents docs(pool);
  db::StatusListener listener(test_db().url);
  REQUIRE(listener.start().ok());
  CHECK(listener.generation() == 1);

  auto wait_for = [&](const std::string& needle) {
    for (int i = 0; i < 50; ++i) {
      auto got = listener.wait(100ms);
      if (!got) continue;
      for (const auto& p : *got) {
        if (p.find(needle) != std::string::npos) return p;
      }
    }
    return std::string();
  };

  auto d = docs.insert_pending(new_doc(unique_slug("listen")));
  REQUIRE(d.ok());
  auto inserted = wait_for(d->document_slug);
  CHECK(inserted == R"({"document_slug" : ")" + d->document_slug + R"(", "time_uploaded" : ")" + d->time_uploaded +
                        R"(", "status" : "pending"})");
  REQUIRE(*docs.complete(d->document_slug, d->time_uploaded, 1, 1, R"({"x":1})"));
  auto done = wait_for(d->document_slug);
  CHECK(done.find(R"("status" : "done")") != std::string::npos);

  // Nothing more arrives for a change that does not touch status.
  REQUIRE(docs.mark_published(d->document_slug, d->time_uploaded).ok());
  auto quiet = listener.wait(300ms);
  REQUIRE(quiet.ok());
  CHECK(quiet->empty());

  // The server drops the listening session: the listener notices (a wait may
  // report it), reconnects by itself, says so in generation(), and hears new
  // changes.
  REQUIRE(terminate_sessions("htut-listener") == 1);
  for (int i = 0; i < 50 && listener.generation() < 2; ++i) {
    auto got = listener.wait(100ms);
    if (!got) CHECK(got.error().kind == Error::Kind::unavailable);
  }
  CHECK(listener.generation() == 2);
  auto e = docs.insert_pending(new_doc(unique_slug("listen")));
  REQUIRE(e.ok());
  REQUIRE(*docs.fail(e->document_slug, e->time_uploaded, "nope"));
  auto failed = wait_for(R"("status" : "failed")");
  CHECK(failed.find(e->document_slug) != std::string::npos);
}

TEST_CASE("db pool: PostgreSQL restarted under a running pool") {
  // Needs the private server that tools/services manages; restarting any
  // other server would be rude.
  const char* source = std::getenv("HTUT_SOURCE_DIR");
  const char* services_dir = std::getenv("HTUT_SERVICES_DIR");
  std::string script = source ? std::string(source) + "/tools/services" : "";
  std::ifstream ports(services_dir ? std::string(services_dir) + "/ports.env" : "");
  std::string line, port;
  while (std::getline(ports, line)) {
    if (line.rfind("saved_pg=", 0) == 0) port = line.substr(9);
  }
  if (script.empty() || port.empty() || test_db().admin_url.find(":" + port + "/") == std::string::npos) {
    WARN("SKIPPED: set HTUT_SOURCE_DIR and HTUT_SERVICES_DIR (tools/test does) to restart the private PostgreSQL");
    return;
  }
  db::Pool pool(test_db().url, 2);
  db::Documents docs(pool);
  db::StatusListener listener(test_db().url);
  REQUIRE(docs.ping().ok());
  REQUIRE(listener.start().ok());

  REQUIRE(std::system((script + " stop-one postgres >/dev/null 2>&1").c_str()) == 0);
  auto down = docs.ping();
  REQUIRE_FALSE(down.ok());
  CHECK(down.error().kind == Error::Kind::unavailable);
  auto down_listen = listener.wait(200ms);
  CHECK_FALSE(down_listen.ok());
  REQUIRE(std::system((script + " start-one postgres >/dev/null 2>&1").c_str()) == 0);

  // One call may still fail; the next must work, with no restart of anything of ours.
  auto first = docs.ping();
  if (!first.ok()) CHECK(first.error().kind == Error::Kind::unavailable);
  CHECK(docs.ping().ok());
  // The listener's owner keeps calling wait(); it reconnects on its own.
  for (int i = 0; i < 50 && listener.generation() < 2; ++i) (void)listener.wait(100ms);
  REQUIRE(listener.generation() == 2);
  auto d = docs.insert_pending(new_doc(unique_slug("restart")));
  REQUIRE(d.ok());
  std::string heard;
  for (int i = 0; i < 50 && heard.empty(); ++i) {
    auto got = listener.wait(100ms);
    if (got && !got->empty()) heard = got->front();
  }
  CHECK(heard.find(d->document_slug) != std::string::npos);
}

TEST_CASE("db repo: the outbox republishes documents still pending long after their job was confirmed") {
  db::Pool pool(test_db().url, 1);
  db::Documents docs(pool);
  auto a = docs.insert_pending(new_doc(unique_slug("stale")));
  REQUIRE(a.ok());
  auto listed = [&] {
    auto v = docs.unpublished(1000);
    REQUIRE(v.ok());
    for (const auto& x : *v)
      if (x.document_slug == a->document_slug && x.time_uploaded == a->time_uploaded) return true;
    return false;
  };
  REQUIRE(docs.mark_published(a->document_slug, a->time_uploaded).ok());
  CHECK_FALSE(listed());
  // Its job was confirmed 20 minutes ago and it is still pending: the job may be lost.
  auto conn = db::Connection::open(test_db().url);
  REQUIRE(conn.ok());
  REQUIRE((*conn)
              ->exec("UPDATE file_upload_meta SET published_at = now() - interval '20 minutes'"
                     " WHERE document_slug = $1",
                     {a->document_slug})
              .ok());
  CHECK(listed());
  REQUIRE(docs.mark_published(a->document_slug, a->time_uploaded).ok());
  CHECK_FALSE(listed());
}

TEST_CASE("db repo: the outbox leaves alone a job a worker holds or one waiting for its retry") {
  db::Pool pool(test_db().url, 2);
  db::Documents docs(pool);
  auto a = docs.insert_pending(new_doc(unique_slug("held")));
  REQUIRE(a.ok());
  REQUIRE(docs.mark_published(a->document_slug, a->time_uploaded).ok());
  auto listed = [&] {
    auto v = docs.unpublished(1000);
    REQUIRE(v.ok());
    for (const auto& x : *v)
      if (x.document_slug == a->document_slug) return true;
    return false;
  };
  auto conn = db::Connection::open(test_db().url);
  REQUIRE(conn.ok());
  auto age = [&](const char* column) {
    REQUIRE((*conn)
                ->exec(std::string("UPDATE file_upload_meta SET ") + column +
                           " = now() - interval '20 minutes' WHERE document_slug = $1",
                       {a->document_slug})
                .ok());
  };
  // A worker took it (attempts 1): it is in a worker's hands or the broker redelivers it.
  auto claimed = docs.claim_job(a->document_slug, a->time_uploaded);
  REQUIRE(claimed.ok());
  REQUIRE(claimed->has_value());
  CHECK((*claimed)->attempts == 1);
  age("published_at");
  age("job_due_at");
  CHECK_FALSE(listed());
  // Unless nothing was heard of it for 2 hours (the broker lost it too).
  REQUIRE((*conn)
              ->exec("UPDATE file_upload_meta SET job_due_at = now() - interval '2 hours',"
                     " published_at = now() - interval '2 hours' WHERE document_slug = $1",
                     {a->document_slug})
              .ok());
  CHECK(listed());
  // Put back for a retry due in 2 minutes: waiting in a retry queue, not lost.
  REQUIRE(docs.release_job(a->document_slug, a->time_uploaded, std::chrono::seconds(120)).ok());
  CHECK(docs.find(a->document_slug, a->time_uploaded).value()->attempts == 0);
  CHECK_FALSE(listed());
  // Nothing heard of it for 20 minutes: it may be lost.
  age("job_due_at");
  CHECK(listed());
  // Claimed by one outbox: a second one finds nothing to publish.
  auto first = docs.claim_unpublished(1000);
  REQUIRE(first.ok());
  bool mine = false;
  for (const auto& c : *first) mine = mine || c.document.document_slug == a->document_slug;
  CHECK(mine);
  auto second = docs.claim_unpublished(1000);
  REQUIRE(second.ok());
  for (const auto& c : *second) CHECK(c.document.document_slug != a->document_slug);
  // A publish that failed gives the claim back.
  for (const auto& c : *first)
    if (c.document.document_slug == a->document_slug) REQUIRE(docs.unclaim(c).ok());
  CHECK(listed());
}

TEST_CASE("db repo: any outcome clears attempts; a failed document can be put back") {
  db::Pool pool(test_db().url, 1);
  db::Documents docs(pool);
  auto a = docs.insert_pending(new_doc(unique_slug("attempts")));
  REQUIRE(a.ok());
  for (int i = 1; i <= 3; ++i) CHECK(docs.claim_job(a->document_slug, a->time_uploaded).value()->attempts == i);
  REQUIRE(*docs.fail(a->document_slug, a->time_uploaded, "gone"));
  auto failed = docs.find(a->document_slug, a->time_uploaded);
  CHECK((*failed)->attempts == 0);
  CHECK_FALSE(docs.claim_job(a->document_slug, a->time_uploaded).value().has_value());  // not pending
  REQUIRE(*docs.reset_failed(a->document_slug, a->time_uploaded));
  auto again = docs.find(a->document_slug, a->time_uploaded);
  CHECK((*again)->status == "pending");
  CHECK_FALSE((*again)->error.has_value());
  CHECK_FALSE(*docs.reset_failed(a->document_slug, a->time_uploaded));  // only failed ones
  CHECK(docs.claim_job(a->document_slug, a->time_uploaded).value()->attempts == 1);
  REQUIRE(*docs.complete(a->document_slug, a->time_uploaded, 1, 1, "{\"a\": 1}"));
  CHECK(docs.find(a->document_slug, a->time_uploaded).value()->attempts == 0);
}
