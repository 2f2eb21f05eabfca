"""Jobs that fail (docs/queue.md, interface "Jobs that fail"): storage answers
403 or 503 SlowDown for one document (injected by the test S3 front), workers
are SIGKILLed in the middle of one job again and again, the broker restarts
with a job waiting, two workers' outboxes race. In every case the document
ends as it must, the object is fetched a bounded number of times, no worker
dies, and other documents keep being counted meanwhile."""
import json
import subprocess
import time
import unittest
import urllib.parse

from fault_services import ensure_all_up, service_stopped
from faults_lib import Deployment, report
from htut_testlib import psql, require_env, wait_until
from job_faults import (add_fault, amqp_sockets, clear_faults, connection_names, dead_jobs, jobs,
                        requests_to)


class JobFailures(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        ensure_all_up()

    def setUp(self):
        clear_faults()
        self.addCleanup(clear_faults)

    def deployment(self, label, **env):
        d = Deployment(label, workers=0, **env)
        self.addCleanup(d.close)
        return d

    def others_counted(self, d, n=3, timeout=30):
        """Uploads n more documents now and waits until they are done: the fault does not stall the worker."""
        others = [d.upload() for _ in range(n)]
        for up in others:
            self.assertEqual(up.status, 201, up)
        started = time.monotonic()
        for up in others:
            d.wait_status(up.slug, "done", timeout)
        return time.monotonic() - started

    def test_access_denied_fails_the_document_within_seconds_and_dead_letters_it(self):
        d = self.deployment("deny")
        victim = d.upload()
        self.assertEqual(victim.status, 201, victim)
        key = victim.answer["s3_key"]
        add_fault(key, status=403)
        worker = d.start_worker("worker1")
        failed_after = d.wait_status(victim.slug, "failed", 20)
        row = d.rows_where(victim.slug)[0]
        self.assertIn("refused access", row["error"])
        self.assertIn("403", row["error"])
        others_s = self.others_counted(d)
        gets = requests_to(key)
        self.assertLessEqual(gets, 3, f"the object was fetched {gets} times")
        self.assertGreaterEqual(gets, 1)
        dead = wait_until(lambda: [j for j in dead_jobs(d.env) if j[0] == victim.slug], 20, "the job in countwords.dead")
        self.assertIn("refused access", dead[0][2])
        self.assertRegex(dead[0][1], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
        time.sleep(3)  # nothing fetches it again
        self.assertEqual(requests_to(key), gets, "the object was fetched again after the document failed")

        # An operator fixes the access and puts the job back: it is counted.
        clear_faults()
        retried = jobs("retry", victim.slug, env=d.env)
        self.assertEqual(retried.returncode, 0, retried.stderr)
        self.assertIn("retried " + victim.slug, retried.stdout)
        d.wait_status(victim.slug, "done", 30)
        self.assertEqual([j for j in dead_jobs(d.env) if j[0] == victim.slug], [])
        self.assertTrue(worker.running())
        figures = d.verify(self)
        report(self, {**figures, "failed_after_s": round(failed_after, 2), "gets": gets,
                      "others_done_s": round(others_s, 2)})
        self.assertEqual(worker.terminate(), 0)

    def test_jobs_dead_retry_all_and_purge(self):
        d = self.deployment("jobs")
        victim = d.upload()
        self.assertEqual(victim.status, 201, victim)
        add_fault(victim.answer["s3_key"], status=403)
        worker = d.start_worker("worker1")
        poison = b"this is not a job"
        published = subprocess.run(["amqp-publish", "-u", require_env("HTUT_TEST_AMQP_URL"), "-r", "countwords",
                                    "-p"], input=poison, capture_output=True, timeout=30)
        self.assertEqual(published.returncode, 0, published.stderr)
        d.wait_status(victim.slug, "failed", 20)
        dead = wait_until(lambda: len(dead_jobs(d.env)) == 2 and dead_jobs(d.env), 20, "two dead jobs")
        self.assertEqual(sorted(j[0] for j in dead), sorted(["-", victim.slug]))
        self.assertIn("not JSON", [j for j in dead if j[0] == "-"][0][2])
        self.assertEqual(len(dead_jobs(d.env)), 2, "listing changed the queue")

        for usage in ([], ["retry"], ["bogus"], ["dead", "extra"]):
            self.assertEqual(jobs(*usage, env=d.env).returncode, 2, usage)
        missing = jobs("retry", "no-such-slug", env=d.env)
        self.assertEqual(missing.returncode, 1)
        self.assertIn("no dead-lettered job for no-such-slug", missing.stderr)

        clear_faults()
        retried = jobs("retry", "--all", env=d.env)
        self.assertEqual(retried.returncode, 0, retried.stderr)
        self.assertIn("1 retried", retried.stderr)
        self.assertIn("1 left", retried.stderr)
        d.wait_status(victim.slug, "done", 30)
        self.assertEqual([j[0] for j in dead_jobs(d.env)], ["-"])
        purged = jobs("purge", env=d.env)
        self.assertEqual(purged.returncode, 0, purged.stderr)
        self.assertIn("purged 1 dead-lettered job", purged.stdout)
        self.assertEqual(dead_jobs(d.env), [])
        d.verify(self)
        self.assertEqual(worker.terminate(), 0)

    def test_20_seconds_of_slowdown_cost_at_most_20_gets_and_end_done(self):
        d = self.deployment("slow")
        victim = d.upload()
        self.assertEqual(victim.status, 201, victim)
        key = victim.answer["s3_key"]
        add_fault(key, status=503, for_ms=20_000)
        began = time.monotonic()
        worker = d.start_worker("worker1", WORKER_CONCURRENCY="2")
        wait_until(lambda: requests_to(key) > 0, 20, "the first GET")
        others_s = self.others_counted(d)  # while the 503s go on
        self.assertEqual(d.rows_where(victim.slug)[0]["status"], "pending")
        d.wait_status(victim.slug, "done", 300)
        done_at = time.monotonic() - began
        gets = requests_to(key)
        self.assertLessEqual(gets, 20, f"{gets} GETs of one object in a 20 s SlowDown")
        retries = [line for line in d.job_lines(victim.slug) if "settle=retry" in line]
        self.assertTrue(retries, d.output())
        self.assertTrue(worker.running())
        figures = d.verify(self)
        report(self, {**figures, "gets": gets, "retries": len(retries), "done_after_start_s": round(done_at, 1),
                      "others_done_s": round(others_s, 2)})
        self.assertEqual(worker.terminate(), 0)

    def test_a_document_whose_worker_is_killed_three_times_is_failed(self):
        d = self.deployment("oom")
        victim = d.upload()
        self.assertEqual(victim.status, 201, victim)
        key = victim.answer["s3_key"]
        add_fault(key, hold_ms=600_000)  # the GET hangs: the worker is "counting" when it is killed
        for round_ in range(1, 4):
            worker = d.start_worker(f"worker{round_}", WORKER_CONCURRENCY="1")
            wait_until(lambda: requests_to(key) >= round_, 30, f"start {round_} of the job")
            self.assertEqual(d.rows_where(victim.slug)[0]["status"], "pending")
            d.kill_worker(worker)
        attempts = int(psql(d.db, "SELECT attempts FROM file_upload_meta WHERE document_slug = "
                                  f"'{victim.slug}'"))
        self.assertEqual(attempts, 3)
        survivor = d.start_worker("worker4", WORKER_CONCURRENCY="1")
        d.wait_status(victim.slug, "failed", 30)
        row = d.rows_where(victim.slug)[0]
        self.assertIn("stopped while counting this document 3 times", row["error"])
        self.assertEqual(requests_to(key), 3, "the 4th delivery fetched the object again")
        dead = wait_until(lambda: [j for j in dead_jobs(d.env) if j[0] == victim.slug], 20, "the job in countwords.dead")
        self.assertIn("3 times", dead[0][2])
        others_s = self.others_counted(d)
        self.assertTrue(survivor.running())
        report(self, {"kills": 3, "gets": requests_to(key), "others_done_s": round(others_s, 2)})
        self.assertEqual(survivor.terminate(), 0)

    def test_concurrency_4_uses_one_consuming_and_one_publishing_connection(self):
        d = self.deployment("conns")
        # Work for all 4 job threads, and a transient fault so the worker also publishes (a retry).
        victim = d.upload()
        add_fault(victim.answer["s3_key"], status=503, times=2)  # both tries of its first GET
        worker = d.start_worker("worker1", WORKER_CONCURRENCY="4", DYNO="worker.7")
        for _ in range(8):
            self.assertEqual(d.upload().status, 201)
        d.wait_settled(60)
        retried = [line for line in worker.lines() if "settle=retry" in line]
        self.assertTrue(retried, d.output())
        names = [n for n in connection_names() if f"pid={worker.pid}" in n]
        self.assertLessEqual(len(names), 2, names)
        self.assertIn(f"htut worker consumer dyno=worker.7 pid={worker.pid}", names)
        self.assertIn(f"htut worker publisher dyno=worker.7 pid={worker.pid}", names)
        amqp_port = urllib.parse.urlsplit(require_env("HTUT_TEST_AMQP_URL")).port
        sockets = amqp_sockets(worker.pid, amqp_port)
        self.assertLessEqual(sockets, 2)
        web_names = [n for n in connection_names() if f"pid={d.web.pid}" in n]
        self.assertEqual(len(web_names), 1, web_names)
        self.assertTrue(web_names[0].startswith("htut web publisher "), web_names)
        figures = d.verify(self)
        report(self, {**figures, "worker_connections": len(names), "worker_sockets": sockets,
                      "names": "|".join(names)})
        self.assertEqual(worker.terminate(), 0)

    def test_persistent_jobs_survive_a_broker_restart_including_a_retried_one(self):
        d = self.deployment("restart")
        # One job was put back (its first delivery met two 503s): in a retry queue or back in countwords ...
        retried = d.upload()
        self.assertEqual(retried.status, 201, retried)
        add_fault(retried.answer["s3_key"], status=503, times=2)
        first = d.start_worker("worker1")
        wait_until(lambda: [line for line in d.job_lines(retried.slug) if "settle=retry" in line], 30,
                   "the job to be put back for a retry")
        self.assertEqual(first.terminate(), 0)
        # ... and three wait in countwords, with no worker running.
        waiting = [d.upload() for _ in range(3)]
        for up in waiting:
            self.assertEqual(up.status, 201, up)
            self.assertTrue(d.rows_where(up.slug)[0]["published"], "the web role did not publish the job")
        with service_stopped("rabbitmq"):
            pass
        second = d.start_worker("worker2")
        for up in [retried, *waiting]:
            d.wait_status(up.slug, "done", 60)
        # Counted from the queues, not republished by the outbox.
        self.assertFalse([line for w in (first, second) for line in w.lines() if "outbox" in line and "published" in line],
                         d.output())
        self.assertEqual(requests_to(retried.answer["s3_key"]), 3)  # 2 x 503, then the count
        figures = d.verify(self)
        report(self, figures)
        self.assertEqual(second.terminate(), 0)

    def test_two_outboxes_never_publish_the_same_row(self):
        d = self.deployment("outbox")
        rows = 300
        prefix = f"{d.prefix}/nothing-"
        psql(d.db, "INSERT INTO file_upload_meta (document_name, document_slug, time_uploaded, s3_key, filename) "
                   f"SELECT 'outbox ' || i, 'outbox-' || i, now() - interval '1 minute' + i * interval '1 ms', "
                   f"'{prefix}' || i || '.txt', 'x.txt' FROM generate_series(1, {rows}) i")
        first = d.start_worker("worker1", WORKER_CONCURRENCY="2")
        second = d.start_worker("worker2", WORKER_CONCURRENCY="2")

        def published_lines():
            return [line for w in (first, second) for line in w.lines() if 'msg="outbox published job"' in line]

        wait_until(lambda: len(published_lines()) >= rows, 60, f"{rows} publications")
        wait_until(lambda: int(psql(d.db, "SELECT count(*) FROM file_upload_meta WHERE status = 'pending'")) == 0,
                   120, "every job to be handled")
        time.sleep(2.5)  # one more outbox pass each: nothing left to publish
        lines = published_lines()
        slugs = [line.split("slug=")[1].split()[0] for line in lines]
        self.assertEqual(len(slugs), rows, f"{len(slugs)} publications of {rows} rows")
        self.assertEqual(len(set(slugs)), rows, "a row was published twice")
        by_worker = [sum(1 for line in w.lines() if 'msg="outbox published job"' in line) for w in (first, second)]
        handled = [line for w in (first, second) for line in w.lines() if "msg=job " in line]
        self.assertEqual(len(handled), rows, "a job was delivered more than once")
        report(self, {"rows": rows, "published_by_worker": "/".join(map(str, by_worker))})
        self.assertEqual(first.terminate(), 0)
        self.assertEqual(second.terminate(), 0)

    def test_the_outbox_republishes_a_lost_job_only_when_nothing_else_explains_it(self):
        d = self.deployment("lost")
        # A document whose job is lost: published 20 minutes ago, in no queue, held by no worker.
        lost = d.upload()
        self.assertEqual(lost.status, 201, lost)
        taken = subprocess.run(["amqp-get", "-u", require_env("HTUT_TEST_AMQP_URL"), "-q", "countwords"],
                               capture_output=True, timeout=30)
        self.assertEqual(json.loads(taken.stdout)["document_slug"], lost.slug)
        psql(d.db, "UPDATE file_upload_meta SET published_at = now() - interval '20 minutes' "
                   f"WHERE document_slug = '{lost.slug}'")
        # One job the worker will hold (its GET hangs), three waiting behind it.
        held = d.upload()
        self.assertEqual(held.status, 201, held)
        add_fault(held.answer["s3_key"], hold_ms=600_000)
        waiting = [d.upload() for _ in range(3)]
        worker = d.start_worker("worker1", WORKER_CONCURRENCY="1")

        def republished():
            return [line for line in worker.lines() if "may have been lost" in line]

        # The worker holds one job; the others wait in countwords: the lost job may be
        # waiting in that line too, so it is not republished while the line is there.
        wait_until(lambda: requests_to(held.answer["s3_key"]) >= 1, 30, "the worker to hold a job")
        ready = wait_until(lambda: d.pending() == 5 and d.pending(), 10, "five pending documents")
        self.assertEqual(ready, 5)
        time.sleep(5)  # two outbox passes at least (every 2 s): quiet while the line is there
        self.assertEqual(republished(), [], worker.output())
        self.assertEqual(d.rows_where(lost.slug)[0]["status"], "pending")

        clear_faults()  # the line drains; then the lost job is published again and counted
        d.wait_status(lost.slug, "done", 60)
        d.wait_settled(60)
        self.assertEqual(len(republished()), 1, republished())
        for up in [held, *waiting, lost]:
            self.assertEqual(len(d.done_lines(up.slug)), 1, d.job_lines(up.slug))
        self.assertEqual([line for line in worker.lines() if "outcome=duplicate" in line], [])
        figures = d.verify(self)
        report(self, figures)
        self.assertEqual(worker.terminate(), 0)


if __name__ == "__main__":
    unittest.main()
