"""Two protections of the request head that docs/security.md claims:

- an HTTP/1.1 request without exactly one Host header is refused with 400 and the connection closed
  (RFC 9112 §3.2), and HTTP/1.0 without Host is still served;
- the session cookie is marked Secure when the request came through HTTPS (X-Forwarded-Proto: https,
  as the Heroku router sends it), and not over plain HTTP."""
import unittest

from hostile_support import Deployment, closed_by_server, connect, read_response


class HeaderProtections(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.d = Deployment()  # one web role for these quick checks
        cls.addClassCleanup(cls.d.stop)

    def raw(self, head):
        with connect(self.d.port) as s:
            s.sendall(head.encode())
            response, _ = read_response(s)
            closed, _ = closed_by_server(s, 10) if response and response.status == 400 else (None, b"")
            return response, closed

    def test_http11_without_host_is_400_and_closes(self):
        response, closed = self.raw("GET /healthz HTTP/1.1\r\n\r\n")
        self.assertIsNotNone(response)
        self.assertEqual(response.status, 400, response)
        self.assertTrue(closed, "the connection stays open after a request without Host")

    def test_two_host_headers_are_400(self):
        response, _ = self.raw("GET /healthz HTTP/1.1\r\nHost: a.test\r\nHost: b.test\r\n\r\n")
        self.assertEqual(response.status, 400, response)

    def test_http10_without_host_and_http11_with_host_are_served(self):
        response, _ = self.raw("GET /healthz HTTP/1.0\r\n\r\n")
        self.assertEqual(response.status, 200, response)
        response, _ = self.raw("GET /healthz HTTP/1.1\r\nHost: a.test\r\nConnection: close\r\n\r\n")
        self.assertEqual(response.status, 200, response)

    def test_session_cookie_is_secure_only_behind_https(self):
        _, headers, _ = self.d.get("/", headers={"X-Forwarded-Proto": "https"})
        attributes = [a.strip() for a in headers["Set-Cookie"].split(";")]
        self.assertIn("Secure", attributes, headers["Set-Cookie"])
        _, headers, _ = self.d.get("/")
        attributes = [a.strip() for a in headers["Set-Cookie"].split(";")]
        self.assertNotIn("Secure", attributes, "a Secure cookie over plain HTTP would never come back")


if __name__ == "__main__":
    unittest.main()
