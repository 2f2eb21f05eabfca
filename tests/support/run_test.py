#!/usr/bin/env python3
"""How ctest runs a test file, so that a skipped test is reported as skipped, never as passed.

    run_test.py unittest MODULE      # a Python unittest module (run from its directory)
    run_test.py exec PROGRAM [ARGS]  # a Catch2 v2 program whose skipped cases WARN("SKIPPED: why")

Exit status: the test's own when it failed; SKIP_CODE (77) when it passed but skipped something;
0 when everything ran and passed. tests/CMakeLists.txt sets SKIP_RETURN_CODE 77, so ctest shows
such a file as "Skipped" and lists it under "The following tests did not run". Each skip reason is
printed on stderr and appended to $HTUT_TEST_SKIP_LOG (tools/test prints that file at the end).
"""
import os
import re
import subprocess
import sys
import unittest

SKIP_CODE = 77


def record(skips):
    for line in skips:
        print(f"SKIPPED: {line}", file=sys.stderr, flush=True)
    log = os.environ.get("HTUT_TEST_SKIP_LOG")
    if skips and log:
        with open(log, "a", encoding="utf-8") as f:
            f.writelines(line + "\n" for line in skips)


def run_unittest(module):
    sys.path.insert(0, os.getcwd())
    suite = unittest.defaultTestLoader.loadTestsFromName(module)
    result = unittest.TextTestRunner(verbosity=2, stream=sys.stdout).run(suite)
    if not result.wasSuccessful():
        return 1
    if result.testsRun == 0:
        print(f"{module}: no test ran", file=sys.stderr)
        return 1
    record([f"{test.id()}: {reason}" for test, reason in result.skipped])
    return SKIP_CODE if result.skipped else 0


def run_program(argv):
    done = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    out = done.stdout.decode("utf-8", "replace")
    sys.stdout.write(out)
    sys.stdout.flush()
    if done.returncode != 0:
        return done.returncode
    # Catch2 wraps a long message at 80 columns: join the indented lines that follow.
    skips = [f"{os.path.basename(argv[0])}: {' '.join(m.split())}"
             for m in re.findall(r"SKIPPED:(.*(?:\n[ \t]+\S.*)*)", out)]
    record(skips)
    return SKIP_CODE if skips else 0


def main():
    if len(sys.argv) == 3 and sys.argv[1] == "unittest":
        sys.exit(run_unittest(sys.argv[2]))
    if len(sys.argv) >= 3 and sys.argv[1] == "exec":
        sys.exit(run_program(sys.argv[2:]))
    sys.exit(__doc__)


if __name__ == "__main__":
    main()
