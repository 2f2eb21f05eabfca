"""`htut count` against the reference implementation (../shared/tools/wordcount_ref.py,
rules v2, run under /usr/bin/python3, which has Debian's python3-icu) on 2,000 random
inputs, in memory and spilling to disk. Its own ctest test so that, on a clone without
../shared, exactly this test shows as Skipped (CI has ../shared, and tools/test fails on
any skip there). $HTUT_SHARED_DIR overrides where ../shared is.

Needs HTUT_BIN (the built binary) and HTUT_SOURCE_DIR; no services.
"""
import base64
import concurrent.futures
import json
import os
import random
import subprocess
import unittest

import test_count as base  # the module, not its names: its test classes must not run twice


ORACLE_PYTHON = "/usr/bin/python3"  # Debian's, the one that sees python3-icu
# Runs in ORACLE_PYTHON: the oracle's count() with rules v2 over [[base64 input, top], ...] on stdin.
ORACLE_DRIVER = """
import base64, importlib.util, json, sys
spec = importlib.util.spec_from_file_location("wordcount_ref", sys.argv[1])
ref = importlib.util.module_from_spec(spec)
spec.loader.exec_module(ref)
out = [ref.count(base64.b64decode(d), top, rules="v2") for d, top in json.load(sys.stdin)]
json.dump([[r["total_words"], r["distinct_words"], list(r["word_counts"].items())] for r in out], sys.stdout)
"""


def oracle_path():
    shared = os.environ.get("HTUT_SHARED_DIR") or os.path.join(base.source_dir(), "..", "shared")  # e.g. from a worktree
    path = os.path.join(shared, "tools", "wordcount_ref.py")
    return path if os.path.exists(path) else None


def oracle_v2(path, inputs):
    """The oracle's (total, distinct, [(word, count), ...]) for each (data, top); fails (never
    skips) when the oracle is there but cannot run rules v2."""
    request = json.dumps([[base64.b64encode(d).decode(), top] for d, top in inputs]).encode()
    r = subprocess.run([ORACLE_PYTHON, "-c", ORACLE_DRIVER, path], input=request, capture_output=True, timeout=600)
    if r.returncode != 0:
        raise AssertionError(f"the v2 oracle did not run under {ORACLE_PYTHON} (python3-icu missing? tools/setup "
                             f"installs it): {r.stderr.decode(errors='replace')[-2000:]}")
    return [(total, distinct, [tuple(p) for p in top]) for total, distinct, top in json.loads(r.stdout)]


class Differential(unittest.TestCase):
    N = 2000

    def test_random_inputs_match_the_oracle(self):
        path = oracle_path()
        if path is None:
            self.skipTest("../shared/tools/wordcount_ref.py not present: differential test not run")
        rng = random.Random(int(os.environ.get("HTUT_DIFF_SEED", "20261128")))
        inputs = []
        while len(inputs) < self.N:
            data = base.random_input(rng)
            if base.unicode14_safe(data):
                inputs.append((data, rng.choice([None, None, 0, 1, 3, 10, 1000])))
        expected = oracle_v2(path, [(data, 100 if top is None else top) for data, top in inputs])
        # The generator must exercise step 3b: many inputs whose v2 result has words of those scripts.
        no_space = sum(any(base.holds_no_space_script(w) for w, _ in want[2]) for want in expected)
        self.assertGreater(no_space, self.N // 10)

        def check(item):
            data, top = item
            args = ["-"] if top is None else ["-", "--top", str(top)]
            return base.run_count(args, data)

        failures = []
        with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:
            for (data, top), r, want in zip(inputs, pool.map(check, inputs), expected):
                if r.returncode != 0 or base.pairs(r.stdout) != want:
                    failures.append(f"input={data!r} top={top}\n  want {want}\n  got  {r.stdout!r} {r.stderr!r}")
        self.assertEqual(failures[:5], [], f"{len(failures)} of {len(inputs)} inputs differ")


class DifferentialSpilling(base.TinyBudget, Differential):
    """The same inputs with COUNT_MEMORY_BYTES=1: every count spills to disk."""


if __name__ == "__main__":
    unittest.main()
