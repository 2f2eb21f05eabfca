"""`htut worker` against real PostgreSQL, RabbitMQ and S3: jobs are counted
exactly like `htut count`, poison messages are dead-lettered, duplicates are
harmless, the outbox publishes what the web role could not, SIGTERM is clean."""
import json
import os
import random
import subprocess
import tempfile
import time
import unittest

from htut_testlib import (HtutProcess, app_env, delete_queue, new_database, psql, require_env, run_htut,
                          wait_until)

RFC3339 = "to_char(time_uploaded AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')"


def sample_text(words, seed):
    """Deterministic text with repeats, punctuation, apostrophes and non-ASCII words."""
    rng = random.Random(seed)
    vocabulary = ["whale", "Whale", "sea", "Ahab's", "ship", "don't", "café", "naïve", "the", "and",
                  "Ishmael", "harpoon", "white", "1851", "über", "sailors", "rope", "deck", "storm"]
    vocabulary += ["w%03d" % i for i in range(300)]
    out, line = [], []
    for i in range(words):
        line.append(rng.choice(vocabulary) + rng.choice(["", "", "", ",", ".", "!", ";"]))
        if len(line) == 12:
            out.append(" ".join(line))
            line = []
    out.append(" ".join(line))
    return ("\n".join(out) + "\n").encode("utf-8")


def amqp(tool, *args, body=None):
    url = require_env("HTUT_TEST_AMQP_URL")
    return subprocess.run([tool, "-u", url, *args], input=body, capture_output=True, timeout=30)


def publish(body):
    r = amqp("amqp-publish", "-r", "countwords", "-p", "-C", "application/json", body=body)
    assert r.returncode == 0, r.stderr


def dead_letters():
    """Drains countwords.dead; returns the bodies."""
    bodies = []
    while True:
        r = amqp("amqp-get", "-q", "countwords.dead")
        if r.returncode != 0:
            return bodies
        bodies.append(r.stdout)


class Worker(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.db = new_database()
        r = run_htut("migrate", env={"DATABASE_URL": cls.db})
        assert r.returncode == 0, r.stderr
        cls.prefix = "worker-" + os.urandom(4).hex()
        cls.env = app_env(db_url=cls.db, S3_UPLOAD_DIRECTORY=cls.prefix)
        cls.tmp = tempfile.TemporaryDirectory()

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def setUp(self):
        # The queues are shared by all tests: start empty (htut re-declares them).
        delete_queue("countwords")
        delete_queue("countwords.dead")
        self.worker = None

    def tearDown(self):
        if self.worker is not None and self.worker.running():
            self.worker.kill()

    # -- helpers -------------------------------------------------------------------
    def start_worker(self, **overrides):
        self.worker = HtutProcess("worker", env={**self.env, **overrides})
        self.worker.wait_for_log("queue consumer connected")
        return self.worker

    def put_file(self, data):
        name = os.urandom(8).hex()
        path = os.path.join(self.tmp.name, name + ".txt")
        with open(path, "wb") as f:
            f.write(data)
        key = f"{self.prefix}/{name}.txt"
        r = run_htut("s3", "put", path, key, env=self.env)
        self.assertEqual(r.returncode, 0, r.stderr)
        return path, key

    def insert_row(self, slug, key, published=True):
        """A pending row as the web role leaves it; returns its RFC 3339 time_uploaded."""
        published_at = "now()" if published else "NULL"
        return psql(self.db, "INSERT INTO file_upload_meta (document_name, document_slug, s3_key, filename, "
                             f"published_at) VALUES ('{slug}', '{slug}', '{key}', 'doc.txt', {published_at}) "
                             f"RETURNING {RFC3339}")

    def row(self, slug):
        out = psql(self.db, "SELECT json_build_object('status', status, 'error', error, 'total_words', total_words, "
                            "'distinct_words', distinct_words, 'word_counts', word_counts, "
                            "'published', published_at IS NOT NULL, 'counted_at', counted_at) "
                            f"FROM file_upload_meta WHERE document_slug = '{slug}'")
        return json.loads(out, object_pairs_hook=lambda pairs: pairs) if out else None

    def status(self, slug):
        return psql(self.db, f"SELECT status FROM file_upload_meta WHERE document_slug = '{slug}'")

    def wait_status(self, slug, wanted=("done", "failed"), timeout=30):
        return wait_until(lambda: self.status(slug) in wanted and self.status(slug), timeout,
                          f"{slug} to be {'/'.join(wanted)}")

    def job(self, slug, time_uploaded, key):
        return json.dumps({"document_slug": slug, "time_uploaded": time_uploaded, "s3_key": key}).encode()

    def assert_counted_like_htut_count(self, slug, path):
        expected = run_htut("count", path, "--top", "1000")  # the row keeps the top 1000
        self.assertEqual(expected.returncode, 0, expected.stderr)
        expected = json.loads(expected.stdout, object_pairs_hook=lambda pairs: pairs)
        row = dict(self.row(slug))
        expected = dict(expected)
        self.assertEqual(row["status"], "done")
        self.assertIsNone(row["error"])
        self.assertEqual(row["total_words"], expected["total_words"])
        self.assertEqual(row["distinct_words"], expected["distinct_words"])
        # Same words, same counts, same rank order.
        self.assertEqual(row["word_counts"], expected["word_counts"])
        self.assertGreater(expected["total_words"], 0)

    # -- tests ---------------------------------------------------------------------
    def test_published_job_is_counted_exactly_like_htut_count(self):
        data = sample_text(400_000, seed=1)  # a few MB: streamed in many chunks
        path, key = self.put_file(data)
        slug = "moby-" + os.urandom(3).hex()
        time_uploaded = self.insert_row(slug, key)
        self.start_worker()  # it declares the queues (setUp deleted them)
        publish(self.job(slug, time_uploaded, key))
        self.wait_status(slug, timeout=60)
        self.assert_counted_like_htut_count(slug, path)
        line = self.worker.wait_for_log(f"slug={slug}")
        self.assertIn("outcome=done", line)
        self.assertIn(f"bytes={len(data)}", line)
        self.assertIn("duration_ms=", line)
        self.assertEqual(amqp("amqp-get", "-q", "countwords").returncode, 2, "the job was not acked")
        self.assertEqual(self.worker.terminate(), 0)

    def test_outbox_publishes_jobs_that_were_never_published(self):
        path, key = self.put_file(sample_text(2000, seed=2))
        slug = "outbox-" + os.urandom(3).hex()
        self.insert_row(slug, key, published=False)
        self.start_worker()
        self.wait_status(slug)
        self.assert_counted_like_htut_count(slug, path)
        self.assertTrue(dict(self.row(slug))["published"])
        self.worker.wait_for_log("outbox published job")
        self.assertEqual(self.worker.terminate(), 0)

    def test_invalid_message_is_dead_lettered_and_the_worker_goes_on(self):
        self.start_worker()
        publish(b"this is not json")
        publish(b'{"document_slug": "x", "time_uploaded": "yesterday", "s3_key": "k"}')
        collected = []

        def both_dead():
            collected.extend(dead_letters())
            return len(collected) >= 2

        wait_until(both_dead, 20, "two poison messages in countwords.dead")
        self.assertCountEqual(collected, [b"this is not json",
                                          b'{"document_slug": "x", "time_uploaded": "yesterday", "s3_key": "k"}'])
        self.worker.wait_for_log("outcome=invalid")
        self.assertTrue(self.worker.running())
        # Still working: a good job after the poison ones is counted.
        path, key = self.put_file(sample_text(500, seed=3))
        slug = "after-poison-" + os.urandom(3).hex()
        publish(self.job(slug, self.insert_row(slug, key), key))
        self.wait_status(slug)
        self.assert_counted_like_htut_count(slug, path)
        self.assertEqual(self.worker.terminate(), 0)

    def test_missing_object_fails_the_row_and_dead_letters_the_job(self):
        slug = "missing-" + os.urandom(3).hex()
        key = f"{self.prefix}/does-not-exist-{os.urandom(4).hex()}.txt"
        time_uploaded = self.insert_row(slug, key)
        body = self.job(slug, time_uploaded, key)
        self.start_worker()
        publish(body)
        self.assertEqual(self.wait_status(slug), "failed")
        row = dict(self.row(slug))
        self.assertIn("missing", row["error"])
        self.assertIn(key, row["error"])
        self.assertIsNone(row["total_words"])
        collected = []
        wait_until(lambda: collected.extend(dead_letters()) or collected, 20, "the job in countwords.dead")
        self.assertEqual(collected, [body])
        self.assertEqual(self.worker.terminate(), 0)

    def test_job_without_a_row_is_dead_lettered(self):
        body = self.job("no-such-row", "2026-01-01T00:00:00Z", f"{self.prefix}/nothing.txt")
        self.start_worker()
        publish(body)
        collected = []
        wait_until(lambda: collected.extend(dead_letters()) or collected, 20, "the job in countwords.dead")
        self.assertEqual(collected, [body])
        self.assertIn("outcome=no_row", self.worker.wait_for_log("slug=no-such-row"))
        self.assertEqual(self.worker.terminate(), 0)

    def test_redelivered_job_of_a_done_document_is_acked_without_change(self):
        path, key = self.put_file(sample_text(1000, seed=4))
        slug = "dup-" + os.urandom(3).hex()
        time_uploaded = self.insert_row(slug, key)
        body = self.job(slug, time_uploaded, key)
        self.start_worker()
        publish(body)
        self.wait_status(slug)
        before = self.row(slug)
        publish(body)
        line = wait_until(lambda: [l for l in self.worker.lines() if f"slug={slug}" in l and "outcome=duplicate" in l],
                          20, "the duplicate job to be logged")
        self.assertIn("settle=ack", line[0])
        self.assertEqual(self.row(slug), before)
        self.assertEqual(amqp("amqp-get", "-q", "countwords").returncode, 2)
        self.assertEqual(dead_letters(), [])
        self.assertEqual(self.worker.terminate(), 0)

    def test_sigterm_and_sigint_exit_zero(self):
        self.start_worker()
        self.assertEqual(self.worker.terminate(timeout=30), 0)
        self.worker.wait_for_log("worker stopped")
        worker = self.start_worker()
        worker.send_signal(2)  # SIGINT
        self.assertEqual(worker.wait(timeout=30), 0)

    def test_sigterm_during_a_job_finishes_or_returns_it(self):
        data = sample_text(3_000_000, seed=5)  # ~20 MB: takes a moment to stream and count
        path, key = self.put_file(data)
        slug = "sigterm-" + os.urandom(3).hex()
        time_uploaded = self.insert_row(slug, key)
        self.start_worker()
        publish(self.job(slug, time_uploaded, key))
        time.sleep(0.3)  # the job is in hand now (or already done on a fast machine)
        self.assertEqual(self.worker.terminate(timeout=30), 0)
        # Never lost: either counted, or back in the queue for the next worker.
        if self.status(slug) == "done":
            self.assert_counted_like_htut_count(slug, path)
        else:
            self.assertEqual(self.status(slug), "pending")
            got = amqp("amqp-get", "-q", "countwords")
            self.assertEqual(got.returncode, 0, "the job in hand was neither finished nor requeued")
            self.assertEqual(got.stdout, self.job(slug, time_uploaded, key))

    def test_missing_configuration_is_one_line_and_exit_1(self):
        env = dict(self.env)
        del env["DATABASE_URL"]
        r = run_htut("worker", env=env)
        self.assertEqual(r.returncode, 1)
        lines = r.stderr.decode().strip().splitlines()
        self.assertEqual(len(lines), 1, lines)
        self.assertIn("DATABASE_URL", lines[0])


if __name__ == "__main__":
    unittest.main()
