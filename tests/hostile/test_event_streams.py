"""Event streams without polling: 500 streams on one pending document, once
open, cost under 1,000 database transactions in 30 s and under 64 MiB of the
web role's memory; all 500 end within 20 s of the document being done, and
their hub subscriptions are gone afterwards (no leak)."""
import re
import selectors
import socket
import time
import unittest

from hostile_support import Deployment, rss_mib
from htut_testlib import HtutProcess, psql, wait_until

STREAMS = 500


def xacts(db):
    return int(psql(db, "SELECT pg_stat_clear_snapshot(); SELECT xact_commit + xact_rollback FROM pg_stat_database "
                        "WHERE datname = current_database()").split()[-1])


class EventStreams(unittest.TestCase):
    def test_500_streams_cost_little_and_all_end_when_done(self):
        d = Deployment(LOG_LEVEL="debug")
        self.addCleanup(d.stop)
        status, _, body = d.api_upload({"document-name": "Streamed"},
                                       {"input-file": ("s.txt", b"alpha beta gamma " * 1000, "text/plain")})
        self.assertEqual(status, 201, body)
        slug = "streamed"
        rss_before = rss_mib(d.web.pid)
        sel = selectors.DefaultSelector()
        received = {}
        for _ in range(STREAMS):
            s = socket.create_connection(("127.0.0.1", d.port), timeout=10)
            s.sendall(f"GET /api/documents/{slug}/events HTTP/1.1\r\nHost: x\r\n\r\n".encode())
            s.setblocking(False)
            sel.register(s, selectors.EVENT_READ)
            received[s] = b""
        ended = {}

        def pump(seconds):
            until = time.monotonic() + seconds
            while time.monotonic() < until and len(ended) < STREAMS:
                for key, _ in sel.select(timeout=0.2):
                    s = key.fileobj
                    try:
                        data = s.recv(65536)
                    except (BlockingIOError, InterruptedError):
                        continue
                    except OSError:
                        data = b""
                    if not data:
                        ended[s] = time.monotonic()
                        sel.unregister(s)
                        continue
                    received[s] += data[:4096] if len(received[s]) < 8192 else b""
        wait_until(lambda: pump(0.5) or all(b"event: document" in r for r in received.values()), 60,
                   "every stream's first event")
        self.assertTrue(all(b'"status":"pending"' in r for r in received.values()))

        pump(11)  # idle backends report their statistics within 10 s
        before = xacts(d.db)
        reads_before = d.web.output().count("event stream read")
        pump(30)
        reads = d.web.output().count("event stream read") - reads_before
        pump(11)
        spent = xacts(d.db) - before - 2
        rss_after = rss_mib(d.web.pid)
        self.assertEqual(ended, {}, "streams ended while the document was pending")

        worker = HtutProcess("worker", env=d.env)
        self.addCleanup(worker.kill)
        done_at = None

        def document_done():
            return psql(d.db, f"SELECT status FROM file_upload_meta WHERE document_slug = '{slug}'").strip() == "done"
        until = time.monotonic() + 120
        while time.monotonic() < until and len(ended) < STREAMS:
            pump(0.2)
            if done_at is None and document_done():
                done_at = time.monotonic()
        self.assertIsNotNone(done_at, "the document was not counted")
        last_end = max(ended.values()) - done_at if len(ended) == STREAMS else None
        for s in list(received):
            s.close()
        wait_until(lambda: re.findall(r'"event stream ended".* subscriptions=(\d+)', d.web.output())[-1:] == ["0"],
                   20, "all hub subscriptions removed")
        print(f"\nfigure: event_streams={STREAMS}\nfigure: db_transactions_in_30s={spent}\n"
              f"figure: stream_db_reads_in_30s={reads}\n"
              f"figure: web_rss_for_streams_mib={rss_after - rss_before:.1f}\n"
              f"figure: last_stream_end_s_after_done_seen={last_end if last_end is None else max(0.0, round(last_end, 1))}", flush=True)
        self.assertEqual(len(ended), STREAMS, "not every stream ended")
        self.assertLess(last_end, 20)
        self.assertLess(reads, 1000)
        self.assertLess(spent, 1000)
        self.assertLess(rss_after - rss_before, 64)


if __name__ == "__main__":
    unittest.main()
