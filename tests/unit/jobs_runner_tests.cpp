// JobRunner's decisions (ack / dead-letter / requeue) with in-memory fakes of
// storage and the database; the real services are covered by test_worker.py.
#include <catch2/catch.hpp>
#include <cstdlib>
#include <filesystem>
#include <map>

#include "jobs/job_runner.hpp"
#include "queue/job.hpp"
#include "wordcount/count_result.hpp"
#include "wordcount/counter.hpp"

using namespace htut;
using jobs::Settle;

namespace {

// Objects in memory, handed to the sink in small chunks; can fail a few times first.
struct FakeStorage : storage::Storage {
  std::map<std::string, std::string> objects;
  int failures_left = 0;  // unavailable errors before it works
  int gets = 0;
  std::atomic<bool>* cancel_after_first_chunk = nullptr;

  Result<storage::ObjectInfo> put(const std::string&, const storage::Reader&, const storage::PutOptions&) override {
    return make_error(Error::Kind::internal, "unused");
  }
  Status get(const std::string& key, const storage::Sink& sink) override {
    ++gets;
    if (failures_left > 0) {
      --failures_left;
      return make_error(Error::Kind::unavailable, "storage unavailable: connection refused");
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
  int completes = 0, fails = 0;
  std::int64_t total = -1, distinct = -1;
  std::string word_counts, error;

  Result<std::optional<db::Document>> find(const std::string& slug, const std::string& time) override {
    if (database_down) return make_error(Error::Kind::unavailable, "database unavailable");
    if (row && row->document_slug == slug && row->time_uploaded == time) return row;
    return std::optional<db::Document>();
  }
  Result<bool> complete(const std::string&, const std::string&, std::int64_t t, std::int64_t d,
                        const std::string& json) override {
    ++completes;
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

}  // namespace

TEST_CASE("a pending job is counted, stored in one complete() and acked") {
  FakeStorage storage;
  storage.objects[job.s3_key] = text;
  FakeStore store = store_with_pending_row();
  jobs::JobRunner runner(storage, store, quick_retries());
  std::atomic<bool> cancel{false};
  auto o = runner.run(queue::job_to_json(job), cancel);
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

TEST_CASE("a count past its memory budget spills and stays exact; a spill that fails is retried, then requeued") {
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
    auto o = runner.run(queue::job_to_json(job), cancel);
    CHECK(o.result == "done");
    const auto expected = wordcount::count_words(many);
    CHECK(store.distinct == 1200);
    CHECK(store.word_counts == wordcount::word_counts_json(expected));
  }
  SECTION("TMPDIR missing") {
    FakeStore store = store_with_pending_row();
    jobs::JobRunner runner(storage, store, quick_retries(), wordcount::CountOptions{1, tmp + "/missing"});
    auto o = runner.run(queue::job_to_json(job), cancel);
    CHECK(o.settle == Settle::requeue);
    CHECK(o.result == "retry_later");
    CHECK(o.error.find("cannot create a temporary file in " + tmp + "/missing") != std::string::npos);
    CHECK(storage.gets == 3);  // retried like a storage outage
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
  auto o = runner.run("{not json", cancel);
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
  auto o = runner.run(queue::job_to_json(job), cancel);
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
    auto o = runner.run(queue::job_to_json(job), cancel);
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
  auto o = runner.run(queue::job_to_json(job), cancel);
  CHECK(o.settle == Settle::dead_letter);
  CHECK(o.result == "failed");
  CHECK(store.row->status == "failed");
  CHECK_THAT(store.error, Catch::Contains("missing") && Catch::Contains(job.s3_key));
  CHECK(storage.gets == 1);  // not_found is permanent: no retries
}

TEST_CASE("transient storage failures are retried in-process") {
  FakeStorage storage;
  storage.objects[job.s3_key] = text;
  storage.failures_left = 2;
  FakeStore store = store_with_pending_row();
  jobs::JobRunner runner(storage, store, quick_retries());
  std::atomic<bool> cancel{false};
  auto o = runner.run(queue::job_to_json(job), cancel);
  CHECK(o.result == "done");
  CHECK(storage.gets == 3);
  CHECK(o.bytes == text.size());  // the retried attempt starts counting from scratch
  CHECK(store.total == static_cast<std::int64_t>(wordcount::count_words(text).total_words));
}

TEST_CASE("storage that stays unavailable means requeue, the row stays pending") {
  FakeStorage storage;
  storage.objects[job.s3_key] = text;
  storage.failures_left = 100;
  FakeStore store = store_with_pending_row();
  jobs::JobRunner runner(storage, store, quick_retries());
  std::atomic<bool> cancel{false};
  auto o = runner.run(queue::job_to_json(job), cancel);
  CHECK(o.settle == Settle::requeue);
  CHECK(o.result == "retry_later");
  CHECK(storage.gets == 3);
  CHECK(store.row->status == "pending");
}

TEST_CASE("a database that is down means requeue") {
  FakeStorage storage;
  FakeStore store = store_with_pending_row();
  store.database_down = true;
  jobs::JobRunner runner(storage, store, quick_retries());
  std::atomic<bool> cancel{false};
  auto o = runner.run(queue::job_to_json(job), cancel);
  CHECK(o.settle == Settle::requeue);
  CHECK_THAT(o.error, Catch::Contains("database unavailable"));
}

TEST_CASE("stopping while counting abandons the job for requeue") {
  FakeStorage storage;
  storage.objects[job.s3_key] = text;
  std::atomic<bool> cancel{false};
  storage.cancel_after_first_chunk = &cancel;
  FakeStore store = store_with_pending_row();
  jobs::JobRunner runner(storage, store, quick_retries());
  auto o = runner.run(queue::job_to_json(job), cancel);
  CHECK(o.settle == Settle::requeue);
  CHECK(o.result == "cancelled");
  CHECK(store.completes == 0);
  CHECK(store.row->status == "pending");
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
