#include "jobs/job_runner.hpp"

#include "queue/job.hpp"
#include "wordcount/count_result.hpp"
#include "wordcount/counter.hpp"

namespace htut::jobs {
namespace {

Outcome finish(Outcome o, Settle settle, std::string result, std::string error = {}) {
  o.settle = settle;
  o.result = std::move(result);
  o.error = std::move(error);
  return o;
}

// Streams the object through a fresh counter (never the whole file in memory;
// past the memory budget the counter spills to disk, its files gone with it).
Result<wordcount::CountResult> count_object(storage::Storage& storage, const std::string& key,
                                            const std::atomic<bool>& cancel, std::uint64_t& bytes,
                                            const wordcount::CountOptions& options) {
  wordcount::Counter counter(options);
  bytes = 0;
  // A spill that fails (disk full) is transient: retried, then requeued.
  auto spill_failed = [](const wordcount::SpillError& e) { return make_error(Error::Kind::unavailable, e.what()); };
  auto got = storage.get(key, [&](std::string_view chunk) -> Status {
    if (cancel.load()) return make_error(Error::Kind::unavailable, "cancelled: the worker is stopping");
    try {  // no exception may cross the storage client
      counter.feed(chunk);
    } catch (const wordcount::SpillError& e) {
      return spill_failed(e);
    }
    bytes += chunk.size();
    return ok_status();
  });
  if (!got) return got.error();
  try {
    counter.finish();
    return counter.result(wordcount::kDefaultTop);
  } catch (const wordcount::SpillError& e) {
    return spill_failed(e);
  }
}

}  // namespace

const char* settle_name(Settle settle) {
  switch (settle) {
    case Settle::ack:
      return "ack";
    case Settle::dead_letter:
      return "dead_letter";
    case Settle::requeue:
      return "requeue";
  }
  return "requeue";
}

Outcome JobRunner::run(std::string_view body, const std::atomic<bool>& cancel) {
  Outcome o;
  auto job = queue::parse_job(body);
  if (!job) return finish(o, Settle::dead_letter, "invalid", job.error().message);
  o.slug = job->document_slug;
  const std::string& slug = job->document_slug;
  const std::string& time = job->time_uploaded;

  // Transient failures were retried in-process; requeue so that a later
  // attempt (maybe on another worker) happens once the service is back.
  auto later = [&](const Error& e) {
    return finish(o, Settle::requeue, cancel.load() ? "cancelled" : "retry_later", e.message);
  };

  auto row = with_retries(retry_, cancel, [&] { return store_.find(slug, time); });
  if (!row)
    return is_transient(row.error()) ? later(row.error())
                                     : finish(o, Settle::dead_letter, "invalid", row.error().message);
  if (!*row) return finish(o, Settle::dead_letter, "no_row", "no document " + slug + " uploaded at " + time);
  if ((*row)->status != "pending") return finish(o, Settle::ack, "duplicate", "already " + (*row)->status);

  std::uint64_t bytes = 0;
  auto counted = with_retries(retry_, cancel, [&] { return count_object(storage_, job->s3_key, cancel, bytes, count_); });
  o.bytes = bytes;
  if (cancel.load()) return finish(o, Settle::requeue, "cancelled", "the worker is stopping");
  if (!counted) {
    if (is_transient(counted.error())) return later(counted.error());
    // Permanent (object missing, bad key): record why on the row, then dead-letter.
    std::string reason = counted.error().kind == Error::Kind::not_found
                             ? "the uploaded file is missing from storage (" + job->s3_key + ")"
                             : "cannot read the uploaded file: " + counted.error().message;
    auto failed = with_retries(retry_, cancel, [&] { return store_.fail(slug, time, reason); });
    if (!failed) return later(failed.error());
    return finish(o, Settle::dead_letter, "failed", reason);
  }

  o.words = counted->total_words;
  auto json = wordcount::word_counts_json(*counted);
  auto done = with_retries(retry_, cancel, [&] {
    return store_.complete(slug, time, static_cast<std::int64_t>(counted->total_words),
                           static_cast<std::int64_t>(counted->distinct_words), json);
  });
  if (!done) return later(done.error());
  if (!*done) return finish(o, Settle::ack, "duplicate", "completed meanwhile by another delivery");
  return finish(o, Settle::ack, "done");
}

}  // namespace htut::jobs
