"""HTTP done exactly: HEAD is GET without a body on every route and changes
nothing; 405 carries Allow; errors of /api/ routes are JSON also when the
request is refused before routing (400, 431); the CSRF token is checked before
a byte of the file is stored (a token after the file is refused); /healthz
costs one round of checks a second however many call it."""
import json
import threading
import time
import unittest

from hostile_support import BOUNDARY, Deployment, connect, read_response
from htut_testlib import psql

ROUTES = ["/", "/healthz", "/api/documents", "/api/documents/{slug}", "/wordcloud/{slug}",
          "/documents/{slug}/file", "/static/does-not-exist", "/api/nothing", "/nothing"]


def xacts(db):
    return int(psql(db, "SELECT pg_stat_clear_snapshot(); SELECT xact_commit + xact_rollback FROM pg_stat_database "
                        "WHERE datname = current_database()").split()[-1])


class HttpExact(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.d = Deployment(LOG_LEVEL="debug")
        status, _, body = cls.d.api_upload({"document-name": "Head Check"}, {"input-file": ("h.txt", b"one two", "text/plain")})
        assert status == 201, body
        cls.slug = json.loads(body)["document_slug"]

    @classmethod
    def tearDownClass(cls):
        cls.d.stop()

    def raw(self, request, responses=1):
        with connect(self.d.port) as s:
            s.sendall(request)
            out, rest = [], b""
            for _ in range(responses):
                r, rest = read_response(s, rest)
                out.append(r)
            return out, rest

    def test_head_is_get_without_a_body_on_every_route(self):
        for route in ROUTES + ["/api/documents/{slug}/events", "/test_connection"]:
            path = route.format(slug=self.slug)
            with self.subTest(path=path):
                # HEAD then GET on one kept-alive connection: the GET answer must parse cleanly after the HEAD.
                head = f"HEAD {path} HTTP/1.1\r\nHost: x\r\n\r\n".encode()
                with connect(self.d.port) as s:
                    s.sendall(head)
                    data = b""
                    while b"\r\n\r\n" not in data:
                        chunk = s.recv(65536)
                        if not chunk:
                            break
                        data += chunk
                    header, _, extra = data.partition(b"\r\n\r\n")
                    s.settimeout(0.5)
                    try:
                        extra += s.recv(65536)
                    except OSError:
                        pass
                    self.assertEqual(extra, b"", f"HEAD {path} sent a body")
                    self.assertNotIn(b"405", header.split(b"\r\n")[0])
                if route in ("/test_connection", "/api/documents/{slug}/events"):
                    continue  # GET of these changes things or streams
                get_status, get_headers, get_body = self.d.get(path)
                head_length = [l for l in header.decode().split("\r\n") if l.lower().startswith("content-length:")]
                if head_length:
                    self.assertEqual(int(head_length[0].split(":")[1]), len(get_body), path)

    def test_head_test_connection_inserts_nothing(self):
        before = self.d.rows()
        responses, _ = self.raw(b"HEAD /test_connection HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        self.assertEqual(responses[0].status, 200)
        self.assertEqual(self.d.rows(), before, "HEAD /test_connection inserted a row")

    def test_405_carries_allow(self):
        for method, path, allow in (("DELETE", "/", "GET, HEAD, POST"), ("PUT", "/api/documents", "GET, HEAD, POST"),
                                    ("POST", "/healthz", "GET, HEAD"), ("DELETE", f"/api/documents/{self.slug}", "GET, HEAD"),
                                    ("POST", "/test_connection", "GET, HEAD"), ("PATCH", f"/wordcloud/{self.slug}", "GET, HEAD")):
            with self.subTest(method=method, path=path):
                responses, _ = self.raw(f"{method} {path} HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nConnection: close\r\n\r\n".encode())
                r = responses[0]
                self.assertEqual(r.status, 405)
                self.assertEqual(r.header("Allow"), allow)
                if path.startswith("/api/"):
                    self.assertIn("error", r.json())

    def test_errors_before_routing_are_json_on_api(self):
        big = b"GET /api/documents HTTP/1.1\r\nHost: x\r\n" + b"X-A: " + b"b" * 40000 + b"\r\n\r\n"
        r = self.raw(big)[0][0]
        self.assertEqual(r.status, 431)
        self.assertTrue(r.header("Content-Type").startswith("application/json"), r.head)
        self.assertIn("error", r.json())
        r = self.raw(b"GET /api/documents HTTP/1.1\r\nHost: x\r\nHost: y\r\n\r\n")[0][0]
        self.assertEqual(r.status, 400)
        self.assertIn("error", r.json())
        r = self.raw(b"GET / HTTP/1.1\r\nHost: x\r\n" + b"X-A: " + b"b" * 40000 + b"\r\n\r\n")[0][0]
        self.assertEqual(r.status, 431)
        self.assertFalse(r.header("Content-Type").startswith("application/json"))

    def form(self, parts):
        body = b""
        for name, filename, value in parts:
            disposition = f'form-data; name="{name}"' + (f'; filename="{filename}"' if filename else "")
            body += f"--{BOUNDARY}\r\nContent-Disposition: {disposition}\r\n\r\n".encode() + value + b"\r\n"
        return body + f"--{BOUNDARY}--\r\n".encode()

    def post_form(self, cookie, body):
        request = (f"POST / HTTP/1.1\r\nHost: x\r\nCookie: {cookie}\r\nConnection: close\r\n"
                   f"Content-Type: multipart/form-data; boundary={BOUNDARY}\r\nContent-Length: {len(body)}\r\n\r\n").encode()
        return self.raw(request + body)[0][0]

    def test_csrf_is_checked_before_the_file_is_stored(self):
        cookie, token = self.d.form_session()
        keys, rows = self.d.stored_keys(), self.d.rows()
        forged = self.form([("csrf_token", None, b"forged"), ("document-name", None, b"forged"),
                            ("input-file", "f.txt", b"x" * 200_000)])
        self.assertEqual(self.post_form(cookie, forged).status, 403)
        late = self.form([("document-name", None, b"late token"), ("input-file", "f.txt", b"hello"),
                          ("csrf_token", None, token.encode())])
        self.assertEqual(self.post_form(cookie, late).status, 403, "a token after the file was accepted")
        self.assertEqual(self.d.stored_keys(), keys)
        self.assertEqual(self.d.rows(), rows)
        self.assertNotIn("multipart upload", self.d.web.output())
        good = self.form([("csrf_token", None, token.encode()), ("document-name", None, b"good token"),
                          ("input-file", "f.txt", b"hello")])
        self.assertEqual(self.post_form(cookie, good).status, 303)

    def test_healthz_costs_one_check_a_second(self):
        time.sleep(11)  # idle backends report their statistics within 10 s
        before = xacts(self.d.db)
        runs_before = self.d.web.output().count("health checks run")
        stop = time.monotonic() + 5
        answers = []

        def caller():
            while time.monotonic() < stop:
                answers.append(self.d.get("/healthz")[0])
        threads = [threading.Thread(target=caller) for _ in range(64)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        runs = self.d.web.output().count("health checks run") - runs_before
        time.sleep(11)
        spent = xacts(self.d.db) - before - 2  # the two statistics queries themselves
        print(f"\n/healthz: {len(answers)} answers from 64 callers in 5 s cost {spent} database transactions",
              flush=True)
        print(f"figure: healthz_check_rounds_in_5s={runs}", flush=True)
        self.assertGreater(len(answers), 100)
        self.assertEqual(set(answers), {200})
        self.assertLessEqual(runs, 7, "/healthz ran its checks more than once a second")
        self.assertLessEqual(spent, 12, "/healthz cost more database transactions than one check a second")


if __name__ == "__main__":
    unittest.main()


class ChunkedBodiesCount(unittest.TestCase):
    """A chunked body is counted against MAX_UPLOAD_BYTES (+ 1 MiB of framing) like any
    other, wherever the bytes are (here an epilogue after the closing boundary, which
    the multipart rules let a parser ignore)."""

    def test_chunked_body_over_the_limit_is_413(self):
        d = Deployment(MAX_UPLOAD_BYTES=str(1024 * 1024))
        self.addCleanup(d.stop)
        keys = d.stored_keys()
        head = (f"POST /api/documents HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n"
                f"Content-Type: multipart/form-data; boundary={BOUNDARY}\r\n\r\n").encode()
        start = (f"--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"document-name\"\r\n\r\nepilogue\r\n"
                 f"--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"input-file\"; filename=\"e.txt\"\r\n\r\n"
                 f"hello\r\n--{BOUNDARY}--\r\n").encode()
        with connect(d.port) as s:
            s.sendall(head + b"%x\r\n" % len(start) + start + b"\r\n")
            piece = b"p" * 65536
            try:
                for _ in range(48):  # 3 MiB
                    s.sendall(b"%x\r\n" % len(piece) + piece + b"\r\n")
            except OSError:
                pass
            r, _ = read_response(s)
        self.assertEqual(r.status, 413, r)
        self.assertIn("error", r.json())
        self.assertEqual(d.stored_keys(), keys)
        self.assertEqual(d.rows(), 0)
