#include "jobs/job_runner.hpp"

#include <optional>
#include <random>

#include "queue/job.hpp"
#include "queue/topology.hpp"
#include "wordcount/count_result.hpp"
#include "wordcount/counter.hpp"

namespace htut::jobs {
namespace {

// How many of a document's top words its row keeps (the interface: 1000; the
// API and the cloud page pick their top N from these).
constexpr std::size_t kStoredTopWords = 1000;

Outcome finish(Outcome o, Settle settle, std::string result, std::string error = {}) {
  o.settle = settle;
  o.result = std::move(result);
  o.error = std::move(error);
  return o;
}

double unit_random() {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  return std::uniform_real_distribution<double>(0.0, 1.0)(rng);
}

struct Counted {
  std::optional<wordcount::CountResult> result;
  std::optional<Failure> failure;
};

// Streams the object through a fresh counter (never the whole file in memory;
// past the memory budget the counter spills to disk, its files gone with it).
// A failure is classified by where it happened: reading, or counting.
Counted count_object(storage::Storage& storage, const std::string& key, const std::atomic<bool>& cancel,
                     std::uint64_t& bytes, const wordcount::CountOptions& options) {
  wordcount::Counter counter(options);
  bytes = 0;
  // A spill that fails (disk full) is transient: the job comes back later.
  std::optional<Error> count_error;
  auto spill_failed = [](const wordcount::SpillError& e) { return make_error(Error::Kind::unavailable, e.what()); };
  auto got = storage.get(key, [&](std::string_view chunk) -> Status {
    if (cancel.load()) return make_error(Error::Kind::unavailable, "cancelled: the worker is stopping");
    try {  // no exception may cross the storage client
      counter.feed(chunk);
    } catch (const wordcount::SpillError& e) {
      count_error = spill_failed(e);
      return *count_error;
    }
    bytes += chunk.size();
    return ok_status();
  });
  if (count_error) return {std::nullopt, classify(Stage::count, *count_error, key)};
  if (!got) return {std::nullopt, classify(Stage::read_object, got.error(), key)};
  try {
    counter.finish();
    return {counter.result(kStoredTopWords), std::nullopt};
  } catch (const wordcount::SpillError& e) {
    return {std::nullopt, classify(Stage::count, spill_failed(e), key)};
  }
}

}  // namespace

const char* settle_name(Settle settle) {
  switch (settle) {
    case Settle::ack:
      return "ack";
    case Settle::dead_letter:
      return "dead_letter";
    case Settle::retry:
      return "retry";
    case Settle::requeue:
      return "requeue";
  }
  return "requeue";
}

Outcome JobRunner::run(std::string_view body, int retries, const std::atomic<bool>& cancel) {
  Outcome o;
  o.retries = retries;
  auto job = queue::parse_job(body);
  if (!job) return finish(o, Settle::dead_letter, "invalid", job.error().message);
  o.slug = job->document_slug;
  // Nothing that goes wrong in one job may take the process down: fail the
  // document (a retry would most likely throw again) and go on.
  auto failed_by = [&](const std::exception* e) {
    std::string why = exception_error(e);
    try {
      auto marked = store_.fail(job->document_slug, job->time_uploaded, why);
      if (!marked) return finish(o, Settle::dead_letter, "failed", why + " (not recorded: " + marked.error().message + ")");
    } catch (...) {
      return finish(o, Settle::dead_letter, "failed", why + " (not recorded)");
    }
    return finish(o, Settle::dead_letter, "failed", why);
  };
  try {
    return run_job(*job, retries, cancel, o);
  } catch (const std::exception& e) {
    return failed_by(&e);
  } catch (...) {
    return failed_by(nullptr);
  }
}

Outcome JobRunner::run_job(const queue::Job& the_job, int retries, const std::atomic<bool>& cancel, Outcome& o) {
  const queue::Job* job = &the_job;
  const std::string& slug = job->document_slug;
  const std::string& time = job->time_uploaded;

  // Transient: the row stays pending, the job comes back after a delay.
  auto later = [&](const std::string& why) {
    if (cancel.load()) {
      (void)store_.release(slug, time, std::chrono::seconds(0));
      return finish(o, Settle::requeue, "cancelled", "the worker is stopping");
    }
    o.retry_in = queue::retry_delay(retries, unit_random());
    (void)store_.release(slug, time, std::chrono::duration_cast<std::chrono::seconds>(o.retry_in));
    return finish(o, Settle::retry, "retry_later", why);
  };
  // Permanent: the row is failed with the reason, the job dead-lettered.
  auto fail = [&](const std::string& why, const char* result = "failed") {
    auto marked = with_retries(retry_, cancel, [&] { return store_.fail(slug, time, why); });
    if (!marked) return later(marked.error().message);
    if (!*marked) return finish(o, Settle::ack, "duplicate", "finished meanwhile by another delivery");
    return finish(o, Settle::dead_letter, result, why);
  };

  auto claimed = with_retries(retry_, cancel, [&] { return store_.claim(slug, time); });
  if (!claimed) {
    Failure f = classify(Stage::database, claimed.error(), job->s3_key);
    if (f.transient) return later(f.error);
    return finish(o, Settle::dead_letter, "invalid", f.error);
  }
  if (!*claimed) {
    auto row = with_retries(retry_, cancel, [&] { return store_.find(slug, time); });
    if (!row) return later(row.error().message);
    if (!*row) return finish(o, Settle::dead_letter, "no_row", "no document " + slug + " uploaded at " + time);
    return finish(o, Settle::ack, "duplicate", "already " + (*row)->status);
  }
  if ((*claimed)->attempts > kMaxStartsWithoutOutcome) return fail(crash_error(), "crashed");

  std::uint64_t bytes = 0;
  Counted counted = count_object(storage_, job->s3_key, cancel, bytes, count_);
  o.bytes = bytes;
  if (cancel.load()) return later("the worker is stopping");
  if (counted.failure) {
    if (counted.failure->transient) return later(counted.failure->error);
    return fail(counted.failure->error);
  }

  o.words = counted.result->total_words;
  auto json = wordcount::word_counts_json(*counted.result);
  auto done = with_retries(retry_, cancel, [&] {
    return store_.complete(slug, time, static_cast<std::int64_t>(counted.result->total_words),
                           static_cast<std::int64_t>(counted.result->distinct_words), json);
  });
  if (!done) {
    Failure f = classify(Stage::database, done.error(), job->s3_key);
    return f.transient ? later(f.error) : fail(f.error);
  }
  if (!*done) return finish(o, Settle::ack, "duplicate", "completed meanwhile by another delivery");
  return finish(o, Settle::ack, "done");
}

}  // namespace htut::jobs
