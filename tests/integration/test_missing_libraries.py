"""Fault: libpq or libcurl is not installed. htut loads them with dlopen on first
use (not linked, so `htut count` starts without them: docs/performance-wordcount.md,
"Start-up"); the roles that need them load them at start-up, so a missing one
fails there, exit 1, with one line that names the library and the Debian package
to install, before any request or job. `htut count` needs neither.

The library is made unloadable for one process only: LD_LIBRARY_PATH names a
directory holding an empty file of the library's name, which the loader finds
first and cannot load ("file too short"). No privileges or namespaces needed.
(htut itself does not link either library, so nothing else is affected.)"""
import os
import subprocess
import tempfile
import unittest

import htut_testlib as t

LIBPQ = ("libpq.so.5", "install Debian's libpq5 (apt-get install libpq5)")
LIBCURL = ("libcurl.so.4", "install Debian's libcurl4 (apt-get install libcurl4)")


def run_without(sonames, args, env, timeout=60, input=b""):
    """htut ARGS with each library in `sonames` unloadable (an empty file found first)."""
    with tempfile.TemporaryDirectory() as broken:
        for soname in sonames:
            if t.resolve_soname(soname) is None:
                raise AssertionError(f"{soname} is not installed here (ldconfig -p)")
            open(os.path.join(broken, soname), "wb").close()
        env = dict(env, LD_LIBRARY_PATH=broken)
        return subprocess.run([t.require_env("HTUT_BIN"), *args], env=t.base_env(env), capture_output=True,
                              timeout=timeout, input=input, cwd=tempfile.gettempdir())


class MissingLibraries(unittest.TestCase):
    def assert_fails_naming(self, result, role, library):
        soname, remedy = library
        stderr = result.stderr.decode()
        self.assertEqual(result.returncode, 1, f"exit status; stderr:\n{stderr}")
        lines = [line for line in stderr.splitlines() if soname in line]
        self.assertEqual(len(lines), 1, f"one line about {soname}; stderr:\n{stderr}")
        self.assertTrue(lines[0].startswith(f"htut {role}: {soname} could not be loaded ("), lines[0])
        self.assertTrue(lines[0].endswith(f"): {remedy}"), lines[0])

    def test_roles_that_need_libpq_fail_at_start_up(self):
        env = t.app_env(port=t.free_port())
        for role, args in (("web", []), ("worker", []), ("migrate", []), ("jobs", ["retry", "--all"])):
            with self.subTest(role=role):
                self.assert_fails_naming(run_without([LIBPQ[0]], [role, *args], env), role, LIBPQ)

    def test_roles_that_need_s3_fail_at_start_up_without_libcurl(self):
        env = t.app_env(port=t.free_port())
        for role, args in (("web", []), ("worker", []), ("s3", ["ls"])):
            with self.subTest(role=role):
                self.assert_fails_naming(run_without([LIBCURL[0]], [role, *args], env), role, LIBCURL)

    def test_file_storage_does_not_need_libcurl(self):
        with tempfile.TemporaryDirectory() as store:
            env = {"S3_LOCATION": "file://" + store}
            put = run_without([LIBCURL[0]], ["s3", "put", "-", "k.txt"], env, input=b"stored without libcurl")
            self.assertEqual(put.returncode, 0, put.stderr.decode())
            with open(os.path.join(store, "k.txt"), "rb") as f:
                self.assertEqual(f.read(), b"stored without libcurl")

    def test_count_needs_neither(self):
        with tempfile.NamedTemporaryFile("w", suffix=".txt") as text:
            text.write("hello world hello\n")
            text.flush()
            result = run_without([LIBPQ[0], LIBCURL[0]], ["count", text.name], {})
        self.assertEqual(result.returncode, 0, result.stderr.decode())
        self.assertIn(b'"total_words": 3', result.stdout)
        self.assertIn(b'"hello": 2', result.stdout)


if __name__ == "__main__":
    unittest.main()
