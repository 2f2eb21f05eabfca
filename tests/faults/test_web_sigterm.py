"""Fault 5: the web role gets SIGTERM (a deploy, a dyno restart) while uploads
are streaming in. Graceful shutdown: it stops accepting at once, lets the
requests in flight finish (uploads included, up to 25 s), closes idle
keep-alive connections, and exits 0. Every upload that got 201 is counted;
new connections are refused, which leaves nothing behind."""
import signal
import socket
import time
import unittest

from fault_documents import document
from fault_network import SlowUpload
from fault_services import ensure_all_up
from faults_lib import Deployment, report
from htut_testlib import HtutProcess, http, port_open, wait_until

IN_FLIGHT = 4


class WebSigterm(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        ensure_all_up()

    def setUp(self):
        self.d = Deployment("term", workers=2)
        self.addCleanup(self.d.close)

    def test_in_flight_uploads_complete_and_web_exits_zero(self):
        d = self.d
        for _ in range(3):
            self.assertEqual(d.upload().status, 201)
        d.wait_settled(30)

        idle = socket.create_connection(("127.0.0.1", d.port))  # a keep-alive client that sends nothing
        self.addCleanup(idle.close)
        slow = [SlowUpload(d.port, d.new_upload(document(500 + i, words=150_000), kind="slow"), seconds=3)
                for i in range(IN_FLIGHT)]
        with d.upload_stream(interval=0.1) as stream:
            for s in slow:
                s.start()
            for s in slow:
                self.assertTrue(s.sent_half.wait(20))
            d.web.send_signal(signal.SIGTERM)
            term_at = time.monotonic()
            # The listening socket closes at once: from then on every connection is refused.
            wait_until(lambda: not port_open(d.port), 20, "the web role to close its listening socket",
                       interval=0.005)
            closed_at = time.monotonic()
            code = d.web.wait(30)
            exit_s = time.monotonic() - term_at
            time.sleep(0.3)  # a few more attempts against the closed port
        for s in slow:
            s.join(30)

        self.assertEqual(code, 0, d.web.output())
        self.assertEqual([s.upload.status for s in slow], [201] * IN_FLIGHT,
                         [s.upload for s in slow])
        refused_after = [u for u in stream if u.began > closed_at]
        self.assertTrue(refused_after, "no upload was tried after SIGTERM")
        self.assertTrue(all(not u.ok for u in refused_after), refused_after)
        self.assertLess(exit_s, 10, "the web role waited for the idle connection")
        d.web.wait_for_log("shutting down", timeout=30)
        d.web.wait_for_log("msg=stopped", timeout=30)
        self.assertEqual(idle.recv(1), b"", "the idle keep-alive connection was not closed")

        d.wait_settled(60)
        figures = d.verify(self)
        d.assert_alive(self, *d.workers)
        # A new web role starts cleanly and shows the documents.
        web = HtutProcess("web", env=d.env, name="web2")
        self.addCleanup(web.kill)
        web.wait_for_port(d.port)
        status, _, body = http("GET", d.base + "/api/documents/" + slow[0].upload.slug)
        self.assertEqual(status, 200, body)
        self.assertIn(b'"status":"done"', body)
        report(self, {**figures, "in_flight_completed": IN_FLIGHT, "refused_after_sigterm": len(refused_after),
                      "web_exit_after_sigterm_s": round(exit_s, 2)})
        self.assertEqual(web.terminate(), 0)
        for worker in d.workers:
            self.assertEqual(worker.terminate(), 0)


if __name__ == "__main__":
    unittest.main()
