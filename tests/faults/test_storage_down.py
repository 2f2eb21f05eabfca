"""Fault 4: the S3 server (s3rver and its verifying front) is stopped
  a) while an upload streams into it, and while more uploads arrive: they
     answer 503 and leave nothing visible (the row is written only after the
     object is stored; a failed multipart upload is aborted, a refused one removed);
  b) while a worker downloads a document: the read fails and the job is put
     back with a growing delay (countwords.retry.<N>s, docs/queue.md) until
     S3 is back; then it is counted from the start, by a fresh counter."""
import re
import time
import unittest

from fault_documents import big_document
from fault_network import Relay, SlowUpload
from fault_services import ensure_all_up, service_stopped
from faults_lib import Deployment, report
from htut_testlib import wait_until


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

        # 12 MB over 3 s: the first multipart part is on its way to S3 when it stops.
        slow = SlowUpload(d.port, d.new_upload(big_document(41, 12), kind="slow"), seconds=3)
        slow.start()
        self.assertTrue(slow.sent_half.wait(20))
        with service_stopped("s3") as outage:
            while_down = [d.upload(timeout=60) for _ in range(3)]
            slow.join(60)
        first_after = [d.upload() for _ in range(3)]

        self.assertEqual(slow.upload.status, 503, slow.upload)
        self.assertIn("storage is unavailable", slow.upload.answer["error"])
        self.assertEqual([u.status for u in while_down], [503, 503, 503], while_down)
        self.assertEqual([u.status for u in first_after], [201, 201, 201], first_after)
        d.web.wait_for_log("storing an upload failed", timeout=1)
        d.web.wait_for_log("S3 request failed, retrying", timeout=1)
        d.wait_settled(30)
        figures = d.verify(self)
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
        # The workers read S3 through a relay slowed to 2 MB/s: the 6 MB
        # document takes ~3 s to read, so S3 stops in the middle of it.
        relay = Relay(d.env["S3_LOCATION"], bytes_per_second=2_000_000)
        self.addCleanup(relay.close)
        for name in ("worker1", "worker2"):
            d.start_worker(name, S3_LOCATION=relay.url)
        for _ in range(3):
            self.assertEqual(d.upload().status, 201)
        d.wait_settled(30)

        big = d.upload(big_document(43, 6), kind="big")
        self.assertEqual(big.status, 201, big)
        before = relay.down_bytes
        wait_until(lambda: relay.down_bytes - before > 1_000_000, 20, "a worker reading the document", interval=0.01)
        with service_stopped("s3") as outage:
            time.sleep(5)
        recovery = d.wait_status(big.slug, "done", 60)

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
