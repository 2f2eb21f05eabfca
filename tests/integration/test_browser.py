"""The tutorial flow in headless Chromium against the real web + worker + services."""
import json
import os
import shutil
import subprocess
import tempfile
import unittest

from htut_testlib import (HtutProcess, app_env, delete_queue, free_port, http, new_database, require_env, run_htut,
                          wait_until)

SUPPORT = os.path.join(require_env("HTUT_SOURCE_DIR"), "tests", "support")
BROWSER = os.path.join(SUPPORT, "browser")
DATA = os.path.join(require_env("HTUT_SOURCE_DIR"), "tests", "data")
# Thousands of distinct words (5,936): the control panel's tests need more than 300.
MANY_WORDS = os.path.join(DATA, "wordcount", "real-en-devil.txt")
CHINESE = os.path.join(DATA, "cloud", "chinese-sample.txt")

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
        # Uploaded once, counted while the first tests run; cloud() waits for them.
        for name, path in (("Many words", MANY_WORDS), ("Chinese sample", CHINESE)):
            with open(path, "rb") as f:
                cls.api_upload(name, f.read(), os.path.basename(path))

    @classmethod
    def api_upload(cls, name, data, filename="doc.txt"):
        from htut_testlib import multipart_body
        ctype, body = multipart_body({"document-name": name}, {"input-file": (filename, data, "text/plain")})
        status, _, answer = http("POST", cls.base + "/api/documents", body, {"Content-Type": ctype})
        assert status == 201, answer
        return json.loads(answer)

    def counted(self, slug, top=1000):
        """The document JSON with its top `top` words, once the worker is done with it."""
        def done():
            status, _, body = http("GET", f"{self.base}/api/documents/{slug}?top={top}")
            doc = json.loads(body)
            return doc if doc.get("status") in ("done", "failed") else None
        doc = wait_until(done, 120, f"{slug} counted")
        self.assertEqual(doc["status"], "done", doc)
        return doc

    def panel(self, scenario, slug="many-words"):
        """Runs one scenario of tests/support/browser/cloud_panel_check.js on a counted document."""
        self.counted(slug)
        r = node("cloud_panel_check.js", self.base, slug, scenario, env={"TIMEOUT_MS": "60000"})
        self.assertEqual(r.returncode, 0, r.stderr + r.stdout)
        self.assertIn("PASS: " + scenario, r.stdout)
        return r.stdout

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

    # -- the cloud's control panel (issue 17) -------------------------------------------
    def test_cloud_words_parameter(self):
        """?words=30 draws the top 30, ?words=300 the top 300; bad values fall back, never an error."""
        self.panel("words")

    def test_cloud_click_to_exclude_and_reload(self):
        """The top word clicked away: still N words, exclude= in the URL, out after a reload;
        Enter, the table's button, "Bring back" and the field work too."""
        self.panel("exclude")

    def test_cloud_same_url_same_layout(self):
        self.panel("layout")

    def test_cloud_palette_recolours_and_lands_in_the_url(self):
        self.panel("palette")

    def test_cloud_orientation_and_font(self):
        self.panel("orientation")

    def test_cloud_exports_follow_the_settings(self):
        self.panel("exports")

    def test_cloud_copy_link(self):
        self.panel("copy")

    def test_cloud_controls_labelled_and_keyboard_reachable(self):
        self.panel("a11y")

    # -- words in every language (issue 18) ----------------------------------------------
    def test_chinese_document_draws_its_top_words(self):
        """The cloud draws exactly the top words the API reports (under v1 rules clauses, under v2
        words), each upright (Chinese is not turned on its side) and marked lang="zh"."""
        doc = self.counted("chinese-sample", top=100)
        expected = list(doc["word_counts"])
        self.assertTrue(expected)
        self.assertTrue(all(any("\u4e00" <= c <= "\u9fff" for c in w) for w in expected[:5]), expected[:5])
        out = self.panel("drawn", slug="chinese-sample")
        drawn = json.loads(out.strip().splitlines()[-2])
        self.assertEqual(sorted(drawn["words"]), sorted(expected))
        self.assertEqual(set(drawn["rotations"]), {0})
        self.assertEqual(set(drawn["langs"]), {"zh"})  # Han without kana: Chinese glyphs and voice

    def test_format_characters_in_names_are_shown_escaped(self):
        name = "Report \u202eexe\u200b.txt"
        self.api_upload(name, b"format characters stay visible visible", "x\u202etxt.exe")
        out = self.panel("header", slug="report-exe-txt")
        shown = json.loads(out.strip().splitlines()[-2])
        self.assertEqual(shown["h1"], "Report <U+202E>exe<U+200B>.txt")
        self.assertTrue(shown["title"].startswith("Report <U+202E>exe<U+200B>.txt"), shown["title"])
        self.assertIn("x<U+202E>txt.exe", shown["meta"])
        self.assertFalse(shown["rawCf"], shown)


if __name__ == "__main__":
    unittest.main()
