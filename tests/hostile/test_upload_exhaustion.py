"""Many slow or concurrent uploads must not take the server's shared resources away from everyone.

- Stalled uploads: each upload's storage PUT runs on the web role's blocking
  pool (max(8, 4 x WEB_CONCURRENCY) threads) and holds its thread until the
  body ends. A handful of anonymous clients that start an upload and then send
  nothing must not starve the routes that need the database (/healthz, the
  JSON API, the word-cloud pages).
- Concurrent uploads: each upload buffers up to ~1 MiB (the pipe to storage)
  while it waits; the number of uploads in progress must be bounded so that
  memory is too.
"""
import socket
import time
import unittest

from hostile_support import BOUNDARY, Bystander, Deployment, connect, peak_rss_mib, rss_mib, upload_request
from htut_testlib import report

BLOCKING_THREADS = 8  # web_command.cpp: max(8, 4 * WEB_CONCURRENCY) with WEB_CONCURRENCY=2
FILE_START = (f"--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"document-name\"\r\n\r\nslow\r\n"
              f"--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"input-file\"; filename=\"slow.txt\"\r\n"
              f"Content-Type: text/plain\r\n\r\n").encode()


def open_stalled_upload(port, first_bytes=b"hello "):
    """An upload whose headers and first file bytes arrive, then nothing (well within the 30 s body timeout)."""
    s = connect(port, timeout=30)
    body = FILE_START + first_bytes
    s.sendall(upload_request(body, content_length=len(body) + 10_000_000))
    return s


class UploadExhaustion(unittest.TestCase):
    def setUp(self):
        self.d = Deployment(WEB_CONCURRENCY="2")  # one server per test: each attack starts from a clean slate

    def tearDown(self):
        self.d.stop()

    def test_stalled_uploads_do_not_starve_database_routes(self):
        stalled = [open_stalled_upload(self.d.port) for _ in range(BLOCKING_THREADS + 2)]
        try:
            time.sleep(1.0)  # every upload has reached its file part and started its storage PUT
            with Bystander(self.d.port, timeout=8) as others:
                time.sleep(3)
            others.assert_served(self, max_seconds=5)
            started = time.monotonic()
            status, _, _ = self.d.get("/api/documents?limit=1", timeout=8)
            self.assertEqual(status, 200)
            self.assertLess(time.monotonic() - started, 5)
        finally:
            for s in stalled:
                s.close()

    def test_concurrent_uploads_keep_memory_bounded(self):
        """150 uploads in progress at once, each pushing 2 MiB as fast as it can."""
        n, push = 150, b"word " * (400 * 1024)
        socks = []
        try:
            for _ in range(n):
                s = open_stalled_upload(self.d.port, first_bytes=b"")
                s.setblocking(False)
                try:
                    s.send(push)
                except (BlockingIOError, ConnectionResetError, BrokenPipeError):
                    pass
                socks.append(s)
            time.sleep(3)
            peak = peak_rss_mib(self.d.web.pid)
            report(self, {"uploads_in_progress": n, "web_peak_rss_mib": round(peak, 1),
                          "web_rss_mib_now": round(rss_mib(self.d.web.pid), 1)})
            self.assertTrue(self.d.web.running())
            self.assertLess(peak, 150, "memory grows with the number of uploads in progress")
        finally:
            for s in socks:
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
                s.close()


if __name__ == "__main__":
    unittest.main()
