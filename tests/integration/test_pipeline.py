"""The whole pipeline: upload -> storage -> Postgres -> RabbitMQ -> worker -> JSON, pages, events."""
import json
import os
import re
import socket
import time
import unittest
import urllib.request

from htut_testlib import (HtutProcess, app_env, delete_queue, free_port, http, multipart_body, new_database,
                          psql, run_htut, wait_until)

TEXT = ("The whale! The WHALE, said Ahab. Ahab's whale is white; the sea is wide.\n"
        "Call me Ishmael. Whales and whale-boats: don't stop. Café café naïve 1984 1st.\n") * 50


def count_with_binary(data):
    r = run_htut("count", "-", "--top", "100", input=data)
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout)


class Pipeline(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.db = new_database()
        r = run_htut("migrate", env={"DATABASE_URL": cls.db})
        assert r.returncode == 0, r.stderr
        delete_queue("countwords")
        delete_queue("countwords.dead")
        cls.port = free_port()
        cls.base = f"http://127.0.0.1:{cls.port}"
        cls.env = app_env(cls.port, cls.db, MAX_UPLOAD_BYTES="200000", S3_UPLOAD_DIRECTORY="pipeline-" + os.urandom(4).hex())
        cls.web = HtutProcess("web", env=cls.env)
        cls.worker = HtutProcess("worker", env=cls.env)
        cls.web.wait_for_port(cls.port)

    @classmethod
    def tearDownClass(cls):
        cls.web.terminate()
        cls.worker.terminate()

    # -- helpers -------------------------------------------------------------------
    def api_upload(self, name, data, filename="doc.txt"):
        ctype, body = multipart_body({"document-name": name}, {"input-file": (filename, data, "text/plain")})
        return http("POST", self.base + "/api/documents", body, {"Content-Type": ctype})

    def wait_done(self, slug, timeout=30):
        def done():
            status, _, body = http("GET", f"{self.base}/api/documents/{slug}")
            doc = json.loads(body)
            return doc if doc.get("status") in ("done", "failed") else None
        return wait_until(done, timeout, f"document {slug} counted")

    def stored_keys(self):
        r = run_htut("s3", "ls", self.env["S3_UPLOAD_DIRECTORY"] + "/", env=self.env)
        self.assertEqual(r.returncode, 0, r.stderr)
        return set(r.stdout.decode().split())

    def rows(self):
        return int(psql(self.db, "SELECT count(*) FROM file_upload_meta").strip())

    def form_session(self):
        status, headers, body = http("GET", self.base + "/")
        cookie = headers["Set-Cookie"].split(";")[0]
        token = re.search(rb'name="csrf_token" value="([^"]+)"', body).group(1).decode()
        return cookie, token

    # -- tests ---------------------------------------------------------------------
    def test_api_upload_is_counted_exactly(self):
        data = TEXT.encode()
        status, headers, body = self.api_upload("Moby Dick (API)", data, "Moby.TXT")
        self.assertEqual(status, 201, body)
        doc = json.loads(body)
        self.assertEqual(doc["document_slug"], "moby-dick-api")
        self.assertEqual(headers["Location"], "/api/documents/moby-dick-api")
        self.assertEqual(doc["status"], "pending")
        self.assertEqual(doc["filename"], "Moby.TXT")
        self.assertRegex(doc["s3_key"], r"^pipeline-[0-9a-f]{8}/[0-9a-f]{32}\.txt$")
        self.assertRegex(doc["time_uploaded"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$")
        self.assertIsNone(doc["word_counts"])
        done = self.wait_done("moby-dick-api")
        self.assertEqual(done["status"], "done", done)
        expected = count_with_binary(data)
        self.assertEqual(done["total_words"], expected["total_words"])
        self.assertEqual(done["distinct_words"], expected["distinct_words"])
        self.assertEqual(list(done["word_counts"].items()), list(expected["word_counts"].items()))
        self.assertEqual(done["word_counts"]["whale"], 200)  # whale, WHALE, whale, whale-boats; x50
        # The file link redirects to a presigned URL that serves the same bytes.
        status, headers, _ = http("GET", self.base + "/documents/moby-dick-api/file")
        self.assertEqual(status, 302)
        with urllib.request.urlopen(headers["Location"], timeout=10) as r:
            self.assertEqual(r.read(), data)
        # The list shows it, newest first.
        status, _, body = http("GET", self.base + "/api/documents?limit=5")
        self.assertEqual(status, 200)
        self.assertIn("moby-dick-api", [d["document_slug"] for d in json.loads(body)["documents"]])

    def test_form_flow_with_csrf_and_one_time_flash(self):
        cookie, token = self.form_session()
        ctype, body = multipart_body({"csrf_token": token, "document-name": "<script>alert(1)</script> \u202eevil"},
                                     {"input-file": ("notes.md", b"hello world hello", "text/plain")})
        status, headers, _ = http("POST", self.base + "/", body, {"Content-Type": ctype, "Cookie": cookie})
        self.assertEqual(status, 303)
        self.assertEqual(headers["Location"], "/")
        cookie = headers["Set-Cookie"].split(";")[0]
        status, headers, page = http("GET", self.base + "/", headers={"Cookie": cookie})
        text = page.decode()
        self.assertIn("&lt;script&gt;alert(1)&lt;/script&gt;", text)
        self.assertNotIn("<script>alert(1)", text)
        self.assertIn('href="/wordcloud/script-alert-1-script-evil"', text)
        self.assertIn('href="/documents/script-alert-1-script-evil/file"', text)
        # Shown once: the next page view has no flash.
        cookie = headers["Set-Cookie"].split(";")[0]
        _, _, page = http("GET", self.base + "/", headers={"Cookie": cookie})
        self.assertNotIn("See its word cloud", page.decode())
        self.assertEqual(self.wait_done("script-alert-1-script-evil")["status"], "done")
        status, _, page = http("GET", self.base + "/wordcloud/script-alert-1-script-evil")
        self.assertEqual(status, 200)
        self.assertIn("&lt;script&gt;", page.decode())
        self.assertNotIn("<script>alert", page.decode())

    def test_bad_csrf_is_403_and_nothing_is_stored(self):
        before_keys, before_rows = self.stored_keys(), self.rows()
        cookie, _ = self.form_session()
        ctype, body = multipart_body({"csrf_token": "forged", "document-name": "x"},
                                     {"input-file": ("a.txt", b"words words", "text/plain")})
        status, _, page = http("POST", self.base + "/", body, {"Content-Type": ctype, "Cookie": cookie})
        self.assertEqual(status, 403)
        self.assertIn(b'id="form-error"', page)
        # No cookie at all: 403 too.
        status, _, _ = http("POST", self.base + "/", body, {"Content-Type": ctype})
        self.assertEqual(status, 403)
        self.assertEqual(self.stored_keys(), before_keys)
        self.assertEqual(self.rows(), before_rows)

    def test_refusals_leave_nothing_behind(self):
        before_keys, before_rows = self.stored_keys(), self.rows()
        cases = [
            ({"document-name": "ok"}, {}, 400, "choose a file"),
            ({"document-name": "   "}, {"input-file": ("a.txt", b"x", "text/plain")}, 400, "document name"),
            ({"document-name": "x" * 201}, {"input-file": ("a.txt", b"x", "text/plain")}, 400, "200"),
            ({"document-name": "tab\there"}, {"input-file": ("a.txt", b"x", "text/plain")}, 400, "control"),
            ({"document-name": "bin"}, {"input-file": ("a.bin", b"abc\x00def", "application/octet-stream")}, 415, "text"),
            ({"document-name": "big"}, {"input-file": ("big.txt", b"word " * 50_000, "text/plain")}, 413, "limit"),
        ]
        for fields, files, code, words in cases:
            ctype, body = multipart_body(fields, files)
            status, headers, answer = http("POST", self.base + "/api/documents", body, {"Content-Type": ctype})
            self.assertEqual(status, code, (fields.keys(), answer))
            self.assertEqual(headers["Content-Type"], "application/json")
            self.assertIn(words, json.loads(answer)["error"])
        status, _, _ = http("POST", self.base + "/api/documents", b"not multipart", {"Content-Type": "text/plain"})
        self.assertEqual(status, 400)
        self.assertEqual(self.stored_keys(), before_keys)
        self.assertEqual(self.rows(), before_rows)

    def test_unknown_slug_pages(self):
        status, _, page = http("GET", self.base + "/wordcloud/no-such-doc")
        self.assertEqual(status, 404)
        self.assertIn(b"no-such-doc", page)
        status, _, body = http("GET", self.base + "/api/documents/no-such-doc")
        self.assertEqual(status, 404)
        self.assertIn("error", json.loads(body))
        for bad in ["0", "101", "x", "-1", ""]:
            status, _, _ = http("GET", self.base + "/api/documents?limit=" + bad)
            self.assertEqual(status, 400, bad)

    def test_events_stream_delivers_done(self):
        self.worker.send_signal(__import__("signal").SIGSTOP)  # keep the document pending for a moment
        try:
            status, _, body = self.api_upload("Event Stream", b"alpha beta gamma alpha")
            self.assertEqual(status, 201, body)
            sock = socket.create_connection(("127.0.0.1", self.port), timeout=20)
            sock.sendall(b"GET /api/documents/event-stream/events HTTP/1.1\r\nHost: x\r\n\r\n")
            received = b""
            while b"event: document" not in received:
                received += sock.recv(4096)
            self.assertIn(b"text/event-stream", received)
            self.assertIn(b'"status":"pending"', received)
        finally:
            self.worker.send_signal(__import__("signal").SIGCONT)
        while b'"status":"done"' not in received:
            chunk = sock.recv(4096)
            if not chunk:
                break
            received += chunk
        self.assertIn(b'"status":"done"', received)
        self.assertIn(b'"alpha":2', received)
        sock.close()

    def test_test_connection_inserts_the_seed_record(self):
        status, _, body = http("GET", self.base + "/test_connection")
        self.assertEqual(status, 200, body)
        result = json.loads(body)["result"]
        self.assertEqual(result["document_name"], "Fake Document")
        self.assertEqual(result["document_slug"], "fake_document")
        self.assertEqual(result["s3_key"], "files/does_not_exist.txt")
        self.assertEqual(result["filename"], "does_not_exist.txt")
        self.assertIn("time_uploaded", result)


if __name__ == "__main__":
    unittest.main()
