"""`htut count`: the shared word-count cases, the command line contract, and
counting within COUNT_MEMORY_BYTES (the differential test against the reference
implementation, rules v2, is test_count_oracle.py).

Needs HTUT_BIN (the built binary) and HTUT_SOURCE_DIR; no services.
"""
import json
import os
import random
import re
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import unicodedata
import unittest

from htut_testlib import require_env

EXPECTED_RE = re.compile(r"^(?P<name>.+?)(?:\.top(?P<top>\d+))?\.json$")


def htut():
    return require_env("HTUT_BIN")


def source_dir():
    return require_env("HTUT_SOURCE_DIR")


# Environment added to every run_count (TinyBudget sets it for its tests).
_extra_env = {}


def run_count(args, stdin=b"", env=None, **kwargs):
    full_env = dict(os.environ, **_extra_env, **(env or {}))
    return subprocess.run([htut(), "count", *args], input=stdin, capture_output=True, timeout=60, env=full_env,
                          **kwargs)


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
# Step 3b (rules v2): scripts written without spaces, alone and glued to other words.
NO_SPACE_WORDS = ["\u6211\u4eec\u4eca\u5929\u53bb\u5317\u4eac", "\u56fe\u4e66\u9986\u770b\u4e66", "\u6771\u4eac\u30bf\u30ef\u30fc",
                  "\u3072\u3089\u304c\u306a\u306e\u672c", "\uff76\uff80\uff76\uff85", "\u4eba\u3005", "\u5e74",
                  "\u0e20\u0e32\u0e29\u0e32\u0e44\u0e17\u0e22\u0e40\u0e1b\u0e47\u0e19\u0e20\u0e32\u0e29\u0e32",
                  "\u0e9e\u0eb2\u0eaa\u0eb2\u0ea5\u0eb2\u0ea7", "\u1797\u17b6\u179f\u17b6\u1781\u17d2\u1798\u17c2\u179a",
                  "\u1019\u103c\u1014\u103a\u1019\u102c\u1018\u102c\u101e\u102c", "iPhone\u624b\u673a", "2020\u5e74",
                  "\uff21\uff22\uff23\u5317\u4eac", "\u05e2\u05d1'\u6771\u4eac", "\u5b66\u751f's", "\u0130\u6771",
                  "\u5168\u89d2\uff10\uff11", "\u3000\u65e5\u672c\u8a9e"]
WORDS += NO_SPACE_WORDS
NO_SPACE_RANGES = [(0x0E00, 0x0EFF), (0x1000, 0x109F), (0x1780, 0x17FF), (0x3040, 0x30FF), (0x4E00, 0x9FFF),
                   (0xFF66, 0xFF9F)]  # Thai, Lao, Burmese, Khmer, kana, Han, half-width katakana


def holds_no_space_script(word):
    return any(lo <= ord(c) <= hi for c in word for lo, hi in NO_SPACE_RANGES)


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
            letters = rng.choice(["a", "\u00e9", "\u65e5", "\U00010428", "Z", "\u5317\u4eac\u5927\u5b66", "\u0e44\u0e17\u0e22",
                                  "ab\u6771"])
            word = letters * rng.randint(97, 103) + rng.choice(["", "'s", "\u2019s", "s"])
            parts.append(word.encode())
        else:  # raw random bytes (no NUL)
            parts.append(bytes(rng.randint(1, 255) for _ in range(rng.randint(1, 12))))
    return b"".join(parts)


def unicode14_safe(data):
    """False if the text holds a code point unassigned in Unicode 14 (the
    oracle's Python), which ICU's Unicode 15 may classify differently."""
    return all(unicodedata.category(c) != "Cn" for c in data.decode("utf-8", errors="replace"))


# --- counting in bounded memory (COUNT_MEMORY_BYTES, spilling to TMPDIR) ----

class TinyBudget:
    """Mixin: every run_count of the test runs with COUNT_MEMORY_BYTES=1, so a
    count spills a run of (at least 4) words to a private TMPDIR whenever its
    map fills; the output must not change, and TMPDIR must be left empty."""

    def setUp(self):
        super().setUp()
        self.tmp = tempfile.TemporaryDirectory()
        _extra_env.update(COUNT_MEMORY_BYTES="1", TMPDIR=self.tmp.name)

    def tearDown(self):
        _extra_env.clear()
        leftovers = os.listdir(self.tmp.name)
        self.tmp.cleanup()
        self.assertEqual(leftovers, [], "files left in TMPDIR")
        super().tearDown()


class SharedCasesSpilling(TinyBudget, SharedCases):
    pass


def distinct_words_text(n):
    return " ".join(f"qword{i}" for i in range(n)).encode()


class SpillFailures(unittest.TestCase):
    def test_tiny_budget_really_spills_and_a_missing_tmpdir_fails_clearly(self):
        with tempfile.TemporaryDirectory() as d:
            missing = os.path.join(d, "no-such-dir")
            text = distinct_words_text(100)
            # In memory (the default budget), TMPDIR is never used.
            r = run_count(["-"], text, env={"TMPDIR": missing})
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertEqual(pairs(r.stdout)[:2], (100, 100))
            # With a tiny budget the count goes to TMPDIR, and says so when it cannot.
            r = run_count(["-"], text, env={"TMPDIR": missing, "COUNT_MEMORY_BYTES": "1"})
            self.assertEqual(r.returncode, 1)
            self.assertEqual(r.stdout, b"")
            lines = r.stderr.decode().strip().splitlines()
            self.assertEqual(len(lines), 1, r.stderr)
            self.assertIn(f"cannot create a temporary file in {missing}", lines[0])
            self.assertIn("No such file or directory", lines[0])

    def test_bad_budget_is_a_config_error(self):
        r = run_count(["-"], b"x", env={"COUNT_MEMORY_BYTES": "lots"})
        self.assertEqual(r.returncode, 1)
        self.assertIn(b"COUNT_MEMORY_BYTES must be a whole number", r.stderr)

    def test_disk_full_fails_the_count_and_leaves_no_file(self):
        # A full disk, simulated: a 64 KiB file size limit makes write() fail
        # with EFBIG (SIGXFSZ ignored, as it is inherited through exec).
        def limit_file_size():
            signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
            resource.setrlimit(resource.RLIMIT_FSIZE, (65536, resource.RLIM_INFINITY))

        with tempfile.TemporaryDirectory() as d:
            r = run_count(["-"], distinct_words_text(200_000), env={"TMPDIR": d, "COUNT_MEMORY_BYTES": "1"},
                          preexec_fn=limit_file_size)
            self.assertEqual(r.returncode, 1)
            self.assertEqual(r.stdout, b"")
            self.assertIn(f"cannot write a temporary file in {d}".encode(), r.stderr)
            self.assertIn(b"File too large", r.stderr)
            self.assertEqual(os.listdir(d), [])


class SpillFilesHaveNoName(unittest.TestCase):
    def test_runs_are_never_visible_in_tmpdir_even_when_the_count_is_killed(self):
        # A count fed slowly through a pipe, spilling (tiny budget): while its
        # run files are open (seen in /proc/PID/fd) TMPDIR lists nothing, and
        # after SIGKILL nothing is left.
        with tempfile.TemporaryDirectory() as d:
            env = dict(os.environ, COUNT_MEMORY_BYTES="1", TMPDIR=d)
            p = subprocess.Popen([htut(), "count", "-"], stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
                                 stderr=subprocess.PIPE, env=env)
            try:
                deadline = time.monotonic() + 60
                open_runs = []
                i = 0
                while not open_runs and time.monotonic() < deadline:
                    p.stdin.write(" ".join(f"qword{j}" for j in range(i, i + 5000)).encode() + b"\n")
                    p.stdin.flush()
                    i += 5000
                    fd_dir = f"/proc/{p.pid}/fd"
                    for fd in os.listdir(fd_dir):
                        try:
                            target = os.readlink(os.path.join(fd_dir, fd))
                        except FileNotFoundError:  # closed meanwhile (a merge of runs)
                            continue
                        if target.startswith(d):
                            open_runs.append(target)
                self.assertTrue(open_runs, "the count never opened a run file")
                self.assertEqual(os.listdir(d), [], f"run files visible: {open_runs}")
            finally:
                p.kill()
                p.wait(timeout=60)
                p.stdin.close()
                p.stderr.close()
            self.assertEqual(os.listdir(d), [])


def run_measured(cmd, stdout):
    """Runs cmd; returns (exit status, CPU seconds user+sys, wall seconds, peak RSS in MiB) of that child alone."""
    t0 = time.perf_counter()
    p = subprocess.Popen(cmd, stdout=stdout, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(p.pid, 0)
    wall = time.perf_counter() - t0
    p.returncode = os.waitstatus_to_exitcode(status)
    err = p.stderr.read()
    p.stderr.close()
    return p.returncode, usage.ru_utime + usage.ru_stime, wall, usage.ru_maxrss / 1024, err


LATIN = "abcdefghijklmnoprstuvxyz"  # 24 letters, no q: every word starts with q, so none is a stop word
GREEK = "αβγδεζηθικλμνξοπρστυφχψω"


class BoundedMemory(unittest.TestCase):
    """The memory bomb of issue 12: 48 MiB of about 3.7 million distinct
    words, 10 % Greek (through the general path), a few thousand repeated
    across the file with ties at the top-1000 cut. `htut count` must count it
    exactly, peak under 128 MiB RSS (default budget: 48 MiB) and take at most
    10x the CPU time of `wc -w` on the same file, measured in the same run."""

    DISTINCT = 3_700_000
    REPEATED = 2000  # words 0..1999 occur 2 + (2000 - i) // 20 times
    RSS_LIMIT_MIB = 128
    WC_RATIO = 10

    @staticmethod
    def word(i, l2, l3, g2, g3):
        f = (i * 2654435761) % 13824
        if i % 10 == 3:
            return g2[i // 13824] + g3[i % 13824] + g3[f] + g2[f % 576]
        return "q" + l2[i // 13824] + l3[i % 13824] + l3[f] + l2[f % 576] + LATIN[i % 24]

    def generate(self, path):
        l2 = [a + b for a in LATIN for b in LATIN]
        l3 = [a + b for a in LATIN for b in l2]
        g2 = [a + b for a in GREEK for b in GREEK]
        g3 = [a + b for a in GREEK for b in g2]
        counts = {}
        extras = []
        for i in range(self.REPEATED):
            w = self.word(i, l2, l3, g2, g3)
            counts[w] = 2 + (self.REPEATED - i) // 20
            extras.extend([w] * (counts[w] - 1))
        random.Random(5).shuffle(extras)
        step = self.DISTINCT // len(extras) + 1
        total = 0
        with open(path, "w", encoding="utf-8") as f:
            block = 65536
            for start in range(0, self.DISTINCT, block):
                ids = range(start, min(start + block, self.DISTINCT))
                words = [self.word(i, l2, l3, g2, g3) for i in ids]
                # The extra occurrences of the repeated words, spread over the file.
                words += extras[start // step:(start + block) // step]
                total += len(words)
                for j in range(0, len(words), 16):
                    f.write(" ".join(words[j:j + 16]))
                    f.write("\n")
            tail = extras[((self.DISTINCT - 1) // block + 1) * block // step:]
            f.write(" ".join(tail) + "\n")
            total += len(tail)
        ranked = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0].encode()))
        return total, ranked[:1000]

    def test_48_mib_of_3_7_million_distinct_words_exactly_under_128_mib(self):
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "bomb.txt")
            total, top = self.generate(path)
            size = os.path.getsize(path)
            self.assertGreaterEqual(size, 48 * 2**20)
            out_path = os.path.join(d, "out.json")
            spill_dir = os.path.join(d, "tmp")
            os.mkdir(spill_dir)
            os.environ["TMPDIR"] = spill_dir
            try:
                with open(out_path, "wb") as out:
                    status, cpu, wall, rss, err = run_measured([htut(), "count", path, "--top", "1000"], out)
            finally:
                del os.environ["TMPDIR"]
            self.assertEqual(status, 0, err)
            self.assertEqual(os.listdir(spill_dir), [])
            wc = shutil.which("wc")
            _, wc_cpu, wc_wall, _, _ = run_measured([wc, "-w", path], subprocess.DEVNULL)
            with open(out_path, "rb") as f:
                got = pairs(f.read())
            print(f"\n{size / 2**20:.1f} MiB, {self.DISTINCT} distinct words: htut count peak RSS {rss:.1f} MiB, "
                  f"CPU {cpu:.2f} s (wall {wall:.2f} s); wc -w CPU {wc_cpu:.2f} s (wall {wc_wall:.2f} s)",
                  file=sys.stderr)
            self.assertEqual(got[0], total)
            self.assertEqual(got[1], self.DISTINCT)
            self.assertEqual(got[2], top)
            self.assertLess(rss, self.RSS_LIMIT_MIB)
            self.assertLessEqual(cpu, self.WC_RATIO * max(wc_cpu, 0.05))


if __name__ == "__main__":
    unittest.main()
