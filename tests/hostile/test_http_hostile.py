"""Hostile HTTP: lying Content-Length, slowloris, a stalled body, many idle keep-alive connections,
request smuggling attempts, path traversal in URLs.

The slow attacks (slowloris: the 15 s header timeout; a stalled body: the 30 s
body timeout; 2,000 idle connections) start together in setUpClass and run in
background threads while the quick attacks run; `test_zz_slow_attacks` joins
them at the end. That keeps the file to about 35 s of wall time."""
import socket
import threading
import time
import unittest

from hostile_support import (CLOSE, Bystander, Deployment, closed_by_server, connect, healthz_now, part,
                             read_response, request_bytes, rss_mib, send_quietly, upload_request)
from htut_testlib import report

RSS_LIMIT_MIB = 150          # measured: about 33 MiB with the 2,000 idle connections open
IDLE_CONNECTIONS = 2000      # 10,000 would need ~30 s to open on 2 busy cores; 2,000 shows the same thing
HEADER_TIMEOUT_S = 15        # ServerOptions::header_timeout
BODY_TIMEOUT_S = 30          # body_read_timeout in core/web/exchange.cpp

UPLOAD = part("document-name", "lying length") + part("input-file", b"alpha beta gamma " * 100, "a.txt") + CLOSE


class SlowAttack(threading.Thread):
    """Runs fn() in the background, keeping its result or exception."""

    def __init__(self, fn):
        super().__init__(daemon=True)
        self.fn = fn
        self.result = None
        self.error = None

    def run(self):
        try:
            self.result = self.fn()
        except Exception as e:  # reported by the test that joins it
            self.error = e


class HttpAttacks(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.d = Deployment()
        cls.keys_before = cls.d.stored_keys()
        cls.rows_before = cls.d.rows()
        cls.started = time.monotonic()
        cls.slowloris = SlowAttack(cls._slowloris)
        cls.stalled_body = SlowAttack(cls._stalled_body)
        cls.idle = SlowAttack(cls._idle_connections)
        cls.idle_release = threading.Event()
        for attack in (cls.slowloris, cls.stalled_body, cls.idle):
            attack.start()

    @classmethod
    def tearDownClass(cls):
        cls.idle_release.set()
        cls.d.stop()

    def tearDown(self):
        self.assertTrue(self.d.web.running(), "the web role died")
        self.assertLess(rss_mib(self.d.web.pid), RSS_LIMIT_MIB)

    # -- the slow attacks (background) -------------------------------------------------
    @classmethod
    def _slowloris(cls):
        """Request headers at one byte a second: the server must drop it after the header timeout."""
        request = request_bytes("GET", "/healthz", {"X-Slow": "s" * 100})
        with connect(cls.d.port, timeout=5) as s:
            started = time.monotonic()
            received = b""
            for byte in request:
                if not send_quietly(s, bytes([byte])):
                    break
                s.settimeout(1.0)
                try:
                    chunk = s.recv(4096)
                    if not chunk:
                        break
                    received += chunk
                except socket.timeout:
                    continue
                except ConnectionResetError:
                    break
                if received:
                    closed, more = closed_by_server(s, 5)
                    received += more
                    break
                if time.monotonic() - started > 60:
                    break
            return time.monotonic() - started, received

    @classmethod
    def _stalled_body(cls):
        """Content-Length longer than the body sent, then silence: the body must time out."""
        request = upload_request(UPLOAD, content_length=len(UPLOAD) + 1000)
        with connect(cls.d.port, timeout=5) as s:
            s.sendall(request)
            started = time.monotonic()
            closed, received = closed_by_server(s, BODY_TIMEOUT_S + 20)
            return closed, time.monotonic() - started, received

    @classmethod
    def _idle_connections(cls):
        """Many keep-alive connections that never send a byte, held until the test releases them."""
        socks = []
        try:
            for _ in range(IDLE_CONNECTIONS):
                socks.append(socket.create_connection(("127.0.0.1", cls.d.port), timeout=10))
            opened = time.monotonic()
            cls.idle_release.wait(120)
            still_open = 0
            for s in socks:  # none may have been closed by the server early (idle timeout is 95 s)
                s.setblocking(False)
                try:
                    still_open += 1 if s.recv(1) else 0
                except BlockingIOError:
                    still_open += 1
                except OSError:
                    pass
            return len(socks), still_open, time.monotonic() - opened
        finally:
            for s in socks:
                s.close()

    # -- lying Content-Length -----------------------------------------------------------
    def test_content_length_shorter_than_the_body(self):
        """The rest of the body is read as the next request: a 400, never an upload of garbage."""
        short = len(UPLOAD) // 2
        with connect(self.d.port) as s:
            s.sendall(upload_request(UPLOAD, content_length=short))
            first, leftover = read_response(s)
            second, _ = read_response(s, leftover)
        self.assertEqual(first.status, 400, first)
        self.assertIn("truncated multipart body", first.json()["error"])
        if second is not None:  # what followed was taken as a request, and refused
            self.assertEqual(second.status, 400, second)
            self.assertIn(b"malformed request", second.body)
        self.assertEqual(self.d.stored_keys(), self.keys_before)
        self.assertEqual(self.d.rows(), self.rows_before)

    def test_content_length_longer_then_half_close_is_400(self):
        with connect(self.d.port) as s:
            s.sendall(upload_request(UPLOAD, content_length=len(UPLOAD) + 5000))
            s.shutdown(socket.SHUT_WR)
            response, _ = read_response(s)
        self.assertIsNotNone(response)
        self.assertEqual(response.status, 400, response)
        self.assertIn("could not read the request body", response.json()["error"])
        self.assertEqual(self.d.stored_keys(), self.keys_before)

    def test_content_length_over_the_limit_is_413_before_the_body(self):
        with connect(self.d.port) as s:
            s.sendall(upload_request(b"", content_length=10 * 1024 ** 3))
            response, _ = read_response(s)
        self.assertEqual(response.status, 413, response)

    # -- request smuggling -------------------------------------------------------------
    def exchange(self, raw, timeout=3):
        """Sends raw bytes, collects every response until the server closes or goes quiet."""
        responses = []
        with connect(self.d.port, timeout=timeout) as s:
            send_quietly(s, raw)
            buffer = b""
            while True:
                try:
                    response, buffer = read_response(s, buffer)
                except socket.timeout:
                    break
                if response is None:
                    break
                responses.append(response)
        return responses

    SMUGGLED = b"GET /api/smuggled HTTP/1.1\r\nHost: x\r\n\r\n"

    def assert_single_400(self, raw):
        responses = self.exchange(raw)
        self.assertEqual([r.status for r in responses], [400], responses)
        return responses[0]

    def test_transfer_encoding_with_content_length_is_400(self):
        for path in (b"/healthz", b"/api/documents"):
            with self.subTest(path=path):
                raw = (b"POST " + path + b" HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\n"
                       b"Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n" + self.SMUGGLED)
                self.assert_single_400(raw)

    def test_conflicting_content_lengths_are_400(self):
        for headers in (b"Content-Length: 5\r\nContent-Length: 6\r\n", b"Content-Length: 5, 6\r\n",
                        b"Content-Length: +5\r\n", b"Content-Length: -1\r\n", b"Content-Length: 0x5\r\n",
                        b"Content-Length: 99999999999999999999999\r\n", b"Content-Length : 5\r\n"):
            with self.subTest(headers=headers):
                raw = b"POST /api/documents HTTP/1.1\r\nHost: x\r\n" + headers + b"\r\nhello" + self.SMUGGLED
                response = self.assert_single_400(raw)
                self.assertIn(b"malformed request", response.body)

    def test_obs_fold_and_odd_transfer_encodings_never_split_a_request(self):
        for headers in (b"Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n",
                        b"Content-Length: 3\r\nTransfer-Encoding: x,\r\n chunked\r\n",
                        b"Transfer-Encoding : chunked\r\n"):
            with self.subTest(headers=headers):
                raw = b"POST /api/documents HTTP/1.1\r\nHost: x\r\n" + headers + b"\r\n0\r\n\r\n" + self.SMUGGLED
                self.assert_single_400(raw)
        # A folded Transfer-Encoding is unfolded (RFC 9112 allows that), so the body is chunked: one answer.
        raw = (b"POST /api/documents HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\nTransfer-Encoding:\r\n"
               b" chunked\r\n\r\n0\r\n\r\n")
        self.assertEqual([r.status for r in self.exchange(raw)], [400])

    def test_transfer_encoding_not_ending_in_chunked_is_400_and_closes(self):
        """RFC 9112 6.3: a request whose Transfer-Encoding does not end in chunked has no reliable
        length; the server MUST answer 400 and close. Otherwise its body runs as a second request."""
        for te in (b"xchunked", b"identity", b"chunked, identity", b"gzip"):
            with self.subTest(te=te):
                raw = b"GET /healthz HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: " + te + b"\r\n\r\n" + self.SMUGGLED
                responses = self.exchange(raw)
                self.assertNotIn(b"no such route", b"".join(r.body for r in responses),
                                 "the body was executed as a second (smuggled) request")
                self.assertEqual([r.status for r in responses], [400], responses)

    def test_get_body_is_not_executed(self):
        raw = b"GET /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n" % len(self.SMUGGLED) + self.SMUGGLED
        self.assertEqual([r.status for r in self.exchange(raw)], [200])

    def test_malformed_heads_are_400(self):
        for raw in (b"GET /healthz HTTP/1.1\r\nHost: x\rX: y\r\n\r\n",     # bare CR
                    b"GET /healthz HTTP/1.1\r\nHost: x\r\nX: a\0b\r\n\r\n",  # NUL
                    b"GET /healthz HTTP/2.0\r\n\r\n",
                    b"GET /a b HTTP/1.1\r\nHost: x\r\n\r\n",
                    b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03" + b"\0" * 64 + b"\r\n\r\n"):  # TLS hello
            with self.subTest(raw=raw[:30]):
                self.assert_single_400(raw)

    def test_oversized_heads_are_431(self):
        for raw in (b"GET /" + b"a" * 20_000 + b" HTTP/1.1\r\nHost: x\r\n\r\n",
                    b"GET /healthz HTTP/1.1\r\nHost: x\r\n" + b"X-A: b\r\n" * 3000 + b"\r\n"):
            with self.subTest(size=len(raw)):
                responses = self.exchange(raw)
                self.assertEqual([r.status for r in responses], [431], responses)

    # -- traversal in URLs --------------------------------------------------------------
    def test_path_traversal_urls_are_404(self):
        paths = ["/static/..%2f..%2f..%2fetc%2fpasswd", "/static/../../../etc/passwd",
                 "/static/%2e%2e/%2e%2e/etc/passwd", "/static/..\\..\\etc\\passwd", "/static//etc/passwd",
                 "/static/app.css/../../../../etc/passwd", "/static/%00", "/documents/../../etc/passwd",
                 "/documents/..%2f..%2fetc%2fpasswd/file", "/documents/%2e%2e/file", "/documents/../file",
                 "/api/documents/..%2f..%2fetc%2fpasswd", "/api/documents/../../etc/passwd",
                 "//etc/passwd", "/./etc/passwd", "/wordcloud/..%2f..%2fetc%2fpasswd"]
        for path in paths:
            with self.subTest(path=path):
                raw = request_bytes("GET", path, {"Connection": "close"})
                responses = self.exchange(raw)
                self.assertEqual([r.status for r in responses], [404], responses)
                self.assertNotIn(b"root:", responses[0].body)

    def test_markup_in_the_url_is_escaped(self):
        raw = request_bytes("GET", "/wordcloud/<script>alert(1)</script>\"'", {"Connection": "close"})
        responses = self.exchange(raw)
        self.assertEqual(responses[0].status, 404)
        self.assertNotIn(b"<script>alert", responses[0].body)
        self.assertIn(b"&lt;script&gt;alert(1)&lt;/script&gt;&quot;&#39;", responses[0].body)

    # -- the slow attacks' results ---------------------------------------------------------
    def test_zz_slow_attacks(self):
        # While all three run (they started in setUpClass), other clients are served.
        time.sleep(max(0.0, 3 - (time.monotonic() - self.started)))  # let the idle connections open
        with Bystander(self.d.port) as others:
            healthz_now(self, self.d.port)
            self.slowloris.join(HEADER_TIMEOUT_S + 30)
        others.assert_served(self, min_probes=3)
        rss_under_attack = rss_mib(self.d.web.pid)
        report(self, {"idle_connections": IDLE_CONNECTIONS, "web_rss_mib_under_slow_attacks": round(rss_under_attack, 1)})
        self.assertLess(rss_under_attack, RSS_LIMIT_MIB)

        self.assertIsNone(self.slowloris.error)
        elapsed, received = self.slowloris.result
        self.assertGreater(elapsed, HEADER_TIMEOUT_S - 3, "dropped before the header timeout")
        self.assertLess(elapsed, HEADER_TIMEOUT_S + 5, "a slowloris connection outlived the header timeout")
        if received:
            self.assertTrue(received.startswith(b"HTTP/1.1 408"), received[:100])

        self.stalled_body.join(BODY_TIMEOUT_S + 30)
        self.assertIsNone(self.stalled_body.error)
        closed, waited, received = self.stalled_body.result
        self.assertTrue(closed, "a stalled upload body was never timed out")
        self.assertLess(waited, BODY_TIMEOUT_S + 10)
        self.assertNotIn(b" 201 ", received[:20])
        self.assertEqual(self.d.stored_keys(), self.keys_before)
        self.assertEqual(self.d.rows(), self.rows_before)

        healthz_now(self, self.d.port)
        self.idle_release.set()
        self.idle.join(60)
        self.assertIsNone(self.idle.error)
        opened, still_open, _ = self.idle.result
        self.assertEqual(opened, IDLE_CONNECTIONS)
        self.assertEqual(still_open, IDLE_CONNECTIONS, "idle keep-alive connections were dropped early")
        healthz_now(self, self.d.port)


if __name__ == "__main__":
    unittest.main()
