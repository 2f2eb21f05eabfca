"""The web role's per-process caps, pushed past: beyond a cap the answer is 503
with Retry-After (never a crash, never an unbounded queue), the caps leave room
for at least 1,000 event streams, 1,000 open connections and 500 uploads in
progress (interface.md, issue 14), and the slots come back when clients leave.

- Event streams: App::max_event_streams (core/web/app.hpp) streams on a pending
  document, then a few more: the extra ones get the JSON 503 of /api/.
- Connections: the web started with RLIMIT_NOFILE lowered (prlimit), so that
  the cap Server::run derives from it (hard limit - 256, at least 64, at most
  ServerOptions::max_connections) is just over 1,000; idle connections up to the
  cap are kept (each then answers a request), the ones beyond get the
  server's immediate plain-text 503 and are closed.
- Uploads in progress: max_uploads (cmd/htut/web_command.cpp) uploads that sent
  their headers and a little body and stall (well within the 30 s body
  timeout), then a few more: those get the JSON 503, the first ones nothing.
"""
import json
import os
import re
import resource
import selectors
import socket
import subprocess
import time
import unittest
from unittest import mock

from hostile_support import (BOUNDARY, Deployment, RawResponse, connect, request_bytes, upload_request)
from htut_testlib import http, report, wait_until

MAX_EVENT_STREAMS = 2000    # App::max_event_streams (core/web/app.hpp)
MAX_CONNECTIONS = 10000     # ServerOptions::max_connections (core/web/server.hpp)
MAX_UPLOADS = 500           # max_uploads (cmd/htut/web_command.cpp)
EXTRA = 5                   # clients past each cap
WEB_NOFILE = 1280           # the web's RLIMIT_NOFILE in the connection test


def connection_cap(nofile):
    """What Server::run derives from the hard RLIMIT_NOFILE (it raises the soft limit to it)."""
    return min(MAX_CONNECTIONS, max(64, nofile - 256))


def setUpModule():
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    need = 2 * (MAX_EVENT_STREAMS + EXTRA) + 200
    assert hard >= need, f"the test needs {need} file descriptors, the hard limit is {hard}"


def parse(data):
    """One response head (with its Content-Length body, if any) -> RawResponse, or None when incomplete."""
    if b"\r\n\r\n" not in data:
        return None
    head, rest = data.split(b"\r\n\r\n", 1)
    text = head.decode("latin-1")
    m = re.search(r"^content-length:\s*(\d+)", text, re.I | re.M)
    if m and len(rest) < int(m.group(1)):
        return None
    return RawResponse(int(text.split(" ", 2)[1]), text, rest[:int(m.group(1))] if m else rest)


def answers(socks, timeout):
    """Reads every socket until a response head (and its framed body) or EOF, up to `timeout` seconds.

    -> {socket: RawResponse, or "closed" when it ended without an answer}; silent sockets are absent."""
    sel = selectors.DefaultSelector()
    data, done = {}, {}
    for s in socks:
        s.setblocking(False)
        sel.register(s, selectors.EVENT_READ)
        data[s] = b""
    deadline = time.monotonic() + timeout
    while len(done) < len(socks) and time.monotonic() < deadline:
        for key, _ in sel.select(timeout=min(0.5, max(0.01, deadline - time.monotonic()))):
            s = key.fileobj
            try:
                chunk = s.recv(65536)
            except (BlockingIOError, InterruptedError):
                continue
            except OSError:
                chunk = b""
            data[s] += chunk
            answer = parse(data[s])
            if answer is not None or not chunk:
                done[s] = answer if answer is not None else "closed"
                sel.unregister(s)
    sel.close()
    return done


def silent(s):
    """True when nothing arrived on the socket and it is still open (nothing to read right now)."""
    s.setblocking(False)
    try:
        s.recv(1, socket.MSG_PEEK)  # an answer's first byte, or b"" at EOF
        return False
    except (BlockingIOError, InterruptedError):
        return True
    except OSError:
        return False


def clients(port, n, data=b""):
    """n new connections to the server, each having sent `data`."""
    socks = []
    for _ in range(n):
        socks.append(connect(port, timeout=30))
        if data:
            socks[-1].sendall(data)
    return socks


def close_all(socks):
    for s in socks:
        try:
            s.close()
        except OSError:
            pass


def server_sockets(port):
    """(rx_queue, state) of the server's connections on `port` that it has not closed yet: ESTABLISHED
    or CLOSE_WAIT (/proc/net/tcp, tcp6; TIME_WAIT and the like have no descriptor any more)."""
    found = []
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with open(table) as f:
            next(f)
            for line in f:
                fields = line.split()
                if int(fields[1].rsplit(":", 1)[1], 16) == port and fields[3] in ("01", "08"):
                    found.append((int(fields[4].split(":")[1], 16), fields[3]))
    return found


def server_read_everything(port):
    """True when no connection of the server on `port` has unread bytes."""
    return all(rx == 0 for rx, _ in server_sockets(port))


def assert_busy_json(test, answer):
    test.assertIsInstance(answer, RawResponse, answer)
    test.assertEqual(answer.status, 503, answer)
    test.assertRegex(answer.header("Retry-After") or "", r"^\d+$", answer.head)
    test.assertTrue((answer.header("Content-Type") or "").startswith("application/json"), answer.head)
    test.assertIn("error", answer.json())


class Caps(unittest.TestCase):
    def test_event_streams_past_the_cap(self):
        d = Deployment()  # no worker: the document stays pending and its streams stay open
        self.addCleanup(d.stop)
        status, _, body = d.api_upload({"document-name": "Capped"},
                                       {"input-file": ("c.txt", b"alpha beta " * 100, "text/plain")})
        self.assertEqual(status, 201, body)
        slug = json.loads(body)["document_slug"]
        request = request_bytes("GET", f"/api/documents/{slug}/events")

        def open_streams(n):
            socks = clients(d.port, n, request)
            return socks, answers(socks, 120)

        started = time.monotonic()
        streams, opened = [], 0
        while opened < MAX_EVENT_STREAMS:  # batches, so that the first MAX_EVENT_STREAMS are the admitted ones
            batch, got = open_streams(min(250, MAX_EVENT_STREAMS - opened))
            streams += batch
            opened += len(batch)
            ok = [a for a in got.values() if isinstance(a, RawResponse) and a.status == 200
                  and (a.header("Content-Type") or "").startswith("text/event-stream")]
            self.assertEqual(len(ok), len(batch), f"after {opened - len(batch)} streams: "
                             f"{[a for a in got.values() if a not in ok][:3]}, {len(batch) - len(got)} silent")
        open_seconds = time.monotonic() - started
        extra, got = open_streams(EXTRA)
        self.assertEqual(len(got), EXTRA, "a stream past the cap got no answer")
        for answer in got.values():
            assert_busy_json(self, answer)
        self.assertTrue(d.web.running(), "the web process died")
        status, _, _ = http("GET", f"{d.base}/healthz", timeout=20)
        self.assertEqual(status, 200)

        close_all(streams + extra)
        freed = time.monotonic()

        def stream_again():
            s = clients(d.port, 1, request)[0]
            answer = answers([s], 30).get(s)
            s.close()
            return isinstance(answer, RawResponse) and answer.status == 200
        wait_until(stream_again, 90, "a new stream after all were closed", interval=1.0)
        slots_back = time.monotonic() - freed
        self.assertTrue(d.web.running())
        report(self, {"event_streams_admitted": MAX_EVENT_STREAMS, "event_streams_refused_503": EXTRA,
                      "open_seconds": round(open_seconds, 1), "slot_back_seconds": round(slots_back, 1)})
        self.assertGreaterEqual(MAX_EVENT_STREAMS, 1000)

    def test_connections_past_the_cap_from_the_file_descriptor_limit(self):
        real_popen = subprocess.Popen
        htut_bin = os.environ["HTUT_BIN"]

        def limited(argv, *args, **kwargs):
            if isinstance(argv, list) and argv[:2] == [htut_bin, "web"]:
                argv = ["prlimit", f"--nofile={WEB_NOFILE}:{WEB_NOFILE}", *argv]
            return real_popen(argv, *args, **kwargs)
        with mock.patch.object(subprocess, "Popen", limited):
            d = Deployment()
        self.addCleanup(d.stop)
        cap = connection_cap(WEB_NOFILE)
        with open(f"/proc/{d.web.pid}/limits") as f:
            limits = f.read()
        self.assertRegex(limits, rf"Max open files\s+{WEB_NOFILE}\s+{WEB_NOFILE}\s")
        logged = wait_until(lambda: re.findall(r"max_connections\D{1,3}(\d+)", d.web.output()), 10,
                            "the listening line")
        self.assertEqual(int(logged[-1]), cap)

        # Idle connections (nothing sent: the 15 s header timeout is the clock for the whole phase).
        started = time.monotonic()
        kept = clients(d.port, cap)
        over = clients(d.port, EXTRA)
        refused = answers(over, 10)
        phase = time.monotonic() - started
        self.assertEqual(len(refused), EXTRA, "a connection past the cap got no answer")
        for answer in refused.values():
            self.assertIsInstance(answer, RawResponse, answer)
            self.assertEqual(answer.status, 503, answer)
            self.assertEqual(answer.header("Retry-After"), "5")
            self.assertTrue((answer.header("Content-Type") or "").startswith("text/plain"), answer.head)
            self.assertIn("busy", answer.body.decode())
        for s in over:  # and then closed by the server
            self.assertEqual(answers([s], 10).get(s), "closed")
        self.assertLess(time.monotonic() - started, 14, "too slow to tell kept connections from the header timeout")
        self.assertEqual(sum(silent(s) for s in kept), cap, "an admitted connection was answered or closed")
        # Every admitted connection is a live session: it answers a request.
        for s in kept:
            s.setblocking(True)
            s.sendall(request_bytes("GET", "/healthz"))
        served = answers(kept, 60)
        statuses = [a.status if isinstance(a, RawResponse) else a for a in served.values()]
        self.assertEqual(statuses.count(200), cap, f"{len(kept) - len(served)} silent, others: "
                         f"{[x for x in statuses if x != 200][:5]}")
        self.assertTrue(d.web.running(), "the web process died")

        close_all(kept + over)
        wait_until(lambda: not server_sockets(d.port), 60, "the server closed every connection")
        # All the slots are back: the cap's worth of connections is served again.
        again = clients(d.port, cap)
        self.addCleanup(close_all, again)
        for s in again:
            s.sendall(request_bytes("GET", "/healthz"))
        served = answers(again, 60)
        self.assertEqual([a.status for a in served.values() if isinstance(a, RawResponse)].count(200), cap)
        report(self, {"web_nofile": WEB_NOFILE, "connection_cap": cap, "connections_kept": cap,
                      "connections_refused_503": EXTRA, "open_seconds": round(phase, 1)})
        self.assertGreaterEqual(cap, 1000)

    def test_uploads_in_progress_past_the_cap(self):
        d = Deployment()
        self.addCleanup(d.stop)
        # Headers and the start of the name part: an upload in progress, no storage write yet.
        start = f"--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"document-name\"\r\n\r\nst".encode()
        stalled_request = upload_request(start, content_length=len(start) + 1_000_000)

        started = time.monotonic()
        stalled = clients(d.port, MAX_UPLOADS, stalled_request)
        self.addCleanup(close_all, stalled)
        wait_until(lambda: server_read_everything(d.port), 20, "the server read every upload's headers")
        over = clients(d.port, EXTRA, stalled_request)
        self.addCleanup(close_all, over)
        refused = answers(over, 20)
        phase = time.monotonic() - started
        self.assertEqual(len(refused), EXTRA, "an upload past the cap got no answer")
        for answer in refused.values():
            assert_busy_json(self, answer)
        self.assertEqual(sum(silent(s) for s in stalled), MAX_UPLOADS, "an upload within the cap was answered")
        self.assertLess(phase, 25, "too slow to tell admitted uploads from the 30 s body timeout")
        self.assertTrue(d.web.running(), "the web process died")

        close_all(stalled + over)
        wait_until(lambda: d.api_upload({"document-name": "After"},
                                        {"input-file": ("a.txt", b"one two", "text/plain")})[0] == 201,
                   60, "an upload accepted after the stalled ones left", interval=0.5)
        report(self, {"uploads_admitted": MAX_UPLOADS, "uploads_refused_503": EXTRA,
                      "open_seconds": round(phase, 1)})
        self.assertGreaterEqual(MAX_UPLOADS, 500)


if __name__ == "__main__":
    unittest.main()
