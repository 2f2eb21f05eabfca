"""Network tools of the fault suite: an upload that trickles in (so a fault
strikes while it is in flight) and a counting, throttling relay in front of S3."""

import json
import select
import socket
import threading
import time
import urllib.parse

from fault_documents import multipart_request


class SlowUpload(threading.Thread):
    """An upload whose body trickles in over `seconds`, so that it is in flight
    when a fault strikes. `sent_half` is set once half of the body is out.

    With hold=True it stops after half of the body until `proceed` is set, so a
    test can strike (stop a service) while the upload is certainly in flight and
    send the rest only once the fault is in place: no race with the clock."""

    def __init__(self, port, upload, seconds, pieces=20, hold=False, hold_timeout=120):
        super().__init__(daemon=True)
        self.port, self.upload, self.seconds, self.pieces = port, upload, seconds, pieces
        self.sent_half = threading.Event()
        self.proceed = threading.Event()
        if not hold:
            self.proceed.set()
        self.hold_timeout = hold_timeout

    def run(self):
        up = self.upload
        ctype, body = multipart_request(up.name, up.data)
        head = (f"POST /api/documents HTTP/1.1\r\nHost: 127.0.0.1:{self.port}\r\nContent-Type: {ctype}\r\n"
                f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n").encode()
        up.began = time.monotonic()
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=60) as sock:
                sock.sendall(head)
                step = max(1, len(body) // self.pieces)
                for offset in range(0, len(body), step):
                    # Like curl: when the server answers early (a refusal), stop sending.
                    if select.select([sock], [], [], 0)[0]:
                        break
                    sock.sendall(body[offset:offset + step])
                    if offset + step >= len(body) // 2 and not self.sent_half.is_set():
                        self.sent_half.set()
                        self.proceed.wait(self.hold_timeout)
                    if offset + step < len(body):
                        time.sleep(self.seconds / self.pieces)
                self.sent_half.set()
                response = b""
                while True:
                    chunk = sock.recv(65536)
                    if not chunk:
                        break
                    response += chunk
            head_end = response.find(b"\r\n\r\n")
            status_line = response.split(b"\r\n", 1)[0].decode()
            up.status = int(status_line.split()[1])
            try:
                up.answer = json.loads(response[head_end + 4:])
            except ValueError:
                up.answer = response[head_end + 4:][:200]
        except (OSError, IndexError, ValueError) as e:
            up.failure = f"{type(e).__name__}: {e}"
        finally:
            self.sent_half.set()
            up.ended = time.monotonic()


class Relay:
    """A TCP relay to S3 for one process: it counts (and may slow down) the bytes
    that flow back to that process, so a test knows when *this* worker is in
    the middle of a download and can make the download last long enough to
    strike during it. It forwards bytes untouched (the SigV4 signature covers
    the Host header the client sent, which the relay does not change); when
    S3 goes away, the relay's connections close like a direct one would.

    pause_after=N holds every download once N bytes have flowed back (`paused`
    is set), until resume(); cut() closes the connections in flight, as S3
    going away in the middle of a response does (the bytes S3 had already
    written into socket buffers would otherwise still arrive)."""

    def __init__(self, upstream_url, bytes_per_second=None, pause_after=None):
        parts = urllib.parse.urlsplit(upstream_url)
        self.upstream = (parts.hostname, parts.port or 80)
        self.rate = bytes_per_second
        self.down_bytes = 0  # S3 -> client, all connections
        self.pause_after = pause_after
        self.paused = threading.Event()
        self._running = threading.Event()
        self._running.set()
        self._lock = threading.Lock()
        self._sockets = []
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = self._listener.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}/"
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while True:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return  # closed
            try:
                server = socket.create_connection(self.upstream, timeout=5)
            except OSError:
                client.close()  # S3 is down: the client sees the connection close
                continue
            server.settimeout(None)
            with self._lock:
                self._sockets += [client, server]
            threading.Thread(target=self._pump, args=(client, server, False), daemon=True).start()
            threading.Thread(target=self._pump, args=(server, client, True), daemon=True).start()

    def _pump(self, source, sink, downstream):
        try:
            while True:
                data = source.recv(65536)
                if not data:
                    break
                if downstream and not self._running.is_set():
                    self._running.wait()
                sink.sendall(data)
                if downstream:
                    with self._lock:
                        self.down_bytes += len(data)
                        if self.pause_after is not None and self.down_bytes >= self.pause_after \
                                and not self.paused.is_set():
                            self._running.clear()
                            self.paused.set()
                    if self.rate:
                        time.sleep(len(data) / self.rate)
        except OSError:
            pass
        for s in (source, sink):  # one side gone: end the other side too
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def resume(self):
        self.pause_after = None
        self._running.set()

    def cut(self):
        """Ends every connection in flight (new ones still go to S3, or fail while it is down)."""
        with self._lock:
            sockets, self._sockets = self._sockets, []
        for s in sockets:
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def close(self):
        self._listener.close()
        self.resume()
        with self._lock:
            for s in self._sockets:
                try:
                    s.close()
                except OSError:
                    pass
