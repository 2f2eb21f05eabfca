"""The deployment under test and the promise every fault test checks
(Python 3 stdlib only; see docs/reliability.md).

A `Deployment` is one web role and N workers on a fresh database, with their
own storage prefix and empty queues. Uploads go through `POST /api/documents`;
every answer is recorded, and `Deployment.verify()` checks the promise every
fault test makes:

  * every upload that got 201 ends `done` exactly once, with the counts of
    `htut count` on the same bytes;
  * every upload that got an error left nothing visible (no row, no object);
  * no htut process died or needs a manual restart.

Faults are injected for real: services are stopped and started
(fault_services.py), htut processes get real signals, and fault_network.py
has the slow uploads and the S3 relay that time a fault to strike mid-transfer.
"""

import contextlib
import json
import os
import re
import threading
import time

from fault_documents import Upload, document, expected_count, multipart_request
from htut_testlib import (HtutProcess, app_env, delete_queue, free_port, http, new_database, psql, run_htut,
                          wait_until)
from htut_testlib import report  # noqa: F401 (the fault tests import it from here)

RFC3339 = "to_char(time_uploaded AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')"


class Deployment:
    """web + workers on a fresh database, a fresh storage prefix and empty queues."""

    def __init__(self, label, workers=2, **env_overrides):
        self.label = label
        self.db = new_database()
        migrated = run_htut("migrate", env={"DATABASE_URL": self.db})
        if migrated.returncode != 0:
            raise AssertionError(f"htut migrate failed: {migrated.stderr.decode(errors='replace')}")
        delete_queue("countwords")
        delete_queue("countwords.dead")
        self.prefix = f"faults-{label}-{os.urandom(4).hex()}"
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.env = app_env(self.port, self.db, S3_UPLOAD_DIRECTORY=self.prefix, **env_overrides)
        self.uploads = []
        self._lock = threading.Lock()
        self._seed = 0
        self.workers = []
        self.killed = []
        self.web = self.start_web()
        for i in range(workers):
            self.start_worker(f"worker{i + 1}")

    # -- processes --------------------------------------------------------------------
    def start_web(self):
        self.web = HtutProcess("web", env=self.env, name="web")
        self.web.wait_for_port(self.port)
        return self.web

    def start_worker(self, name, **overrides):
        worker = HtutProcess("worker", env={**self.env, **overrides}, name=name)
        worker.wait_for_log("queue consumer connected")
        self.workers.append(worker)
        return worker

    def kill_worker(self, worker):
        """SIGKILL (a crash, an OOM kill); remembered, as such a worker may die before logging a finished job."""
        worker.kill()
        self.killed.append(worker)

    def processes(self):
        return [self.web, *self.workers]

    def output(self):
        return "\n".join(p.output() for p in self.processes())

    def close(self):
        for process in self.processes():
            if process.running():
                process.kill()

    # -- uploads ------------------------------------------------------------------------
    def next_name(self, kind="doc"):
        with self._lock:
            self._seed += 1
            return f"{self.label} {kind} {self._seed}", self._seed

    def new_upload(self, data=None, kind="doc"):
        name, seed = self.next_name(kind)
        upload = Upload(name, data if data is not None else document(seed * 7919 + len(self.label)))
        with self._lock:
            self.uploads.append(upload)
        return upload

    def upload(self, data=None, kind="doc", timeout=30):
        """One upload now; returns the Upload with its answer."""
        up = self.new_upload(data, kind)
        ctype, body = multipart_request(up.name, up.data)
        up.began = time.monotonic()
        try:
            up.status, _, answer = http("POST", self.base + "/api/documents", body, {"Content-Type": ctype},
                                        timeout=timeout)
            try:
                up.answer = json.loads(answer)
            except ValueError:
                up.answer = answer[:200]
        except OSError as e:
            up.failure = f"{type(e).__name__}: {e}"
        up.ended = time.monotonic()
        return up

    @contextlib.contextmanager
    def upload_stream(self, interval=0.15):
        """Uploads small documents one after another in the background while the body runs."""
        stop = threading.Event()
        done = []

        def loop():
            while not stop.is_set():
                done.append(self.upload())
                stop.wait(interval)

        thread = threading.Thread(target=loop, daemon=True)
        thread.start()
        try:
            yield done
        finally:
            stop.set()
            thread.join(timeout=60)

    # -- state ---------------------------------------------------------------------------
    def rows(self):
        """Every row of file_upload_meta as a dict (word_counts in stored order)."""
        out = psql(self.db, "SELECT coalesce(json_agg(json_build_object('slug', document_slug, 'status', status, "
                            "'error', error, 'total_words', total_words, 'distinct_words', distinct_words, "
                            "'word_counts', word_counts, 's3_key', s3_key, 'published', published_at IS NOT NULL, "
                            f"'time_uploaded', {RFC3339})), '[]') FROM file_upload_meta")
        return json.loads(out)

    def health(self):
        """(status, JSON body) of GET /healthz."""
        status, _, body = http("GET", self.base + "/healthz", timeout=15)
        return status, json.loads(body)

    def rows_where(self, slug):
        return [row for row in self.rows() if row["slug"] == slug]

    def wait_status(self, slug, status, timeout=30):
        """Waits until the row of `slug` has `status`; returns the seconds it took."""
        started = time.monotonic()
        wait_until(lambda: [r for r in self.rows_where(slug) if r["status"] == status], timeout,
                   f"{slug} to be {status}", interval=0.1)
        return time.monotonic() - started

    def pending(self):
        return int(psql(self.db, "SELECT count(*) FROM file_upload_meta WHERE status = 'pending'"))

    def wait_settled(self, timeout=60):
        """Waits until no row is pending; returns the seconds it took."""
        started = time.monotonic()
        wait_until(lambda: self.pending() == 0, timeout, "every document to be counted", interval=0.2)
        return time.monotonic() - started

    def stored_keys(self):
        listed = run_htut("s3", "ls", self.prefix + "/", env=self.env)
        if listed.returncode != 0:
            raise AssertionError(f"htut s3 ls failed: {listed.stderr.decode(errors='replace')}")
        return set(listed.stdout.decode().split())

    def job_lines(self, slug):
        """The workers' `job` log lines about `slug`."""
        pattern = re.compile(r'msg="?job"? .*\bslug=' + re.escape(slug) + r'(\s|$)')
        return [line for w in self.workers for line in w.lines() if pattern.search(line)]

    def done_lines(self, slug):
        return [line for line in self.job_lines(slug) if "outcome=done" in line]

    def wait_logged(self, slugs, timeout=15):
        """The worker logs a job after acking it, a moment after the row is done: wait for those lines."""
        missing = lambda: [slug for slug in slugs if not self.done_lines(slug)]
        try:
            wait_until(lambda: not missing(), timeout, "the workers to log the jobs they finished", interval=0.1)
        except AssertionError:
            raise AssertionError(f"no `outcome=done` job line for {missing()}:\n{self.output()}")

    def log_lines(self, process, substring):
        return [line for line in process.lines() if substring in line]

    def assert_alive(self, test, *processes):
        """No manual restart needed: these processes (default: all not killed on purpose) are still running."""
        for process in processes or [p for p in self.processes() if p not in self.killed]:
            test.assertTrue(process.running(), f"{process.name} died:\n{process.output()}")

    # -- the promise -----------------------------------------------------------------------
    def verify(self, test):
        """Asserts the suite's invariants on `self.uploads` (see the module docstring)."""
        rows = self.rows()
        by_slug = {}
        for row in rows:
            by_slug.setdefault(row["slug"], []).append(row)
        accepted = [u for u in self.uploads if u.ok]
        refused = [u for u in self.uploads if not u.ok]
        if not self.killed:
            self.wait_logged([u.slug for u in accepted
                              if any(r["status"] == "done" for r in by_slug.get(u.slug, []))])
        for up in accepted:
            found = by_slug.get(up.slug, [])
            test.assertEqual(len(found), 1, f"{up}: expected one row, found {found}")
            row = found[0]
            test.assertEqual(row["status"], "done", f"{up}: {row}")
            test.assertEqual(up.answer["s3_key"], row["s3_key"])
            expected = expected_count(up.data)
            test.assertEqual(row["total_words"], expected["total_words"], up)
            test.assertEqual(row["distinct_words"], expected["distinct_words"], up)
            test.assertEqual(list(row["word_counts"].items()), list(expected["word_counts"].items()), up)
            done_lines = self.done_lines(up.slug)
            if self.killed and not done_lines:
                # A killed worker may have completed the row and died before
                # logging it; the conditional UPDATE (pending -> done) still
                # lets only one delivery complete it.
                continue
            test.assertEqual(len(done_lines), 1, f"{up} counted {len(done_lines)} times: {done_lines}")
        for up in refused:
            test.assertNotIn(up.slug, by_slug, f"{up} was refused but left a row")
            if up.status is not None:
                test.assertIn(up.status, (503,), f"{up}: a fault must be a 503, not {up.status}")
        test.assertEqual(len(rows), len(accepted), "rows that no 201 upload explains")
        test.assertEqual(self.stored_keys(), {row["s3_key"] for row in rows},
                         "stored objects and rows differ (orphan objects or missing files)")
        return {"uploads": len(self.uploads), "accepted": len(accepted), "refused": len(refused)}


