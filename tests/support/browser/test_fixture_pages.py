#!/usr/bin/env python3
"""Self-test of the pages and the browser drivers against tests/support/fixture_server.py.

Runs without the real server (no database, broker or storage): it checks the templates, CSS and
browser code in embed/ together with the driver scripts, so a broken page shows up here first.

    python3 tests/support/browser/test_fixture_pages.py -v

Needs node, tests/support/node_modules (playwright-core) and Chromium; skips visibly without them.
"""

import json
import os
import shutil
import subprocess
import sys
import tempfile
import unittest
from pathlib import Path

HERE = Path(__file__).resolve().parent
SUPPORT = HERE.parent
sys.path.insert(0, str(SUPPORT))
import fixture_server  # noqa: E402  (the word counter and sample words, to know what to expect)

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
MISSING = [what for what, ok in (
    ("node", shutil.which("node")),
    ("tests/support/node_modules/playwright-core", (SUPPORT / "node_modules/playwright-core").is_dir()),
    (CHROMIUM, os.path.exists(CHROMIUM)),
    ("embed/node_modules (run tools/setup)", (fixture_server.EMBED / "node_modules/d3/dist/d3.min.js").is_file()),
) if not ok]


def node(script, *args, env=None):
    return subprocess.run(["node", str(HERE / script), *args], capture_output=True, text=True, timeout=120,
                          env={**os.environ, **(env or {})})


@unittest.skipIf(MISSING, "missing: %s" % ", ".join(MISSING))
class FixturePages(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = subprocess.Popen(
            [sys.executable, str(SUPPORT / "fixture_server.py"), "--port", "0", "--pending-seconds", "2",
             "--max-upload-bytes", "65536"],
            stdout=subprocess.PIPE, text=True)
        cls.base = cls.server.stdout.readline().strip()
        cls.tmp = tempfile.TemporaryDirectory()
        if not cls.base.startswith("http://"):
            cls.server.kill()
            raise RuntimeError("the fixture server did not start")

    @classmethod
    def tearDownClass(cls):
        cls.server.terminate()
        cls.server.wait(timeout=10)
        cls.tmp.cleanup()

    def write(self, name, text):
        path = Path(self.tmp.name) / name
        path.write_text(text, encoding="utf-8")
        return str(path)

    def assertPasses(self, result):
        self.assertEqual(result.returncode, 0, "stdout:\n%s\nstderr:\n%s" % (result.stdout, result.stderr))

    def test_sample_cloud_has_every_word_after_pending(self):
        words = list(fixture_server.sample_counts())
        shot = str(Path(self.tmp.name) / "sample.png")
        result = node("wordcloud_check.js", self.base, "sample-live", json.dumps(words), env={"SCREENSHOT": shot})
        self.assertPasses(result)
        self.assertIn("all %d expected words present (state at load: pending)" % len(words), result.stdout)
        self.assertGreater(os.path.getsize(shot), 10000)

    def test_polling_fallback_when_event_stream_fails(self):
        result = node("wordcloud_check.js", self.base, "sample", '["whale", "ελληνικά", "москва"]',
                      env={"BLOCK_EVENTS": "1"})
        self.assertPasses(result)

    def test_check_fails_for_a_word_that_is_not_drawn(self):
        result = node("wordcloud_check.js", self.base, "sample", '["whale", "zzz-not-a-word"]')
        self.assertEqual(result.returncode, 1)
        self.assertIn("zzz-not-a-word", result.stderr)

    def test_check_fails_for_a_failed_count_and_an_unknown_slug(self):
        failed = node("wordcloud_check.js", self.base, "broken", "[]")
        self.assertEqual(failed.returncode, 1)
        self.assertIn("could not be read", failed.stderr)
        unknown = node("wordcloud_check.js", self.base, "no-such-doc", "[]")
        self.assertEqual(unknown.returncode, 1)
        self.assertIn("404", unknown.stderr)

    def test_upload_flow_draws_the_uploaded_words(self):
        text = "Ünïcode naïve café " * 30 + "whale " * 50 + "straße Straße море " * 7 + "one"
        result = node("upload_flow.js", self.base, self.write("upload.txt", text), "Flow — ünïcode test")
        self.assertPasses(result)
        out = json.loads(result.stdout)
        self.assertEqual(out["slug"], "flow-unicode-test")
        _, _, expected = fixture_server.count_words(text)
        self.assertEqual(sorted(out["words"]), sorted(expected))

    def test_form_errors_and_plain_post(self):
        result = node("upload_errors_check.js", self.base, self.write("small.txt", "a small file"))
        self.assertPasses(result)
        self.assertEqual(result.stdout.count("PASS"), 3)


if __name__ == "__main__":
    unittest.main()
