-- The worker's bookkeeping of a document's job (docs/queue.md, "Jobs that fail"):
--   attempts    starts of the job that have not ended with an outcome yet. A
--               worker sets it when it takes the job and clears it with any
--               outcome (done, failed, put back for a retry, returned on
--               SIGTERM), so it only grows when workers die while counting.
--               The 4th start without an outcome fails the document.
--   job_due_at  when the job is next expected in a worker's hands: set when a
--               worker takes it (now) or puts it back for a delayed retry
--               (now + the delay). The outbox republishes a pending job only
--               when nothing has been heard of it for a long time after that.
-- IF NOT EXISTS: a database adopted from the seed app may already have columns.
ALTER TABLE file_upload_meta ADD COLUMN IF NOT EXISTS attempts integer NOT NULL DEFAULT 0;
ALTER TABLE file_upload_meta ADD COLUMN IF NOT EXISTS job_due_at timestamptz;
