"""Shared helpers for htut's integration tests (Python 3 stdlib only).

The tests run against real services started by `tools/services`; `tools/test`
exports their URLs as HTUT_TEST_* variables and ctest sets HTUT_BIN and
HTUT_SOURCE_DIR. Nothing here mocks anything.
"""

import atexit
import http.client as httpclient
import os
import secrets
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
import urllib.parse
import uuid

RUN_VIA = "run the integration tests via tools/test (it starts the services and exports HTUT_TEST_*)"


class MissingEnv(AssertionError):
    """A required variable is unset: the test fails (never silently skips)."""


def require_env(name):
    value = os.environ.get(name)
    if not value:
        raise MissingEnv(f"{name} is not set: {RUN_VIA}")
    return value


def free_port():
    """A TCP port on 127.0.0.1 that was free a moment ago."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def port_open(port, host="127.0.0.1"):
    try:
        with socket.create_connection((host, port), timeout=0.5):
            return True
    except OSError:
        return False


def wait_until(predicate, timeout, what, interval=0.05):
    """Polls predicate() until it returns a truthy value; fails naming `what`."""
    deadline = time.monotonic() + timeout
    while True:
        result = predicate()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(interval)


# ---- PostgreSQL -------------------------------------------------------------

def psql(db_url, sql_text):
    """Runs SQL with psql; returns its unaligned, tuples-only output (rows '|'-separated)."""
    done = subprocess.run(
        ["psql", "-X", "-q", "-t", "-A", "-v", "ON_ERROR_STOP=1", "-d", db_url, "-c", sql_text],
        capture_output=True, text=True, timeout=60,
        env={**os.environ, "PGCONNECT_TIMEOUT": "10"})
    if done.returncode != 0:
        raise AssertionError(f"psql failed ({sql_text!r}): {done.stderr.strip()}")
    return done.stdout.strip()


def _with_database(db_url, name):
    parts = urllib.parse.urlsplit(db_url)
    return urllib.parse.urlunsplit(parts._replace(path="/" + name))


_created_databases = []


def new_database():
    """Creates an empty database for one test (isolation); returns its URL.

    Dropped best-effort when the test process exits."""
    base = require_env("HTUT_TEST_DATABASE_URL")
    name = "htut_t_" + uuid.uuid4().hex[:16]
    psql(base, f'CREATE DATABASE "{name}"')
    _created_databases.append((base, name))
    return _with_database(base, name)


@atexit.register
def _drop_databases():
    for base, name in _created_databases:
        try:
            psql(base, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        except Exception:  # best effort: the services dir is thrown away anyway
            pass


# ---- RabbitMQ -----------------------------------------------------------------

def delete_queue(name="countwords", amqp_url=None):
    """Deletes a queue (and its messages) so one test's jobs never reach another's worker."""
    url = amqp_url or require_env("HTUT_TEST_AMQP_URL")
    subprocess.run(["amqp-delete-queue", "-u", url, "-q", name],
                   capture_output=True, timeout=30)


# ---- the htut binary ------------------------------------------------------------

_EMPTY_CWD = tempfile.mkdtemp(prefix="htut-test-cwd-")  # no stray ./.env gets read
atexit.register(shutil.rmtree, _EMPTY_CWD, ignore_errors=True)


def base_env(env=None):
    """PATH only (not the caller's environment), plus `env`."""
    full = {"PATH": os.environ.get("PATH", "/usr/local/bin:/usr/bin:/bin")}
    full.update(env or {})
    return full


def run_htut(*args, env=None, timeout=60, input=None, cwd=None):
    """Runs a one-shot command (`migrate`, `count`, `s3 …`); returns CompletedProcess (bytes)."""
    return subprocess.run([require_env("HTUT_BIN"), *args], env=base_env(env),
                          cwd=cwd or _EMPTY_CWD, input=input, capture_output=True,
                          timeout=timeout)


def resolve_soname(soname):
    """The path the dynamic loader finds a library at ("libpq.so.5" -> /lib/.../libpq.so.5,
    from ldconfig's cache), or None when it is not installed."""
    ldconfig = next((p for p in ("/sbin/ldconfig", "/usr/sbin/ldconfig") if os.path.exists(p)), "ldconfig")
    cache = subprocess.run([ldconfig, "-p"], capture_output=True, text=True, check=True).stdout
    for line in cache.splitlines():
        name, _, rest = line.strip().partition(" (")
        if name == soname and "x86-64" in rest.split(")")[0] and " => " in rest:
            return rest.split(" => ", 1)[1]
    return None


_running = []


class HtutProcess:
    """`$HTUT_BIN <role> [args]` in the background with its output collected line by line."""

    def __init__(self, role, *args, env=None, cwd=None, name=None):
        self.name = name or role
        self.argv = [require_env("HTUT_BIN"), role, *args]
        self._lines = []  # (stream name, text) in arrival order
        self._cond = threading.Condition()
        self.proc = subprocess.Popen(self.argv, env=base_env(env), cwd=cwd or _EMPTY_CWD,
                                     stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE)
        self._readers = [threading.Thread(target=self._read, args=(stream, label), daemon=True)
                         for stream, label in ((self.proc.stdout, "stdout"),
                                               (self.proc.stderr, "stderr"))]
        for reader in self._readers:
            reader.start()
        _running.append(self)

    def _read(self, stream, label):
        for raw in iter(stream.readline, b""):
            with self._cond:
                self._lines.append((label, raw.decode("utf-8", "replace").rstrip("\n")))
                self._cond.notify_all()
        stream.close()

    @property
    def pid(self):
        return self.proc.pid

    def lines(self, stream=None):
        with self._cond:
            return [text for label, text in self._lines if stream in (None, label)]

    def output(self):
        return "\n".join(f"{self.name} {label}| {text}" for label, text in list(self._lines))

    def running(self):
        return self.proc.poll() is None

    def _fail(self, why):
        raise AssertionError(f"{why}\n--- output of {' '.join(self.argv[1:])} ---\n{self.output()}")

    def wait_for_port(self, port, timeout=20):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if port_open(port):
                return
            if not self.running():
                self._fail(f"{self.name} exited with {self.proc.returncode} before port {port} opened")
            time.sleep(0.05)
        self._fail(f"{self.name} did not open port {port} within {timeout}s")

    def wait_for_log(self, substring, timeout=20):
        """Returns the first output line containing `substring` (already seen or upcoming)."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                for _, text in self._lines:
                    if substring in text:
                        return text
                if not self.running() and not any(r.is_alive() for r in self._readers):
                    break
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    break
                self._cond.wait(min(remaining, 0.2))
        if self.running():
            self._fail(f"no line containing {substring!r} from {self.name} within {timeout}s")
        self._fail(f"{self.name} exited ({self.proc.returncode}) without logging {substring!r}")

    def send_signal(self, sig):
        if self.running():
            self.proc.send_signal(sig)

    def wait(self, timeout=30):
        """Waits for exit; returns the exit code (fails the test on timeout)."""
        try:
            code = self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            self._fail(f"{self.name} did not exit within {timeout}s (killed)")
        for reader in self._readers:
            reader.join(timeout=5)
        return code

    def terminate(self, timeout=30):
        """SIGTERM, then waits; returns the exit code. Not exiting in time fails the test."""
        self.send_signal(signal.SIGTERM)
        return self.wait(timeout)

    def kill(self):
        if self.running():
            self.proc.kill()
        self.proc.wait()
        return self.proc.returncode

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        if self.running():
            self.kill()


@atexit.register
def _kill_leftovers():
    for process in _running:
        if process.running():
            process.kill()


def report(test, figures):
    """Prints one `FIGURES <test>: k=v …` line (ctest -V shows it; tools/figures writes it into the docs)."""
    print(f"\nFIGURES {test.id().split('.')[-1]}: " + " ".join(f"{k}={v}" for k, v in figures.items()), flush=True)


def app_env(port=None, db_url=None, **overrides):
    """The standard environment of web/worker/s3 from the HTUT_TEST_* services.

    `overrides` add or replace variables; a value of None removes one."""
    env = {
        "DATABASE_URL": db_url or require_env("HTUT_TEST_DATABASE_URL"),
        "CLOUDAMQP_URL": require_env("HTUT_TEST_AMQP_URL"),
        "S3_LOCATION": require_env("HTUT_TEST_S3_LOCATION"),
        "S3_KEY": require_env("HTUT_TEST_S3_KEY"),
        "S3_SECRET": require_env("HTUT_TEST_S3_SECRET"),
        "S3_BUCKET": require_env("HTUT_TEST_S3_BUCKET"),
        "FLASK_SECRET_KEY": secrets.token_hex(16),  # 32 random characters
        "ME": "htut-test",
        "WEB_CONCURRENCY": "2",
        "WORKER_CONCURRENCY": "2",
    }
    if port is not None:
        env["PORT"] = str(port)
    for key, value in overrides.items():
        if value is None:
            env.pop(key, None)
        else:
            env[key] = str(value)
    return env


# ---- HTTP -----------------------------------------------------------------------

class Headers(dict):
    """Response headers, case-insensitive; repeated headers are joined with ', '
    (use .get_all(name) for Set-Cookie and friends)."""

    def __init__(self, pairs):
        super().__init__()
        self._all = {}
        for name, value in pairs:
            self._all.setdefault(name.lower(), []).append(value)
        for name, values in self._all.items():
            super().__setitem__(name, ", ".join(values))

    def __getitem__(self, name):
        return super().__getitem__(name.lower())

    def __contains__(self, name):
        return super().__contains__(name.lower())

    def get(self, name, default=None):
        return super().get(name.lower(), default)

    def get_all(self, name):
        return list(self._all.get(name.lower(), []))


def http(method, url, body=None, headers=None, timeout=10):
    """One request, no redirects followed; returns (status, Headers, body bytes)."""
    parts = urllib.parse.urlsplit(url)
    conn_type = httpclient.HTTPSConnection if parts.scheme == "https" else httpclient.HTTPConnection
    conn = conn_type(parts.hostname, parts.port, timeout=timeout)
    target = parts.path or "/"
    if parts.query:
        target += "?" + parts.query
    if isinstance(body, str):
        body = body.encode("utf-8")
    try:
        conn.request(method, target, body=body, headers=dict(headers or {}))
        response = conn.getresponse()
        data = response.read()
        return response.status, Headers(response.getheaders()), data
    finally:
        conn.close()


def _quote_param(value):
    # What browsers do in multipart names/filenames: escape the quote and line breaks.
    return value.replace("\r", "%0D").replace("\n", "%0A").replace('"', "%22")


def multipart_body(fields=None, files=None):
    """multipart/form-data; fields: {name: str|bytes}, files: {name: (filename, bytes, type)}.

    Returns (content_type header value, body bytes)."""
    boundary = "----htutTestBoundary" + secrets.token_hex(12)
    out = bytearray()
    for name, value in (fields or {}).items():
        if isinstance(value, str):
            value = value.encode("utf-8")
        out += f'--{boundary}\r\nContent-Disposition: form-data; name="{_quote_param(name)}"\r\n\r\n'.encode()
        out += value + b"\r\n"
    for name, (filename, data, content_type) in (files or {}).items():
        out += (f'--{boundary}\r\nContent-Disposition: form-data; name="{_quote_param(name)}"; '
                f'filename="{_quote_param(filename)}"\r\nContent-Type: {content_type}\r\n\r\n').encode()
        out += data + b"\r\n"
    out += f"--{boundary}--\r\n".encode()
    return f"multipart/form-data; boundary={boundary}", bytes(out)
