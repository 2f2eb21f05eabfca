"""Crash containment: a job that runs out of memory (std::bad_alloc: the
worker's address space is capped with prlimit while it counts a document of
1.5 million distinct words) fails that document with an error saying so;
the worker process lives on and counts the next documents."""
import subprocess
import unittest

from fault_services import ensure_all_up
from faults_lib import Deployment, report


def vm_size_bytes(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmSize:"):
                return int(line.split()[1]) * 1024
    raise AssertionError("no VmSize")


def cap_address_space(pid, limit):
    """The soft RLIMIT_AS of a running process (the hard one stays unlimited); 'unlimited' lifts it."""
    done = subprocess.run(["prlimit", f"--pid={pid}", f"--as={limit}:unlimited"], capture_output=True, text=True,
                          timeout=30)
    assert done.returncode == 0, done.stderr


def many_distinct_words(n):
    return "".join(f"w{i}x{i * 7} " + ("\n" if i % 10 == 0 else "") for i in range(n)).encode()


class JobOutOfMemory(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        ensure_all_up()

    def test_out_of_memory_in_a_job_fails_the_document_not_the_worker(self):
        d = Deployment("oom", workers=0)
        self.addCleanup(d.close)
        # A budget far above the cap below: the counter does not spill, so it really runs out of memory
        # (with the default 48 MiB budget the document is counted within the cap: test_wordcount_bomb).
        worker = d.start_worker("worker1", WORKER_CONCURRENCY="1", COUNT_MEMORY_BYTES=str(1 << 30))
        self.assertEqual(d.upload().status, 201)
        d.wait_settled(30)  # every thread and connection is up: what it needs from now on is small
        # About 200 MB would be needed to count it in memory; allow 16 MB more than the worker has mapped now.
        cap_address_space(worker.pid, vm_size_bytes(worker.pid) + 16 * 1024 * 1024)
        hungry = d.upload(many_distinct_words(1_500_000), kind="hungry", timeout=120)
        self.assertEqual(hungry.status, 201, hungry)
        try:
            d.wait_status(hungry.slug, "failed", 120)
        except AssertionError:
            raise AssertionError(worker.output()[-5000:])
        row = d.rows_where(hungry.slug)[0]
        self.assertIn("memory", row["error"].lower())  # "the worker ran out of memory while counting …"
        self.assertTrue(worker.running(), worker.output())
        cap_address_space(worker.pid, "unlimited")
        after = [d.upload() for _ in range(3)]
        for up in after:
            self.assertEqual(up.status, 201, up)
            try:
                d.wait_status(up.slug, "done", 30)
            except AssertionError:
                raise AssertionError(worker.output())
        self.assertTrue(worker.running(), worker.output())
        report(self, {"error": row["error"]})
        self.assertEqual(worker.terminate(), 0)


if __name__ == "__main__":
    unittest.main()
