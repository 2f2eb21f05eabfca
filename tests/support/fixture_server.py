#!/usr/bin/env python3
"""A stand-in for `htut web`, for developing and testing the pages without the real server.

It renders embed/templates with the same tiny syntax the server uses ({{name}} escaped,
{{{name}}} raw, {{asset:static/x}} -> a versioned URL), serves embed/static and the two vendor
files from embed/node_modules, sends the same Content-Security-Policy, and fakes the API:

  GET  /                                  index page (flash shown once after an upload)
  POST /                                  the upload form: 303 to / or the form again with an error
  GET  /api/documents?limit=N             newest first
  GET  /api/documents/{slug}?top=N        document JSON (top N words, 1-1000, default 100); 404 {"error": ...}
  GET  /api/documents/{slug}/events       text/event-stream, ends after done/failed
  GET  /wordcloud/{slug}                  the word-cloud page, 404 page for unknown slugs
  GET  /documents/{slug}/file             the uploaded bytes

Documents are "pending" until --pending-seconds after they were first asked for, then "done".
Seeded documents: "sample" and "sample-live" (about 100 words, with accented, Greek and Cyrillic
words), "broken" (always fails), "empty" (done, no words); --seed adds more from JSON files.

    python3 tests/support/fixture_server.py --port 8765            # serve
    python3 tests/support/fixture_server.py --print-words sample    # the sample's words as JSON

Stdlib only; for tests and local work, never for production.
"""

import argparse
import email.parser
import email.policy
import hashlib
import html
import json
import re
import secrets
import sys
import threading
import time
import unicodedata
import uuid
from datetime import datetime, timezone
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, quote, unquote, urlsplit

ROOT = Path(__file__).resolve().parents[2]
EMBED = ROOT / "embed"
VENDOR = {
    "static/vendor/d3.min.js": EMBED / "node_modules/d3/dist/d3.min.js",
    "static/vendor/d3.layout.cloud.js": EMBED / "node_modules/d3-cloud/build/d3.layout.cloud.js",
}
CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
       "connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'")
CONTENT_TYPES = {".css": "text/css; charset=utf-8", ".js": "text/javascript; charset=utf-8",
                 ".svg": "image/svg+xml", ".html": "text/html; charset=utf-8", ".png": "image/png"}
MAX_UPLOAD_BYTES = 1024 * 1024
TOP_WORDS = 1000  # like the worker: the API picks ?top= (default 100) from these
WORD_RE = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)*")

SAMPLE_WORDS = (
    "whale sea ship captain ahab ishmael queequeg starbuck harpoon ocean voyage sailor deck mast "
    "storm wave boat crew white leviathan pequod nantucket island compass anchor rope sail "
    "wind horizon tide depth spout blubber oil lamp chase revenge obsession fate prophecy "
    "café naïve fiancée déjà über straße smörgåsbord jalapeño façade crème brûlée piñata "
    "ελληνικά θάλασσα καράβι москва море корабль капитан kraków łódź øresund ærø "
    "mariner lantern galley cabin hull keel rudder bow stern port starboard knot fathom "
    "gale squall calm dawn dusk moon star night morning journey legend myth story book chapter"
).split()


def sample_counts():
    """About 100 words with Zipf-like counts, in rank order."""
    return {w: max(1, round(1200 / (rank + 1) ** 0.9)) for rank, w in enumerate(SAMPLE_WORDS)}


def count_words(text):
    counts = {}
    for match in WORD_RE.finditer(text.lower()):
        counts[match.group(0)] = counts.get(match.group(0), 0) + 1
    ranked = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    return sum(counts.values()), len(counts), dict(ranked[:TOP_WORDS])


def slugify(name):
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()
    return re.sub(r"[^a-z0-9]+", "-", ascii_name).strip("-")[:80].rstrip("-")


def now_rfc3339():
    return datetime.now(timezone.utc).isoformat(timespec="microseconds").replace("+00:00", "Z")


class Store:
    """Documents in memory; status is derived from time since the document was first looked at."""

    def __init__(self, pending_seconds):
        self.pending_seconds = pending_seconds
        self.lock = threading.Lock()
        self.docs = []  # newest last

    def add(self, name, slug, filename, body, counts=None, fail=None, total=None, distinct=None):
        if counts is None:
            total, distinct, counts = count_words(body.decode("utf-8", "replace"))
        doc = {"document_name": name, "document_slug": slug, "filename": filename,
               "s3_key": "files/" + uuid.uuid4().hex + ".txt", "time_uploaded": now_rfc3339(),
               "_counts": counts, "_total": total if total is not None else sum(counts.values()),
               "_distinct": distinct if distinct is not None else len(counts),
               "_fail": fail, "_first_seen": None, "_body": body}
        with self.lock:
            self.docs.append(doc)
        return doc

    def find(self, slug):
        with self.lock:
            for doc in reversed(self.docs):
                if doc["document_slug"] == slug:
                    if doc["_first_seen"] is None:
                        doc["_first_seen"] = time.monotonic()
                    return doc
        return None

    def newest(self, limit):
        with self.lock:
            return list(reversed(self.docs))[:limit]

    def public(self, doc, top=100):
        first = doc["_first_seen"]
        finished = first is not None and time.monotonic() - first >= self.pending_seconds
        status = ("failed" if doc["_fail"] else "done") if finished else "pending"
        done = status == "done"
        return {"document_name": doc["document_name"], "document_slug": doc["document_slug"],
                "filename": doc["filename"], "s3_key": doc["s3_key"],
                "file_url": "/documents/%s/file" % quote(doc["document_slug"]),
                "time_uploaded": doc["time_uploaded"], "status": status,
                "error": doc["_fail"] if status == "failed" else None,
                "total_words": doc["_total"] if done else None,
                "distinct_words": doc["_distinct"] if done else None,
                "word_counts": dict(list(doc["_counts"].items())[:top]) if done else None}


class Templates:
    TAG = re.compile(r"\{\{\{(\w+)\}\}\}|\{\{asset:([^}]+)\}\}|\{\{(\w+)\}\}")

    def asset_url(self, rel):
        path = VENDOR.get(rel) or EMBED / rel
        digest = hashlib.sha256(path.read_bytes()).hexdigest()[:12]
        return "/" + rel + "?v=" + digest

    def render(self, name, values):
        source = (EMBED / "templates" / name).read_text(encoding="utf-8")

        def substitute(match):
            raw, asset, escaped = match.groups()
            if raw:
                return str(values.get(raw, ""))
            if asset:
                return self.asset_url(asset)
            return html.escape(str(values.get(escaped, "")), quote=True)

        return self.TAG.sub(substitute, source)


def human_bytes(n):
    """104857600 -> "100 MiB", 1536 -> "1.5 KiB"."""
    for power, unit in ((3, "GiB"), (2, "MiB"), (1, "KiB")):
        if n >= 1024 ** power:
            return "%g %s" % (round(n / 1024 ** power, 1), unit)
    return "%d bytes" % n


class Handler(BaseHTTPRequestHandler):
    server_version = "htut-fixture"
    protocol_version = "HTTP/1.1"

    # --- plumbing ---
    def log_message(self, fmt, *args):
        if self.server.verbose:
            sys.stderr.write("fixture: " + fmt % args + "\n")

    def send(self, status, body, content_type, headers=()):
        data = body if isinstance(body, bytes) else body.encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Content-Security-Policy", CSP)
        self.send_header("X-Content-Type-Options", "nosniff")
        self.send_header("X-Request-ID", str(uuid.uuid4()))
        for key, value in headers:
            self.send_header(key, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    def send_json(self, status, value):
        self.send(status, json.dumps(value, ensure_ascii=False), "application/json")

    def send_page(self, status, template, values, headers=()):
        self.send(status, self.server.templates.render(template, values), "text/html; charset=utf-8", headers)

    def index_values(self, **overrides):
        values = {"me": self.server.me or "an unnamed htut (set ME in the environment)",
                  "flash_html": "", "form_error_html": "", "csrf_token": self.server.csrf_token,
                  "document_name_value": "", "max_upload_bytes": self.server.max_upload,
                  "max_upload_human": human_bytes(self.server.max_upload)}
        values.update(overrides)
        return values

    def cookie(self, name):
        for part in self.headers.get("Cookie", "").split(";"):
            key, _, value = part.strip().partition("=")
            if key == name:
                return unquote(value)
        return None

    # --- routes ---
    def do_GET(self):
        url = urlsplit(self.path)
        path = unquote(url.path)
        store = self.server.store
        if path == "/":
            return self.get_index()
        if path.startswith("/static/"):
            return self.get_static(path[1:])
        if path == "/api/documents":
            limit = parse_qs(url.query).get("limit", ["20"])[0]
            if not limit.isdigit() or not 1 <= int(limit) <= 100:
                return self.send_json(400, {"error": "limit must be a number from 1 to 100"})
            return self.send_json(200, {"documents": [store.public(d) for d in store.newest(int(limit))]})
        match = re.fullmatch(r"/api/documents/([^/]+)(/events)?", path)
        if match:
            doc = store.find(match.group(1))
            if doc is None:
                return self.send_json(404, {"error": "no document called %s" % match.group(1)})
            if match.group(2):
                return self.get_events(doc)
            top = parse_qs(url.query).get("top", ["100"])
            if len(top) != 1 or not top[0].isdigit() or not 1 <= int(top[0]) <= 1000:
                return self.send_json(400, {"error": "top must be a whole number from 1 to 1000"})
            return self.send_json(200, store.public(doc, int(top[0])))
        match = re.fullmatch(r"/wordcloud/([^/]+)", path)
        if match:
            doc = store.find(match.group(1))
            if doc is None:
                return self.send_page(404, "not_found.html",
                                      {"message": "No document called “%s” yet." % match.group(1)})
            public = store.public(doc)
            return self.send_page(200, "wordcloud.html", {"document_name": doc["document_name"],
                                                          "document_slug": doc["document_slug"],
                                                          "status": public["status"]})
        match = re.fullmatch(r"/documents/([^/]+)/file", path)
        if match and store.find(match.group(1)):
            return self.send(200, store.find(match.group(1))["_body"], "text/plain; charset=utf-8")
        if path == "/boom":  # lets a test look at the error page
            return self.send_page(500, "error.html", {"status": "500 Internal Server Error",
                                                      "message": "Something broke <on purpose>."})
        return self.send_page(404, "not_found.html", {"message": "There is no page at %s." % path})

    do_HEAD = do_GET

    def get_index(self):
        flash = self.cookie("fixture_flash")
        values = self.index_values()
        headers = []
        if flash:
            doc = self.server.store.find(flash)
            if doc:
                slug = html.escape(quote(doc["document_slug"]))
                values["flash_html"] = (
                    '<div class="flash flash-success" role="status">Uploaded <strong>%s</strong>. '
                    '<a href="/documents/%s/file">View the file</a> · '
                    '<a href="/wordcloud/%s">See its word cloud</a></div>'
                    % (html.escape(doc["document_name"]), slug, slug))
            headers.append(("Set-Cookie", "fixture_flash=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax"))
        self.send_page(200, "index.html", values, headers)

    def get_static(self, rel):
        path = VENDOR.get(rel) or (EMBED / rel).resolve()
        static_root = (EMBED / "static").resolve()
        if rel not in VENDOR and static_root not in path.parents or not path.is_file():
            return self.send_page(404, "not_found.html", {"message": "No such asset."})
        self.send(200, path.read_bytes(), CONTENT_TYPES.get(path.suffix, "application/octet-stream"),
                  [("Cache-Control", "no-cache")])

    def get_events(self, doc):
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-cache")
        self.send_header("Content-Security-Policy", CSP)
        self.send_header("Connection", "close")
        self.end_headers()
        self.close_connection = True
        last = None
        deadline = time.monotonic() + 60
        try:
            while time.monotonic() < deadline:
                public = self.server.store.public(doc)
                if public["status"] != last:
                    payload = json.dumps(public, ensure_ascii=False)
                    self.wfile.write(("event: document\ndata: %s\n\n" % payload).encode("utf-8"))
                    self.wfile.flush()
                    last = public["status"]
                    if last in ("done", "failed"):
                        return
                time.sleep(0.2)
        except (BrokenPipeError, ConnectionResetError):
            return

    def do_POST(self):
        if urlsplit(self.path).path != "/":
            return self.send_json(404, {"error": "not found"})
        length = int(self.headers.get("Content-Length") or 0)
        if length > self.server.max_upload + 64 * 1024:
            self.close_connection = True
            return self.form_error(413, "The file is larger than the %s limit." % human_bytes(self.server.max_upload), "")
        body = self.rfile.read(length)
        fields = self.parse_multipart(body)
        name = fields.get("document-name", (None, b""))[1].decode("utf-8", "replace").strip()
        if fields.get("csrf_token", (None, b""))[1].decode() != self.server.csrf_token:
            return self.form_error(403, "The form expired; reload the page and try again.", name)
        if not 1 <= len(name) <= 200 or any(unicodedata.category(c) == "Cc" for c in name):
            return self.form_error(400, "Give the document a name of 1 to 200 characters.", name)
        filename, data = fields.get("input-file", (None, None))
        if not filename:
            return self.form_error(400, "Choose a file to upload.", name)
        if len(data) > self.server.max_upload:
            return self.form_error(413, "The file is larger than the %s limit." % human_bytes(self.server.max_upload), name)
        if b"\0" in data[:8192]:
            return self.form_error(415, "That file is not text; upload a plain-text file.", name)
        slug = slugify(name) or uuid.uuid4().hex[:12]
        self.server.store.add(name, slug, filename, data)
        self.send(303, "", "text/plain", [("Location", "/"),
                                          ("Set-Cookie", "fixture_flash=%s; Path=/; HttpOnly; SameSite=Lax" % quote(slug))])

    def form_error(self, status, message, name):
        error_html = '<p id="form-error" class="form-error" role="alert">%s</p>' % html.escape(message)
        self.send_page(status, "index.html", self.index_values(form_error_html=error_html, document_name_value=name))

    def parse_multipart(self, body):
        """{field: (filename or None, bytes)} using the stdlib email parser."""
        head = "Content-Type: %s\r\nMIME-Version: 1.0\r\n\r\n" % self.headers.get("Content-Type", "")
        message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(head.encode() + body)
        fields = {}
        if not message.is_multipart():
            return fields
        for part in message.iter_parts():
            field = part.get_param("name", header="content-disposition")
            if field:
                fields[field] = (part.get_filename(), part.get_payload(decode=True) or b"")
        return fields


class Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        # A browser closing its idle keep-alive connections is normal, not worth a traceback.
        if isinstance(sys.exc_info()[1], (ConnectionResetError, BrokenPipeError)):
            return
        super().handle_error(request, client_address)


def make_server(port, pending_seconds, me, max_upload, verbose=False):
    server = Server(("127.0.0.1", port), Handler)
    server.store = Store(pending_seconds)
    server.templates = Templates()
    server.csrf_token = secrets.token_urlsafe(24)
    server.me = me
    server.max_upload = max_upload
    server.verbose = verbose
    sample = "\n".join(" ".join([w] * c) for w, c in sample_counts().items()).encode()
    server.store.add("Sample: Moby & Friends <ü>", "sample", "sample.txt", sample, counts=sample_counts(),
                     total=115324, distinct=16877)
    # The same words under a second slug, so a test can watch pending -> done on a fresh document.
    server.store.add("Sample, live", "sample-live", "sample.txt", sample, counts=sample_counts(),
                     total=115324, distinct=16877)
    server.store.add("Broken upload", "broken", "broken.txt", b"x", counts={}, fail="the stored file could not be read")
    server.store.add("Empty file", "empty", "empty.txt", b"", counts={})
    return server


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, default=8765, help="0 picks a free port (printed on stdout)")
    parser.add_argument("--pending-seconds", type=float, default=2.0)
    parser.add_argument("--me", default="the fixture server")
    parser.add_argument("--max-upload-bytes", type=int, default=MAX_UPLOAD_BYTES)
    parser.add_argument("--print-words", metavar="SLUG", help="print the seeded document's words as JSON and exit")
    parser.add_argument("--seed", action="append", default=[], metavar="SLUG=FILE.json",
                        help="add a document whose counts come from a JSON file with word_counts "
                             "(and optionally total_words, distinct_words); repeatable")
    parser.add_argument("--verbose", action="store_true")
    args = parser.parse_args()
    if args.print_words:
        if args.print_words != "sample":
            parser.error("only 'sample' has a fixed word list")
        print(json.dumps(list(sample_counts()), ensure_ascii=False))
        return
    server = make_server(args.port, args.pending_seconds, args.me, args.max_upload_bytes, args.verbose)
    for seed in args.seed:
        slug, _, path = seed.partition("=")
        data = json.loads(Path(path).read_text(encoding="utf-8"))
        server.store.add(slug, slug, Path(path).name, b"(seeded from JSON)", counts=data["word_counts"],
                         total=data.get("total_words"), distinct=data.get("distinct_words"))
    print("http://127.0.0.1:%d" % server.server_address[1], flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
