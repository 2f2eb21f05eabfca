#include "db/documents.hpp"

#include <algorithm>

namespace htut::db {
namespace {

// Every read returns these columns in this order (see to_document). The
// timestamp goes out as RFC 3339 UTC with microseconds and comes back as
// `$n::timestamptz`, so a round trip is exact.
std::string columns_of(const std::string& t) {
  return t + "document_name, " + t + "document_slug, " + t + "filename, " + t + "s3_key, " + t + "status," +
         " to_char(" + t + "time_uploaded AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"'), " + t +
         "error, " + t + "total_words, " + t + "distinct_words, " + t + "word_counts, " + t +
         "published_at IS NOT NULL, " + t + "attempts";
}
const std::string columns = columns_of("");

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
  d.attempts = static_cast<int>(rows.optional_int(r, 11).value_or(0));
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

namespace {

// The outbox's predicate (see unpublished()); $1 limit, $2 min_age, $3 lost_after (seconds).
const std::string outbox_where =
    " WHERE status = 'pending' AND ("
    "(published_at IS NULL AND time_uploaded <= now() - make_interval(secs => $2::int))"
    " OR (published_at IS NOT NULL AND greatest(published_at, job_due_at) <="
    " now() - make_interval(secs => $3::int * CASE WHEN attempts = 0 THEN 1 ELSE 4 END)))";

Status check_limit(int limit) {
  if (limit < 1 || limit > 1000) return make_error(Error::Kind::invalid, "limit must be from 1 to 1000");
  return ok_status();
}

}  // namespace

Result<std::vector<Document>> Documents::unpublished(int limit, std::chrono::seconds min_age,
                                                     std::chrono::seconds lost_after) {
  if (auto s = check_limit(limit); !s) return s.error();
  return many("SELECT " + columns + " FROM file_upload_meta" + outbox_where + " ORDER BY time_uploaded LIMIT $1",
              {std::to_string(limit), std::to_string(min_age.count()), std::to_string(lost_after.count())});
}

Result<std::vector<OutboxClaim>> Documents::claim_unpublished(int limit, std::chrono::seconds min_age,
                                                              std::chrono::seconds lost_after) {
  if (auto s = check_limit(limit); !s) return s.error();
  // The subquery locks the rows it picks and skips rows another outbox holds;
  // a row another outbox claimed meanwhile no longer matches when re-checked.
  const std::string sql =
      "UPDATE file_upload_meta f SET published_at = now() FROM (SELECT document_slug, time_uploaded, published_at"
      " FROM file_upload_meta" +
      outbox_where +
      " ORDER BY time_uploaded LIMIT $1 FOR UPDATE SKIP LOCKED) prev"
      " WHERE f.document_slug = prev.document_slug AND f.time_uploaded = prev.time_uploaded RETURNING " +
      columns_of("f.") +
      ", to_char(prev.published_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')";
  auto rows = run(sql, {std::to_string(limit), std::to_string(min_age.count()), std::to_string(lost_after.count())},
                  Retry::no);
  if (!rows) return rows.error();
  std::vector<OutboxClaim> out;
  for (int r = 0; r < rows->size(); ++r) out.push_back({to_document(*rows, r), rows->optional_text(r, 12)});
  std::sort(out.begin(), out.end(), [](const OutboxClaim& a, const OutboxClaim& b) {
    return a.document.time_uploaded < b.document.time_uploaded;
  });
  return out;
}

Status Documents::unclaim(const OutboxClaim& claim) {
  const Document& d = claim.document;
  auto rows = run("UPDATE file_upload_meta SET published_at = $3::timestamptz" + where_key,
                  {d.document_slug, d.time_uploaded, claim.previous_published_at}, Retry::when_connection_was_stale);
  if (!rows) return rows.error();
  return ok_status();
}

Result<std::optional<Document>> Documents::claim_job(const std::string& slug, const std::string& time_uploaded) {
  return one("UPDATE file_upload_meta SET attempts = attempts + 1, job_due_at = now()" + where_key +
                 " AND status = 'pending' RETURNING " + columns,
             {slug, time_uploaded});
}

Status Documents::release_job(const std::string& slug, const std::string& time_uploaded,
                              std::chrono::seconds retry_in) {
  auto rows = run("UPDATE file_upload_meta SET attempts = 0, job_due_at = now() + make_interval(secs => $3::int)" +
                      where_key + " AND status = 'pending'",
                  {slug, time_uploaded, std::to_string(retry_in.count())}, Retry::when_connection_was_stale);
  if (!rows) return rows.error();
  return ok_status();
}

Result<bool> Documents::reset_failed(const std::string& slug, const std::string& time_uploaded) {
  auto rows = run("UPDATE file_upload_meta SET status = 'pending', error = NULL, counted_at = NULL, attempts = 0,"
                  " published_at = now(), job_due_at = now()" +
                      where_key + " AND status = 'failed'",
                  {slug, time_uploaded}, Retry::when_connection_was_stale);
  if (!rows) return rows.error();
  return rows->affected() == 1;
}

Result<bool> Documents::complete(const std::string& slug, const std::string& time_uploaded, std::int64_t total_words,
                                 std::int64_t distinct_words, const std::string& word_counts_json) {
  auto rows =
      run("UPDATE file_upload_meta SET status = 'done', error = NULL, total_words = $3, distinct_words = $4,"
          " word_counts = $5::json, counted_at = now(), attempts = 0" +
              where_key + " AND status = 'pending'",
          {slug, time_uploaded, std::to_string(total_words), std::to_string(distinct_words), word_counts_json},
          Retry::when_connection_was_stale);
  if (!rows) return rows.error();
  return rows->affected() == 1;
}

Result<bool> Documents::fail(const std::string& slug, const std::string& time_uploaded, const std::string& error) {
  auto rows = run("UPDATE file_upload_meta SET status = 'failed', error = $3, counted_at = now(), attempts = 0" + where_key +
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
