"""SIGTERM while uploads are still arriving and will not finish within the
25 s grace: a trickling upload (a byte every half second) and a big upload
that, after 20 MiB, keeps sending 2 KiB every 10 s in the middle of its
multipart S3 upload. At the end of the grace both
are cut: the process exits 0 within 30 s of the signal, no document row and no
object is left, and the multipart upload is aborted (htut's own log says so,
and the verifying S3 front's ListMultipartUploads lists it before the signal
and no more after)."""
import re
import signal
import socket
import threading
import time
import unittest
import urllib.parse

import test_storage as storage  # the independent SigV4 signer; the module, so its tests do not run here
from htut_testlib import HtutProcess, app_env, free_port, new_database, psql, require_env, run_htut, wait_until

BOUNDARY = "CutBoundary"
START = (f"--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"document-name\"\r\n\r\ncut\r\n"
         f"--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"input-file\"; filename=\"cut.txt\"\r\n"
         f"Content-Type: text/plain\r\n\r\n").encode()


def upload_head(port, length):
    return (f"POST /api/documents HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
            f"Content-Type: multipart/form-data; boundary={BOUNDARY}\r\nContent-Length: {length}\r\n\r\n").encode()


def multipart_uploads_in_progress(prefix):
    """ListMultipartUploads of the test bucket: the keys of uploads in progress under `prefix`."""
    location, key, secret, bucket = (require_env("HTUT_TEST_S3_" + n) for n in ("LOCATION", "KEY", "SECRET", "BUCKET"))
    url = location.rstrip("/") + "/" + bucket + "?uploads&prefix=" + urllib.parse.quote(prefix, safe="")
    status, body = storage.raw_request("GET", url, storage.sign_v4("GET", url, {}, b"", key, secret), b"")
    assert status == 200, body
    return re.findall(r"<Upload><Key>([^<]*)</Key>", body.decode())


class WebSigtermCut(unittest.TestCase):
    def test_uploads_still_arriving_at_the_end_of_the_grace_are_cut_cleanly(self):
        db = new_database()
        self.assertEqual(run_htut("migrate", env={"DATABASE_URL": db}).returncode, 0)
        port = free_port()
        prefix = "cut-" + str(port)
        env = app_env(port, db, S3_UPLOAD_DIRECTORY=prefix, LOG_LEVEL="debug")
        web = HtutProcess("web", env=env)
        self.addCleanup(web.kill)
        web.wait_for_port(port)

        stop = threading.Event()
        socks = []

        def trickle():
            s = socket.create_connection(("127.0.0.1", port))
            socks.append(s)
            s.sendall(upload_head(port, len(START) + 1_000_000) + START)
            while not stop.wait(0.5):  # 1 byte every half second: slow but "moving" is 1 KiB / 30 s
                try:
                    s.sendall(b"x")
                except OSError:
                    return

        def big_then_stall():
            s = socket.create_connection(("127.0.0.1", port))
            socks.append(s)
            s.sendall(upload_head(port, len(START) + 64 * 1024 * 1024) + START)
            chunk = b"word " * 13108
            sent = 0
            while sent < 20 * 1024 * 1024 and not stop.is_set():
                s.sendall(chunk)
                sent += len(chunk)
            # then 2 KiB every 10 s: it keeps moving, it will never finish
            while not stop.wait(10):
                try:
                    s.sendall(b"y" * 2048)
                except OSError:
                    return

        threads = [threading.Thread(target=f, daemon=True) for f in (trickle, big_then_stall)]
        for t in threads:
            t.start()
        wait_until(lambda: web.output().count("upload part stored") >= 2, 60, "two parts of the big upload stored")
        self.assertEqual(len(multipart_uploads_in_progress(prefix + "/")), 1, "the big upload is a multipart upload")
        web.send_signal(signal.SIGTERM)
        term_at = time.monotonic()
        code = web.wait(40)
        exit_s = time.monotonic() - term_at
        stop.set()
        for s in socks:
            s.close()
        print(f"\nfigure: sigterm_exit_s={exit_s:.1f} exit_code={code}", flush=True)
        self.assertEqual(code, 0, web.output()[-3000:])
        self.assertLess(exit_s, 30)
        self.assertIn("cutting what is still running", web.output())
        self.assertIn("S3 multipart upload aborted", web.output(), "the multipart upload was not aborted")
        self.assertEqual(multipart_uploads_in_progress(prefix + "/"), [], "a multipart upload is left behind")
        self.assertEqual(psql(db, "SELECT count(*) FROM file_upload_meta").strip(), "0")
        listed = run_htut("s3", "ls", prefix + "/", env=env)
        self.assertEqual(listed.returncode, 0, listed.stderr)
        self.assertEqual(listed.stdout.decode().split(), [], "an object of a cut upload is visible")


if __name__ == "__main__":
    unittest.main()
