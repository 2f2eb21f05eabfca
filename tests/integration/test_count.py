"""`htut count`: the shared word-count cases and the command line contract
(the differential test against the reference implementation is test_count_oracle.py).

Needs HTUT_BIN (the built binary) and HTUT_SOURCE_DIR; no services.
"""
import json
import os
import re
import subprocess
import tempfile
import unicodedata
import unittest

from htut_testlib import require_env

EXPECTED_RE = re.compile(r"^(?P<name>.+?)(?:\.top(?P<top>\d+))?\.json$")


def htut():
    return require_env("HTUT_BIN")


def source_dir():
    return require_env("HTUT_SOURCE_DIR")


def run_count(args, stdin=b""):
    return subprocess.run([htut(), "count", *args], input=stdin, capture_output=True, timeout=60)


def pairs(raw):
    """Output bytes -> (total, distinct, [(word, count), ...]) keeping key order."""
    doc = json.loads(raw.decode("utf-8"), object_pairs_hook=lambda kv: kv)
    d = dict(doc)
    return d["total_words"], d["distinct_words"], list(d["word_counts"])


def shared_cases():
    data = os.path.join(source_dir(), "tests", "data", "wordcount")
    cases = []
    for fn in sorted(os.listdir(data)):
        m = EXPECTED_RE.match(fn)
        if m and os.path.exists(os.path.join(data, m["name"] + ".txt")):
            top = int(m["top"]) if m["top"] else None
            cases.append((fn, os.path.join(data, m["name"] + ".txt"), os.path.join(data, fn), top))
    return cases


class SharedCases(unittest.TestCase):
    def test_every_case_from_a_file_and_from_stdin(self):
        cases = shared_cases()
        self.assertGreaterEqual(len(cases), 29)
        for name, txt, expected_path, top in cases:
            with open(expected_path, "rb") as f:
                expected = f.read()
            with open(txt, "rb") as f:
                data = f.read()
            top_args = [] if top is None else ["--top", str(top)]
            for label, args, stdin in (("file", [txt, *top_args], b""), ("stdin", ["-", *top_args], data)):
                with self.subTest(case=name, via=label):
                    r = run_count(args, stdin)
                    self.assertEqual(r.returncode, 0, r.stderr)
                    self.assertEqual(pairs(r.stdout), pairs(expected))
                    # The spec's byte form: the oracle's exact bytes (raw UTF-8, one newline).
                    self.assertEqual(r.stdout, expected)

    def test_no_argument_reads_stdin(self):
        r = subprocess.run([htut(), "count"], input=b"Hello hello world", capture_output=True, timeout=60)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(pairs(r.stdout), (3, 2, [("hello", 2), ("world", 1)]))


class CommandLine(unittest.TestCase):
    def test_top_zero_gives_empty_word_counts(self):
        r = run_count(["-", "--top", "0"], b"alpha beta beta")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(pairs(r.stdout), (3, 2, []))

    def test_top_cuts_and_equals_form(self):
        r = run_count(["--top=1", "-"], b"alpha beta beta")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(pairs(r.stdout), (3, 2, [("beta", 2)]))

    def test_usage_errors_exit_2(self):
        for args in (["--top"], ["-", "--top", "-1"], ["--top", "abc"], ["--top", ""], ["--top", "1.5"],
                     ["--frobnicate"], ["a.txt", "b.txt"]):
            with self.subTest(args=args):
                r = run_count(args, b"x")
                self.assertEqual(r.returncode, 2, r.stdout)
                self.assertEqual(r.stdout, b"")
                self.assertIn(b"usage", r.stderr)

    def test_unreadable_file_exits_1_with_one_line(self):
        with tempfile.TemporaryDirectory() as d:
            missing = os.path.join(d, "no-such-file.txt")
            for path in (missing, d):  # a missing file, a directory
                with self.subTest(path=path):
                    r = run_count([path])
                    self.assertEqual(r.returncode, 1)
                    self.assertEqual(r.stdout, b"")
                    lines = r.stderr.decode().strip().splitlines()
                    self.assertEqual(len(lines), 1, r.stderr)
                    self.assertIn(path, lines[0])

    def test_large_input_streams(self):
        # 40 MB through a pipe: must work and give exact totals.
        block = b"Streaming words, don't stop: alpha beta\xE2\x80\x99s gamma www.x.org \xCE\xB1\xCE\xB2\n"
        n = 40_000_000 // len(block)
        r = run_count(["-", "--top", "3"], block * n)
        self.assertEqual(r.returncode, 0, r.stderr)
        total, distinct, top = pairs(r.stdout)
        self.assertEqual((total, distinct), (7 * n, 7))
        self.assertEqual(top, [("alpha", n), ("beta", n), ("gamma", n)])


# --- differential test against the oracle ---------------------------------

WHITESPACE = ["\t", "\n", "\x0b", "\x0c", "\r", "\x1c", "\x1f", " ", "\x85", "\xa0", "\u1680", "\u2000", "\u2007",
              "\u200a", "\u2028", "\u2029", "\u202f", "\u205f", "\u3000"]
NOT_WHITESPACE = ["\u200b", "\u2060", "\ufeff", "\u00ad", "\u180e"]
WORDS = ["alice", "Alice", "ALICE", "don", "t", "s", "it", "let", "o", "neil", "rock", "n", "roll", "x", "ab",
         "1984", "1st", "h2o", "caf\u00e9", "cafe\u0301", "\u0301", "\u00e9", "\u212aelvin", "\u0130stanbul",
         "\u0131", "\u039f\u0394\u039f\u03a3", "\u1e9e", "\u2126", "\u212b", "\u01c5", "\u043c\u043e\u0441\u043a\u0432\u0430",
         "\u6771\u4eac", "\u65e5", "\u3072\u3089\u304c\u306a", "\ud55c\uae00", "\u05e2\u05d1\u05e8\u05d9\u05ea",
         "\u0627\u0644\u0639\u0631\u0628\u064a\u0629", "\u0939\u093f\u0928\u094d\u0926\u0940", "\u0e44\u0e17\u0e22",
         "\U00010400\U00010401", "\U0001d400\U0001d401", "\uff41\uff42", "\u2167", "\u2460", "\u0663\u0664", "w",
         "ww", "www", "Www", "WWW", "http", "https", "com", "org", "the", "and", "THE", "of", "you", "\u02bc"]
PUNCT = ["'", "\u2019", "'", "\u2019", "''", "-", "_", ".", ",", ":", "/", "//", "://", "@", "www.", "WWW.", "!",
         "\u2018", "`", "\uff07", "\u00b7", "\u3001", "\uff20", "\u00b4", "?", "(", ")", "\ufffd", "\U0001f600"]
INVALID = [b"\xff", b"\xc3", b"\xe2\x82", b"\xf0\x9f\x98", b"\xc1\x81", b"\xed\xa0\x80", b"\xf4\x90\x80\x80",
           b"\x80", b"\xbf\xbf", b"\xe0\x80\xaf", b"\xc0\xaf"]


ASCII_WORDS = [w for w in WORDS if w.isascii()] + ["alice's", "ALICE'S", "don't", "o'neil", "rock'n'roll", "x'y'z",
                                                   "it's", "let's", "snake_case", "e-mail", "a1", "aa", "90's", "'90s"]
ASCII_PUNCT = [p for p in PUNCT if p.isascii()]


def random_input(rng):
    """Random bytes in one of two flavours: mostly ASCII (long enough for the
    ASCII fast path's 64-byte windows) or anything goes (scripts, invalid bytes)."""
    ascii_only = rng.random() < 0.4
    words, punct = (ASCII_WORDS, ASCII_PUNCT) if ascii_only else (WORDS, PUNCT)
    parts = []
    for _ in range(rng.randint(0, 150 if ascii_only else 60)):
        roll = rng.random()
        if roll < 0.45:
            w = rng.choice(words)
            parts.append((w.upper() if rng.random() < 0.1 else w).encode())
        elif roll < 0.65:
            parts.append(rng.choice(punct).encode())
        elif roll < 0.85:
            if ascii_only:
                parts.append(rng.choice([" ", " ", " ", "\n", "\t", "\r\n", "  ", "\x1c", "\x0b"]).encode())
            else:
                parts.append(rng.choice(WHITESPACE if rng.random() < 0.8 else NOT_WHITESPACE).encode())
        elif ascii_only or roll < 0.92:
            if not ascii_only:
                parts.append(rng.choice(INVALID))
        elif roll < 0.97:  # words around the 100-code-point limit, maybe with 's
            letters = rng.choice(["a", "\u00e9", "\u65e5", "\U00010428", "Z"])
            word = letters * rng.randint(97, 103) + rng.choice(["", "'s", "\u2019s", "s"])
            parts.append(word.encode())
        else:  # raw random bytes (no NUL)
            parts.append(bytes(rng.randint(1, 255) for _ in range(rng.randint(1, 12))))
    return b"".join(parts)


def unicode14_safe(data):
    """False if the text holds a code point unassigned in Unicode 14 (the
    oracle's Python), which ICU's Unicode 15 may classify differently."""
    return all(unicodedata.category(c) != "Cn" for c in data.decode("utf-8", errors="replace"))


if __name__ == "__main__":
    unittest.main()
