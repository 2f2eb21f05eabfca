"""`htut migrate` against a real PostgreSQL: empty database, idempotence,
concurrent runs, a schema newer than the binary, bad configuration."""

import glob
import os
import re
import subprocess
import tempfile
import unittest

from htut_testlib import base_env, new_database, psql, require_env, run_htut


def shipped_migrations():
    """(version, file name) of migrations/*.sql, the set the binary embeds."""
    source = require_env("HTUT_SOURCE_DIR")
    names = sorted(os.path.basename(p) for p in glob.glob(os.path.join(source, "migrations", "*.sql")))
    assert names, "no migrations/*.sql found"
    return [(int(n.split("_", 1)[0]), n) for n in names]


def recorded(db_url):
    rows = psql(db_url, "SELECT version, name FROM schema_migrations ORDER BY version")
    return [(int(v), n) for v, n in (line.split("|") for line in rows.splitlines() if line)]


class MigrateTest(unittest.TestCase):
    def migrate(self, db_url, *extra, env=None):
        return run_htut("migrate", *extra, env={"DATABASE_URL": db_url, **(env or {})})

    def assert_current(self, done, expected_applied):
        out = done.stdout.decode()
        self.assertEqual(done.returncode, 0, done.stderr.decode() + out)
        lines = out.strip().splitlines()
        applied = re.findall(r'msg="applied migration (\S+)"', out)
        self.assertEqual(applied, expected_applied)
        newest = shipped_migrations()[-1][0]
        self.assertIn(f'msg="schema is current at version {newest}"', lines[-1])
        self.assertNotIn("password", out)

    def test_empty_database_then_again(self):
        db = new_database()
        names = [n for _, n in shipped_migrations()]
        self.assert_current(self.migrate(db), names)
        self.assertEqual(recorded(db), shipped_migrations())
        self.assertEqual(psql(db, "SELECT to_regclass('file_upload_meta') IS NOT NULL"), "t")
        # Second run: nothing to do, nothing changes.
        before = psql(db, "SELECT string_agg(applied_at::text, ',') FROM schema_migrations")
        self.assert_current(self.migrate(db), [])
        self.assertEqual(recorded(db), shipped_migrations())
        self.assertEqual(psql(db, "SELECT string_agg(applied_at::text, ',') FROM schema_migrations"), before)

    def test_concurrent_runs_apply_each_migration_once(self):
        db = new_database()
        exe = require_env("HTUT_BIN")
        env = base_env({"DATABASE_URL": db})
        procs = [subprocess.Popen([exe, "migrate"], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
                 for _ in range(4)]
        outputs = [p.communicate(timeout=60) for p in procs]
        applied = []
        for p, (out, err) in zip(procs, outputs):
            self.assertEqual(p.returncode, 0, err.decode() + out.decode())
            self.assertIn("schema is current at version", out.decode())
            applied += re.findall(r'msg="applied migration (\S+)"', out.decode())
        names = [n for _, n in shipped_migrations()]
        self.assertEqual(sorted(applied), sorted(names))  # each exactly once, by whichever run got there first
        self.assertEqual(recorded(db), shipped_migrations())

    def test_newer_schema_is_refused(self):
        db = new_database()
        self.assert_current(self.migrate(db), [n for _, n in shipped_migrations()])
        future = shipped_migrations()[-1][0] + 1000
        psql(db, f"INSERT INTO schema_migrations (version, name) VALUES ({future}, '{future}_from_the_future.sql')")
        done = self.migrate(db)
        self.assertEqual(done.returncode, 1)
        err = done.stderr.decode().strip()
        self.assertEqual(len(err.splitlines()), 1, err)
        self.assertIn(str(future), err)
        self.assertIn("newer than this binary", err)
        self.assertNotIn("schema is current", done.stdout.decode())
        # Nothing was touched, and the lock was released: a second refusal is immediate too.
        self.assertEqual(len(recorded(db)), len(shipped_migrations()) + 1)
        self.assertEqual(self.migrate(db).returncode, 1)

    def test_missing_database_url(self):
        done = run_htut("migrate", env={})
        self.assertEqual(done.returncode, 1)
        err = done.stderr.decode().strip()
        self.assertEqual(len(err.splitlines()), 1, err)
        self.assertIn("DATABASE_URL", err)

    def test_wrong_scheme(self):
        done = run_htut("migrate", env={"DATABASE_URL": "mysql://u:p@127.0.0.1/x"})
        self.assertEqual(done.returncode, 1)
        self.assertIn("DATABASE_URL", done.stderr.decode())

    def test_unreachable_database_hides_the_password(self):
        done = run_htut("migrate", env={"DATABASE_URL": "postgres://someone:hunter2-secret@127.0.0.1:1/nodb"})
        self.assertEqual(done.returncode, 1)
        err = done.stderr.decode().strip()
        self.assertEqual(len(err.splitlines()), 1, err)
        self.assertIn("database unavailable", err)
        self.assertNotIn("hunter2-secret", err + done.stdout.decode())

    def test_env_file_and_extra_argument(self):
        db = new_database()
        with tempfile.NamedTemporaryFile("w", suffix=".env", delete=False) as f:
            f.write(f"DATABASE_URL={db}\n")
        try:
            done = run_htut("migrate", "--env-file", f.name, env={})
            self.assert_current(done, [n for _, n in shipped_migrations()])
        finally:
            os.unlink(f.name)
        self.assertEqual(run_htut("migrate", "extra", env={"DATABASE_URL": db}).returncode, 2)


if __name__ == "__main__":
    unittest.main()
