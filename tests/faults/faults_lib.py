"""Shared machinery of the fault suite (Python 3 stdlib only).

A `Deployment` is one web role and N workers on a fresh database, with their
own storage prefix and empty queues. Uploads go through `POST /api/documents`;
every answer is recorded, and `Deployment.verify()` checks the promise every
fault test makes:

  * every upload that got 201 ends `done` exactly once, with the counts of
    `htut count` on the same bytes;
  * every upload that got an error left nothing visible (no row, no object);
  * no htut process died or needs a manual restart.

Faults are injected for real: `tools/services stop-one/start-one` stops and
starts the shared services of `$HTUT_SERVICES_DIR` (set by `tools/services env`),
and the htut processes get real signals. `service_stopped()` always starts the
service again, also when the test fails, so later tests find the stack whole.
"""

import contextlib
import hashlib
import json
import os
import random
import re
import select
import socket
import subprocess
import threading
import time
import urllib.parse

from htut_testlib import (RUN_VIA, HtutProcess, app_env, delete_queue, free_port, http, multipart_body,
                          new_database, psql, require_env, run_htut, wait_until)

SERVICES = ("postgres", "rabbitmq", "s3")


# ---- the services ------------------------------------------------------------------

def _services_script():
    return os.path.join(require_env("HTUT_SOURCE_DIR"), "tools", "services")


def services(action, name):
    """`tools/services start-one|stop-one NAME` on the stack the tests use; returns seconds taken."""
    require_env("HTUT_SERVICES_DIR")  # never guess: the default dir may be someone's dev stack
    started = time.monotonic()
    done = subprocess.run([_services_script(), action, name], capture_output=True, text=True, timeout=120)
    if done.returncode != 0:
        raise AssertionError(f"tools/services {action} {name} failed ({RUN_VIA}):\n{done.stderr}")
    return time.monotonic() - started


def start_service(name, attempts=3):
    """Starts a service and returns once it accepts connections (start-one waits for its port)."""
    for attempt in range(1, attempts + 1):
        try:
            return services("start-one", name)
        except AssertionError:
            if attempt == attempts:
                raise
            time.sleep(1)


def ensure_all_up():
    """Idempotent: starts whatever a failed test may have left stopped."""
    for name in SERVICES:
        start_service(name)


class Outage:
    """Timestamps of one outage (monotonic seconds), filled in by service_stopped()."""
    stop_began = stopped = start_began = started = None

    def down_window(self):
        """Seconds during which the service was certainly down."""
        return (self.stopped, self.start_began)


@contextlib.contextmanager
def service_stopped(name):
    """Stops `name` for the body of the with-statement, then starts it again (always)."""
    outage = Outage()
    outage.stop_began = time.monotonic()
    try:
        services("stop-one", name)
        outage.stopped = time.monotonic()
        yield outage
    finally:
        outage.start_began = time.monotonic()
        start_service(name)
        outage.started = time.monotonic()


# ---- documents ---------------------------------------------------------------------

VOCABULARY = (["whale", "Whale", "sea", "Ahab's", "ship", "don't", "café", "naïve", "the", "and", "Ishmael",
               "harpoon", "white", "1851", "über", "sailors", "rope", "deck", "storm"]
              + ["w%03d" % i for i in range(400)])


def document(seed, words=300):
    """Deterministic text with repeats, punctuation, apostrophes and non-ASCII words."""
    rng = random.Random(seed)
    lines, line = [], []
    for _ in range(words):
        line.append(rng.choice(VOCABULARY) + rng.choice(["", "", "", ",", ".", "!", ";"]))
        if len(line) == 12:
            lines.append(" ".join(line))
            line = []
    lines.append(" ".join(line))
    return ("\n".join(lines) + "\n").encode("utf-8")


def big_document(seed, megabytes):
    """About `megabytes` MB of text, cheap to make: one varied block, repeated."""
    block = document(seed, words=20_000)
    return block * max(1, int(megabytes * 1_000_000 / len(block)))


_expected = {}


def expected_count(data):
    """`htut count --top 100` of `data` (what the worker must store), memoised by content."""
    digest = hashlib.sha256(data).hexdigest()
    if digest not in _expected:
        done = run_htut("count", "-", "--top", "100", input=data, timeout=120)
        if done.returncode != 0:
            raise AssertionError(f"htut count failed: {done.stderr.decode(errors='replace')}")
        _expected[digest] = json.loads(done.stdout)
    return _expected[digest]


# ---- uploads -----------------------------------------------------------------------

class Upload:
    """One upload attempt and its answer."""

    def __init__(self, name, data):
        self.name = name
        self.slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")
        self.data = data
        self.status = None  # HTTP status, or None when no answer came (connection refused/reset)
        self.answer = None  # the JSON body (document or {"error": ...})
        self.failure = None  # the exception text when no HTTP answer came
        self.began = self.ended = None  # monotonic seconds

    @property
    def ok(self):
        return self.status == 201

    def __repr__(self):
        what = self.status if self.status is not None else self.failure
        return f"<upload {self.slug}: {what} {self.answer if not self.ok else ''}>"


def multipart_request(name, data, filename="doc.txt"):
    return multipart_body({"document-name": name}, {"input-file": (filename, data, "text/plain")})


class SlowUpload(threading.Thread):
    """An upload whose body trickles in over `seconds`, so that it is in flight
    when a fault strikes. `sent_half` is set once half of the body is out."""

    def __init__(self, port, upload, seconds, pieces=20):
        super().__init__(daemon=True)
        self.port, self.upload, self.seconds, self.pieces = port, upload, seconds, pieces
        self.sent_half = threading.Event()

    def run(self):
        up = self.upload
        ctype, body = multipart_request(up.name, up.data)
        head = (f"POST /api/documents HTTP/1.1\r\nHost: 127.0.0.1:{self.port}\r\nContent-Type: {ctype}\r\n"
                f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n").encode()
        up.began = time.monotonic()
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=60) as sock:
                sock.sendall(head)
                step = max(1, len(body) // self.pieces)
                for offset in range(0, len(body), step):
                    # Like curl: when the server answers early (a refusal), stop sending.
                    if select.select([sock], [], [], 0)[0]:
                        break
                    sock.sendall(body[offset:offset + step])
                    if offset + step >= len(body) // 2:
                        self.sent_half.set()
                    if offset + step < len(body):
                        time.sleep(self.seconds / self.pieces)
                self.sent_half.set()
                response = b""
                while True:
                    chunk = sock.recv(65536)
                    if not chunk:
                        break
                    response += chunk
            head_end = response.find(b"\r\n\r\n")
            status_line = response.split(b"\r\n", 1)[0].decode()
            up.status = int(status_line.split()[1])
            try:
                up.answer = json.loads(response[head_end + 4:])
            except ValueError:
                up.answer = response[head_end + 4:][:200]
        except (OSError, IndexError, ValueError) as e:
            up.failure = f"{type(e).__name__}: {e}"
        finally:
            self.sent_half.set()
            up.ended = time.monotonic()


# ---- a relay in front of S3 ------------------------------------------------------------

class Relay:
    """A TCP relay to S3 for one process: it counts (and may slow down) the bytes
    that flow back to that process, so a test knows when *this* worker is in
    the middle of a download and can make the download last long enough to
    strike during it. It forwards bytes untouched (the SigV4 signature covers
    the Host header the client sent, which the relay does not change); when
    S3 goes away, the relay's connections close like a direct one would."""

    def __init__(self, upstream_url, bytes_per_second=None):
        parts = urllib.parse.urlsplit(upstream_url)
        self.upstream = (parts.hostname, parts.port or 80)
        self.rate = bytes_per_second
        self.down_bytes = 0  # S3 -> client, all connections
        self._lock = threading.Lock()
        self._sockets = []
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = self._listener.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}/"
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while True:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return  # closed
            try:
                server = socket.create_connection(self.upstream, timeout=5)
            except OSError:
                client.close()  # S3 is down: the client sees the connection close
                continue
            server.settimeout(None)
            with self._lock:
                self._sockets += [client, server]
            threading.Thread(target=self._pump, args=(client, server, False), daemon=True).start()
            threading.Thread(target=self._pump, args=(server, client, True), daemon=True).start()

    def _pump(self, source, sink, downstream):
        try:
            while True:
                data = source.recv(65536)
                if not data:
                    break
                sink.sendall(data)
                if downstream:
                    with self._lock:
                        self.down_bytes += len(data)
                    if self.rate:
                        time.sleep(len(data) / self.rate)
        except OSError:
            pass
        for s in (source, sink):  # one side gone: end the other side too
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def close(self):
        self._listener.close()
        with self._lock:
            for s in self._sockets:
                try:
                    s.close()
                except OSError:
                    pass


# ---- a deployment --------------------------------------------------------------------

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


def report(test, figures):
    """Prints the measured figures (ctest --output-on-failure and -V show them; docs/reliability.md quotes them)."""
    print(f"\nFIGURES {test.id().split('.')[-1]}: " + " ".join(f"{k}={v}" for k, v in figures.items()), flush=True)


def cpu_seconds(pid):
    """User + system CPU time the process has used so far (0 when it is gone)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
