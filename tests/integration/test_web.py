"""htut web: the hello page, static assets, health, limits, shutdown (real binary, real services)."""
import re
import signal
import socket
import time
import unittest

from htut_testlib import HtutProcess, app_env, free_port, http, new_database, run_htut


class WebRole(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.db = new_database()
        migrated = run_htut("migrate", env={"DATABASE_URL": cls.db})
        assert migrated.returncode == 0, migrated.stderr
        cls.port = free_port()
        cls.base = f"http://127.0.0.1:{cls.port}"
        cls.web = HtutProcess("web", env=app_env(cls.port, cls.db, ME="<b>Ada & \"Bob\"</b>"))
        cls.web.wait_for_port(cls.port)

    @classmethod
    def tearDownClass(cls):
        cls.web.terminate()

    def test_index_says_hello_escaped_and_has_the_form(self):
        status, headers, body = http("GET", self.base + "/")
        self.assertEqual(status, 200)
        text = body.decode()
        self.assertIn("Hello from &lt;b&gt;Ada &amp; &quot;Bob&quot;&lt;/b&gt;", text)
        self.assertNotIn("<b>Ada", text)
        self.assertIn('<form id="upload-form" method="POST" enctype="multipart/form-data"', text)
        for field in ('name="document-name"', 'name="input-file"', 'name="csrf_token"'):
            self.assertIn(field, text)
        self.assertEqual(headers["Content-Type"], "text/html; charset=utf-8")
        self.assertEqual(headers["X-Content-Type-Options"], "nosniff")
        csp = headers["Content-Security-Policy"]
        self.assertIn("script-src 'self'", csp)
        self.assertNotIn("unsafe-inline", csp)
        self.assertRegex(headers["X-Request-ID"], r"^[0-9a-f-]{36}$")
        self.assertIn("htut_session=", headers["Set-Cookie"])
        self.assertIn("HttpOnly", headers["Set-Cookie"])

    def test_request_id_is_echoed_only_when_valid(self):
        _, headers, _ = http("GET", self.base + "/healthz", headers={"X-Request-ID": "abc.DEF_123-x"})
        self.assertEqual(headers["X-Request-ID"], "abc.DEF_123-x")
        _, headers, _ = http("GET", self.base + "/healthz", headers={"X-Request-ID": "bad id!"})
        self.assertNotEqual(headers["X-Request-ID"], "bad id!")
        self.assertRegex(headers["X-Request-ID"], r"^[0-9a-f-]{36}$")

    def test_static_assets_have_etags_and_revalidate(self):
        _, _, page = http("GET", self.base + "/")
        css = re.search(rb'href="(/static/app\.[0-9a-f]{8}\.css)"', page)
        self.assertIsNotNone(css, "the page links the content-hashed stylesheet")
        status, headers, body = http("GET", self.base + css.group(1).decode())
        self.assertEqual(status, 200)
        self.assertEqual(headers["Content-Type"], "text/css; charset=utf-8")
        self.assertIn("immutable", headers["Cache-Control"])
        etag = headers["ETag"]
        self.assertRegex(etag, r'^"[0-9a-f]{32}"$')
        status, headers, body = http("GET", self.base + "/static/app.css", headers={"If-None-Match": etag})
        self.assertEqual(status, 304)
        self.assertEqual(body, b"")
        status, headers, body = http("GET", self.base + "/static/app.css", headers={"If-None-Match": '"nope"'})
        self.assertEqual(status, 200)
        self.assertGreater(len(body), 100)
        self.assertIn("no-cache", headers["Cache-Control"])

    def test_vendor_libraries_are_embedded_and_gzipped(self):
        status, headers, body = http("GET", self.base + "/static/vendor/d3.min.js")
        self.assertEqual(status, 200)
        self.assertEqual(headers["Content-Type"], "text/javascript; charset=utf-8")
        self.assertGreater(len(body), 200_000)
        status, headers, gz = http("GET", self.base + "/static/vendor/d3.min.js", headers={"Accept-Encoding": "gzip"})
        self.assertEqual(headers["Content-Encoding"], "gzip")
        import gzip
        self.assertEqual(gzip.decompress(gz), body)
        status, headers, br = http("GET", self.base + "/static/vendor/d3.min.js",
                                   headers={"Accept-Encoding": "gzip, deflate, br"})
        self.assertEqual(headers["Content-Encoding"], "br")
        self.assertLess(len(br), len(gz))
        self.assertNotEqual(headers["ETag"], http("GET", self.base + "/static/vendor/d3.min.js")[1]["ETag"])
        status, headers, _ = http("GET", self.base + "/static/vendor/d3.min.js", headers={"Accept-Encoding": "br;q=0"})
        self.assertNotIn("Content-Encoding", headers)
        status, _, cloud = http("GET", self.base + "/static/vendor/d3.layout.cloud.js")
        self.assertEqual(status, 200)
        self.assertIn(b"cloud", cloud)

    def test_unknown_paths_and_traversal_are_404(self):
        for path in ["/nope", "/static/../CMakeLists.txt", "/static/%2e%2e/x", "/static/", "/api/nope"]:
            status, _, _ = http("GET", self.base + path)
            self.assertEqual(status, 404, path)
        status, headers, body = http("GET", self.base + "/api/nope")
        self.assertEqual(headers["Content-Type"], "application/json")
        self.assertIn(b'"error"', body)

    def test_healthz_reports_database_and_broker(self):
        status, headers, body = http("GET", self.base + "/healthz")
        self.assertEqual(status, 200, body)
        self.assertIn(b'"status":"ok"', body)
        self.assertIn(b'"database":"ok"', body)
        self.assertIn(b'"broker":"ok"', body)

    def test_oversized_header_is_431(self):
        status, _, _ = http("GET", self.base + "/", headers={"X-Big": "a" * 40_000})
        self.assertEqual(status, 431)
        # The server is still there.
        self.assertEqual(http("GET", self.base + "/healthz")[0], 200)

    def test_malformed_request_line_is_400(self):
        with socket.create_connection(("127.0.0.1", self.port), timeout=5) as s:
            s.sendall(b"THIS IS NOT HTTP\r\n\r\n")
            answer = s.recv(4096)
        self.assertTrue(answer.startswith(b"HTTP/1.1 400"), answer[:100])

    def test_keep_alive_serves_several_requests_on_one_connection(self):
        with socket.create_connection(("127.0.0.1", self.port), timeout=5) as s:
            for _ in range(3):
                s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
                data = b""
                while b"\r\n\r\n" not in data:
                    data += s.recv(4096)
                head, rest = data.split(b"\r\n\r\n", 1)
                length = int(re.search(rb"Content-Length: (\d+)", head, re.I).group(1))
                while len(rest) < length:
                    rest += s.recv(4096)
                self.assertTrue(head.startswith(b"HTTP/1.1 200"))

    def test_access_log_line(self):
        http("GET", self.base + "/healthz", headers={"X-Request-ID": "log-check-1"})
        line = self.web.wait_for_log("request_id=log-check-1")
        for key in ("method=GET", "path=/healthz", "status=200", "bytes=", "duration_ms="):
            self.assertIn(key, line)


class WebShutdown(unittest.TestCase):
    def test_sigterm_finishes_in_flight_request_and_exits_0(self):
        db = new_database()
        self.assertEqual(run_htut("migrate", env={"DATABASE_URL": db}).returncode, 0)
        port = free_port()
        web = HtutProcess("web", env=app_env(port, db))
        web.wait_for_port(port)
        # An idle keep-alive connection must not hold shutdown up.
        idle = socket.create_connection(("127.0.0.1", port))
        # A slow request in flight: headers and part of the body sent.
        body = (b'--XyZ\r\nContent-Disposition: form-data; name="document-name"\r\n\r\nx\r\n'
                b'--XyZ\r\nContent-Disposition: form-data; name="input-file"; filename="a.txt"\r\n\r\n'
                b'hello shutdown\r\n--XyZ--\r\n')
        slow = socket.create_connection(("127.0.0.1", port))
        slow.sendall(b"POST /api/documents HTTP/1.1\r\nHost: x\r\nContent-Type: multipart/form-data; boundary=XyZ\r\n"
                     b"Content-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body[:20])
        time.sleep(0.3)
        started = time.monotonic()
        web.send_signal(signal.SIGTERM)
        time.sleep(0.5)
        self.assertTrue(web.running(), "web waits for the in-flight upload")
        slow.sendall(body[20:])
        slow.settimeout(10)
        answer = slow.recv(4096)
        self.assertTrue(answer.startswith(b"HTTP/1.1 201"), answer[:200])
        code = web.wait(timeout=30)
        self.assertEqual(code, 0)
        self.assertLess(time.monotonic() - started, 25)
        idle.close()
        slow.close()
        self.assertIn("shutting down", web.output())


class WebConfig(unittest.TestCase):
    def test_missing_config_is_one_clear_line(self):
        env = app_env(free_port())
        del env["DATABASE_URL"]
        r = run_htut("web", env=env, timeout=20)
        self.assertEqual(r.returncode, 1)
        err = r.stderr.decode().strip().splitlines()
        self.assertEqual(len(err), 1, err)
        self.assertIn("DATABASE_URL", err[0])

    def test_unknown_role_and_help(self):
        self.assertEqual(run_htut("nosuchrole").returncode, 2)
        r = run_htut("--help")
        self.assertEqual(r.returncode, 0)
        self.assertIn(b"usage: htut", r.stdout)
        r = run_htut("version")
        self.assertRegex(r.stdout.decode(), r"^htut \d+\.\d+\.\d+\n$")


if __name__ == "__main__":
    unittest.main()
