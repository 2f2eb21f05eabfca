"""Helpers for the hostile-input suite: a server under attack, raw sockets, memory, a bystander.

Every test file starts its own `htut web` (and `htut worker` where counting
matters) on a free port with a fresh database, then attacks it. Two
questions are asked of every attack besides its answer:
- does another client get served WHILE the attack is in progress
  (`Bystander`: /healthz from a second connection), and
- does the server's memory stay bounded (`rss_mib`, `peak_rss_mib` from /proc).
"""

import json
import os
import re
import socket
import threading
import time

from htut_testlib import (HtutProcess, app_env, free_port, http, new_database, psql, run_htut,
                          wait_until)


# ---- processes -------------------------------------------------------------------

def _status_field(pid, field):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024.0  # kB -> MiB
    raise AssertionError(f"no {field} in /proc/{pid}/status")


def rss_mib(pid):
    """Resident memory now, in MiB."""
    return _status_field(pid, "VmRSS")


def peak_rss_mib(pid):
    """The highest resident memory since the process started (VmHWM), in MiB."""
    return _status_field(pid, "VmHWM")


class Deployment:
    """A fresh database, migrated, and `htut web` (plus optionally `htut worker`) serving it."""

    def __init__(self, with_worker=False, **env_overrides):
        self.db = new_database()
        migrated = run_htut("migrate", env={"DATABASE_URL": self.db})
        assert migrated.returncode == 0, migrated.stderr
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.upload_dir = "hostile-" + os.urandom(4).hex()
        self.env = app_env(self.port, self.db, S3_UPLOAD_DIRECTORY=self.upload_dir, **env_overrides)
        self.web = HtutProcess("web", env=self.env)
        self.worker = HtutProcess("worker", env=self.env) if with_worker else None
        self.web.wait_for_port(self.port)
        if self.worker:
            self.worker.wait_for_log("worker started")

    def stop(self):
        for process in (self.web, self.worker):
            if process and process.running():
                process.terminate()

    # -- what is stored ------------------------------------------------------------
    def stored_keys(self):
        r = run_htut("s3", "ls", self.upload_dir + "/", env=self.env)
        assert r.returncode == 0, r.stderr
        return set(r.stdout.decode().split())

    def rows(self):
        return int(psql(self.db, "SELECT count(*) FROM file_upload_meta"))

    # -- requests ------------------------------------------------------------------
    def get(self, path, headers=None, timeout=10):
        return http("GET", self.base + path, headers=headers, timeout=timeout)

    def api_upload(self, fields, files, timeout=30):
        from htut_testlib import multipart_body
        ctype, body = multipart_body(fields, files)
        status, headers, answer = http("POST", self.base + "/api/documents", body,
                                       {"Content-Type": ctype}, timeout=timeout)
        return status, headers, answer

    def wait_counted(self, slug, timeout=60):
        def finished():
            status, _, body = self.get(f"/api/documents/{slug}")
            doc = json.loads(body) if status == 200 else {}
            return doc if doc.get("status") in ("done", "failed") else None
        return wait_until(finished, timeout, f"document {slug} counted", interval=0.2)

    def form_session(self, cookie=None):
        """GET / -> (cookie 'htut_session=…', csrf token of that session)."""
        status, headers, body = self.get("/", headers={"Cookie": cookie} if cookie else None)
        assert status == 200, status
        set_cookie = headers.get("Set-Cookie")
        cookie = set_cookie.split(";")[0] if set_cookie else cookie
        token = re.search(rb'name="csrf_token" value="([^"]+)"', body).group(1).decode()
        return cookie, token


# ---- a second client served during an attack -----------------------------------

class Bystander:
    """GET /healthz from fresh connections, over and over, while an attack runs.

        with Bystander(port) as others:
            ...attack...
        others.assert_served(self)   # every probe answered 200 within `max_seconds`

    At least `min_probes` probes must have completed while the block ran, so a
    bystander that never got an answer fails too."""

    def __init__(self, port, interval=0.25, timeout=10):
        self.port = port
        self.interval = interval
        self.timeout = timeout
        self.results = []  # (status or exception text, seconds)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self):
        while not self._stop.is_set():
            started = time.monotonic()
            try:
                status = http("GET", f"http://127.0.0.1:{self.port}/healthz", timeout=self.timeout)[0]
            except Exception as e:  # a timeout or a refused connection is a failed probe
                status = f"{type(e).__name__}: {e}"
            self.results.append((status, time.monotonic() - started))
            self._stop.wait(self.interval)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join(self.timeout + 5)

    def assert_served(self, test, max_seconds=5.0, min_probes=1):
        test.assertGreaterEqual(len(self.results), min_probes,
                                f"the bystander completed only {len(self.results)} /healthz probes")
        bad = [(s, round(t, 2)) for s, t in self.results if s != 200 or t > max_seconds]
        test.assertEqual(bad, [], f"/healthz from another client failed or took > {max_seconds}s "
                                  f"during the attack ({len(self.results)} probes)")


def healthz_now(test, port, max_seconds=5.0):
    """One /healthz from a fresh connection: 200 within max_seconds."""
    started = time.monotonic()
    status, _, body = http("GET", f"http://127.0.0.1:{port}/healthz", timeout=max_seconds + 5)
    elapsed = time.monotonic() - started
    test.assertEqual(status, 200, body)
    test.assertLess(elapsed, max_seconds, "/healthz was slow while the attack was in progress")


# ---- raw HTTP over a socket -------------------------------------------------------

def connect(port, timeout=10):
    s = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return s


def send_quietly(sock, data):
    """sendall that tolerates the server having answered and closed already; True when all was sent."""
    try:
        sock.sendall(data)
        return True
    except (BrokenPipeError, ConnectionResetError, socket.timeout):
        return False


class RawResponse:
    def __init__(self, status, head, body):
        self.status = status
        self.head = head  # the header block, str
        self.body = body

    def header(self, name):
        m = re.search(rf"^{re.escape(name)}:\s*(.*?)\r?$", self.head, re.I | re.M)
        return m.group(1) if m else None

    def json(self):
        return json.loads(self.body)

    def __repr__(self):
        return f"RawResponse({self.status}, {self.body[:200]!r})"


def read_response(sock, buffer=b""):
    """Reads one response (Content-Length framed, or up to EOF) -> (RawResponse or None at EOF, leftover bytes).

    Connection resets count as EOF."""
    data = buffer
    try:
        while b"\r\n\r\n" not in data:
            chunk = sock.recv(65536)
            if not chunk:
                return None, data
            data += chunk
        head, rest = data.split(b"\r\n\r\n", 1)
        head_text = head.decode("latin-1")
        status = int(head_text.split(" ", 2)[1])
        m = re.search(r"^content-length:\s*(\d+)", head_text, re.I | re.M)
        if m:
            length = int(m.group(1))
            while len(rest) < length:
                chunk = sock.recv(65536)
                if not chunk:
                    break
                rest += chunk
            return RawResponse(status, head_text, rest[:length]), rest[length:]
        while True:
            chunk = sock.recv(65536)
            if not chunk:
                break
            rest += chunk
        return RawResponse(status, head_text, rest), b""
    except ConnectionResetError:
        return None, data


def closed_by_server(sock, timeout):
    """Waits up to `timeout` seconds for the server to close the connection (EOF or reset),
    discarding what arrives; returns (closed?, bytes received)."""
    deadline = time.monotonic() + timeout
    received = b""
    while time.monotonic() < deadline:
        sock.settimeout(max(0.05, deadline - time.monotonic()))
        try:
            chunk = sock.recv(65536)
        except socket.timeout:
            break
        except ConnectionResetError:
            return True, received
        if not chunk:
            return True, received
        received += chunk
    return False, received


def request_bytes(method, path, headers=None, body=b""):
    lines = [f"{method} {path} HTTP/1.1", "Host: hostile.test"]
    for name, value in (headers or {}).items():
        lines.append(f"{name}: {value}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


# ---- multipart by hand (the hostile parts need exact control) -----------------------

BOUNDARY = "hostileBoundary7MA4YWxkTrZu0gW"
MULTIPART_TYPE = f"multipart/form-data; boundary={BOUNDARY}"


def part(name, data, filename=None, extra_headers=b""):
    if isinstance(data, str):
        data = data.encode()
    disposition = f'Content-Disposition: form-data; name="{name}"'
    if filename is not None:
        disposition += f'; filename="{filename}"'
    return (f"--{BOUNDARY}\r\n{disposition}\r\n".encode() + extra_headers
            + (b"Content-Type: text/plain\r\n" if filename is not None else b"") + b"\r\n" + data + b"\r\n")


CLOSE = f"--{BOUNDARY}--\r\n".encode()


def upload_request(body, path="/api/documents", content_length=None, extra_headers=None):
    headers = {"Content-Type": MULTIPART_TYPE,
               "Content-Length": str(len(body) if content_length is None else content_length)}
    headers.update(extra_headers or {})
    return request_bytes("POST", path, headers, body)


def random_words(n_bytes, seed_bytes=None):
    """About n_bytes of distinct random 8-letter words (26^8 possibilities: collisions are rare)."""
    letters = bytes(range(ord("a"), ord("z") + 1))
    table = bytes(letters[i % 26] for i in range(256))
    n_words = n_bytes // 9
    raw = (seed_bytes or os.urandom)(n_words * 8).translate(table)
    return b" ".join(raw[i:i + 8] for i in range(0, len(raw), 8)) + b"\n"
