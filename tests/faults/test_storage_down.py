"""Fault 4: the S3 server (s3rver and its verifying front) is stopped
  a) while an upload streams into the web role, and while more uploads arrive:
     they answer 503 and leave nothing visible (the row is written only after
     the object is stored; a refused upload's object is removed, no multipart
     upload is left in progress);
  b) while a worker downloads a document: the read fails and the job is put
     back with a growing delay (countwords.retry.<N>s, docs/queue.md) until
     S3 is back; then it is counted from the start, by a fresh counter.

No race with the clock: the upload holds after half of its body until S3 is
down, and the download holds (in the relay) after 1 MB until S3 is down; then
the relay cuts the connection in flight, as S3 going away does."""
import re
import unittest
import urllib.parse

from fault_documents import big_document
from fault_network import Relay, SlowUpload
from fault_services import ensure_all_up, service_stopped
from faults_lib import Deployment, report
from htut_testlib import http, require_env, wait_until
from test_storage import raw_request, sign_v4


def multipart_uploads_in_progress(prefix):
    """ListMultipartUploads under `prefix` through the verifying front (tests/support/s3front_multipart.js)."""
    location = require_env("HTUT_TEST_S3_LOCATION").rstrip("/") + "/" + require_env("HTUT_TEST_S3_BUCKET")
    url = location + "?uploads&prefix=" + urllib.parse.quote(prefix, safe="")
    status, body = raw_request("GET", url, sign_v4("GET", url, {}, b"", require_env("HTUT_TEST_S3_KEY"),
                                                   require_env("HTUT_TEST_S3_SECRET")))
    if status != 200:
        raise AssertionError(f"ListMultipartUploads answered {status}: {body[:300]!r}")
    return re.findall(rb"<Upload><Key>([^<]*)</Key>", body)


class StorageDown(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        ensure_all_up()

    def tearDown(self):
        ensure_all_up()

    def test_uploads_while_s3_is_down_are_503_and_leave_nothing(self):
        d = Deployment("s3up", workers=2)
        self.addCleanup(d.close)
        for _ in range(3):
            self.assertEqual(d.upload().status, 201)
        d.wait_settled(30)

        # 12 MB over 3 s, holding after half of it until S3 is down: the web role
        # has the upload in hand, and its PUT can only meet the outage.
        slow = SlowUpload(d.port, d.new_upload(big_document(41, 12), kind="slow"), seconds=3, hold=True)
        slow.start()
        self.assertTrue(slow.sent_half.wait(60), "the slow upload did not get half-way")
        with service_stopped("s3") as outage:
            slow.proceed.set()
            while_down = [d.upload(timeout=120) for _ in range(3)]
            slow.join(120)
            self.assertFalse(slow.is_alive(), "the slow upload got no answer within 120 s")
        first_after = [d.upload(timeout=120) for _ in range(3)]

        self.assertEqual(slow.upload.status, 503, slow.upload)
        self.assertIn("storage is unavailable", slow.upload.answer["error"])
        self.assertEqual([u.status for u in while_down], [503, 503, 503], while_down)
        self.assertEqual([u.status for u in first_after], [201, 201, 201], first_after)
        d.web.wait_for_log("storing an upload failed", timeout=30)
        d.web.wait_for_log("S3 request failed, retrying", timeout=30)
        d.wait_settled(60)
        figures = d.verify(self)
        # An abort that met the outage is tried again once S3 answers (after a
        # stored upload, or /healthz's bucket check): no multipart upload is left.
        def nothing_left_behind():
            http("GET", f"http://127.0.0.1:{d.port}/healthz")
            return multipart_uploads_in_progress(d.prefix + "/") == []

        wait_until(nothing_left_behind, 60, "no multipart upload left behind", interval=0.5)
        d.assert_alive(self)
        report(self, {**figures, "outage_s": round(outage.start_began - outage.stopped, 1),
                      "s3_start_s": round(outage.started - outage.start_began, 1),
                      "refusal_while_down_s": round(max(u.ended - u.began for u in while_down), 2)})
        self.assertEqual(d.web.terminate(), 0)
        for worker in d.workers:
            self.assertEqual(worker.terminate(), 0)

    def test_download_interrupted_by_s3_outage_is_retried_and_counted_exactly(self):
        d = Deployment("s3get", workers=0)
        self.addCleanup(d.close)
        # The workers read S3 through a relay slowed to 2 MB/s that holds the
        # download after 1 MB of the 6 MB document until S3 is down, then cuts it.
        relay = Relay(d.env["S3_LOCATION"], bytes_per_second=2_000_000)
        self.addCleanup(relay.close)
        for name in ("worker1", "worker2"):
            d.start_worker(name, S3_LOCATION=relay.url)
        for _ in range(3):
            self.assertEqual(d.upload().status, 201)
        d.wait_settled(60)

        relay.pause_after = relay.down_bytes + 1_000_000
        big = d.upload(big_document(43, 6), kind="big")
        self.assertEqual(big.status, 201, big)
        self.assertTrue(relay.paused.wait(60), "no worker read 1 MB of the document")
        with service_stopped("s3") as outage:
            relay.cut()
            relay.resume()
            # S3 stays down until a worker has seen the failure and retried the GET.
            wait_until(lambda: [line for w in d.workers for line in w.lines()
                                if "S3 request failed, retrying" in line and 'op="GET' in line], 60,
                       "a worker to retry the interrupted GET", interval=0.1)
        recovery = d.wait_status(big.slug, "done", 120)

        d.wait_logged([big.slug])
        lines = d.job_lines(big.slug)
        requeued = [line for line in lines if "outcome=retry_later" in line and "settle=retry" in line]
        done_ms = int(re.search(r"duration_ms=(\d+)", d.done_lines(big.slug)[0]).group(1))
        outage_ms = (outage.start_began - outage.stopped) * 1000
        self.assertTrue(requeued or done_ms > outage_ms,
                        "the interrupted job was neither retried across the outage nor requeued:\n" + "\n".join(lines))
        # The logs say what happened: the worker's GET failed and was retried.
        self.assertTrue([line for w in d.workers for line in w.lines()
                         if "S3 request failed, retrying" in line and "op=\"GET" in line], d.output())
        figures = d.verify(self)  # exact counts: the partial read was thrown away
        d.assert_alive(self)
        report(self, {**figures, "outage_s": round(outage.start_began - outage.stopped, 1),
                      "done_after_s3_back_s": round(recovery, 1),
                      "requeued": len(requeued), "job_duration_s": round(done_ms / 1000, 1)})
        self.assertEqual(d.web.terminate(), 0)
        for worker in d.workers:
            self.assertEqual(worker.terminate(), 0)


if __name__ == "__main__":
    unittest.main()
