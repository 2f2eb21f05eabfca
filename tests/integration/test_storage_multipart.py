"""Failed multipart uploads leave nothing behind, checked for real.

s3rver lacks AbortMultipartUpload and ListMultipartUploads; the verifying front answers both
(tests/support/s3front_multipart.js) from s3rver's own upload directories, and logs every
upload initiated, part stored, upload completed and aborted in $HTUT_SERVICES_DIR/s3/front.log.

  * the front's two calls, with an independent signer: list, abort (parts removed), NoSuchUpload;
  * a CompleteMultipartUpload that fails (S3's "200 OK with an <Error> body") is aborted by
    `htut s3 put`, which fails clearly;
  * an upload to the web role cut in the middle of its second part is aborted: no multipart
    upload is left (ListMultipartUploads is empty), no object, no row.

Sizes derive from the part size htut uses, read from what the front logs (not hard-coded)."""
import json
import os
import re
import shutil
import socket
import tempfile
import time
import unittest
import urllib.parse
import uuid

import test_storage as storage  # the module, not its names: its test classes must not run here
from htut_testlib import (HtutProcess, app_env, free_port, http, multipart_body, new_database, psql, require_env,
                          run_htut, wait_until)

MIB = 1024 * 1024
# Larger than two parts for any part size htut may use (S3's minimum is 5 MiB; htut's is at most 16 MiB).
TWO_PARTS_AT_MOST = 33 * MIB


class FrontLog:
    """The front's multipart log lines (`msg=multipart event=…`) written since this object was made."""

    def __init__(self):
        self.path = os.path.join(require_env("HTUT_SERVICES_DIR"), "s3", "front.log")
        self.offset = os.path.getsize(self.path) if os.path.exists(self.path) else 0

    def events(self, key_prefix=None):
        with open(self.path, "rb") as f:
            f.seek(self.offset)
            text = f.read().decode("utf-8", "replace")
        out = []
        for line in text.splitlines():
            if "msg=multipart" not in line:
                continue
            fields = dict((k, v.strip('"')) for k, v in re.findall(r'(\w+)=("(?:[^"\\]|\\.)*"|\S+)', line))
            if key_prefix is None or fields.get("key", "").startswith(key_prefix):
                out.append(fields)
        return out

    def wait(self, predicate, what, timeout=60):
        return wait_until(lambda: predicate(self.events()), timeout, what, interval=0.05)


class MultipartFailures(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        for name in ("location", "key", "secret", "bucket"):  # the verifying front and its bucket
            setattr(cls, name, require_env("HTUT_TEST_S3_" + name.upper()))
        cls.data_dir = os.path.join(require_env("HTUT_SERVICES_DIR"), "s3", "data")

    def setUp(self):
        self.prefix = f"multipart-it-{uuid.uuid4().hex[:12]}/"
        self.work = tempfile.mkdtemp(prefix="htut-multipart-it-")
        self.addCleanup(shutil.rmtree, self.work, True)
        self.log = FrontLog()

    # -- S3 calls with the independent signer of test_storage ------------------------------
    def s3(self, method, suffix, body=b""):
        url = self.location.rstrip("/") + "/" + self.bucket + suffix
        return storage.raw_request(method, url, storage.sign_v4(method, url, {}, body, self.key, self.secret), body)

    def key_url(self, key):
        return "/" + urllib.parse.quote(key, safe="/")

    def in_progress(self, prefix=None):
        """ListMultipartUploads: [(key, upload id)] of the uploads in progress under `prefix`."""
        status, body = self.s3("GET", "?uploads&prefix=" + urllib.parse.quote(prefix or self.prefix, safe=""))
        self.assertEqual(status, 200, body)
        text = body.decode()
        self.assertIn("<ListMultipartUploadsResult", text)
        return re.findall(r"<Upload><Key>([^<]*)</Key><UploadId>([^<]*)</UploadId>", text)

    def initiate(self, key):
        status, body = self.s3("POST", self.key_url(key) + "?uploads")
        self.assertEqual(status, 200, body)
        return re.search(rb"<UploadId>([^<]+)</UploadId>", body).group(1).decode()

    def put_part(self, key, upload_id, number, data):
        return self.s3("PUT", f"{self.key_url(key)}?partNumber={number}&uploadId={upload_id}", data)

    def parts_dir(self, upload_id):
        return os.path.join(self.data_dir, self.bucket, "._S3rver_uploads", upload_id)

    def htut_s3(self, *args, timeout=300):
        env = {"S3_LOCATION": self.location, "S3_KEY": self.key, "S3_SECRET": self.secret, "S3_BUCKET": self.bucket}
        return run_htut("s3", *args, env=env, timeout=timeout)

    def stored_keys(self):
        listed = self.htut_s3("ls", self.prefix)
        self.assertEqual(listed.returncode, 0, listed.stderr)
        return listed.stdout.decode().split()

    def write(self, name, size):
        path = os.path.join(self.work, name)
        with open(path, "wb") as f:
            for i in range(0, size, MIB):
                f.write(os.urandom(min(MIB, size - i)))
        return path

    # -- the front's own calls ---------------------------------------------------------------
    def test_front_lists_and_aborts_uploads(self):
        key_a, key_b = self.prefix + "a.bin", self.prefix + "sub/b.bin"
        id_a, id_b = self.initiate(key_a), self.initiate(key_b)
        status, body = self.put_part(key_a, id_a, 1, b"x" * 1000)
        self.assertEqual(status, 200, body)
        self.assertTrue(os.path.isdir(self.parts_dir(id_a)))
        self.assertEqual(sorted(self.in_progress()), sorted([(key_a, id_a), (key_b, id_b)]))
        self.assertEqual(self.in_progress(self.prefix + "sub/"), [(key_b, id_b)])
        status, body = self.s3("GET", "?uploads&delimiter=%2F&prefix=" + urllib.parse.quote(self.prefix, safe=""))
        self.assertIn(f"<CommonPrefixes><Prefix>{self.prefix}sub/</Prefix></CommonPrefixes>".encode(), body)
        status, body = self.s3("GET", "?uploads&max-uploads=1&prefix=" + urllib.parse.quote(self.prefix, safe=""))
        self.assertIn(b"<IsTruncated>true</IsTruncated>", body)
        self.assertIn(f"<NextKeyMarker>{key_a}</NextKeyMarker>".encode(), body)

        # An abort for another key does nothing; the right one removes the upload and its parts.
        status, body = self.s3("DELETE", f"{self.key_url(key_b)}?uploadId={id_a}")
        self.assertEqual(status, 404, body)
        self.assertIn(b"NoSuchUpload", body)
        status, body = self.s3("DELETE", f"{self.key_url(key_a)}?uploadId={id_a}")
        self.assertEqual(status, 204, body)
        self.assertFalse(os.path.exists(self.parts_dir(id_a)), "the aborted upload's parts are removed")
        self.assertEqual(self.in_progress(), [(key_b, id_b)])
        status, body = self.put_part(key_a, id_a, 2, b"y" * 1000)
        self.assertEqual(status, 404, body)
        self.assertIn(b"NoSuchUpload", body)
        self.assertFalse(os.path.exists(self.parts_dir(id_a)), "a late part does not bring the upload back")
        status, body = self.s3("DELETE", f"{self.key_url(key_a)}?uploadId={id_a}")
        self.assertEqual(status, 404, body)
        status, body = self.s3("DELETE", f"{self.key_url(key_b)}?uploadId={id_b}")
        self.assertEqual(status, 204, body)
        self.assertEqual(self.in_progress(), [])
        events = [(e["event"], e["upload_id"]) for e in self.log.events(self.prefix)]
        self.assertIn(("initiated", id_a), events)
        self.assertIn(("aborted", id_a), events)
        # An unsigned listing is refused like every other request.
        status, _ = storage.raw_request("GET", self.location.rstrip("/") + "/" + self.bucket + "?uploads", {})
        self.assertEqual(status, 403)

    # -- htut's storage client ----------------------------------------------------------------
    def test_failed_complete_is_aborted(self):
        key = self.prefix + "s3front-fail-complete.bin"
        done = self.htut_s3("put", self.write("big.bin", TWO_PARTS_AT_MOST), key)
        self.assertEqual(done.returncode, 1, done.stdout + done.stderr)
        err = done.stderr.decode()
        self.assertIn("CompleteMultipartUpload", err)
        self.assertIn("InternalError", err)
        events = self.log.events(self.prefix)
        initiated = [e["upload_id"] for e in events if e["event"] == "initiated"]
        self.assertEqual(len(initiated), 1, events)
        parts = [int(e["part"]) for e in events if e["event"] == "part"]
        self.assertGreaterEqual(len(parts), 3, "every part was stored before the Complete failed")
        self.assertIn(("complete_failed_on_purpose", initiated[0]), [(e["event"], e["upload_id"]) for e in events])
        self.assertIn(("aborted", initiated[0]), [(e["event"], e["upload_id"]) for e in events],
                      "htut aborted the upload whose Complete failed")
        self.assertEqual(self.in_progress(), [])
        self.assertFalse(os.path.exists(self.parts_dir(initiated[0])))
        self.assertEqual(self.stored_keys(), [])

    def test_successful_multipart_upload_leaves_no_upload_in_progress(self):
        key = self.prefix + "whole.bin"
        src = self.write("whole.bin", TWO_PARTS_AT_MOST)
        done = self.htut_s3("put", src, key)
        self.assertEqual(done.returncode, 0, done.stderr)
        events = self.log.events(self.prefix)
        self.assertEqual([e["event"] for e in events if e["event"] != "part"], ["initiated", "completed"])
        self.assertEqual(self.in_progress(), [])
        self.assertEqual(self.stored_keys(), [key])
        self.assertEqual(self.htut_s3("rm", key).returncode, 0)

    # -- the web role -----------------------------------------------------------------------------
    def start_web(self):
        db = new_database()
        self.assertEqual(run_htut("migrate", env={"DATABASE_URL": db}).returncode, 0)
        port = free_port()
        web = HtutProcess("web", env=app_env(port, db, S3_UPLOAD_DIRECTORY=self.prefix.rstrip("/"),
                                             MAX_UPLOAD_BYTES=str(200 * MIB)))
        self.addCleanup(web.kill)
        web.wait_for_port(port)
        return web, port, db

    def start_upload_into_second_part(self, port, web):
        """An upload that announces three big parts' worth, sent until S3 has its first part (whose size is
        htut's part size), then half a part more: it is in the middle of its second part. Returns the open
        socket, the part size and the bytes sent."""
        ctype, body = multipart_body({"document-name": "cut upload"},
                                     {"input-file": ("cut.txt", b"\0", "text/plain")})
        head_part, tail_part = body.split(b"\0", 1)
        announced = 3 * TWO_PARTS_AT_MOST
        request = (f"POST /api/documents HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Type: {ctype}\r\n"
                   f"Content-Length: {len(head_part) + announced + len(tail_part)}\r\n\r\n").encode() + head_part
        line = (b"the quick brown fox jumps over the lazy dog " * 24)[:1023] + b"\n"
        chunk = line * 256  # 256 KiB of text
        sock = socket.create_connection(("127.0.0.1", port), timeout=60)
        sock.sendall(request)
        sent = 0
        deadline = time.monotonic() + 120
        while not [e for e in self.log.events(self.prefix) if e["event"] == "part"]:
            self.assertLess(time.monotonic(), deadline, "no part reached S3\n" + web.output())
            self.assertLess(sent, announced, "the whole body went out without a part reaching S3")
            sock.sendall(chunk)
            sent += len(chunk)
        part_size = int([e for e in self.log.events(self.prefix) if e["event"] == "part"][0]["bytes"])
        self.assertGreaterEqual(part_size, 5 * MIB)
        for _ in range(part_size // 2 // len(chunk)):
            sock.sendall(chunk)
            sent += len(chunk)
        return sock, part_size, sent

    def test_upload_cut_in_its_second_part_leaves_no_multipart_upload(self):
        web, port, db = self.start_web()
        sock, part_size, sent = self.start_upload_into_second_part(port, web)
        sock.shutdown(socket.SHUT_RDWR)  # the client goes away in the middle of the second part
        sock.close()
        announced = 3 * TWO_PARTS_AT_MOST
        self.log.wait(lambda events: [e for e in events if e.get("event") == "aborted"
                                               and e.get("key", "").startswith(self.prefix)],
                               "the web role to abort the cut upload", timeout=90)
        events = self.log.events(self.prefix)
        initiated = [e["upload_id"] for e in events if e["event"] == "initiated"]
        self.assertEqual(len(initiated), 1, events)
        self.assertIn(("aborted", initiated[0]), [(e["event"], e["upload_id"]) for e in events])
        self.assertNotIn("completed", [e["event"] for e in events])
        stored_parts = [int(e["part"]) for e in events if e["event"] == "part"]
        self.assertLess(len(stored_parts), announced // part_size, "the upload was cut before its end")
        self.assertLessEqual(len(stored_parts), 2, "cut in its second part (or its third, with a small part size)")
        self.assertEqual(self.in_progress(), [], "ListMultipartUploads lists nothing under the prefix")
        self.assertFalse(os.path.exists(self.parts_dir(initiated[0])))
        self.assertEqual(self.stored_keys(), [])
        self.assertEqual(psql(db, "SELECT count(*) FROM file_upload_meta"), "0")
        self.assertTrue(web.running(), web.output())
        print(f"\nFIGURES cut upload: part_size={part_size} sent={sent} parts_stored={len(stored_parts)}", flush=True)

    def test_abort_that_fails_is_tried_again_once_s3_answers(self):
        """An upload cut while S3 refuses its AbortMultipartUpload (503, through the front's fault
        rules, tests/support/s3front_faults.js): the multipart upload stays for now; once S3
        answers again, the web role aborts it (after /healthz's bucket check), and none is left."""
        web, port, db = self.start_web()
        faults = self.location.rstrip("/") + "/__faults"
        rule = json.dumps({"contains": self.prefix, "method": "DELETE", "status": 503, "code": "SlowDown"})
        status, _, body = http("POST", faults, rule, {"Content-Type": "application/json"})
        self.assertEqual(status, 200, body)
        self.addCleanup(http, "DELETE", faults)
        sock, _, _ = self.start_upload_into_second_part(port, web)
        sock.shutdown(socket.SHUT_RDWR)
        sock.close()
        web.wait_for_log("S3 abort of a failed multipart upload failed", timeout=120)
        self.assertEqual(len(self.in_progress()), 1, "the refused abort leaves the upload in progress for now")
        status, _, body = http("DELETE", faults)  # S3 answers again
        self.assertEqual(status, 200, body)

        def nothing_in_progress():
            http("GET", f"http://127.0.0.1:{port}/healthz")
            return self.in_progress() == []

        wait_until(nothing_in_progress, 60, "the failed abort to be tried again", interval=0.5)
        self.assertIn("retried=true", web.output())
        self.assertEqual(self.stored_keys(), [])
        self.assertEqual(psql(db, "SELECT count(*) FROM file_upload_meta"), "0")
        self.assertTrue(web.running(), web.output())


if __name__ == "__main__":
    unittest.main()
