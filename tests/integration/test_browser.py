"""The tutorial flow in headless Chromium against the real web + worker + services."""
import json
import os
import shutil
import subprocess
import tempfile
import unittest

from htut_testlib import HtutProcess, app_env, delete_queue, free_port, http, new_database, require_env, run_htut

SUPPORT = os.path.join(require_env("HTUT_SOURCE_DIR"), "tests", "support")
BROWSER = os.path.join(SUPPORT, "browser")

TEXT = ("It was the best of times, it was the worst of times, it was the age of wisdom, "
        "it was the age of foolishness. Ἀθῆναι café naïve — Москва Москва.\n") * 40


def node(script, *args, env=None):
    return subprocess.run(["node", os.path.join(BROWSER, script), *args], capture_output=True, text=True,
                          timeout=120, env={**os.environ, **(env or {})})


class BrowserFlow(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        for tool in ("node", "chromium"):
            assert shutil.which(tool), f"{tool} is missing: run tools/setup"
        assert os.path.isdir(os.path.join(SUPPORT, "node_modules", "playwright-core")), \
            "playwright-core is missing: run tools/setup"
        cls.db = new_database()
        assert run_htut("migrate", env={"DATABASE_URL": cls.db}).returncode == 0
        delete_queue("countwords")
        cls.port = free_port()
        cls.base = f"http://127.0.0.1:{cls.port}"
        env = app_env(cls.port, cls.db, MAX_UPLOAD_BYTES="1000000")
        cls.web = HtutProcess("web", env=env)
        cls.worker = HtutProcess("worker", env=env)
        cls.web.wait_for_port(cls.port)
        cls.tmp = tempfile.mkdtemp(prefix="htut-browser-")

    @classmethod
    def tearDownClass(cls):
        cls.web.terminate()
        cls.worker.terminate()
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def test_upload_with_the_form_and_see_the_cloud(self):
        path = os.path.join(self.tmp, "tale.txt")
        with open(path, "w", encoding="utf-8") as f:
            f.write(TEXT)
        r = node("upload_flow.js", self.base, path, "A Tale of Two Cities",
                 env={"SCREENSHOT": os.path.join(self.tmp, "flow")})
        self.assertEqual(r.returncode, 0, r.stderr + r.stdout)
        result = json.loads(r.stdout.strip().splitlines()[-1])
        self.assertEqual(result["slug"], "a-tale-of-two-cities")
        status, _, body = http("GET", f"{self.base}/api/documents/a-tale-of-two-cities")
        doc = json.loads(body)
        self.assertEqual(doc["status"], "done")
        # Every counted top word is drawn as an svg <text>.
        self.assertEqual(sorted(result["words"]), sorted(doc["word_counts"].keys()))
        for word in ("times", "age", "москва", "café"):
            self.assertIn(word, result["words"])

    def test_wordcloud_page_draws_and_exports(self):
        r = run_htut("count", "-", input=TEXT.encode())
        expected = json.loads(r.stdout)["word_counts"]
        from htut_testlib import multipart_body
        ctype, body = multipart_body({"document-name": "Exported"}, {"input-file": ("e.txt", TEXT.encode(), "text/plain")})
        status, _, answer = http("POST", self.base + "/api/documents", body, {"Content-Type": ctype})
        self.assertEqual(status, 201, answer)
        r = node("wordcloud_check.js", self.base, "exported", json.dumps(list(expected.keys())),
                 env={"SCREENSHOT": os.path.join(self.tmp, "cloud.png")})
        self.assertEqual(r.returncode, 0, r.stderr + r.stdout)

    def test_form_errors_are_shown(self):
        path = os.path.join(self.tmp, "small.txt")
        with open(path, "w") as f:
            f.write("tiny file")
        r = node("upload_errors_check.js", self.base, path)
        self.assertEqual(r.returncode, 0, r.stderr + r.stdout)


if __name__ == "__main__":
    unittest.main()
