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
  // Pending and never published, oldest first (the outbox).
  // min_age leaves alone rows so fresh that the web role is still publishing them.
  // Rows published more than republish_after ago and still pending come back
  // too: their job may have been lost (the worker is idempotent, so a
  // duplicate costs only a recount).
  Result<std::vector<Document>> unpublished(int limit, std::chrono::seconds min_age = std::chrono::seconds(0),
                                            std::chrono::seconds republish_after = std::chrono::minutes(15));

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
