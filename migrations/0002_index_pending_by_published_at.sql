-- The outbox also republishes documents still pending long after their job
-- was confirmed (a job lost with the broker's disk, say). This index keeps
-- that lookup cheap however large the table grows.
CREATE INDEX file_upload_meta_pending_published ON file_upload_meta (published_at)
  WHERE status = 'pending' AND published_at IS NOT NULL;
