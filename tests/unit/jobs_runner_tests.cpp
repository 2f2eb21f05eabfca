// JobRunner's decisions (ack / dead-letter / requeue) with in-memory fakes of
// storage and the database; the real services are covered by test_worker.py.
#include <catch2/catch.hpp>
#include <cstdlib>
#include <filesystem>
#include <map>

#include "jobs/job_runner.hpp"
#include "queue/job.hpp"
#include "queue/topology.hpp"
#include "wordcount/count_result.hpp"
#include "wordcount/counter.hpp"

using namespace htut;
using jobs::Settle;

namespace {

// Objects in memory, handed to the sink in small chunks; can fail a few times first.
struct FakeStorage : storage::Storage {
  std::map<std::string, std::string> objects;
  int failures_left = 0;  // errors (failure_kind) before it works
  Error::Kind failure_kind = Error::Kind::unavailable;
  int gets = 0;
  std::atomic<bool>* cancel_after_first_chunk = nullptr;

  Result<storage::ObjectInfo> put(const std::string&, const storage::Reader&, const storage::PutOptions&) override {
    return make_error(Error::Kind::internal, "unused");
  }
  Status get(const std::string& key, const storage::Sink& sink) override {
    ++gets;
    if (failures_left > 0) {
      --failures_left;
      return make_error(failure_kind, "storage unavailable: connection refused");
    }
    auto it = objects.find(key);
    if (it == objects.end()) return make_error(Error::Kind::not_found, "no such key");
    std::string_view data = it->second;
    for (std::size_t at = 0; at < data.size(); at += 7) {
      if (auto s = sink(data.substr(at, 7)); !s) return s;
      if (cancel_after_first_chunk) *cancel_after_first_chunk = true;
    }
    return ok_status();
  }
  Result<storage::ObjectInfo> head(const std::string&) override { return make_error(Error::Kind::internal, "unused"); }
  Status remove(const std::string&) override { return ok_status(); }
  Result<std::vector<storage::ObjectInfo>> list(const std::string&) override {
    return std::vector<storage::ObjectInfo>{};
  }
  Result<std::string> presign_get(const std::string&, std::chrono::seconds) override { return std::string(); }
  Status check() override { return ok_status(); }
};

struct FakeStore : jobs::JobStore {
  std::optional<db::Document> row;
  bool database_down = false;
  int completes = 0, fails = 0, releases = 0;
  std::chrono::seconds released_for{-1};
  std::int64_t total = -1, distinct = -1;
  std::string word_counts, error;

  Result<std::optional<db::Document>> find(const std::string& slug, const std::string& time) override {
    if (database_down) return make_error(Error::Kind::unavailable, "database unavailable");
    if (row && row->document_slug == slug && row->time_uploaded == time) return row;
    return std::optional<db::Document>();
  }
  Result<std::optional<db::Document>> claim(const std::string& slug, const std::string& time) override {
    if (database_down) return make_error(Error::Kind::unavailable, "database unavailable");
    if (row && row->document_slug == slug && row->time_uploaded == time && row->status == "pending") {
      ++row->attempts;
      return row;
    }
    return std::optional<db::Document>();
  }
  Status release(const std::string&, const std::string&, std::chrono::seconds retry_in) override {
    ++releases;
    released_for = retry_in;
    if (row) row->attempts = 0;
    return ok_status();
  }
  Result<bool> complete(const std::string&, const std::string&, std::int64_t t, std::int64_t d,
                        const std::string& json) override {
    ++completes;
    row->attempts = 0;
    if (row->status != "pending") return false;
    row->status = "done";
    total = t;
    distinct = d;
    word_counts = json;
    return true;
  }
  Result<bool> fail(const std::string&, const std::string&, const std::string& why) override {
    ++fails;
    if (row->status != "pending") return false;
    row->attempts = 0;
    row->status = "failed";
    error = why;
    return true;
  }
};

const queue::Job job{"moby-dick", "2026-11-28T15:04:05.123456Z", "files/moby.txt"};
const std::string text = "Call me Ishmael. The whale, the WHALE! Ahab's whale; café naïve whale.\n";

FakeStore store_with_pending_row() {
  FakeStore store;
  db::Document d;
  d.document_slug = job.document_slug;
  d.time_uploaded = job.time_uploaded;
  d.s3_key = job.s3_key;
  d.status = "pending";
  store.row = d;
  return store;
}

jobs::RetryPolicy quick_retries() {
  return jobs::RetryPolicy{3, std::chrono::milliseconds(1), std::chrono::milliseconds(2)};
}

// One job, one delivery, nothing put back before.
jobs::Outcome run_once(storage::Storage& storage, FakeStore& store) {
  jobs::JobRunner runner(storage, store, quick_retries());
  std::atomic<bool> cancel{false};
  return runner.run(queue::job_to_json(job), 0, cancel);
}

}  // namespace

TEST_CASE("a pending job is counted, stored in one complete() and acked") {
  FakeStorage storage;
  storage.objects[job.s3_key] = text;
  FakeStore store = store_with_pending_row();
  jobs::JobRunner runner(storage, store, quick_retries());
  std::atomic<bool> cancel{false};
  auto o = runner.run(queue::job_to_json(job), 0, cancel);
  CHECK(o.settle == Settle::ack);
  CHECK(o.result == "done");
  CHECK(o.slug == "moby-dick");
  CHECK(o.bytes == text.size());
  auto expected = wordcount::count_words(text);
  CHECK(o.words == expected.total_words);
  CHECK(store.completes == 1);
  CHECK(store.total == static_cast<std::int64_t>(expected.total_words));
  CHECK(store.distinct == static_cast<std::int64_t>(expected.distinct_words));
  CHECK(store.word_counts == wordcount::word_counts_json(expected));
}

TEST_CASE("a count past its memory budget spills and stays exact; a spill that fails is a delayed retry") {
  std::string many;
  for (int i = 0; i < 3000; ++i) many.append("word").append(std::to_string(i % 1200)).append(" ");
  FakeStorage storage;
  storage.objects[job.s3_key] = many;
  std::string tmp = (std::filesystem::temp_directory_path() / "htut-jobs-spill-XXXXXX").string();
  REQUIRE(mkdtemp(tmp.data()) != nullptr);
  std::atomic<bool> cancel{false};
  SECTION("spilled to TMPDIR") {
    FakeStore store = store_with_pending_row();
    jobs::JobRunner runner(storage, store, quick_retries(), wordcount::CountOptions{1, tmp});
    auto o = runner.run(queue::job_to_json(job), 0, cancel);
    CHECK(o.result == "done");
    const auto expected = wordcount::count_words(many);
    CHECK(store.distinct == 1200);
    CHECK(store.word_counts == wordcount::word_counts_json(expected));
  }
  SECTION("TMPDIR missing") {
    FakeStore store = store_with_pending_row();
    jobs::JobRunner runner(storage, store, quick_retries(), wordcount::CountOptions{1, tmp + "/missing"});
    auto o = runner.run(queue::job_to_json(job), 0, cancel);
    CHECK(o.settle == Settle::retry);  // transient, like a storage outage: the job comes back later
    CHECK(o.result == "retry_later");
    CHECK(o.error.find("cannot create a temporary file in " + tmp + "/missing") != std::string::npos);
    CHECK(storage.gets == 1);  // no in-process retry of the read
    CHECK(store.fails == 0);
  }
  CHECK(std::filesystem::is_empty(tmp));
  std::filesystem::remove_all(tmp);
}

TEST_CASE("an invalid message is dead-lettered without touching anything") {
  FakeStorage storage;
  FakeStore store = store_with_pending_row();
  jobs::JobRunner runner(storage, store, quick_retries());
  std::atomic<bool> cancel{false};
  auto o = runner.run("{not json", 0, cancel);
  CHECK(o.settle == Settle::dead_letter);
  CHECK(o.result == "invalid");
  CHECK_THAT(o.error, Catch::Contains("not JSON"));
  CHECK(storage.gets == 0);
  CHECK(store.completes + store.fails == 0);
}

TEST_CASE("a job without its row is dead-lettered") {
  FakeStorage storage;
  FakeStore store;
  jobs::JobRunner runner(storage, store, quick_retries());
  std::atomic<bool> cancel{false};
  auto o = runner.run(queue::job_to_json(job), 0, cancel);
  CHECK(o.settle == Settle::dead_letter);
  CHECK(o.result == "no_row");
  CHECK(storage.gets == 0);
}

TEST_CASE("a job of a document that is already done or failed is acked without work") {
  for (const char* status : {"done", "failed"}) {
    FakeStorage storage;
    FakeStore store = store_with_pending_row();
    store.row->status = status;
    jobs::JobRunner runner(storage, store, quick_retries());
    std::atomic<bool> cancel{false};
    auto o = runner.run(queue::job_to_json(job), 0, cancel);
    CHECK(o.settle == Settle::ack);
    CHECK(o.result == "duplicate");
    CHECK(storage.gets == 0);
    CHECK(store.completes + store.fails == 0);
  }
}

TEST_CASE("a missing object fails the row with the reason and dead-letters the job") {
  FakeStorage storage;
  FakeStore store = store_with_pending_row();
  jobs::JobRunner runner(storage, store, quick_retries());
  std::atomic<bool> cancel{false};
  auto o = runner.run(queue::job_to_json(job), 0, cancel);
  CHECK(o.settle == Settle::dead_letter);
  CHECK(o.result == "failed");
  CHECK(store.row->status == "failed");
  CHECK_THAT(store.error, Catch::Contains("missing") && Catch::Contains(job.s3_key));
  CHECK(storage.gets == 1);  // not_found is permanent: no retries
}

TEST_CASE("a transient storage failure puts the job back with a delay; the row stays pending") {
  FakeStorage storage;
  storage.objects[job.s3_key] = text;
  storage.failures_left = 1;
  FakeStore store = store_with_pending_row();
  jobs::JobRunner runner(storage, store, quick_retries());
  std::atomic<bool> cancel{false};
  auto o = runner.run(queue::job_to_json(job), 0, cancel);
  CHECK(o.settle == Settle::retry);
  CHECK(o.result == "retry_later");
  CHECK(storage.gets == 1);  // no retries in-process: the storage client already tried twice
  CHECK(o.retry_in >= std::chrono::milliseconds(500));
  CHECK(o.retry_in <= std::chrono::milliseconds(1000));
  CHECK(store.row->status == "pending");
  CHECK(store.row->attempts == 0);  // a retry is an outcome: it does not count as a crash
  CHECK(store.releases == 1);
  // The next delivery (retries = 1) counts it.
  auto again = runner.run(queue::job_to_json(job), 1, cancel);
  CHECK(again.result == "done");
  CHECK(again.bytes == text.size());
  CHECK(store.total == static_cast<std::int64_t>(wordcount::count_words(text).total_words));
}

TEST_CASE("retry delays grow exponentially with jitter, capped at 256 s") {
  using std::chrono::milliseconds;
  CHECK(queue::retry_delay(0, 0.0) == milliseconds(500));
  CHECK(queue::retry_delay(0, 1.0) == milliseconds(1000));
  CHECK(queue::retry_delay(3, 0.0) == milliseconds(4000));
  CHECK(queue::retry_delay(3, 1.0) == milliseconds(8000));
  CHECK(queue::retry_delay(50, 1.0) == milliseconds(256000));
  CHECK(queue::retry_delay(50, 0.0) == milliseconds(128000));
  CHECK(queue::retry_queue(queue::retry_level(0)) == "countwords.retry.1s");
  CHECK(queue::retry_queue(queue::retry_level(5)) == "countwords.retry.32s");
  CHECK(queue::retry_queue(queue::retry_level(99)) == "countwords.retry.256s");
  // Every level's queue exists in the topology, with its TTL and its way back to countwords.
  auto topology = queue::topology();
  for (int level = 0; level < queue::kRetryLevels; ++level) {
    bool found = false;
    for (const auto& q : topology)
      if (q.name == queue::retry_queue(level)) {
        found = true;
        CHECK(q.dead_letter_to == "countwords");
        CHECK(q.message_ttl_ms == queue::retry_ceiling(level).count());
      }
    CHECK(found);
  }
}

TEST_CASE("a database that is down means a delayed retry") {
  FakeStorage storage;
  FakeStore store = store_with_pending_row();
  store.database_down = true;
  jobs::JobRunner runner(storage, store, quick_retries());
  std::atomic<bool> cancel{false};
  auto o = runner.run(queue::job_to_json(job), 0, cancel);
  CHECK(o.settle == Settle::retry);
  CHECK_THAT(o.error, Catch::Contains("database unavailable"));
  CHECK(storage.gets == 0);
}

TEST_CASE("failures are classified once: permanent ones fail the document, transient ones retry") {
  using jobs::Stage;
  auto permanent = [](Stage stage, Error::Kind kind) {
    return !jobs::classify(stage, make_error(kind, "x"), "files/a.txt").transient;
  };
  CHECK(permanent(Stage::read_object, Error::Kind::not_found));
  CHECK(permanent(Stage::read_object, Error::Kind::forbidden));
  CHECK(permanent(Stage::read_object, Error::Kind::invalid));
  CHECK(permanent(Stage::read_object, Error::Kind::internal));
  CHECK_FALSE(permanent(Stage::read_object, Error::Kind::unavailable));
  CHECK(permanent(Stage::count, Error::Kind::too_large));
  CHECK(permanent(Stage::count, Error::Kind::unsupported));
  CHECK(permanent(Stage::database, Error::Kind::invalid));
  CHECK_FALSE(permanent(Stage::database, Error::Kind::unavailable));
  CHECK_FALSE(permanent(Stage::database, Error::Kind::internal));
  auto denied = jobs::classify(Stage::read_object, make_error(Error::Kind::forbidden, "S3 GET failed: 403"), "k");
  CHECK_THAT(denied.error, Catch::Contains("refused access") && Catch::Contains("403"));
}

TEST_CASE("access denied fails the document at once: one GET, dead-lettered") {
  FakeStorage storage;
  storage.objects[job.s3_key] = text;
  storage.failures_left = 1;
  storage.failure_kind = Error::Kind::forbidden;
  FakeStore store = store_with_pending_row();
  auto o = run_once(storage, store);
  CHECK(o.settle == Settle::dead_letter);
  CHECK(storage.gets == 1);
  CHECK(store.row->status == "failed");
  CHECK_THAT(store.error, Catch::Contains("refused access"));
}

TEST_CASE("a job started 3 times without an outcome is failed on its 4th delivery") {
  FakeStorage storage;
  storage.objects[job.s3_key] = text;
  FakeStore store = store_with_pending_row();
  store.row->attempts = 3;  // three workers died while counting it
  auto o = run_once(storage, store);
  CHECK(o.settle == Settle::dead_letter);
  CHECK(o.result == "crashed");
  CHECK(storage.gets == 0);
  CHECK(store.row->status == "failed");
  CHECK_THAT(store.error, Catch::Contains("stopped while counting this document 3 times"));
}

TEST_CASE("two crashes then a success: the count is reset and the document done") {
  FakeStorage storage;
  storage.objects[job.s3_key] = text;
  FakeStore store = store_with_pending_row();
  store.row->attempts = 2;
  auto o = run_once(storage, store);
  CHECK(o.result == "done");
  CHECK(store.row->attempts == 0);
}

TEST_CASE("an exception in a job fails that document, not the process") {
  struct ThrowingStorage : FakeStorage {
    Status get(const std::string&, const storage::Sink&) override { throw std::bad_alloc(); }
  };
  ThrowingStorage storage;
  FakeStore store = store_with_pending_row();
  auto o = run_once(storage, store);
  CHECK(o.settle == Settle::dead_letter);
  CHECK(store.row->status == "failed");
  CHECK_THAT(store.error, Catch::Contains("ran out of memory"));
}

TEST_CASE("stopping while counting abandons the job for requeue") {
  FakeStorage storage;
  storage.objects[job.s3_key] = text;
  std::atomic<bool> cancel{false};
  storage.cancel_after_first_chunk = &cancel;
  FakeStore store = store_with_pending_row();
  jobs::JobRunner runner(storage, store, quick_retries());
  auto o = runner.run(queue::job_to_json(job), 0, cancel);
  CHECK(o.settle == Settle::requeue);
  CHECK(o.result == "cancelled");
  CHECK(store.completes == 0);
  CHECK(store.row->status == "pending");
  CHECK(store.row->attempts == 0);  // returned on SIGTERM: an outcome, not a crash
}

TEST_CASE("with_retries stops at a permanent error") {
  int calls = 0;
  std::atomic<bool> cancel{false};
  auto r = jobs::with_retries(quick_retries(), cancel, [&]() -> Status {
    ++calls;
    return make_error(Error::Kind::not_found, "gone");
  });
  CHECK_FALSE(r.ok());
  CHECK(calls == 1);
}
