"""tools/load tells the truth: a clean short run passes with "errors: 0", and a run in which a web
process is killed (SIGKILL, --kill-web-after) counts the refused and reset connections as errors,
names the dead process and exits 1, instead of letting those clients end silently."""
import os
import re
import subprocess
import unittest

from htut_testlib import require_env


def load(*args):
    tool = os.path.join(require_env("HTUT_SOURCE_DIR"), "tools", "load")
    return subprocess.run([tool, "--bin", require_env("HTUT_BIN"), "--clients", "4", *args], capture_output=True,
                          text=True, timeout=400)


class LoadTool(unittest.TestCase):
    def test_clean_run_reports_no_errors(self):
        done = load("--seconds", "3")
        self.assertEqual(done.returncode, 0, done.stdout + done.stderr)
        self.assertRegex(done.stdout, r"errors: 0 \(HTTP errors: 0, connection errors: 0, timeouts: 0\); "
                                      r"processes died: 0; lost documents: 0; wrong counts: 0")

    def test_killed_web_process_is_reported_as_errors(self):
        done = load("--seconds", "6", "--kill-web-after", "2")
        self.assertEqual(done.returncode, 1, done.stdout + done.stderr)
        self.assertIn("killed web.2", done.stdout)
        connection_errors = int(re.search(r"connection errors: (\d+)", done.stdout).group(1))
        self.assertGreater(connection_errors, 0, done.stdout)
        self.assertRegex(done.stdout, r"died: web\.2 \(pid \d+\) exited with -9")
        self.assertIn("processes died: 1", done.stdout)
        self.assertIn("load: FAILED", done.stdout)
        # The uploads web.1 accepted were still all counted exactly.
        self.assertIn("lost documents: 0; wrong counts: 0", done.stdout)


if __name__ == "__main__":
    unittest.main()
