"""Hostile session cookies: forged, truncated, signed with another key, expired, oversized, replayed.

The session cookie is `base64url(json).base64url(HMAC-SHA256(key, "htut-session-v1\\n" + base64url(json)))`
(docs/http-logic.md). The test signs cookies itself with the server's key (positive
control: they are accepted) and with other keys (they must be ignored: a fresh
session, never an error page)."""
import base64
import hashlib
import hmac
import json
import re
import secrets
import time
import unittest

from hostile_support import CLOSE, Deployment, connect, part, read_response, rss_mib, upload_request

PURPOSE = b"htut-session-v1"
COOKIE = "htut_session"
RSS_LIMIT_MIB = 150  # measured: about 16 MiB after this file


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def sign(payload, key):
    encoded = b64url(json.dumps(payload, separators=(",", ":")).encode())
    mac = hmac.new(key.encode(), PURPOSE + b"\n" + encoded.encode(), hashlib.sha256).digest()
    return f"{encoded}.{b64url(mac)}"


def session(csrf, flashes=(), iat=None):
    return {"csrf": csrf, "flash": list(flashes), "iat": int(time.time()) if iat is None else iat}


SCRIPT_FLASH = {"kind": "success", "document_name": "<script>alert('flash')</script>",
                "document_slug": "x\"><script>alert(2)</script>", "message": ""}


class SessionAttacks(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.d = Deployment()
        cls.key = cls.d.env["FLASK_SECRET_KEY"]

    @classmethod
    def tearDownClass(cls):
        cls.d.stop()

    def tearDown(self):
        self.assertTrue(self.d.web.running(), "the web role died")
        self.assertLess(rss_mib(self.d.web.pid), RSS_LIMIT_MIB)

    def index_with(self, cookie_value):
        status, headers, body = self.d.get("/", headers={"Cookie": f"{COOKIE}={cookie_value}"})
        token = re.search(rb'name="csrf_token" value="([^"]*)"', body)
        return status, headers, body.decode(), token.group(1).decode() if token else None

    def assert_ignored(self, cookie_value, planted_csrf=None):
        """A fresh session: 200, a new cookie, a new token, no flash from the cookie."""
        status, headers, page, token = self.index_with(cookie_value)
        self.assertEqual(status, 200)
        self.assertIn(f"{COOKIE}=", headers.get("Set-Cookie", ""), "a fresh session cookie is issued")
        self.assertRegex(token, r"^[0-9a-f]{32}$")
        if planted_csrf:
            self.assertNotEqual(token, planted_csrf)
        self.assertNotIn("flash-success", page)
        self.assertNotIn("alert(", page)

    def test_positive_control_a_cookie_signed_with_the_server_key_is_accepted(self):
        planted = secrets.token_hex(16)
        status, headers, page, token = self.index_with(sign(session(planted, [SCRIPT_FLASH]), self.key))
        self.assertEqual(status, 200)
        self.assertEqual(token, planted, "the test's signing matches the server's (else the next tests prove nothing)")
        # Even a flash the server did signed is escaped when shown.
        self.assertIn("flash-success", page)
        self.assertNotIn("<script>alert", page)
        self.assertIn("&lt;script&gt;alert(&#39;flash&#39;)&lt;/script&gt;", page)
        self.assertNotIn('"><script>', page)

    def test_cookie_signed_with_another_key_is_ignored(self):
        planted = secrets.token_hex(16)
        for key in ("another key of 32 characters!!!", self.key[:-1], self.key + "x", "", self.key.upper()):
            with self.subTest(key=key[:8]):
                self.assert_ignored(sign(session(planted, [SCRIPT_FLASH]), key), planted)

    def test_forged_and_truncated_cookies_are_ignored(self):
        good = sign(session(secrets.token_hex(16), [SCRIPT_FLASH]), self.key)
        payload, mac = good.split(".")
        unsigned_payload = b64url(json.dumps(session("f" * 32, [SCRIPT_FLASH])).encode())
        forged = [
            good[:-1], good[:-10], good[: len(good) // 2], payload, payload + ".", "." + mac,
            unsigned_payload + "." + mac,                      # payload swapped, old MAC
            unsigned_payload + "." + b64url(b"\0" * 32),       # zero MAC
            unsigned_payload + "." + b64url(hashlib.sha256(unsigned_payload.encode()).digest()),  # keyless hash
            payload + "." + mac + "x", payload + "." + mac[:-2] + ("AA" if mac[-2:] != "AA" else "BB"),
            "", "garbage", "...", "%00%00", "a" * 9000, "é" * 100, good.replace("-", "+"),
        ]
        for value in forged:
            with self.subTest(value=value[:40]):
                self.assert_ignored(value)

    def test_expired_future_and_malformed_sessions_are_ignored(self):
        now = int(time.time())
        planted = secrets.token_hex(16)
        for payload in (session(planted, iat=now - 8 * 24 * 3600),      # older than 7 days
                        session(planted, iat=now + 3600),               # from the future
                        {"csrf": planted, "flash": [], "iat": "now"},  # wrong types
                        {"csrf": 7, "flash": [], "iat": now},
                        {"csrf": planted, "flash": [{"kind": "evil"}], "iat": now},
                        {"csrf": planted, "flash": "x", "iat": now},
                        [planted], "just a string", None):
            with self.subTest(payload=str(payload)[:60]):
                self.assert_ignored(sign(payload, self.key), planted)

    def test_replayed_cookie_shows_its_flash_again(self):
        """The flash lives in the client-held cookie: replaying the cookie the 303 set shows the
        same flash again. Harmless (it is the client's own message, nothing changes server-side);
        documented in docs/security.md."""
        cookie, token = self.d.form_session()
        body = part("csrf_token", token) + part("document-name", "Replay Me") + \
            part("input-file", b"replay words", "r.txt") + CLOSE
        with connect(self.d.port) as s:
            s.sendall(upload_request(body, path="/", extra_headers={"Cookie": cookie}))
            response, _ = read_response(s)
        self.assertEqual(response.status, 303, response)
        flash_cookie = response.header("Set-Cookie").split(";")[0]
        for _ in range(2):  # first view, then the replay
            status, headers, page = self.d.get("/", headers={"Cookie": flash_cookie})
            self.assertEqual(status, 200)
            self.assertIn("Replay Me", page.decode())
        # The cookie the server hands back after showing it has no flash any more.
        cleared = headers["Set-Cookie"].split(";")[0]
        _, _, page = self.d.get("/", headers={"Cookie": cleared})
        self.assertNotIn("Replay Me", page.decode())

    def test_forged_cookie_cannot_pass_csrf(self):
        """A token planted in a cookie signed with a wrong key does not authorize a form upload."""
        planted = secrets.token_hex(16)
        forged = sign(session(planted), "not the server key, but long enough")
        body = part("csrf_token", planted) + part("document-name", "csrf") + part("input-file", b"x", "a.txt") + CLOSE
        with connect(self.d.port) as s:
            s.sendall(upload_request(body, path="/", extra_headers={"Cookie": f"{COOKIE}={forged}"}))
            response, _ = read_response(s)
        self.assertEqual(response.status, 403, response)
        # With the server's key the same token passes (so the 403 above is about the signature).
        signed = sign(session(planted), self.key)
        with connect(self.d.port) as s:
            s.sendall(upload_request(body, path="/", extra_headers={"Cookie": f"{COOKIE}={signed}"}))
            response, _ = read_response(s)
        self.assertEqual(response.status, 303, response)

    def test_session_cookie_attributes(self):
        _, headers, _ = self.d.get("/")
        set_cookie = headers["Set-Cookie"]
        self.assertIn("HttpOnly", set_cookie)
        self.assertIn("SameSite=Lax", set_cookie)
        self.assertIn("Path=/", set_cookie)
        value = set_cookie.split(";")[0].split("=", 1)[1]
        payload = json.loads(base64.urlsafe_b64decode(value.split(".")[0] + "=="))
        self.assertEqual(set(payload), {"csrf", "flash", "iat"}, "nothing but the token, flashes and time")


if __name__ == "__main__":
    unittest.main()
