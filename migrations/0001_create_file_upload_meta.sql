-- The documents: the seed app's columns (document_name, document_slug,
-- time_uploaded, s3_key, filename, word_counts) plus the word-count job's state.
--
-- Adoptive (docs/operations.md, "Upgrading from the tutorial app"): on the
-- database of a running heroku-tut 0.4.0 the table already exists with the
-- seed's six columns and its rows, and no schema_migrations. Then this keeps
-- every row, adds htut's columns and derives each row's state from what the
-- seed left. On an empty database it creates the same schema as always.

CREATE TABLE IF NOT EXISTS file_upload_meta (
  document_name  text        NOT NULL,
  -- slugify() makes at most 80 ASCII characters; the bound keeps the
  -- NOTIFY payload below (limit 8000 bytes) far from its limit.
  document_slug  text        NOT NULL CHECK (char_length(document_slug) BETWEEN 1 AND 200),
  time_uploaded  timestamptz NOT NULL DEFAULT now(),
  s3_key         text        NOT NULL,
  filename       text        NOT NULL,
  -- json, not jsonb: the top words are stored in rank order and jsonb would
  -- reorder the object's keys (it sorts them by length, then bytes).
  word_counts    json,
  PRIMARY KEY (document_slug, time_uploaded)
);

-- The seed's table has no CHECK on the slug, and its slugify had no length
-- limit (an all-punctuation name even gave ''). The check is added when the
-- seed's rows pass it; otherwise it is left out rather than make those rows
-- impossible to update (htut's own slugs are 1 to 80 characters anyway).
DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_constraint
                 WHERE conrelid = 'file_upload_meta'::regclass
                   AND conname = 'file_upload_meta_document_slug_check')
     AND NOT EXISTS (SELECT 1 FROM file_upload_meta
                     WHERE char_length(document_slug) NOT BETWEEN 1 AND 200) THEN
    ALTER TABLE file_upload_meta ADD CONSTRAINT file_upload_meta_document_slug_check
      CHECK (char_length(document_slug) BETWEEN 1 AND 200);
  END IF;
END
$$;

ALTER TABLE file_upload_meta
  ADD COLUMN IF NOT EXISTS status         text        NOT NULL DEFAULT 'pending'
                           CHECK (status IN ('pending', 'done', 'failed')),
  ADD COLUMN IF NOT EXISTS error          text,         -- why it failed
  ADD COLUMN IF NOT EXISTS total_words    bigint,
  ADD COLUMN IF NOT EXISTS distinct_words bigint,
  ADD COLUMN IF NOT EXISTS counted_at     timestamptz,  -- when the job finished (done or failed)
  ADD COLUMN IF NOT EXISTS published_at   timestamptz,  -- when the broker confirmed the job (outbox)
  ADD COLUMN IF NOT EXISTS size_bytes     bigint;

-- The seed's rows (none on an empty database), all `pending` by the default
-- above. A row with counts is done: its top-100 object, stored in no
-- particular order, is re-ranked by the word-count rules' order (count
-- descending, then the word in code-point order, which is the byte order of
-- UTF-8: COLLATE "C" in a UTF8 database). The seed recorded no totals, so
-- total_words and distinct_words stay NULL (unknown). Counts the seed could
-- not have written (not an object, a value that is not a number) are counted
-- again instead: such a row stays pending.
UPDATE file_upload_meta AS f
SET status = 'done',
    word_counts = COALESCE(
      (SELECT json_object_agg(e.key, e.value ORDER BY (e.value::text)::numeric DESC, e.key COLLATE "C")
       FROM json_each(f.word_counts) AS e),
      '{}'::json)
WHERE f.word_counts IS NOT NULL
  AND json_typeof(f.word_counts) = 'object'
  AND NOT EXISTS (SELECT 1 FROM json_each(f.word_counts) AS e WHERE json_typeof(e.value) <> 'number');

-- The seed's /test_connection record has no file: failed at once, as htut
-- stores its own (db::test_record_error), so no job is ever published for it.
UPDATE file_upload_meta
SET status = 'failed', error = 'test record from /test_connection: it has no file'
WHERE status = 'pending' AND word_counts IS NULL
  AND document_slug = 'fake_document' AND s3_key = 'files/does_not_exist.txt';

-- A job must name its document: a seed row with an empty slug cannot be counted.
UPDATE file_upload_meta
SET status = 'failed',
    error = 'the tutorial app gave this document an empty slug (its name has no letters or digits), so it cannot be counted or linked; upload it again'
WHERE status = 'pending' AND document_slug = '';

-- The other seed rows stay `pending` with published_at NULL: the worker's
-- outbox publishes their jobs, except those whose job `htut migrate` moved
-- from the seed's queue (it marks them published).

-- "The newest document of a slug" is served by the primary key itself: a
-- backward scan of (document_slug, time_uploaded) with LIMIT 1. A second
-- (document_slug, time_uploaded DESC) index would only slow down writes.

-- The newest documents overall (GET /api/documents).
CREATE INDEX IF NOT EXISTS file_upload_meta_newest ON file_upload_meta (time_uploaded DESC);

-- The outbox: pending jobs the broker has not confirmed yet. Tiny, because
-- rows leave it as soon as they are published.
CREATE INDEX IF NOT EXISTS file_upload_meta_outbox ON file_upload_meta (time_uploaded)
  WHERE status = 'pending' AND published_at IS NULL;

-- Live updates: NOTIFY document_status on every insert and status change,
-- with the same RFC 3339 timestamp the application reads and writes.
-- Created after the seed rows' state was derived, so adopting sends no NOTIFY.
CREATE OR REPLACE FUNCTION file_upload_meta_notify_status() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' OR NEW.status IS DISTINCT FROM OLD.status THEN
    PERFORM pg_notify('document_status', json_build_object(
      'document_slug', NEW.document_slug,
      'time_uploaded', to_char(NEW.time_uploaded AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
      'status', NEW.status)::text);
  END IF;
  RETURN NULL;
END
$$;

DROP TRIGGER IF EXISTS file_upload_meta_status_changed ON file_upload_meta;
CREATE TRIGGER file_upload_meta_status_changed
  AFTER INSERT OR UPDATE OF status ON file_upload_meta
  FOR EACH ROW EXECUTE FUNCTION file_upload_meta_notify_status();
