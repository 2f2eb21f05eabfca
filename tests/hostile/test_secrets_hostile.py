"""Secrets are never shown: passwords with / + = @ % # written raw or
percent-encoded in DATABASE_URL and CLOUDAMQP_URL, and an S3_SECRET with the
same characters, never appear in a log line of web or worker, in an error
line, or in an answer (/healthz included). A URL that cannot be parsed is
reported by its variable's name and scheme only. /healthz names the failing
component and nothing else: no host, port, user or vhost."""
import json
import re
import time
import unittest
import urllib.parse

from hostile_support import Deployment
from htut_testlib import HtutProcess, app_env, free_port, http, new_database, psql, require_env, run_htut, wait_until

PASSWORDS = ["Pg/pa+ss=w0rd@x%#1", "Mq/pa+ss=w0rd@x", "a@b/c#d%e+f=g"]


def pieces(secret):
    """The password and the parts a confused parser might print (4 characters or more)."""
    out = {secret, urllib.parse.quote(secret, safe="")}
    out.update(p for p in re.split(r"[/@#?:]", secret) if len(p) >= 4)
    return out


def url_with_password(url, password, encode):
    parts = urllib.parse.urlsplit(url)
    host = parts.hostname + (f":{parts.port}" if parts.port else "")
    user = parts.username or "guest"
    secret = urllib.parse.quote(password, safe="") if encode else password
    return f"{parts.scheme}://{user}:{secret}@{host}{parts.path}"


class Secrets(unittest.TestCase):
    def assert_no_secret(self, text, secrets, where):
        for secret in secrets:
            for piece in pieces(secret):
                self.assertNotIn(piece, text, f"a piece of a password ({piece!r}) shows in {where}")

    def test_raw_passwords_are_refused_naming_variable_and_scheme_only(self):
        for password in PASSWORDS:
            for var, base in (("DATABASE_URL", require_env("HTUT_TEST_DATABASE_URL")),
                              ("CLOUDAMQP_URL", require_env("HTUT_TEST_AMQP_URL"))):
                with self.subTest(var=var, password=password):
                    env = app_env(free_port(), **{var: url_with_password(base, password, encode=False)})
                    for role in ("web", "worker"):
                        r = run_htut(role, env=env, timeout=30)
                        out = (r.stdout + r.stderr).decode()
                        self.assertEqual(r.returncode, 1, out)
                        self.assertIn(var, out)
                        self.assert_no_secret(out, [password], f"`htut {role}` output")
                        self.assertNotIn("127.0.0.1", out, "the host of a malformed URL is shown")

    def test_encoded_passwords_wrong_everywhere_never_show(self):
        """Percent-encoded (valid) URLs whose passwords are wrong: the services refuse them, the
        web role reports them unavailable, and no output carries a password."""
        db = new_database()
        self.assertEqual(run_htut("migrate", env={"DATABASE_URL": db}).returncode, 0)
        pg_password, mq_password, s3_secret = PASSWORDS
        # A PostgreSQL role with that password (the test server may trust local logins; either way).
        role = "htut_secret_" + str(free_port())
        psql(db, f"CREATE ROLE {role} LOGIN PASSWORD '{pg_password}'; GRANT ALL ON ALL TABLES IN SCHEMA public TO {role}")
        parts = urllib.parse.urlsplit(db)
        db_url = (f"postgres://{role}:{urllib.parse.quote(pg_password, safe='')}@{parts.hostname}:{parts.port}"
                  f"{parts.path}")
        port = free_port()
        env = app_env(port, db_url, CLOUDAMQP_URL=url_with_password(require_env("HTUT_TEST_AMQP_URL"), mq_password, True),
                      S3_SECRET=s3_secret)
        web = HtutProcess("web", env=env)
        self.addCleanup(web.kill)
        worker = HtutProcess("worker", env=env)
        self.addCleanup(worker.kill)
        web.wait_for_port(port)
        status, _, body = http("GET", f"http://127.0.0.1:{port}/healthz", timeout=15)
        answer = json.loads(body)
        self.assertEqual(status, 503, body)
        self.assertEqual(answer["broker"], "unavailable", body)   # wrong password
        self.assertEqual(answer["storage"], "unavailable", body)  # wrong secret: signatures do not match
        self.assertEqual(set(answer), {"status", "database", "broker", "storage", "error"}, body)
        for value in answer.values():
            self.assertIn(value, ("ok", "unavailable") if value != answer["error"] else (value,))
        text = body.decode()
        for word in ("127.0.0.1", "guest", role, str(parts.port), "htut"):
            self.assertNotIn(word, text, "/healthz names a host, port, user, vhost or bucket")
        # An upload (storage refuses) and a JSON route: answers without secrets.
        answers = [body]
        from htut_testlib import multipart_body
        ctype, upload = multipart_body({"document-name": "secret test"}, {"input-file": ("a.txt", b"hello", "text/plain")})
        s, _, b = http("POST", f"http://127.0.0.1:{port}/api/documents", upload, {"Content-Type": ctype}, timeout=30)
        self.assertEqual(s, 503, b)
        answers.append(b)
        answers.append(http("GET", f"http://127.0.0.1:{port}/api/documents", timeout=15)[2])
        wait_until(lambda: "health check failed" in worker.output() or "broker" in worker.output()
                   or len(worker.output()) > 200, 30, "the worker to log its failures")
        time.sleep(1)
        self.assertEqual(web.terminate(), 0)
        worker.terminate()
        for where, text in (("the web log", web.output()), ("the worker log", worker.output()),
                            ("the answers", b"".join(answers).decode())):
            self.assert_no_secret(text, [pg_password, mq_password, s3_secret], where)

    def test_healthz_with_unreachable_broker_names_only_the_component(self):
        port = free_port()
        vhost = "vh-" + str(free_port())
        d = Deployment(CLOUDAMQP_URL=f"amqp://someuser:Mq%2Fpa%2Bss@127.0.0.1:9/{vhost}")
        self.addCleanup(d.stop)
        status, _, body = d.get("/healthz", timeout=15)
        self.assertEqual(status, 503, body)
        self.assertEqual(json.loads(body)["broker"], "unavailable")
        for word in ("127.0.0.1", ":9", "someuser", vhost, "Mq"):
            self.assertNotIn(word.encode(), body)
        d.web.wait_for_log("health check failed", timeout=10)
        self.assertIn(vhost, d.web.output(), "the detail goes to the log")


if __name__ == "__main__":
    unittest.main()
