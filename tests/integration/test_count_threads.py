"""`htut count` on several threads: a large regular file is cut into byte
ranges after ASCII whitespace, counted on one thread each and merged; the
output must be byte for byte the output of one thread (HTUT_COUNT_THREADS=1),
also when the ranges spill to TMPDIR, and when a cut finds no whitespace.

Needs HTUT_BIN; no services. With LOG_LEVEL=debug, `htut count` writes one
line per range to stderr ("range I/N bytes B-E, budget X bytes, R runs
spilled"), which is how these tests see that the file really was cut.
"""
import json
import os
import random
import re
import subprocess
import tempfile
import unittest

from htut_testlib import require_env

MIB = 1 << 20
SIZE = 42 * MIB
# Nominal cut of 3 ranges: SIZE / 3 = 14 MiB. Around it lies a stretch with no
# ASCII whitespace (words joined by U+3000 and U+00A0) longer than the 1 MiB a
# cut is looked for in, so 3 threads make 2 ranges.
NO_CUT_FROM = 14 * MIB - 256 * 1024
NO_CUT_TO = 14 * MIB + 3 * MIB // 2
MARKER = "grenzwort"  # placed MARKER_EVERY tokens, so its count is known
MARKER_EVERY = 1000
RANGE_RE = re.compile(r"^htut count: range (\d+)/(\d+) bytes (\d+)-(\d+), budget (\d+) bytes, (\d+) runs spilled$")

ENGLISH = ("the quick brown fox jumps over lazy dog alice rabbit queen hatter don't it's o'clock rock'n'roll "
           "ALICE'S Wonderland snake_case e-mail x y a 1st 2nd h2o").split()
CYRILLIC_GREEK = ("привет мир Москва слово книга ДОМ дом Ёлка ёлка αλφα βήτα ΟΔΟΣ οδός λόγος Ελλάδα "
                  "ΣΟΦΙΑ σοφία").split()
# Only ever inside links and addresses: none of these words may be counted.
DROPPED = ["https://linkonly.example/path/page", "mailonly@example.com", "www.wwwonly.net", "http://x.y/z?q=1",
           "git@host:repo", "WWW.SHOUT.ORG/linkonly"]
DIGITS = ["1984", "2020", "42", "3.14", "10,000", "007"]
SEPARATORS = [" "] * 20 + ["\n", "\t", ", ", ". ", "\r\n", " - ", "\x0b"]
NOT_DROPPED_ONLY = {"linkonly", "mailonly", "wwwonly", "shout", "example"}


def htut():
    return require_env("HTUT_BIN")


def tokens(rng, n):
    """n tokens: common words of both scripts, rare words (many distinct), links, digits."""
    out = []
    for kind in rng.choices(range(5), weights=[60, 25, 10, 2, 3], k=n):
        if kind == 0:
            out.append(rng.choice(ENGLISH))
        elif kind == 1:
            out.append(rng.choice(CYRILLIC_GREEK))
        elif kind == 2:  # rare words: about 300k distinct, Latin and Cyrillic
            i = rng.randrange(150_000)
            out.append(f"zq{i}w" if rng.random() < 0.5 else f"сл{i}ж")
        elif kind == 3:
            out.append(rng.choice(DROPPED))
        else:
            out.append(rng.choice(DIGITS))
    return out


def generate(path, seed=1202):
    """SIZE bytes; returns how many times MARKER occurs."""
    rng = random.Random(seed)
    markers = 0
    with open(path, "wb") as f:
        written = 0
        while written < SIZE:
            if NO_CUT_FROM <= written < NO_CUT_TO:
                # Words joined by whitespace that is not ASCII: no cut can be made here.
                words = tokens(rng, 20_000)
                words = [w for w in words if not any(c.isspace() for c in w)]
                block = "\u3000".join(words).replace("zq", "\u00a0zq").encode()
                block = block[:NO_CUT_TO - written]
            else:
                words = tokens(rng, 20_000)
                for i in range(0, len(words), MARKER_EVERY):
                    words[i] = MARKER
                parts = ["\n"]  # never glued to the end of the block before
                for w in words:
                    parts.append(w)
                    parts.append(rng.choice(SEPARATORS))
                parts.append("\n" + "=" * rng.randint(65, 300) + "\n")  # long lines of '='
                block = "".join(parts).encode()
                room = (NO_CUT_FROM if written < NO_CUT_FROM else SIZE) - written
                if len(block) > room:  # cut, and ended with a newline: nothing runs on into what follows
                    block = block[:room - 1] + b"\n"
                # Every separator starts with one of " \n\t,.\r\v".
                text = block.decode("utf-8", errors="ignore")
                markers += len(re.findall(rf"(?<!\S){MARKER}(?=[\s,.])", text))
            f.write(block)
            written += len(block)
    return markers


def run_count(path, threads=None, env=None, top="1000000"):
    full_env = {k: v for k, v in os.environ.items() if k not in ("HTUT_COUNT_THREADS", "COUNT_MEMORY_BYTES")}
    full_env["LOG_LEVEL"] = "debug"
    if threads is not None:
        full_env["HTUT_COUNT_THREADS"] = str(threads)
    full_env.update(env or {})
    return subprocess.run([htut(), "count", path, "--top", top], capture_output=True, timeout=300, env=full_env)


def ranges_of(stderr):
    """The (begin, end, runs spilled) of each range the debug lines report."""
    found = []
    for line in stderr.decode().splitlines():
        m = RANGE_RE.match(line)
        if m:
            found.append((int(m[3]), int(m[4]), int(m[6])))
    return found


class CountOnThreads(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.TemporaryDirectory()
        cls.path = os.path.join(cls.dir.name, "large.txt")
        cls.markers = generate(cls.path)
        one = run_count(cls.path, threads=1)
        if one.returncode != 0:
            cls.dir.cleanup()
            raise AssertionError(f"htut count on one thread failed: {one.stderr!r}")
        cls.expected = one.stdout
        cls.one_stderr = one.stderr

    @classmethod
    def tearDownClass(cls):
        cls.dir.cleanup()

    def test_the_file_is_what_the_test_means(self):
        self.assertEqual(os.path.getsize(self.path), SIZE)
        with open(self.path, "rb") as f:
            f.seek(NO_CUT_FROM)
            stretch = f.read(NO_CUT_TO - NO_CUT_FROM)
        self.assertFalse(any(b in stretch for b in b"\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f "))
        # One thread: no range lines; the rules hold on the result.
        self.assertEqual(ranges_of(self.one_stderr), [])
        counts = json.loads(self.expected)["word_counts"]
        self.assertEqual(counts.get(MARKER), self.markers)
        for word in NOT_DROPPED_ONLY | {"1984", "42", "007", "x", "the"}:
            self.assertFalse(word in counts, word)
        for word in ("quick", "alice", "привет", "ελλάδα", "σοφια", "σοφία", "zq7w", "сл7ж", "o'clock", "mail"):
            self.assertTrue(word in counts, word)

    def check_cut(self, ranges, n):
        self.assertEqual(len(ranges), n, ranges)
        self.assertEqual(ranges[0][0], 0)
        self.assertEqual(ranges[-1][1], SIZE)
        with open(self.path, "rb") as f:
            for (_, end, _), (begin, _, _) in zip(ranges, ranges[1:]):
                self.assertEqual(end, begin)
                f.seek(begin - 1)
                self.assertIn(f.read(1), b"\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f ")

    def test_two_to_four_threads_and_the_default_give_the_same_bytes(self):
        cores = os.cpu_count() or 1
        # HTUT_COUNT_THREADS -> ranges: 3 threads find no cut at 14 MiB (see NO_CUT_FROM).
        for threads, n in ((2, 2), (3, 2), (4, 4), (None, min(cores, SIZE // (16 * MIB)))):
            with self.subTest(threads=threads):
                r = run_count(self.path, threads=threads)
                self.assertEqual(r.returncode, 0, r.stderr)
                if n > 1:
                    self.check_cut(ranges_of(r.stderr), n)
                else:
                    self.assertEqual(ranges_of(r.stderr), [])
                self.assertEqual(r.stdout, self.expected)

    def test_the_default_leaves_each_range_at_least_8_mib_of_the_budget(self):
        # Below that a range would spill runs of a few words: fewer threads instead.
        cores = os.cpu_count() or 1
        for budget, n in ((16 * MIB - 1, 1), (16 * MIB, min(cores, 2))):
            with self.subTest(budget=budget):
                r = run_count(self.path, env={"COUNT_MEMORY_BYTES": str(budget)})
                self.assertEqual(r.returncode, 0, r.stderr)
                ranges = ranges_of(r.stderr)
                self.assertEqual(len(ranges), n if n > 1 else 0, ranges)
                self.assertEqual(r.stdout, self.expected)

    def test_ranges_that_spill_give_the_same_bytes_and_leave_tmpdir_empty(self):
        with tempfile.TemporaryDirectory() as tmp:
            # 4 MiB for 2 ranges: each of them has far more distinct words than fit in 2 MiB.
            env = {"COUNT_MEMORY_BYTES": str(4 * MIB), "TMPDIR": tmp}
            for threads in (2, 3):
                with self.subTest(threads=threads):
                    r = run_count(self.path, threads=threads, env=env)
                    self.assertEqual(r.returncode, 0, r.stderr)
                    ranges = ranges_of(r.stderr)
                    self.check_cut(ranges, 2)
                    self.assertTrue(all(runs > 0 for _, _, runs in ranges), ranges)
                    self.assertEqual(r.stdout, self.expected)
                    self.assertEqual(os.listdir(tmp), [])

    def test_a_range_that_cannot_spill_fails_the_count_with_one_line(self):
        with tempfile.TemporaryDirectory() as d:
            missing = os.path.join(d, "no-such-dir")
            r = run_count(self.path, threads=2, env={"COUNT_MEMORY_BYTES": str(4 * MIB), "TMPDIR": missing})
            self.assertEqual(r.returncode, 1)
            self.assertEqual(r.stdout, b"")
            lines = r.stderr.decode().strip().splitlines()
            self.assertEqual(len(lines), 1, r.stderr)
            self.assertIn(f"cannot create a temporary file in {missing}", lines[0])


class ThreadSetting(unittest.TestCase):
    def test_bad_values_are_an_error(self):
        with tempfile.NamedTemporaryFile() as f:
            f.write(b"alpha beta")
            f.flush()
            for value in ("0", "-1", "two", "1.5", "65", "99999999999999999999999"):
                with self.subTest(value=value):
                    r = run_count(f.name, threads=value)
                    self.assertEqual(r.returncode, 1)
                    self.assertEqual(r.stdout, b"")
                    self.assertIn(b"HTUT_COUNT_THREADS must be a whole number from 1 to 64", r.stderr)

    def test_standard_input_and_small_files_count_on_one_thread(self):
        data = b"alpha beta beta " * 1000
        env = dict(os.environ, LOG_LEVEL="debug", HTUT_COUNT_THREADS="4")
        r = subprocess.run([htut(), "count", "-"], input=data, capture_output=True, timeout=60, env=env)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(ranges_of(r.stderr), [])
        self.assertIn(b'"beta": 2000', r.stdout)
        # A small regular file is cut when asked to (the override ignores the size).
        with tempfile.NamedTemporaryFile() as f:
            f.write(data)
            f.flush()
            r = run_count(f.name, threads=4)
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertEqual(len(ranges_of(r.stderr)), 4)
            self.assertIn(b'"beta": 2000', r.stdout)
            r = run_count(f.name)  # automatic: 16 KB is far below 16 MiB a thread
            self.assertEqual(ranges_of(r.stderr), [])


if __name__ == "__main__":
    unittest.main()
