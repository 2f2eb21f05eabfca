"""Hostile upload bodies: malformed and truncated multipart, too many parts, huge part headers,
binary and UTF-16 files, path traversal in file names, nasty document names.

Each refusal gets its documented status and message, nothing is stored, another
client is served while the attack is in progress, and memory stays bounded."""
import threading
import unittest

from hostile_support import (BOUNDARY, CLOSE, MULTIPART_TYPE, Bystander, Deployment, connect, healthz_now,
                             part, read_response, rss_mib, send_quietly, upload_request)
from htut_testlib import http

# After every attack in this file the web role must stay below this. Measured:
# about 20 MiB after the whole file (idle: about 13 MiB).
RSS_LIMIT_MIB = 150

GOOD_NAME = part("document-name", "hostile")
GOOD_FILE = part("input-file", b"hello hostile world", "a.txt")


class MultipartAttacks(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.d = Deployment()

    @classmethod
    def tearDownClass(cls):
        cls.d.stop()

    def setUp(self):
        # What was stored before this test: refusals must leave it unchanged.
        self.keys_before = self.d.stored_keys()
        self.rows_before = self.d.rows()

    def tearDown(self):
        self.assertTrue(self.d.web.running(), "the web role died")
        self.assertLess(rss_mib(self.d.web.pid), RSS_LIMIT_MIB)

    # -- helpers -----------------------------------------------------------------------
    def attack(self, body, split=None, path="/api/documents", headers=None):
        """Sends the request in two pieces with a /healthz from another client in between
        (the server is mid-request then); returns the response."""
        request = upload_request(body, path=path, extra_headers=headers)
        cut = len(request) - len(body) + (split if split is not None else len(body) // 2)
        with connect(self.d.port, timeout=20) as s:
            send_quietly(s, request[:cut])
            healthz_now(self, self.d.port)
            send_quietly(s, request[cut:])
            response, _ = read_response(s)
        self.assertIsNotNone(response, "the server closed the connection without an answer")
        return response

    def assert_refused(self, response, status, words):
        self.assertEqual(response.status, status, response)
        self.assertEqual(response.header("Content-Type"), "application/json")
        self.assertIn(words, response.json()["error"])

    def assert_nothing_stored(self):
        self.assertEqual(self.d.stored_keys(), self.keys_before)
        self.assertEqual(self.d.rows(), self.rows_before)

    # -- malformed and truncated ---------------------------------------------------------
    def test_body_without_closing_boundary_is_400(self):
        response = self.attack(GOOD_NAME + GOOD_FILE)
        self.assert_refused(response, 400, "truncated multipart body")
        self.assert_nothing_stored()

    def test_body_cut_inside_the_file_is_400(self):
        body = GOOD_NAME + part("input-file", b"x" * 100_000, "cut.txt")
        response = self.attack(body[:60_000], split=30_000)
        self.assert_refused(response, 400, "truncated multipart body")
        self.assert_nothing_stored()

    def test_body_cut_inside_part_headers_is_400(self):
        body = GOOD_NAME + f"--{BOUNDARY}\r\nContent-Disposition: form-da".encode()
        self.assert_refused(self.attack(body), 400, "truncated multipart body")

    def test_malformed_bodies_are_400(self):
        cases = [
            # garbage after a boundary (a boundary inside a part)
            (f"--{BOUNDARY}XYZ\r\n".encode() + GOOD_FILE + CLOSE, "unexpected bytes after a multipart boundary"),
            # a bare LF ends the boundary line
            (f"--{BOUNDARY}\nContent-Disposition: form-data; name=\"a\"\r\n\r\nx\r\n".encode() + CLOSE, "bare LF"),
            # a part without Content-Disposition
            (f"--{BOUNDARY}\r\nContent-Type: text/plain\r\n\r\nx\r\n".encode() + CLOSE, "no Content-Disposition"),
            # Content-Disposition that is not form-data / has no name
            (f"--{BOUNDARY}\r\nContent-Disposition: attachment; name=\"a\"\r\n\r\nx\r\n".encode() + CLOSE, "form-data"),
            (f"--{BOUNDARY}\r\nContent-Disposition: form-data\r\n\r\nx\r\n".encode() + CLOSE, "no name"),
            # a folded part header (obs-fold)
            (f"--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"a\"\r\nX-Fold: a\r\n b\r\n\r\nx\r\n".encode() + CLOSE,
             "folded"),
            # a NUL in a part header
            (f"--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"a\0b\"\r\n\r\nx\r\n".encode() + CLOSE, "NUL"),
            # two files in one upload
            (GOOD_NAME + GOOD_FILE + GOOD_FILE + CLOSE, "one file"),
            # only the closing boundary
            (CLOSE, "choose a file"),
            # empty body
            (b"", "truncated multipart body"),
        ]
        for body, words in cases:
            with self.subTest(words=words):
                self.assert_refused(self.attack(body), 400, words)
        self.assert_nothing_stored()

    def test_bad_content_types_are_400(self):
        body = GOOD_NAME + GOOD_FILE + CLOSE
        for ctype in ["text/plain", "multipart/form-data", "multipart/form-data; boundary=",
                      "multipart/form-data; boundary=" + "b" * 71, "multipart/mixed; boundary=" + BOUNDARY,
                      'multipart/form-data; boundary="unterminated']:
            with self.subTest(ctype=ctype):
                response = self.attack(body, headers={"Content-Type": ctype})
                self.assert_refused(response, 400, "multipart/form-data")
        self.assert_nothing_stored()

    def test_large_form_field_is_400(self):
        body = part("document-name", "n" * 70_000) + GOOD_FILE + CLOSE
        self.assert_refused(self.attack(body), 400, "larger than 64 KiB")

    # -- resource limits ------------------------------------------------------------------
    def test_ten_thousand_parts_are_400(self):
        body = part("x", "y") * 10_000 + GOOD_NAME + GOOD_FILE + CLOSE
        response = self.attack(body, split=5_000)
        self.assert_refused(response, 400, "too many parts (at most 16)")
        self.assert_nothing_stored()

    def test_seventeen_parts_are_400_and_sixteen_are_fine(self):
        fields = part("x", "y") * 14
        self.assert_refused(self.attack(fields + part("z", "w") + GOOD_NAME + GOOD_FILE + CLOSE),
                            400, "too many parts")
        response = self.attack(fields + GOOD_NAME + GOOD_FILE + CLOSE)
        self.assertEqual(response.status, 201, response)

    def test_one_mebibyte_of_part_headers_is_400(self):
        huge = f"--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"input-file\"; filename=\"a.txt\"\r\n".encode()
        huge += b"X-Padding: " + b"a" * (1 << 20) + b"\r\n\r\nhello\r\n"
        response = self.attack(GOOD_NAME + huge + CLOSE, split=200_000)
        self.assert_refused(response, 400, "part headers exceed 8 KiB")
        # Many small header lines add up the same way.
        many = f"--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"a\"\r\n".encode()
        many += b"X-A: b\r\n" * 150_000 + b"\r\nx\r\n"
        self.assert_refused(self.attack(many + CLOSE), 400, "part headers exceed 8 KiB")
        self.assert_nothing_stored()

    # -- not text -----------------------------------------------------------------------
    def test_binary_file_is_415(self):
        binary = bytes(range(256)) * 64
        response = self.attack(GOOD_NAME + part("input-file", binary, "x.bin") + CLOSE)
        self.assert_refused(response, 415, "not a text file")
        # A NUL after the first 8 KiB is not sniffed: that file is accepted as text.
        late_nul = b"word " * 2000 + b"\0" + b" more"
        response = self.attack(part("document-name", "late nul") + part("input-file", late_nul, "late.txt") + CLOSE)
        self.assertEqual(response.status, 201, response)

    def test_utf16_files_are_415(self):
        # UTF-16 text has a NUL byte in every ASCII character: refused as "not text" (documented).
        for encoding in ("utf-16", "utf-16-le", "utf-16-be"):
            with self.subTest(encoding=encoding):
                data = "Call me Ishmael. Some years ago".encode(encoding)
                response = self.attack(GOOD_NAME + part("input-file", data, "u16.txt") + CLOSE)
                self.assert_refused(response, 415, "NUL")
        self.assert_nothing_stored()

    # -- names and file names ------------------------------------------------------------
    def test_path_traversal_file_names_never_reach_the_storage_key(self):
        names = ["../../etc/passwd", "..\\..\\windows\\win.ini", "/etc/passwd", "a/../../b.txt",
                 "..", "x.txt/../../../y", "evil.TXT\r\nX-Injected: 1", "%2e%2e%2fx.txt", "\u202etxt.exe"]
        for i, filename in enumerate(names):
            with self.subTest(filename=filename):
                quoted = filename.replace("\r", "%0D").replace("\n", "%0A").replace('"', "%22")
                body = part("document-name", f"traversal {i}") + part("input-file", b"hello", quoted) + CLOSE
                response = self.attack(body)
                self.assertEqual(response.status, 201, response)
                doc = response.json()
                self.assertRegex(doc["s3_key"], rf"^{self.d.upload_dir}/[0-9a-f]{{32}}(\.[a-z0-9]{{1,10}})?$")
                self.assertEqual(doc["filename"], quoted)  # the client's name, as data only
        for key in self.d.stored_keys():
            self.assertNotIn("..", key)
            self.assertRegex(key, rf"^{self.d.upload_dir}/[0-9a-f]{{32}}(\.[a-z0-9]{{1,10}})?$")

    def test_hostile_document_names(self):
        refused = [
            ("a\0b", "control character"),
            ("tab\there", "control character"),
            ("\u0085next line", None),  # U+0085 is white space (trimmed) -> "next line" is fine
            ("é" * 201, "longer than 200"),
            ("\U0001F600" * 2560, "longer than 200"),  # 10 KiB of 4-byte UTF-8
            ("\xff\xfe bad utf8", "not valid UTF-8"),
            ("   \u3000 ", "required"),
        ]
        for name, words in refused:
            with self.subTest(name=name[:20]):
                raw = name.encode("latin-1") if name.startswith("\xff") else name.encode()
                response = self.attack(part("document-name", raw) + GOOD_FILE + CLOSE)
                if words is None:
                    self.assertEqual(response.status, 201, response)
                    self.assertEqual(response.json()["document_name"], "next line")
                else:
                    self.assert_refused(response, 400, words)

    def test_script_quotes_and_rtl_override_are_stored_as_given_and_shown_escaped(self):
        name = "<script>alert('x')</script> \"q\" & \u202egnp.exe"
        response = self.attack(part("document-name", name) + GOOD_FILE + CLOSE)
        self.assertEqual(response.status, 201, response)
        doc = response.json()
        self.assertEqual(doc["document_name"], name)  # JSON carries it exactly
        slug = doc["document_slug"]
        self.assertRegex(slug, r"^[a-z0-9-]+$")
        status, headers, page = http("GET", f"{self.d.base}/wordcloud/{slug}")
        self.assertEqual(status, 200)
        text = page.decode()
        self.assertNotIn("<script>alert", text)
        self.assertNotIn("\u202e", text, "U+202E is shown as a visible marker, never raw")
        self.assertIn("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;", text)
        self.assertIn("&quot;q&quot; &amp;", text)
        self.assertIn("&lt;U+202E&gt;", text)
        self.assertNotIn("unsafe-inline", headers["Content-Security-Policy"])

    def test_form_upload_with_wrong_csrf_is_403(self):
        cookie, token = self.d.form_session()
        other_cookie, other_token = self.d.form_session()
        self.assertNotEqual(token, other_token)
        for sent_token in ["", "0" * 32, token.upper(), token[:-1], other_token, token + "0"]:
            with self.subTest(token=sent_token):
                body = part("csrf_token", sent_token) + GOOD_NAME + GOOD_FILE + CLOSE
                response = self.attack(body, path="/", headers={"Cookie": cookie})
                self.assertEqual(response.status, 403, response)
                self.assertIn(b'id="form-error"', response.body)
        # Positive control: the right token passes.
        body = part("csrf_token", token) + GOOD_NAME + GOOD_FILE + CLOSE
        response = self.attack(body, path="/", headers={"Cookie": cookie})
        self.assertEqual(response.status, 303, response)

    def test_parallel_attacks_while_others_are_served(self):
        """Many malformed uploads at once (10,000-part bodies); a bystander is served throughout."""
        body = part("x", "y") * 10_000 + CLOSE
        answers = []

        def one():
            with connect(self.d.port, timeout=30) as s:
                send_quietly(s, upload_request(body))
                answers.append(read_response(s)[0])

        with Bystander(self.d.port) as others:
            threads = [threading.Thread(target=one) for _ in range(40)]
            for t in threads:
                t.start()
            for t in threads:
                t.join(60)
        others.assert_served(self)
        self.assertEqual(len(answers), 40)
        for a in answers:
            self.assertIsNotNone(a)
            self.assert_refused(a, 400, "too many parts")
        self.assert_nothing_stored()


if __name__ == "__main__":
    unittest.main()
