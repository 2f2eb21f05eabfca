"""`htut count` against the reference implementation (../shared/tools/wordcount_ref.py) on
2,000 random inputs. Its own ctest test so that, on a clone without ../shared, exactly this
test shows as Skipped (CI has ../shared, and tools/test fails on any skip there).

Needs HTUT_BIN (the built binary) and HTUT_SOURCE_DIR; no services.
"""
import concurrent.futures
import importlib.util
import os
import random
import unittest

import test_count as base  # the module, not its names: its test classes must not run twice


def load_oracle():
    path = os.path.join(base.source_dir(), "..", "shared", "tools", "wordcount_ref.py")
    if not os.path.exists(path):
        return None
    spec = importlib.util.spec_from_file_location("wordcount_ref", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class Differential(unittest.TestCase):
    N = 2000

    def test_random_inputs_match_the_oracle(self):
        oracle = load_oracle()
        if oracle is None:
            self.skipTest("../shared/tools/wordcount_ref.py not present: differential test not run")
        rng = random.Random(int(os.environ.get("HTUT_DIFF_SEED", "20261128")))
        inputs = []
        while len(inputs) < self.N:
            data = base.random_input(rng)
            if base.unicode14_safe(data):
                inputs.append((data, rng.choice([None, None, 0, 1, 3, 10, 1000])))

        def check(item):
            data, top = item
            expected = oracle.count(data, 100 if top is None else top)
            args = ["-"] if top is None else ["-", "--top", str(top)]
            r = base.run_count(args, data)
            return data, top, r, expected

        failures = []
        with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:
            for data, top, r, expected in pool.map(check, inputs):
                want = (expected["total_words"], expected["distinct_words"], list(expected["word_counts"].items()))
                if r.returncode != 0 or base.pairs(r.stdout) != want:
                    failures.append(f"input={data!r} top={top}\n  want {want}\n  got  {r.stdout!r} {r.stderr!r}")
        self.assertEqual(failures[:5], [], f"{len(failures)} of {len(inputs)} inputs differ")


if __name__ == "__main__":
    unittest.main()
