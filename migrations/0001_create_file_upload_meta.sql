-- The documents: the seed app's columns (document_name, document_slug,
-- time_uploaded, s3_key, filename, word_counts) plus the word-count job's state.
CREATE TABLE file_upload_meta (
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
  status         text        NOT NULL DEFAULT 'pending'
                 CHECK (status IN ('pending', 'done', 'failed')),
  error          text,                   -- why it failed
  total_words    bigint,
  distinct_words bigint,
  counted_at     timestamptz,            -- when the job finished (done or failed)
  published_at   timestamptz,            -- when the broker confirmed the job (outbox)
  size_bytes     bigint,
  PRIMARY KEY (document_slug, time_uploaded)
);

-- "The newest document of a slug" is served by the primary key itself: a
-- backward scan of (document_slug, time_uploaded) with LIMIT 1. A second
-- (document_slug, time_uploaded DESC) index would only slow down writes.

-- The newest documents overall (GET /api/documents).
CREATE INDEX file_upload_meta_newest ON file_upload_meta (time_uploaded DESC);

-- The outbox: pending jobs the broker has not confirmed yet. Tiny, because
-- rows leave it as soon as they are published.
CREATE INDEX file_upload_meta_outbox ON file_upload_meta (time_uploaded)
  WHERE status = 'pending' AND published_at IS NULL;

-- Live updates: NOTIFY document_status on every insert and status change,
-- with the same RFC 3339 timestamp the application reads and writes.
CREATE FUNCTION file_upload_meta_notify_status() RETURNS trigger
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

CREATE TRIGGER file_upload_meta_status_changed
  AFTER INSERT OR UPDATE OF status ON file_upload_meta
  FOR EACH ROW EXECUTE FUNCTION file_upload_meta_notify_status();
