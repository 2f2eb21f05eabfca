"""Poison messages put on the job queue by hand end in countwords.dead; the worker keeps working.

Anyone who can publish to the broker can send the worker anything. Invalid
JSON, a JSON value that is not a job, missing or mistyped fields, a bad time,
a job for a document that does not exist, megabytes of junk: each must be
dead-lettered (never requeued forever, never a crash), and a real upload
afterwards must still be counted."""
import json
import subprocess
import time
import unittest

from hostile_support import Deployment, peak_rss_mib
from htut_testlib import delete_queue, require_env

POISON = [
    b"not json {",
    b"[]",
    b'"a string"',
    b"{}",
    b'{"document_slug": "ghost"}',
    b'{"document_slug": 5, "time_uploaded": "2020-01-01T00:00:00Z", "s3_key": "files/x.txt"}',
    b'{"document_slug": "ghost", "time_uploaded": "yesterday", "s3_key": "files/x.txt"}',
    b'{"document_slug": "ghost", "time_uploaded": "2020-01-01T00:00:00Z", "s3_key": "files/none.txt"}',
    b'{"document_slug": "../../etc", "time_uploaded": "2020-02-30T00:00:00Z", "s3_key": "../../etc/passwd"}',
    b"\xff\xfe\x00\x01binary",
    b"{" * 100_000,                       # deep nesting
    b'{"document_slug": "' + b"x" * (2 << 20) + b'"}',  # 2 MiB
]


def publish(amqp_url, body):
    done = subprocess.run(["amqp-publish", "-u", amqp_url, "-r", "countwords", "-p"], input=body,
                          capture_output=True, timeout=30)
    assert done.returncode == 0, done.stderr


def get_dead(amqp_url):
    """One message from countwords.dead (removed from it), or None when it is empty."""
    done = subprocess.run(["amqp-get", "-u", amqp_url, "-q", "countwords.dead"], capture_output=True, timeout=30)
    return done.stdout if done.returncode == 0 else None


class PoisonMessages(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.amqp = require_env("HTUT_TEST_AMQP_URL")
        delete_queue("countwords")
        delete_queue("countwords.dead")
        cls.d = Deployment(with_worker=True)

    @classmethod
    def tearDownClass(cls):
        cls.d.stop()

    def upload_and_count(self, name, text):
        status, _, body = self.d.api_upload({"document-name": name}, {"input-file": ("a.txt", text, "text/plain")})
        self.assertEqual(status, 201, body)
        doc = self.d.wait_counted(json.loads(body)["document_slug"])
        self.assertEqual(doc["status"], "done", doc)
        return doc

    def test_poison_is_dead_lettered_and_the_worker_keeps_counting(self):
        # A real job first: the worker is consuming, so the queues exist with their dead-letter setup.
        self.upload_and_count("before poison", b"one two two")
        for body in POISON:
            publish(self.amqp, body)

        dead = []
        deadline = time.monotonic() + 60
        while len(dead) < len(POISON) and time.monotonic() < deadline:
            message = get_dead(self.amqp)
            if message is None:
                time.sleep(0.3)
            else:
                dead.append(message)
        self.assertEqual(len(dead), len(POISON), "every poison message ends in countwords.dead")
        self.assertEqual(sorted(dead), sorted(POISON), "dead-lettered unchanged")

        self.assertTrue(self.d.worker.running(), "the worker survived the poison")
        doc = self.upload_and_count("after poison", b"alpha beta beta gamma gamma gamma")
        self.assertEqual(doc["word_counts"], {"gamma": 3, "beta": 2, "alpha": 1})
        # Nothing was left behind on the job queue (requeued forever) and no row changed state.
        self.assertIsNone(get_dead(self.amqp))
        self.assertLess(peak_rss_mib(self.d.worker.pid), 150)
        log = "\n".join(self.d.worker.lines())
        self.assertIn("settle=dead_letter", log)
        self.assertNotIn("x" * 100, log, "a poison message's body is not dumped into the log")


if __name__ == "__main__":
    unittest.main()
