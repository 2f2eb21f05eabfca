"""Fault 1: a worker is SIGKILLed in the middle of a job, and another one is
frozen (SIGSTOP) with jobs in hand and then killed. Manual acks: a job is
acked only after its row is `done`, so the broker redelivers whatever a dead
worker held; the pending -> done UPDATE makes a second delivery harmless."""
import signal
import time
import unittest

from fault_documents import big_document
from fault_network import Relay
from fault_services import ensure_all_up
from faults_lib import Deployment, report
from htut_testlib import wait_until


class WorkerKilled(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        ensure_all_up()

    def setUp(self):
        self.d = Deployment("kill", workers=0)
        self.addCleanup(self.d.close)
        # Each of the first two workers reads S3 through its own relay, slowed
        # to 4 MB/s: the relay tells which worker is downloading the big
        # document, and the download lasts long enough to kill it midway.
        self.relays = {}
        for name in ("worker1", "worker2"):
            relay = Relay(self.d.env["S3_LOCATION"], bytes_per_second=4_000_000)
            self.addCleanup(relay.close)
            self.relays[self.d.start_worker(name, S3_LOCATION=relay.url).pid] = relay

    def downloading_worker(self, baseline, threshold):
        """The first-generation worker that has read `threshold` bytes of the big document, once one has."""
        for worker in self.d.workers[:2]:
            if self.relays[worker.pid].down_bytes - baseline[worker.pid] > threshold:
                return worker
        return None

    def test_jobs_of_killed_and_frozen_workers_are_redelivered_and_counted_once(self):
        d = self.d
        for _ in range(6):
            self.assertEqual(d.upload().status, 201)
        d.wait_settled(30)

        # 1. SIGKILL in the middle of a big document (~2 s through the relay),
        # once its worker has read 1 MB of it.
        baseline = {pid: relay.down_bytes for pid, relay in self.relays.items()}
        big = d.upload(big_document(11, 8), kind="big", timeout=60)
        self.assertEqual(big.status, 201, big)
        victim = wait_until(lambda: self.downloading_worker(baseline, 1_000_000), 20,
                            "a worker downloading the big document", interval=0.01)
        d.kill_worker(victim)
        killed_at = time.monotonic()
        self.assertEqual(d.rows_where(big.slug)[0]["status"], "pending",
                         "the big document was done before the kill: make it bigger")
        survivor = next(w for w in d.workers[:2] if w is not victim)
        d.start_worker("worker3")  # the replacement, as the platform would start one
        d.wait_status(big.slug, "done", 30)
        big_recovered_s = time.monotonic() - killed_at
        d.wait_logged([big.slug])  # before freezing: the survivor may be the one that counted it

        # 2. Freeze the other worker with jobs in hand, keep uploading, then kill it.
        survivor.send_signal(signal.SIGSTOP)
        for _ in range(10):
            self.assertEqual(d.upload().status, 201)
        time.sleep(0.5)  # let the broker push jobs into the frozen worker's sockets
        d.kill_worker(survivor)
        d.start_worker("worker4")
        for _ in range(4):
            self.assertEqual(d.upload().status, 201)

        recovery = d.wait_settled(60)
        big_done = d.done_lines(big.slug)
        self.assertEqual(len(big_done), 1, big_done)
        self.assertIn("redelivered=true", big_done[0], "the big job was not redelivered after the kill")
        redelivered_small = [line for w in d.workers[2:] for line in w.lines()
                             if "outcome=done" in line and "redelivered=true" in line and "-big-" not in line]
        self.assertTrue(redelivered_small, "the frozen worker's jobs were not redelivered:\n" + d.output())
        figures = d.verify(self)
        d.assert_alive(self)
        report(self, {**figures, "redelivered_jobs": 1 + len(redelivered_small),
                      "big_done_after_kill_s": round(big_recovered_s, 2),
                      "all_done_after_second_kill_s": round(recovery, 2)})
        self.assertEqual(d.web.terminate(), 0)
        for worker in d.workers[2:]:
            self.assertEqual(worker.terminate(), 0)


if __name__ == "__main__":
    unittest.main()
