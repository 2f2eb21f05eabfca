"""The storage client (`htut s3 ...`) against real storage: the local S3 server behind
the verifying front (tests/support/s3front.js), and a file:// directory.

The same contract runs on both; the S3 class adds what only a network can do wrong:
wrong credentials, a server that is down or drops connections, 5xx answers (retried)
and 4xx answers (not retried). It also checks that the front really verifies, with a
third, independent signer written here with hmac/hashlib, so a test passing through the
front means the signature was right.
"""

import datetime
import hashlib
import hmac
import http.server
import os
import shutil
import socket
import subprocess
import tempfile
import threading
import time
import unittest
import urllib.error
import urllib.parse
import urllib.request
import uuid

from htut_testlib import require_env

AWKWARD_KEYS = [
    "plain.txt",
    "with space.txt",
    "plus+sign.txt",
    "tilde~name.txt",
    "percent%41and%.txt",
    "ünïcödé/文件.txt",
    "quotes'and(parens)!*.txt",
    "amp&eq=semi;colon:at@comma,.txt",
    "deep/a/b/c/d/e/f/g/h.txt",
    "..dots../x..y",
]


def htut_bin():
    return require_env("HTUT_BIN")


def sha256_file(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


class StorageContract:
    """Tests every storage must pass; subclasses provide storage_env() and a key prefix."""

    def setUp(self):
        self.work = tempfile.mkdtemp(prefix="htut-storage-it-")
        self.addCleanup(shutil.rmtree, self.work, True)
        self.prefix = f"storage-it-{uuid.uuid4().hex[:12]}/"

    def storage_env(self):
        raise NotImplementedError

    def htut(self, *args, env=None, timeout=120, stdin=None):
        full_env = {k: v for k, v in os.environ.items() if not k.startswith("S3_")}
        full_env.update(self.storage_env())
        full_env.update(env or {})
        # cwd = an empty dir, so no stray ./.env is read.
        return subprocess.run([htut_bin(), "s3", *args], cwd=self.work, env=full_env, input=stdin,
                              capture_output=True, timeout=timeout)

    def ok(self, *args, **kw):
        done = self.htut(*args, **kw)
        self.assertEqual(done.returncode, 0, f"htut s3 {args} failed: {done.stderr.decode(errors='replace')}")
        return done

    def write(self, name, data):
        path = os.path.join(self.work, name)
        with open(path, "wb") as f:
            f.write(data)
        return path

    def test_round_trip_awkward_keys(self):
        for i, name in enumerate(AWKWARD_KEYS):
            key = self.prefix + name
            data = f"{i}: contents of {name}\n".encode() * (i + 1)
            self.ok("put", self.write(f"in{i}", data), key)
            got = self.ok("get", key).stdout
            self.assertEqual(got, data, key)
            out = os.path.join(self.work, f"out{i}")
            self.ok("get", key, out)
            with open(out, "rb") as f:
                self.assertEqual(f.read(), data, key)
        listed = self.ok("ls", self.prefix).stdout.decode().splitlines()
        self.assertEqual(sorted(listed), sorted(self.prefix + k for k in AWKWARD_KEYS))
        for name in AWKWARD_KEYS:
            self.ok("rm", self.prefix + name)
        self.assertEqual(self.ok("ls", self.prefix).stdout, b"")

    def test_empty_object_and_stdin(self):
        key = self.prefix + "empty"
        self.ok("put", self.write("empty", b""), key)
        self.assertEqual(self.ok("get", key).stdout, b"")
        self.ok("put", "-", self.prefix + "from-stdin", stdin=b"piped\n")
        self.assertEqual(self.ok("get", self.prefix + "from-stdin").stdout, b"piped\n")

    def test_ls_prefixes(self):
        keys = ["p/a.txt", "p/b/c.txt", "p/b/d.txt", "pq.txt", "q/x.txt"]
        for k in keys:
            self.ok("put", self.write("f", k.encode()), self.prefix + k)
        def ls(p):
            return self.ok("ls", self.prefix + p).stdout.decode().splitlines()
        self.assertEqual(ls(""), [self.prefix + k for k in keys])
        self.assertEqual(ls("p/"), [self.prefix + k for k in ["p/a.txt", "p/b/c.txt", "p/b/d.txt"]])
        self.assertEqual(ls("p"), [self.prefix + k for k in ["p/a.txt", "p/b/c.txt", "p/b/d.txt", "pq.txt"]])
        self.assertEqual(ls("p/b/"), [self.prefix + "p/b/c.txt", self.prefix + "p/b/d.txt"])
        self.assertEqual(ls("nothing/"), [])
        for k in keys:
            self.ok("rm", self.prefix + k)

    def test_missing_key_and_bad_usage(self):
        done = self.htut("get", self.prefix + "does-not-exist", os.path.join(self.work, "x"))
        self.assertEqual(done.returncode, 1)
        err = done.stderr.decode().strip()
        self.assertEqual(len(err.splitlines()), 1, err)
        self.assertIn("does-not-exist", err)
        self.assertEqual(os.listdir(self.work), [], "no half-written file is left")
        existing = self.write("keep-me", b"precious")
        self.assertEqual(self.htut("get", self.prefix + "does-not-exist", existing).returncode, 1)
        with open(existing, "rb") as f:
            self.assertEqual(f.read(), b"precious", "a failed get leaves an existing FILE alone")
        self.ok("rm", self.prefix + "does-not-exist")  # removing a missing object is fine
        self.assertEqual(self.htut("put", self.write("f", b"x"), "../escape").returncode, 1)
        self.assertEqual(self.htut("frobnicate").returncode, 2)
        self.assertEqual(self.htut("get").returncode, 2)
        self.assertEqual(self.htut("presign", "k", "--expires", "0").returncode, 2)
        self.assertEqual(self.htut("put", os.path.join(self.work, "no-such-file"), self.prefix + "k").returncode, 1)

    def test_presigned_url_fetched_with_urllib(self):
        key = self.prefix + "presigned dir/ü+x~%.txt"
        data = b"fetch me with a plain client\n"
        self.ok("put", self.write("f", data), key)
        url = self.ok("presign", key, "--expires", "120").stdout.decode().strip().splitlines()[-1]
        self.check_presigned_url(url, data)
        with urllib.request.urlopen(url, timeout=30) as resp:
            self.assertEqual(resp.read(), data)

    def check_presigned_url(self, url, data):
        pass

    def test_100_mib_round_trip(self):
        src = os.path.join(self.work, "big.bin")
        with open(src, "wb") as f:
            for _ in range(100):
                f.write(os.urandom(1 << 20))
        key = self.prefix + "big/100MiB.bin"
        put = self.ok("put", src, key, timeout=300)
        self.assertIn(b"bytes=104857600", put.stdout)
        dst = os.path.join(self.work, "big.out")
        self.ok("get", key, dst, timeout=300)
        self.assertEqual(os.path.getsize(dst), 100 << 20)
        self.assertEqual(sha256_file(dst), sha256_file(src))
        self.after_large_put(put)
        self.ok("rm", key)


class FileStorageTest(StorageContract, unittest.TestCase):
    def setUp(self):
        super().setUp()
        self.root = tempfile.mkdtemp(prefix="htut-file-storage-")
        self.addCleanup(shutil.rmtree, self.root, True)

    def storage_env(self):
        return {"S3_LOCATION": "file://" + self.root}

    def check_presigned_url(self, url, data):
        self.assertTrue(url.startswith("file://" + self.root + "/"), url)

    def after_large_put(self, put):
        leftovers = [n for _, _, files in os.walk(self.root) for n in files if n.startswith(".htut-tmp-")]
        self.assertEqual(leftovers, [])


# ---- S3 ---------------------------------------------------------------------------------

def sign_v4(method, url, headers, body, key, secret, region="us-east-1", when=None):
    """A minimal SigV4 signer (header auth), written from the AWS docs for this test only."""
    parts = urllib.parse.urlsplit(url)
    when = when or datetime.datetime.now(datetime.timezone.utc)
    amz_date = when.strftime("%Y%m%dT%H%M%SZ")
    headers = dict(headers)
    headers["host"] = parts.netloc
    headers["x-amz-date"] = amz_date
    headers.setdefault("x-amz-content-sha256", hashlib.sha256(body).hexdigest())
    names = sorted(h.lower() for h in headers)
    canon_headers = "".join(f"{n}:{' '.join(str(headers[[h for h in headers if h.lower() == n][0]]).split())}\n"
                            for n in names)
    query = sorted((urllib.parse.quote(k, safe="-_.~"), urllib.parse.quote(v, safe="-_.~"))
                   for k, v in urllib.parse.parse_qsl(parts.query, keep_blank_values=True))
    creq = "\n".join([method, parts.path or "/", "&".join(f"{k}={v}" for k, v in query), canon_headers,
                      ";".join(names), headers["x-amz-content-sha256"]])
    scope = f"{amz_date[:8]}/{region}/s3/aws4_request"
    sts = "\n".join(["AWS4-HMAC-SHA256", amz_date, scope, hashlib.sha256(creq.encode()).hexdigest()])
    k = ("AWS4" + secret).encode()
    for part in (amz_date[:8], region, "s3", "aws4_request"):
        k = hmac.new(k, part.encode(), hashlib.sha256).digest()
    sig = hmac.new(k, sts.encode(), hashlib.sha256).hexdigest()
    headers["Authorization"] = (f"AWS4-HMAC-SHA256 Credential={key}/{scope}, SignedHeaders={';'.join(names)}, "
                                f"Signature={sig}")
    return headers


def raw_request(method, url, headers, body=b""):
    req = urllib.request.Request(url, data=body if body else None, method=method, headers=headers)
    try:
        with urllib.request.urlopen(req, timeout=30) as resp:
            return resp.status, resp.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


class FakeServer:
    """A tiny local server that misbehaves on purpose: 'drop' accepts and closes each
    connection; 'status' answers every request with that status and an S3 error body."""

    def __init__(self, mode, status=500, code="InternalError"):
        self.count = 0
        self.lock = threading.Lock()
        self.queries = []
        if mode == "drop":
            self.sock = socket.socket()
            self.sock.bind(("127.0.0.1", 0))
            self.sock.listen(16)
            self.port = self.sock.getsockname()[1]
            self.thread = threading.Thread(target=self._drop_loop, daemon=True)
        else:
            outer = self

            class Handler(http.server.BaseHTTPRequestHandler):
                protocol_version = "HTTP/1.1"

                def _answer(self):
                    length = int(self.headers.get("Content-Length") or 0)
                    if length:
                        self.rfile.read(length)
                    with outer.lock:
                        outer.count += 1
                        outer.queries.append(urllib.parse.urlsplit(self.path).query)
                    if mode == "list":
                        return self._list_page()
                    body = (f"<?xml version=\"1.0\"?><Error><Code>{code}</Code>"
                            f"<Message>fake {status}</Message></Error>").encode()
                    self.send_response(status)
                    self.send_header("Content-Type", "application/xml")
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    if self.command != "HEAD":
                        self.wfile.write(body)

                def _list_page(self):
                    # Two pages; the second is only served for the right continuation token.
                    query = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(self.path).query))
                    if query.get("continuation-token") == "next/+= page":
                        keys, tail = ["k3 &amp; more", "k4"], "<IsTruncated>false</IsTruncated>"
                    else:
                        keys = ["k1", "k2"]
                        tail = ("<IsTruncated>true</IsTruncated>"
                                "<NextContinuationToken>next/+= page</NextContinuationToken>")
                    contents = "".join(f"<Contents><Key>{k}</Key><Size>1</Size><ETag>\"e\"</ETag></Contents>"
                                       for k in keys)
                    body = f"<ListBucketResult><Name>b</Name>{contents}{tail}</ListBucketResult>".encode()
                    self.send_response(200)
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)

                do_GET = do_PUT = do_POST = do_DELETE = do_HEAD = _answer

                def log_message(self, *args):
                    pass

            self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
            self.port = self.httpd.server_address[1]
            self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def _drop_loop(self):
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            with self.lock:
                self.count += 1
            conn.recv(65536)  # the request arrived; now "crash"
            conn.close()

    def close(self):
        if hasattr(self, "httpd"):
            self.httpd.shutdown()
            self.httpd.server_close()
        else:
            self.sock.close()


class S3StorageTest(StorageContract, unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.location = require_env("HTUT_TEST_S3_LOCATION")
        cls.key = require_env("HTUT_TEST_S3_KEY")
        cls.secret = require_env("HTUT_TEST_S3_SECRET")
        cls.bucket = require_env("HTUT_TEST_S3_BUCKET")
        plain = os.environ.get("HTUT_TEST_S3_PLAIN_LOCATION")
        if plain and plain.rstrip("/") == cls.location.rstrip("/"):
            raise AssertionError("HTUT_TEST_S3_LOCATION is plain s3rver, which checks no signatures; "
                                 "it must be the verifying front (tests/support/s3front.js)")

    def storage_env(self):
        return {"S3_LOCATION": self.location, "S3_KEY": self.key, "S3_SECRET": self.secret,
                "S3_BUCKET": self.bucket}

    def check_presigned_url(self, url, data):
        self.assertIn("X-Amz-Signature=", url)
        self.assertNotIn(self.secret + "&", url)
        # Tampering with the URL must be caught by the verifying front.
        tampered = url.replace("X-Amz-Expires=120", "X-Amz-Expires=121")
        status, body = raw_request("GET", tampered, {})
        self.assertEqual(status, 403, body)
        self.assertIn(b"SignatureDoesNotMatch", body)

    def after_large_put(self, put):
        self.assertIn(b"parts=7", put.stdout, "100 MiB goes up as 7 parts of at most 16 MiB")

    def bucket_url(self, suffix=""):
        return self.location.rstrip("/") + "/" + self.bucket + suffix

    def test_front_really_verifies(self):
        """The front accepts a correct independent signature and rejects each kind of mistake."""
        url = self.bucket_url("?list-type=2&prefix=" + urllib.parse.quote(self.prefix))
        status, body = raw_request("GET", url, sign_v4("GET", url, {}, b"", self.key, self.secret))
        self.assertEqual(status, 200, body)
        status, body = raw_request("GET", url, sign_v4("GET", url, {}, b"", self.key, "wrong-secret"))
        self.assertEqual(status, 403)
        self.assertIn(b"SignatureDoesNotMatch", body)
        self.assertIn(b"<CanonicalRequest>", body)
        self.assertIn(b"<StringToSign>", body)
        status, body = raw_request("GET", url, {})
        self.assertEqual(status, 403)
        self.assertIn(b"AccessDenied", body)
        headers = sign_v4("GET", url, {}, b"", self.key, self.secret)
        headers["x-amz-meta-unsigned"] = "1"
        status, body = raw_request("GET", url, headers)
        self.assertEqual(status, 403, body)
        old = datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(hours=1)
        status, body = raw_request("GET", url, sign_v4("GET", url, {}, b"", self.key, self.secret, when=old))
        self.assertEqual(status, 403)
        self.assertIn(b"RequestTimeTooSkewed", body)
        put_url = self.bucket_url("/" + self.prefix + "hash-check")
        headers = sign_v4("PUT", put_url, {"x-amz-content-sha256": hashlib.sha256(b"other").hexdigest()},
                          b"body", self.key, self.secret)
        status, body = raw_request("PUT", put_url, headers, b"body")
        self.assertEqual(status, 400)
        self.assertIn(b"XAmzContentSHA256Mismatch", body)
        # S3 encodes the path once: a key with '+' must be signed as %2B, whatever the wire form.
        plus_url = self.bucket_url("/" + self.prefix + "a+b")
        headers = sign_v4("GET", plus_url, {}, b"", self.key, self.secret)  # signs "a+b" literally: wrong
        status, body = raw_request("GET", plus_url, headers)
        self.assertEqual(status, 403, body)

    def test_wrong_secret_gives_clear_error(self):
        self.ok("put", self.write("f", b"x"), self.prefix + "secret-test")
        for args in (["get", self.prefix + "secret-test", os.path.join(self.work, "o")],
                     ["put", self.write("g", b"y"), self.prefix + "secret-test"], ["ls", self.prefix]):
            done = self.htut(*args, env={"S3_SECRET": "not-the-secret"})
            self.assertEqual(done.returncode, 1, args)
            err = done.stderr.decode().strip()
            self.assertEqual(len(err.splitlines()), 1, err)
            self.assertIn("SignatureDoesNotMatch", err)
            self.assertIn("check S3_KEY/S3_SECRET/S3_REGION", err)
            self.assertNotIn("not-the-secret", err + done.stdout.decode())
            self.assertNotIn("retrying", done.stdout.decode(), "a 403 is not retried")
        done = self.htut("ls", self.prefix, env={"S3_KEY": "NOBODY"})
        self.assertEqual(done.returncode, 1)
        self.assertIn("InvalidAccessKeyId", done.stderr.decode())
        self.ok("rm", self.prefix + "secret-test")

    def test_session_token_is_signed(self):
        env = {"S3_SESSION_TOKEN": "FwoGZXIvYXdzE+/token=="}
        self.ok("put", self.write("f", b"token\n"), self.prefix + "tok", env=env)
        self.assertEqual(self.ok("get", self.prefix + "tok", env=env).stdout, b"token\n")
        url = self.ok("presign", self.prefix + "tok", env=env).stdout.decode().strip()
        self.assertIn("X-Amz-Security-Token=FwoGZXIvYXdzE%2B%2Ftoken%3D%3D", url)
        with urllib.request.urlopen(url, timeout=30) as resp:
            self.assertEqual(resp.read(), b"token\n")
        self.ok("rm", self.prefix + "tok")

    def test_expired_presigned_url_is_refused(self):
        self.ok("put", self.write("f", b"soon gone"), self.prefix + "exp")
        url = self.ok("presign", self.prefix + "exp", "--expires", "1").stdout.decode().strip()
        time.sleep(2.2)
        status, body = raw_request("GET", url, {})
        self.assertEqual(status, 403)
        self.assertIn(b"expired", body)
        self.ok("rm", self.prefix + "exp")

    def run_against(self, port, *args):
        env = {"S3_LOCATION": f"http://127.0.0.1:{port}/"}
        started = time.monotonic()
        done = self.htut(*args, env=env, timeout=60)
        return done, time.monotonic() - started

    def assert_clear_failure(self, done, *needles):
        self.assertEqual(done.returncode, 1)
        err = done.stderr.decode().strip()
        self.assertEqual(len(err.splitlines()), 1, err)
        for n in needles:
            self.assertIn(n, err)
        self.assertNotIn(self.secret + " ", err)

    def test_closed_port_retries_then_fails_clearly(self):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]  # closed again once the with-block ends
        done, elapsed = self.run_against(port, "get", "k", os.path.join(self.work, "o"))
        self.assert_clear_failure(done, "after 4 attempts", "S3_LOCATION")
        self.assertEqual(done.stdout.decode().count("retrying"), 3, done.stdout)
        self.assertGreater(elapsed, 0.5, "retries back off")

    def test_server_dropping_connections_is_retried(self):
        server = FakeServer("drop")
        self.addCleanup(server.close)
        done, _ = self.run_against(server.port, "get", "k", os.path.join(self.work, "o"))
        self.assert_clear_failure(done, "after 4 attempts")
        self.assertEqual(server.count, 4)
        server2 = FakeServer("drop")
        self.addCleanup(server2.close)
        done, _ = self.run_against(server2.port, "put", self.write("f", b"x" * 100000), "k")
        self.assert_clear_failure(done, "after 4 attempts")
        self.assertEqual(server2.count, 4)

    def test_ls_follows_continuation_tokens(self):
        server = FakeServer("list")
        self.addCleanup(server.close)
        done, _ = self.run_against(server.port, "ls", "some/prefix")
        self.assertEqual(done.returncode, 0, done.stderr)
        self.assertEqual(done.stdout.decode().splitlines(), ["k1", "k2", "k3 & more", "k4"])
        self.assertEqual(server.count, 2)
        self.assertIn("continuation-token=next%2F%2B%3D%20page", server.queries[1])
        self.assertIn("prefix=some%2Fprefix", server.queries[0])

    def test_5xx_is_retried_but_4xx_is_not(self):
        busy = FakeServer("status", 503, "SlowDown")
        self.addCleanup(busy.close)
        done, _ = self.run_against(busy.port, "rm", "k")
        self.assert_clear_failure(done, "503 SlowDown", "after 4 attempts")
        self.assertEqual(busy.count, 4)
        denied = FakeServer("status", 403, "AccessDenied")
        self.addCleanup(denied.close)
        done, _ = self.run_against(denied.port, "rm", "k")
        self.assert_clear_failure(done, "403 AccessDenied", "check S3_KEY/S3_SECRET/S3_REGION")
        self.assertEqual(denied.count, 1)


if __name__ == "__main__":
    unittest.main()
