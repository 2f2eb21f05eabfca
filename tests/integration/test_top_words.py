"""GET /api/documents/{slug}?top=N: the worker keeps a document's top 1000 words, the API gives
the top N of them (1-1000, default 100; anything else is a 400 with a JSON error)."""
import json
import os
import unittest

from htut_testlib import (HtutProcess, app_env, delete_queue, free_port, http, multipart_body, new_database,
                          require_env, run_htut, wait_until)

DATA = os.path.join(require_env("HTUT_SOURCE_DIR"), "tests", "data")
MANY_WORDS = os.path.join(DATA, "wordcount", "real-en-devil.txt")  # 5,936 distinct words
# The oracle's (../shared/tools/wordcount_ref.py) top 300 of it, copied here as data.
ORACLE_TOP300 = os.path.join(DATA, "cloud", "real-en-devil.top300.json")


def ranked(doc):
    return list(doc["word_counts"].items())


class TopWords(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.db = new_database()
        assert run_htut("migrate", env={"DATABASE_URL": cls.db}).returncode == 0
        delete_queue("countwords")
        cls.port = free_port()
        cls.base = f"http://127.0.0.1:{cls.port}"
        env = app_env(cls.port, cls.db, S3_UPLOAD_DIRECTORY="top-" + os.urandom(4).hex())
        cls.web = HtutProcess("web", env=env)
        cls.worker = HtutProcess("worker", env=env)
        cls.web.wait_for_port(cls.port)
        with open(MANY_WORDS, "rb") as f:
            cls.data = f.read()
        ctype, body = multipart_body({"document-name": "Many words"}, {"input-file": ("many.txt", cls.data, "text/plain")})
        status, _, answer = http("POST", cls.base + "/api/documents", body, {"Content-Type": ctype})
        assert status == 201, answer

        def done():
            _, _, body = http("GET", cls.base + "/api/documents/many-words")
            doc = json.loads(body)
            return doc if doc["status"] in ("done", "failed") else None
        cls.doc = wait_until(done, 60, "the upload counted")
        assert cls.doc["status"] == "done", cls.doc

    @classmethod
    def tearDownClass(cls):
        cls.web.terminate()
        cls.worker.terminate()

    def get(self, query):
        status, headers, body = http("GET", f"{self.base}/api/documents/many-words{query}")
        return status, headers, json.loads(body)

    def count(self, top):
        r = run_htut("count", "-", "--top", str(top), input=self.data)
        self.assertEqual(r.returncode, 0, r.stderr)
        return json.loads(r.stdout)

    def test_top_300_equals_the_oracle_and_htut_count(self):
        status, _, doc = self.get("?top=300")
        self.assertEqual(status, 200)
        with open(ORACLE_TOP300, encoding="utf-8") as f:
            oracle = json.load(f)
        self.assertEqual(len(doc["word_counts"]), 300)
        self.assertEqual(ranked(doc), ranked(oracle))  # same words, counts and rank order
        self.assertEqual(ranked(doc), ranked(self.count(300)))
        self.assertEqual((doc["total_words"], doc["distinct_words"]), (oracle["total_words"], oracle["distinct_words"]))

    def test_default_is_still_100(self):
        status, _, doc = self.get("")
        self.assertEqual(status, 200)
        self.assertEqual(ranked(doc), ranked(self.count(100)))
        self.assertEqual(ranked(self.get("?top=100")[2]), ranked(doc))
        # The list and the event stream carry the default 100 too.
        _, _, listed = http("GET", self.base + "/api/documents?limit=5")
        listed = [d for d in json.loads(listed)["documents"] if d["document_slug"] == "many-words"]
        self.assertEqual(ranked(listed[0]), ranked(doc))
        _, _, events = http("GET", self.base + "/api/documents/many-words/events")
        data = [line[len("data: "):] for line in events.decode().splitlines() if line.startswith("data: ")]
        self.assertEqual(ranked(json.loads(data[-1])), ranked(doc))

    def test_the_worker_keeps_1000_and_smaller_tops_are_prefixes(self):
        _, _, full = self.get("?top=1000")
        self.assertEqual(ranked(full), ranked(self.count(1000)))
        for top in (1, 7, 500, 999):
            _, _, doc = self.get(f"?top={top}")
            self.assertEqual(ranked(doc), ranked(full)[:top], top)

    def test_bad_top_is_a_400_with_a_json_error(self):
        for query in ("?top=0", "?top=1001", "?top=-1", "?top=abc", "?top=", "?top=5&top=6", "?top=1e3", "?top=%zz"):
            status, headers, doc = self.get(query)
            self.assertEqual(status, 400, query)
            self.assertTrue(headers["Content-Type"].startswith("application/json"), query)
            self.assertIn("top", doc["error"], query)


if __name__ == "__main__":
    unittest.main()
