"""Fault 3: PostgreSQL is stopped for a few seconds while documents are being
uploaded and while a worker is counting one. An upload that cannot record its
row answers 503 and removes the object it stored (nothing half-stored stays
visible); the pools drop dead connections and reconnect, so the first
requests after the restart work; a job whose UPDATE failed is retried, then
requeued, and ends `done` once."""
import time
import unittest

from fault_documents import big_document
from fault_network import Relay
from fault_services import ensure_all_up, service_stopped
from faults_lib import Deployment, report
from htut_testlib import wait_until

# Longer than a job's in-process retries (~4 s), so the job is requeued too.
OUTAGE_SECONDS = 8


class DatabaseRestart(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        ensure_all_up()

    def setUp(self):
        self.d = Deployment("pg", workers=0)
        self.addCleanup(self.d.close)
        # Workers read S3 through a relay slowed to 2 MB/s, so that counting a
        # 4 MB document takes ~2 s: long enough to stop the database meanwhile.
        self.relay = Relay(self.d.env["S3_LOCATION"], bytes_per_second=2_000_000)
        self.addCleanup(self.relay.close)
        for name in ("worker1", "worker2"):
            self.d.start_worker(name, S3_LOCATION=self.relay.url)

    def test_uploads_during_the_outage_are_503_with_nothing_left_and_the_rest_is_counted(self):
        d = self.d
        for _ in range(3):
            self.assertEqual(d.upload().status, 201)
        d.wait_settled(30)

        medium = d.upload(big_document(21, 4), kind="medium")
        self.assertEqual(medium.status, 201, medium)
        before = self.relay.down_bytes
        wait_until(lambda: self.relay.down_bytes - before > 500_000, 20, "a worker counting the medium document",
                   interval=0.01)
        with d.upload_stream(interval=0.1) as stream:
            time.sleep(0.5)
            with service_stopped("postgres") as outage:
                time.sleep(OUTAGE_SECONDS / 2)
                health_while_down = d.health()
                time.sleep(OUTAGE_SECONDS / 2)
            down_from, down_to = outage.down_window()
            # The very first requests after the restart must work.
            first_after = [d.upload() for _ in range(3)]
            time.sleep(1)
        back = time.monotonic()
        recovery = d.wait_settled(60)

        self.assertEqual([u.status for u in first_after], [201, 201, 201], first_after)
        self.assertEqual(health_while_down[0], 503, health_while_down)
        self.assertNotEqual(health_while_down[1]["database"], "ok", health_while_down)
        self.assertEqual(d.health()[0], 200, "healthz did not recover")
        during = [u for u in stream if u.began >= down_from and u.ended <= down_to]
        self.assertGreaterEqual(len(during), 5, "too few uploads happened while the database was down")
        self.assertTrue(all(u.status == 503 for u in during), during)
        for up in during:
            self.assertIn("database is unavailable", up.answer["error"])
        self.assertEqual(d.rows_where(medium.slug)[0]["status"], "done")
        # The logs say what happened.
        d.web.wait_for_log("recording an upload failed", timeout=30)
        # Each process saw the outage: a pooled connection that broke ("connection lost"), or, when it had
        # none open at that moment, a new connection refused ("database unavailable: …").
        for worker in (d.web, *d.workers):
            wait_until(lambda: [line for line in worker.lines() if "database connection lost; reconnecting" in line
                                or "database unavailable" in line], 30,
                       f"{worker.name} to log the database outage\n{worker.output()}", interval=0.1)
        medium_lines = d.job_lines(medium.slug)
        retried = [line for line in medium_lines if "outcome=retry_later" in line]
        self.assertTrue(retried or any("redelivered=true" in line for line in medium_lines),
                        "the job that was counting during the outage shows no retry:\n" + "\n".join(medium_lines))
        figures = d.verify(self)
        d.assert_alive(self)
        refused = [u for u in d.uploads if u.status == 503]
        report(self, {**figures, "uploads_while_down": len(during), "answered_503": len(refused),
                      "outage_s": round(down_to - down_from, 1),
                      "medium_job_requeued": len(retried),
                      "all_done_after_db_back_s": round(back - outage.started + recovery, 1)})
        self.assertEqual(d.web.terminate(), 0)
        for worker in d.workers:
            self.assertEqual(worker.terminate(), 0)


if __name__ == "__main__":
    unittest.main()
