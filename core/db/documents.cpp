#include "db/documents.hpp"

namespace htut::db {
namespace {

// Every read returns these columns in this order (see to_document). The
// timestamp goes out as RFC 3339 UTC with microseconds and comes back as
// `$n::timestamptz`, so a round trip is exact.
const std::string columns =
    "document_name, document_slug, filename, s3_key, status,"
    " to_char(time_uploaded AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"'),"
    " error, total_words, distinct_words, word_counts, published_at IS NOT NULL";

const std::string where_key = " WHERE document_slug = $1 AND time_uploaded = $2::timestamptz";

Document to_document(const Rows& rows, int r) {
  Document d;
  d.document_name = rows.text(r, 0);
  d.document_slug = rows.text(r, 1);
  d.filename = rows.text(r, 2);
  d.s3_key = rows.text(r, 3);
  d.status = rows.text(r, 4);
  d.time_uploaded = rows.text(r, 5);
  d.error = rows.optional_text(r, 6);
  d.total_words = rows.optional_int(r, 7);
  d.distinct_words = rows.optional_int(r, 8);
  d.word_counts = rows.optional_text(r, 9);
  d.published = rows.boolean(r, 10);
  return d;
}

Result<Document> first(Result<Rows> rows) {
  if (!rows) return rows.error();
  if (rows->size() == 0) return make_error(Error::Kind::internal, "database error: the statement returned no row");
  return to_document(*rows, 0);
}

}  // namespace

Documents::Documents(Pool& pool, std::chrono::milliseconds acquire_timeout)
    : pool_(pool), acquire_timeout_(acquire_timeout) {}

Result<Rows> Documents::run(const std::string& sql, const std::vector<Param>& params, Retry retry) {
  for (int attempt = 0;; ++attempt) {
    auto lease = pool_.acquire(acquire_timeout_);
    if (!lease) return lease.error();
    auto rows = (*lease)->exec(sql, params);
    // A reused connection that turns out dead (the server restarted while it
    // sat idle) ran nothing; a statement that is safe to repeat gets one more
    // go on a fresh connection. Inserts are never repeated.
    bool stale = !rows && !lease->fresh() && !(*lease)->alive();
    if (rows || !stale || retry == Retry::no || attempt > 0) return rows;
  }
}

Result<std::optional<Document>> Documents::one(const std::string& sql, const std::vector<Param>& params) {
  auto rows = run(sql, params, Retry::when_connection_was_stale);
  if (!rows) return rows.error();
  if (rows->size() == 0) return std::optional<Document>{};
  return std::optional<Document>{to_document(*rows, 0)};
}

Result<std::vector<Document>> Documents::many(const std::string& sql, const std::vector<Param>& params) {
  auto rows = run(sql, params, Retry::when_connection_was_stale);
  if (!rows) return rows.error();
  std::vector<Document> out;
  out.reserve(static_cast<std::size_t>(rows->size()));
  for (int r = 0; r < rows->size(); ++r) out.push_back(to_document(*rows, r));
  return out;
}

Result<Document> Documents::insert_pending(const NewDocument& d) {
  const std::string sql =
      "INSERT INTO file_upload_meta (document_name, document_slug, time_uploaded, s3_key, filename, size_bytes)"
      " VALUES ($1, $2, clock_timestamp(), $3, $4, $5) RETURNING " +
      columns;
  // The key includes the microsecond timestamp: two uploads of one slug in the
  // same microsecond collide, so take a new timestamp and try again.
  for (int attempt = 0;; ++attempt) {
    auto inserted = first(
        run(sql, {d.document_name, d.document_slug, d.s3_key, d.filename, std::to_string(d.size_bytes)}, Retry::no));
    if (inserted || inserted.error().kind != Error::Kind::conflict || attempt == 2) return inserted;
  }
}

Result<std::optional<Document>> Documents::newest_by_slug(const std::string& slug) {
  return one(
      "SELECT " + columns + " FROM file_upload_meta WHERE document_slug = $1 ORDER BY time_uploaded DESC LIMIT 1",
      {slug});
}

Result<std::vector<Document>> Documents::newest(int limit) {
  if (limit < 1 || limit > 1000) return make_error(Error::Kind::invalid, "limit must be from 1 to 1000");
  return many("SELECT " + columns + " FROM file_upload_meta ORDER BY time_uploaded DESC LIMIT $1",
              {std::to_string(limit)});
}

Result<std::optional<Document>> Documents::find(const std::string& slug, const std::string& time_uploaded) {
  return one("SELECT " + columns + " FROM file_upload_meta" + where_key, {slug, time_uploaded});
}

Result<Document> Documents::insert_test_connection_record() {
  const std::string sql =
      "INSERT INTO file_upload_meta (document_name, document_slug, time_uploaded, s3_key, filename, status, error)"
      " VALUES ('Fake Document', 'fake_document', clock_timestamp(), 'files/does_not_exist.txt',"
      " 'does_not_exist.txt', 'failed', $1) RETURNING " +
      columns;
  for (int attempt = 0;; ++attempt) {
    auto inserted = first(run(sql, {std::string(test_record_error)}, Retry::no));
    if (inserted || inserted.error().kind != Error::Kind::conflict || attempt == 2) return inserted;
  }
}

Status Documents::mark_published(const std::string& slug, const std::string& time_uploaded) {
  auto rows = run("UPDATE file_upload_meta SET published_at = now()" + where_key,
                  {slug, time_uploaded}, Retry::when_connection_was_stale);
  if (!rows) return rows.error();
  if (rows->affected() == 0) return make_error(Error::Kind::not_found, "no document " + slug + " at " + time_uploaded);
  return ok_status();
}

Result<std::vector<Document>> Documents::unpublished(int limit, std::chrono::seconds min_age,
                                                     std::chrono::seconds republish_after) {
  if (limit < 1 || limit > 1000) return make_error(Error::Kind::invalid, "limit must be from 1 to 1000");
  // Same predicate as the partial index file_upload_meta_outbox.
  return many("SELECT " + columns +
                  " FROM file_upload_meta WHERE status = 'pending' AND ("
                  "(published_at IS NULL AND time_uploaded <= now() - make_interval(secs => $2::int))"
                  " OR published_at <= now() - make_interval(secs => $3::int))"
                  " ORDER BY time_uploaded LIMIT $1",
              {std::to_string(limit), std::to_string(min_age.count()), std::to_string(republish_after.count())});
}

Result<bool> Documents::complete(const std::string& slug, const std::string& time_uploaded, std::int64_t total_words,
                                 std::int64_t distinct_words, const std::string& word_counts_json) {
  auto rows =
      run("UPDATE file_upload_meta SET status = 'done', error = NULL, total_words = $3, distinct_words = $4,"
          " word_counts = $5::json, counted_at = now()" +
              where_key + " AND status = 'pending'",
          {slug, time_uploaded, std::to_string(total_words), std::to_string(distinct_words), word_counts_json},
          Retry::when_connection_was_stale);
  if (!rows) return rows.error();
  return rows->affected() == 1;
}

Result<bool> Documents::fail(const std::string& slug, const std::string& time_uploaded, const std::string& error) {
  auto rows = run("UPDATE file_upload_meta SET status = 'failed', error = $3, counted_at = now()" + where_key +
                      " AND status = 'pending'",
                  {slug, time_uploaded, error}, Retry::when_connection_was_stale);
  if (!rows) return rows.error();
  return rows->affected() == 1;
}

Status Documents::remove(const std::string& slug, const std::string& time_uploaded) {
  auto rows = run("DELETE FROM file_upload_meta" + where_key, {slug, time_uploaded}, Retry::when_connection_was_stale);
  if (!rows) return rows.error();
  return ok_status();
}

Status Documents::ping() {
  auto rows = run("SELECT 1", {}, Retry::when_connection_was_stale);
  if (!rows) return rows.error();
  return ok_status();
}

}  // namespace htut::db
