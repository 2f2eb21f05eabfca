"""Fault 2: RabbitMQ is stopped for about 10 s while documents keep being
uploaded. The upload does not depend on the broker: the row is stored
`pending` without `published_at`, and the worker's outbox publishes it (with
publisher confirms) once the broker is back; workers reconnect by themselves."""
import re
import time
import unittest

from fault_services import ensure_all_up, service_stopped
from faults_lib import Deployment, report
from htut_testlib import wait_until

OUTAGE_SECONDS = 10


class BrokerDown(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        ensure_all_up()

    def setUp(self):
        self.d = Deployment("broker", workers=2)
        self.addCleanup(self.d.close)

    def test_uploads_succeed_while_the_broker_is_down_and_are_counted_after(self):
        d = self.d
        for _ in range(3):
            self.assertEqual(d.upload().status, 201)
        d.wait_settled(30)

        with d.upload_stream(interval=0.2) as stream:
            time.sleep(1)
            with service_stopped("rabbitmq") as outage:
                time.sleep(OUTAGE_SECONDS)
                pending_while_down = d.pending()
                health_while_down = d.health()
            down_from, down_to = outage.down_window()
            time.sleep(2)  # and a few uploads after it is back
        recovery = d.wait_settled(90)
        back_to_done = time.monotonic() - outage.started

        self.assertEqual(health_while_down[0], 503, health_while_down)
        self.assertNotEqual(health_while_down[1]["broker"], "ok", health_while_down)
        self.assertEqual(health_while_down[1]["database"], "ok", health_while_down)
        self.assertEqual(d.health()[0], 200, "healthz did not recover")
        self.assertEqual([u for u in d.uploads if not u.ok], [], "an upload failed because the broker was down")
        during = [u for u in stream if u.began >= down_from and u.ended <= down_to]
        self.assertGreaterEqual(len(during), 5, "too few uploads happened while the broker was down")
        self.assertGreater(pending_while_down, 0, "nothing waited for the broker: was it really down?")
        # The logs say what happened: the web could not publish, the outbox did it later,
        # the consumers noticed the broker was gone and came back on their own.
        d.web.wait_for_log("job not published yet; the outbox will retry", timeout=30)
        unpublished = set(re.findall(r"job not published yet.*? slug=(\S+)", "\n".join(d.web.lines())))

        def outbox_lines():
            return [line for w in d.workers for line in w.lines() if "outbox published job" in line]

        def by_outbox():
            return set(re.findall(r"outbox published job\S* slug=(\S+)", "\n".join(outbox_lines())))
        # A worker may count a job the outbox published before that outbox logs the publish: wait for the lines.
        try:
            wait_until(lambda: not unpublished - by_outbox(), 30, "the outbox to log every job it published",
                       interval=0.1)
        except AssertionError:
            self.fail(f"jobs the web could not publish and the outbox did not: {unpublished - by_outbox()}\n"
                      + d.output())
        outbox = outbox_lines()
        for worker in d.workers:
            worker.wait_for_log("worker cannot consume", timeout=30)
            worker.wait_for_log("worker consuming again", timeout=30)
        duplicates = [line for w in d.workers for line in w.lines() if "outcome=duplicate" in line]
        figures = d.verify(self)
        d.assert_alive(self)
        report(self, {**figures, "uploads_while_down": len(during), "web_could_not_publish": len(unpublished),
                      "outbox_publishes": len(outbox), "outbox_rows": len(by_outbox()),
                      "duplicate_deliveries_acked": len(duplicates),
                      "outage_s": round(down_to - down_from, 1),
                      "broker_stop_s": round(outage.stopped - outage.stop_began, 1),
                      "broker_start_s": round(outage.started - outage.start_began, 1),
                      "all_done_after_broker_back_s": round(back_to_done, 1),
                      "slowest_upload_s": round(max(u.ended - u.began for u in d.uploads), 2)})
        self.assertEqual(d.web.terminate(), 0)
        for worker in d.workers:
            self.assertEqual(worker.terminate(), 0)


if __name__ == "__main__":
    unittest.main()
