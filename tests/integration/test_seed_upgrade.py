"""Taking over a running heroku-tut 0.4.0 deployment (interface: "Upgrading a
seed deployment"; docs/operations.md, "Upgrading from the tutorial app").

The database, broker and bucket are prepared as the seed leaves them
(../shared/seed/heroku-tut-0.4.0.md): its `file_upload_meta` (seed columns
only, no schema_migrations) with a counted row, a pending row whose job waits
in the seed's non-durable `countwords` (declared as pika declares it, the
message not persistent, its time in Python's isoformat()), a pending row whose
job was lost, and the /test_connection fake row; the files under `files/`.
Then `htut migrate` (twice, or two at once) and the roles, against the real
PostgreSQL, RabbitMQ and S3."""
import json
import os
import random
import subprocess
import tempfile
import unittest
import urllib.parse

from htut_testlib import (HtutProcess, app_env, base_env, delete_queue, free_port, http, multipart_body,
                          new_database, psql, require_env, run_htut, wait_until)

SEED_SCHEMA = """
CREATE TABLE file_upload_meta(
    document_name TEXT NOT NULL
    , document_slug TEXT NOT NULL
    , time_uploaded TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now()
    , s3_key TEXT NOT NULL
    , filename TEXT NOT NULL
    , word_counts JSON
    , PRIMARY KEY(document_slug, time_uploaded)
);
"""

# The seed's top words, unordered (Python 2 dict order), lowercased. Ties
# and words whose code-point order differs from UTF-16 order (U+FB00 before
# U+1D49C) check the ranking.
SEED_COUNTS = '{"zebra": 2, "\U0001d49c": 2, "whale": 5, "\u00e4hre": 2, "sea": 2, "\ufb00": 2, "apple": 2, "ahab": 3}'

QUEUES = ("countwords", "countwords.dead", "countwords.upgrading")


def sample_text(words, seed):
    rng = random.Random(seed)
    vocabulary = ["whale", "sea", "Ahab's", "ship", "don't", "café", "the", "harpoon", "über", "rope", "storm"]
    vocabulary += ["w%03d" % i for i in range(150)]
    return (" ".join(rng.choice(vocabulary) + rng.choice(["", ",", "."]) for _ in range(words)) + "\n").encode()


def amqp(tool, *args, body=None):
    return subprocess.run([tool, "-u", require_env("HTUT_TEST_AMQP_URL"), *args], input=body,
                          capture_output=True, timeout=30)


def drain(queue):
    """Takes every message out of `queue` (amqp-get exits 2 when it is empty); returns the bodies."""
    bodies = []
    while True:
        r = amqp("amqp-get", "-q", queue)
        if r.returncode != 0:
            return bodies
        bodies.append(r.stdout)


def declare_as_pika(queue="countwords"):
    """pika's queue_declare(queue=...): not durable, not exclusive, not auto-delete, no arguments."""
    r = amqp("amqp-declare-queue", "-q", queue)
    assert r.returncode == 0, r.stderr


def publish_as_seed(body, queue="countwords", persistent=False):
    args = ["-r", queue] + (["-p"] if persistent else [])  # the seed sets no delivery mode
    r = amqp("amqp-publish", *args, body=body)
    assert r.returncode == 0, r.stderr


def ordered(text):
    return json.loads(text, object_pairs_hook=lambda pairs: pairs)


class SeedDeployment:
    """A database, bucket and broker as heroku-tut 0.4.0 leaves them."""

    def __init__(self, tmp):
        self.db = new_database()
        self.env = app_env(db_url=self.db)
        self.tmp = tmp
        psql(self.db, SEED_SCHEMA)
        self.files = {}
        # Counted by the seed: its top words, no totals.
        self.counted = self.add_row("Moby Dick", "moby-dick", "2013-05-01 10:00:00.5+00", sample_text(300, 1),
                                    SEED_COUNTS)
        # Pending, its job waiting in the seed's queue. The seed's slugify kept '+'.
        self.waiting = self.add_row("C++ notes", "c++-notes", "2013-06-01 12:00:00.123456+00", sample_text(5000, 2))
        declare_as_pika()
        publish_as_seed(json.dumps({"document_slug": "c++-notes", "time_uploaded": "2013-06-01T12:00:00.123456+00:00",
                                    "s3_key": self.files["c++-notes"][1]}).encode())
        # Pending, its job lost by the seed's auto-ack worker.
        self.lost = self.add_row("Lost: job", "lost-job", "2013-06-02 08:30:00+00", sample_text(4000, 3))
        # /test_connection's fake row: no file.
        psql(self.db, "INSERT INTO file_upload_meta (document_name, document_slug, s3_key, filename) VALUES "
                      "('Fake Document', 'fake_document', 'files/does_not_exist.txt', 'does_not_exist.txt')")

    def add_row(self, name, slug, time_uploaded, data, word_counts=None):
        key = "files/" + os.urandom(16).hex() + ".txt"
        path = os.path.join(self.tmp, os.path.basename(key))
        with open(path, "wb") as f:
            f.write(data)
        r = run_htut("s3", "put", path, key, env=self.env)
        assert r.returncode == 0, r.stderr
        self.files[slug] = (path, key)
        counts = "NULL" if word_counts is None else "'" + word_counts.replace("'", "''") + "'"
        psql(self.db, "INSERT INTO file_upload_meta (document_name, document_slug, time_uploaded, s3_key, filename, "
                      f"word_counts) VALUES ('{name}', '{slug}', '{time_uploaded}', '{key}', 'doc.txt', {counts})")
        return slug

    def migrate(self):
        return run_htut("migrate", env={"DATABASE_URL": self.db, "CLOUDAMQP_URL": require_env("HTUT_TEST_AMQP_URL")})

    def row(self, slug):
        out = psql(self.db, "SELECT json_build_object('status', status, 'error', error, 'total_words', total_words, "
                            "'distinct_words', distinct_words, 'word_counts', word_counts, "
                            "'published', published_at IS NOT NULL) "
                            f"FROM file_upload_meta WHERE document_slug = '{slug}'")
        return dict(ordered(out)) if out else None


class SeedUpgrade(unittest.TestCase):
    def setUp(self):
        for queue in QUEUES:
            delete_queue(queue)
        self._tmp = tempfile.TemporaryDirectory()
        self.tmp = self._tmp.name
        self.processes = []

    def tearDown(self):
        for p in self.processes:
            if p.running():
                p.kill()
        self._tmp.cleanup()

    def start(self, role, env):
        p = HtutProcess(role, env=env)
        self.processes.append(p)
        return p

    def assert_migrated(self, done):
        out = done.stdout.decode()
        self.assertEqual(done.returncode, 0, done.stderr.decode() + out)
        self.assertIn("schema is current at version", out.strip().splitlines()[-1])
        return out

    def assert_counted_like_htut_count(self, seed, slug):
        expected = run_htut("count", seed.files[slug][0], "--top", "1000")
        self.assertEqual(expected.returncode, 0, expected.stderr)
        expected = dict(ordered(expected.stdout))
        row = seed.row(slug)
        self.assertEqual(row["status"], "done", row)
        self.assertIsNone(row["error"])
        self.assertEqual(row["total_words"], expected["total_words"])
        self.assertEqual(row["distinct_words"], expected["distinct_words"])
        self.assertEqual(row["word_counts"], expected["word_counts"])  # same words, counts and rank order

    def assert_adopted(self, seed):
        """The rows right after migrate: every one kept, states derived."""
        self.assertEqual(psql(seed.db, "SELECT count(*) FROM file_upload_meta"), "4")
        counted = seed.row(seed.counted)
        self.assertEqual(counted["status"], "done")
        expected = sorted(json.loads(SEED_COUNTS).items(), key=lambda kv: (-kv[1], kv[0].encode("utf-8")))
        self.assertEqual([tuple(p) for p in counted["word_counts"]], expected)
        self.assertEqual([w for w, _ in expected][:5], ["whale", "ahab", "apple", "sea", "zebra"])
        self.assertIsNone(counted["total_words"])  # the seed recorded no totals: unknown
        self.assertIsNone(counted["distinct_words"])
        self.assertEqual(seed.row(seed.waiting)["status"], "pending")
        self.assertTrue(seed.row(seed.waiting)["published"], "the moved job marks its document published")
        self.assertEqual(seed.row(seed.lost)["status"], "pending")
        self.assertFalse(seed.row(seed.lost)["published"], "left to the outbox")
        fake = seed.row("fake_document")
        self.assertEqual(fake["status"], "failed")
        self.assertIn("test record", fake["error"])

    def assert_cloud_drawn(self, base, slug, words):
        """Headless Chromium draws the cloud of `slug` with every one of `words` (tests/support/browser)."""
        script = os.path.join(require_env("HTUT_SOURCE_DIR"), "tests", "support", "browser", "wordcloud_check.js")
        r = subprocess.run(["node", script, base, slug, json.dumps(words)], capture_output=True, text=True,
                           timeout=120)
        self.assertEqual(r.returncode, 0, r.stderr + r.stdout)

    def run_roles_and_check(self, seed, browser=False):
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        env = app_env(port, seed.db)
        worker = self.start("worker", env)
        web = self.start("web", env)
        web.wait_for_port(port)
        # Both uncounted documents end done within a minute of the roles starting.
        for slug in (seed.waiting, seed.lost):
            wait_until(lambda: seed.row(slug)["status"] != "pending" and seed.row(slug), 60, f"{slug} counted")
            self.assert_counted_like_htut_count(seed, slug)
        # Old links: the counted document's cloud and JSON, the seed slug with '+' raw and %-escaped.
        status, _, body = http("GET", f"{base}/wordcloud/{seed.counted}")
        self.assertEqual(status, 200, body[:300])
        self.assertIn(b'data-cloud-state="done"', body)
        status, _, body = http("GET", f"{base}/api/documents/{seed.counted}")
        self.assertEqual(status, 200, body)
        doc = ordered(body)
        self.assertEqual(dict(doc)["status"], "done")
        self.assertEqual([w for w, _ in dict(doc)["word_counts"]][:3], ["whale", "ahab", "apple"])
        for path in ("c++-notes", urllib.parse.quote("c++-notes", safe="")):
            status, _, body = http("GET", f"{base}/wordcloud/{path}")
            self.assertEqual(status, 200, path)
            status, _, body = http("GET", f"{base}/api/documents/{path}")
            self.assertEqual(status, 200, path)
            self.assertEqual(json.loads(body)["document_slug"], "c++-notes")
        # A new upload is counted too.
        data = sample_text(2000, 4)
        ctype, body = multipart_body({"document-name": "After the upgrade"},
                                     {"input-file": ("after.txt", data, "text/plain")})
        status, _, answer = http("POST", base + "/api/documents", body, {"Content-Type": ctype})
        self.assertEqual(status, 201, answer)
        slug = json.loads(answer)["document_slug"]
        wait_until(lambda: seed.row(slug)["status"] == "done", 60, "the new upload counted")
        counted = run_htut("count", "-", "--top", "1000", input=data)
        self.assertEqual(seed.row(slug)["word_counts"], dict(ordered(counted.stdout))["word_counts"])
        status, _, body = http("GET", base + "/healthz")
        self.assertEqual(status, 200, body)
        if browser:  # the old links draw their clouds (the seed's counts; the '+' slug escaped by the page)
            self.assert_cloud_drawn(base, seed.counted, list(json.loads(SEED_COUNTS)))
            self.assert_cloud_drawn(base, seed.waiting, [w for w, _ in seed.row(seed.waiting)["word_counts"]][:20])
        # Exactly once: stop the worker; each document had one job, and none waits.
        self.assertEqual(worker.terminate(), 0)
        web.terminate()
        for slug in (seed.waiting, seed.lost):
            jobs = [line for line in worker.lines() if "msg=job " in line and f"slug={slug} " in line]
            self.assertEqual(len(jobs), 1, "\n".join(jobs))
            self.assertIn("outcome=done", jobs[0])
        self.assertEqual(drain("countwords"), [])
        self.assertEqual(drain("countwords.dead"), [])

    # -- tests -----------------------------------------------------------------------
    def test_migrate_twice_then_roles_count_everything_once(self):
        seed = SeedDeployment(self.tmp)
        out = self.assert_migrated(seed.migrate())
        self.assertIn("applied migration 0001_create_file_upload_meta.sql", out)
        self.assertIn("jobs_moved_out=1", out)
        self.assertIn("jobs_moved_back=1", out)
        self.assert_adopted(seed)
        out = self.assert_migrated(seed.migrate())  # nothing left to do
        self.assertNotIn("applied migration", out)
        self.assertIn('msg="broker queues are current" replaced=false jobs_moved_out=0 jobs_moved_back=0', out)
        self.assert_adopted(seed)
        self.run_roles_and_check(seed, browser=True)

    def test_two_migrates_at_once(self):
        seed = SeedDeployment(self.tmp)
        env = base_env({"DATABASE_URL": seed.db, "CLOUDAMQP_URL": require_env("HTUT_TEST_AMQP_URL")})
        procs = [subprocess.Popen([require_env("HTUT_BIN"), "migrate"], env=env, stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE) for _ in range(2)]
        outputs = [p.communicate(timeout=120) for p in procs]
        moved = 0
        for p, (out, err) in zip(procs, outputs):
            self.assertEqual(p.returncode, 0, err.decode() + out.decode())
            moved += out.decode().count("jobs_moved_back=1")
        self.assertEqual(moved, 1, "the waiting job is moved by exactly one run")
        self.assert_adopted(seed)
        self.run_roles_and_check(seed)

    def test_interrupted_upgrade_is_finished_by_the_next_run(self):
        # A run that stopped after moving a job to the holding queue, before deleting the old queue.
        seed = SeedDeployment(self.tmp)
        amqp("amqp-declare-queue", "-d", "-q", "countwords.upgrading")
        publish_as_seed(json.dumps({"document_slug": "lost-job", "time_uploaded": "2013-06-02T08:30:00+00:00",
                                    "s3_key": seed.files["lost-job"][1]}).encode(), "countwords.upgrading", True)
        out = self.assert_migrated(seed.migrate())
        self.assertIn("jobs_moved_out=1", out)
        self.assertIn("jobs_moved_back=2", out)
        self.assertTrue(seed.row(seed.lost)["published"])
        self.assertEqual(sorted(json.loads(b)["document_slug"] for b in drain("countwords")), ["c++-notes", "lost-job"])
        self.assertEqual(drain("countwords.upgrading"), [])  # deleted: amqp-get fails on a missing queue too

    def test_run_interrupted_after_deleting_the_old_queue_is_finished(self):
        # The old queue is gone already, its job waits in the holding queue only.
        seed = SeedDeployment(self.tmp)
        delete_queue("countwords")
        amqp("amqp-declare-queue", "-d", "-q", "countwords.upgrading")
        body = json.dumps({"document_slug": "c++-notes", "time_uploaded": "2013-06-01T12:00:00.123456+00:00",
                           "s3_key": seed.files["c++-notes"][1]}).encode()
        publish_as_seed(body, "countwords.upgrading", True)
        out = self.assert_migrated(seed.migrate())
        self.assertIn("replaced=false jobs_moved_out=0 jobs_moved_back=1", out)
        self.assertTrue(seed.row(seed.waiting)["published"])
        self.assertEqual(drain("countwords"), [body])

    def test_unreachable_broker_fails_the_release_without_the_password(self):
        seed = SeedDeployment(self.tmp)
        done = run_htut("migrate", env={"DATABASE_URL": seed.db,
                                        "CLOUDAMQP_URL": f"amqp://someone:hunter2-secret@127.0.0.1:{free_port()}/"})
        self.assertEqual(done.returncode, 1)
        err = done.stderr.decode().strip()
        self.assertEqual(len(err.splitlines()), 1, err)
        self.assertIn("broker unavailable", err)
        self.assertNotIn("hunter2-secret", err + done.stdout.decode())
        self.assertNotIn("schema is current", done.stdout.decode())
        # The schema part is done and kept; the next run with the broker back finishes the job.
        self.assertEqual(seed.row(seed.counted)["status"], "done")
        self.assert_migrated(seed.migrate())
        self.assert_adopted(seed)

    def test_refused_declaration_is_an_error_and_a_503_until_migrate(self):
        # htut's schema, but the broker still has the seed's queue: the roles
        # cannot declare theirs, and say so (never a silent stall).
        db = new_database()
        self.assertEqual(run_htut("migrate", env={"DATABASE_URL": db}).returncode, 0)
        declare_as_pika()
        port = free_port()
        env = app_env(port, db)
        web = self.start("web", env)
        web.wait_for_port(port)
        worker = self.start("worker", env)
        line = worker.wait_for_log("broker refuses htut's queue declaration", timeout=30)
        self.assertIn("at=error", line)
        self.assertIn("htut migrate", line)

        def health():
            status, _, body = http("GET", f"http://127.0.0.1:{port}/healthz")
            return status, json.loads(body)
        status, body = health()
        self.assertEqual(status, 503, body)
        self.assertIn("broker", json.dumps(body))
        web.wait_for_log("broker refuses htut's queue declaration", timeout=30)
        r = run_htut("migrate", env={"DATABASE_URL": db, "CLOUDAMQP_URL": require_env("HTUT_TEST_AMQP_URL")})
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("broker queues replaced", r.stdout.decode())
        wait_until(lambda: health()[0] == 200, 30, "/healthz to answer 200 after migrate")
        worker.wait_for_log("queue consumer connected", timeout=30)

    def test_slugs_htut_would_not_make_are_kept_and_linked(self):
        seed = SeedDeployment(self.tmp)
        # The seed's slugify: no length limit, upper case from NFKD ('\u3381' -> 'nA'), ':' kept, '' for '!!!'.
        long_slug = "na:" + "x" * 250
        seed.add_row("\u3381:" + "x" * 250, long_slug, "2013-07-01 00:00:00+00", sample_text(500, 5))
        seed.add_row("!!!", "", "2013-07-02 00:00:00+00", sample_text(10, 6))
        self.assert_migrated(seed.migrate())
        self.assertEqual(psql(seed.db, "SELECT count(*) FROM file_upload_meta"), "6")
        empty = seed.row("")
        self.assertEqual(empty["status"], "failed")
        self.assertIn("empty slug", empty["error"])
        self.assertEqual(seed.row(long_slug)["status"], "pending")
        port = free_port()
        env = app_env(port, seed.db)
        self.start("worker", env)
        web = self.start("web", env)
        web.wait_for_port(port)
        wait_until(lambda: seed.row(long_slug)["status"] == "done", 60, "the long-slug document counted")
        self.assert_counted_like_htut_count(seed, long_slug)
        for path in (long_slug, urllib.parse.quote(long_slug, safe="")):
            status, _, body = http("GET", f"http://127.0.0.1:{port}/api/documents/{path}")
            self.assertEqual(status, 200, body)
            self.assertEqual(json.loads(body)["status"], "done")
            status, _, _ = http("GET", f"http://127.0.0.1:{port}/wordcloud/{path}")
            self.assertEqual(status, 200)

    def test_htut_database_migrates_with_the_broker_twice(self):
        db = new_database()
        env = {"DATABASE_URL": db, "CLOUDAMQP_URL": require_env("HTUT_TEST_AMQP_URL")}
        for _ in range(2):
            out = self.assert_migrated(run_htut("migrate", env=env))
            self.assertIn('msg="broker queues are current"', out)
        self.assertEqual(psql(db, "SELECT count(*) FROM file_upload_meta"), "0")


if __name__ == "__main__":
    unittest.main()
