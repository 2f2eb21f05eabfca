"""Documents to upload (deterministic text), the counts `htut count` expects
for them, and the record of one upload attempt."""

import hashlib
import json
import random
import re

from htut_testlib import multipart_body, run_htut


VOCABULARY = (["whale", "Whale", "sea", "Ahab's", "ship", "don't", "café", "naïve", "the", "and", "Ishmael",
               "harpoon", "white", "1851", "über", "sailors", "rope", "deck", "storm"]
              + ["w%03d" % i for i in range(400)])


def document(seed, words=300):
    """Deterministic text with repeats, punctuation, apostrophes and non-ASCII words."""
    rng = random.Random(seed)
    lines, line = [], []
    for _ in range(words):
        line.append(rng.choice(VOCABULARY) + rng.choice(["", "", "", ",", ".", "!", ";"]))
        if len(line) == 12:
            lines.append(" ".join(line))
            line = []
    lines.append(" ".join(line))
    return ("\n".join(lines) + "\n").encode("utf-8")


def big_document(seed, megabytes):
    """About `megabytes` MB of text, cheap to make: one varied block, repeated."""
    block = document(seed, words=20_000)
    return block * max(1, int(megabytes * 1_000_000 / len(block)))


_expected = {}


def expected_count(data):
    """`htut count --top 1000` of `data` (what the worker must store: its top 1000 words), memoised by content."""
    digest = hashlib.sha256(data).hexdigest()
    if digest not in _expected:
        done = run_htut("count", "-", "--top", "1000", input=data, timeout=120)
        if done.returncode != 0:
            raise AssertionError(f"htut count failed: {done.stderr.decode(errors='replace')}")
        _expected[digest] = json.loads(done.stdout)
    return _expected[digest]


class Upload:
    """One upload attempt and its answer."""

    def __init__(self, name, data):
        self.name = name
        self.slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")
        self.data = data
        self.status = None  # HTTP status, or None when no answer came (connection refused/reset)
        self.answer = None  # the JSON body (document or {"error": ...})
        self.failure = None  # the exception text when no HTTP answer came
        self.began = self.ended = None  # monotonic seconds

    @property
    def ok(self):
        return self.status == 201

    def __repr__(self):
        what = self.status if self.status is not None else self.failure
        return f"<upload {self.slug}: {what} {self.answer if not self.ok else ''}>"


def multipart_request(name, data, filename="doc.txt"):
    return multipart_body({"document-name": name}, {"input-file": (filename, data, "text/plain")})
