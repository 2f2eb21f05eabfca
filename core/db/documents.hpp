#pragma once
// The document repository: every read and write of file_upload_meta that the
// web role and the worker make. Thread-safe (each call borrows a connection
// from the Pool for one statement).
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/result.hpp"
#include "db/pool.hpp"

namespace htut::db {

struct Document {
  std::string document_name, document_slug, filename, s3_key, status;
  std::string time_uploaded;  // RFC 3339 UTC with microseconds: 2026-11-28T15:04:05.123456Z
  std::optional<std::string> error;
  std::optional<std::int64_t> total_words, distinct_words;
  std::optional<std::string> word_counts;  // raw JSON object text, as stored (rank order kept)
  bool published = false;                  // its job was confirmed by the broker
  int attempts = 0;  // starts of its job without an outcome yet (a worker died while counting)
};

// A row the outbox claimed for publishing, and what to restore if publishing fails.
struct OutboxClaim {
  Document document;
  std::optional<std::string> previous_published_at;  // RFC 3339, as before the claim
};

struct NewDocument {
  std::string document_name, document_slug, filename, s3_key;
  std::int64_t size_bytes = 0;
};

// The error text of the /test_connection record (it has no file to count).
inline constexpr const char* test_record_error = "test record from /test_connection: it has no file";

class Documents {
 public:
  explicit Documents(Pool& pool, std::chrono::milliseconds acquire_timeout = std::chrono::seconds(5));

  // A new `pending` row; time_uploaded is the database's clock.
  Result<Document> insert_pending(const NewDocument& d);
  Result<std::optional<Document>> newest_by_slug(const std::string& slug);
  // Newest first; limit 1..1000, else `invalid`.
  Result<std::vector<Document>> newest(int limit);
  Result<std::optional<Document>> find(const std::string& slug, const std::string& time_uploaded);
  // The seed's fake row (Fake Document / fake_document / files/does_not_exist.txt),
  // stored `failed` with test_record_error so no job is ever published for it.
  Result<Document> insert_test_connection_record();

  // Records that the broker confirmed the document's job. not_found when no such row.
  Status mark_published(const std::string& slug, const std::string& time_uploaded);
  // The outbox's rows, oldest first: pending and never published (min_age
  // leaves alone rows so fresh that the web role is still publishing them),
  // or pending with a job that may really be lost: nothing was heard of it
  // (published, taken, or due back from a retry: published_at / job_due_at)
  // for `lost_after`, or for 4 × `lost_after` when a worker took it without
  // an outcome (attempts > 0: the broker redelivers such a job by itself,
  // unless it lost it). A job a worker holds or one waiting for its retry is
  // never listed, so copies never pile up.
  Result<std::vector<Document>> unpublished(int limit, std::chrono::seconds min_age = std::chrono::seconds(0),
                                            std::chrono::seconds lost_after = std::chrono::minutes(15));
  // The same rows, claimed: published_at is set to now() in the same statement
  // (FOR UPDATE SKIP LOCKED), so two outboxes never publish one row in a pass.
  // A claim whose publish fails is undone with unclaim().
  Result<std::vector<OutboxClaim>> claim_unpublished(int limit,
                                                     std::chrono::seconds min_age = std::chrono::seconds(0),
                                                     std::chrono::seconds lost_after = std::chrono::minutes(15));
  Status unclaim(const OutboxClaim& claim);

  // A worker takes the job of a pending row: attempts + 1, job_due_at = now().
  // nullopt when the row is not pending (or gone). The returned attempts
  // include this start.
  Result<std::optional<Document>> claim_job(const std::string& slug, const std::string& time_uploaded);
  // The job ended without finishing the row (put back for a retry in `retry_in`,
  // or returned on SIGTERM): attempts = 0, job_due_at = now() + retry_in.
  Status release_job(const std::string& slug, const std::string& time_uploaded, std::chrono::seconds retry_in);
  // failed -> pending again (`htut jobs retry`), its job about to be published.
  // False when the row is not failed.
  Result<bool> reset_failed(const std::string& slug, const std::string& time_uploaded);

  // pending -> done with the totals and the top words, in one UPDATE. False when
  // the row is not pending (already done/failed, or gone): a redelivered job.
  Result<bool> complete(const std::string& slug, const std::string& time_uploaded, std::int64_t total_words,
                        std::int64_t distinct_words, const std::string& word_counts_json);
  // pending -> failed with the reason. False when the row is not pending.
  Result<bool> fail(const std::string& slug, const std::string& time_uploaded, const std::string& error);
  // Deletes a row (rolls back a half-done upload). OK when it was already gone.
  Status remove(const std::string& slug, const std::string& time_uploaded);
  // SELECT 1, for /healthz.
  Status ping();

 private:
  enum class Retry { no, when_connection_was_stale };
  Result<Rows> run(const std::string& sql, const std::vector<Param>& params, Retry retry);
  Result<std::optional<Document>> one(const std::string& sql, const std::vector<Param>& params);
  Result<std::vector<Document>> many(const std::string& sql, const std::vector<Param>& params);

  Pool& pool_;
  std::chrono::milliseconds acquire_timeout_;
};

}  // namespace htut::db
