"""The schema that `htut migrate` creates, checked with psql: column types
(json, not jsonb), constraints, the status NOTIFY trigger, and that the
queries the app makes are served by indexes."""

import re
import subprocess
import unittest

from htut_testlib import new_database, psql, run_htut

TIMESTAMP = r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z"


class SchemaTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.db = new_database()
        done = run_htut("migrate", env={"DATABASE_URL": cls.db})
        assert done.returncode == 0, done.stderr.decode() + done.stdout.decode()

    def insert(self, slug, status="pending"):
        return psql(self.db, "INSERT INTO file_upload_meta (document_name, document_slug, time_uploaded, s3_key, filename,"
                             f" status) VALUES ('Doc', '{slug}', clock_timestamp(), 'files/x.txt', 'x.txt', '{status}')"
                             " RETURNING time_uploaded")

    def test_seed_columns_and_types(self):
        rows = psql(self.db, "SELECT column_name, data_type FROM information_schema.columns"
                             " WHERE table_name = 'file_upload_meta'")
        types = dict(line.split("|") for line in rows.splitlines())
        for column in ("document_name", "document_slug", "s3_key", "filename", "status", "error"):
            self.assertEqual(types[column], "text", column)
        self.assertEqual(types["time_uploaded"], "timestamp with time zone")
        self.assertEqual(types["word_counts"], "json")  # not jsonb: rank order must survive
        for column in ("total_words", "distinct_words", "size_bytes"):
            self.assertEqual(types[column], "bigint", column)
        pk = psql(self.db, "SELECT string_agg(a.attname, ',' ORDER BY k.ord) FROM pg_index i"
                           " CROSS JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k(attnum, ord)"
                           " JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum"
                           " WHERE i.indrelid = 'file_upload_meta'::regclass AND i.indisprimary")
        self.assertEqual(pk, "document_slug,time_uploaded")

    def test_word_counts_keep_rank_order(self):
        slug = "order-test"
        self.insert(slug)
        counts = '{"zebra": 9, "a": 8, "mmmmmmmm": 7, "b": 7}'
        psql(self.db, f"UPDATE file_upload_meta SET word_counts = '{counts}' WHERE document_slug = '{slug}'")
        back = psql(self.db, f"SELECT word_counts FROM file_upload_meta WHERE document_slug = '{slug}'")
        self.assertEqual(back, counts)
        keys = psql(self.db, "SELECT string_agg(k, ',') FROM file_upload_meta,"
                             f" json_object_keys(word_counts) AS k WHERE document_slug = '{slug}'")
        self.assertEqual(keys, "zebra,a,mmmmmmmm,b")

    def test_status_defaults_and_is_checked(self):
        self.insert("default-status")
        self.assertEqual(psql(self.db, "SELECT status FROM file_upload_meta WHERE document_slug = 'default-status'"),
                         "pending")
        with self.assertRaisesRegex(AssertionError, "check constraint"):
            self.insert("bad-status", status="bogus")
        with self.assertRaisesRegex(AssertionError, "check constraint"):
            self.insert("")

    def test_primary_key_refuses_duplicates(self):
        t = self.insert("dup")
        with self.assertRaisesRegex(AssertionError, "duplicate key"):
            psql(self.db, "INSERT INTO file_upload_meta (document_name, document_slug, time_uploaded, s3_key, filename)"
                          f" VALUES ('Doc', 'dup', '{t}', 'k', 'f')")

    def test_status_changes_notify(self):
        # One psql session: LISTEN, then changes; psql prints each notification it receives.
        script = """
LISTEN document_status;
INSERT INTO file_upload_meta (document_name, document_slug, s3_key, filename) VALUES ('N', 'notify-me', 'k', 'f');
UPDATE file_upload_meta SET published_at = now() WHERE document_slug = 'notify-me';
UPDATE file_upload_meta SET status = 'done', word_counts = '{}' WHERE document_slug = 'notify-me';
UPDATE file_upload_meta SET status = 'done' WHERE document_slug = 'notify-me';
SELECT 1;
"""
        done = subprocess.run(["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", self.db],
                              input=script, capture_output=True, text=True, timeout=60)
        self.assertEqual(done.returncode, 0, done.stderr)
        payloads = re.findall(r'Asynchronous notification "document_status" with payload "(.*)" received',
                              done.stdout)
        # The insert and the one real status change; not published_at, not done -> done.
        self.assertEqual(len(payloads), 2, done.stdout)
        pattern = r'\{"document_slug" : "notify-me", "time_uploaded" : "(' + TIMESTAMP + r')", "status" : "(\w+)"\}'
        first, second = (re.fullmatch(pattern, p) for p in payloads)
        self.assertIsNotNone(first, payloads[0])
        self.assertIsNotNone(second, payloads[1])
        self.assertEqual(first.group(2), "pending")
        self.assertEqual(second.group(2), "done")
        # The payload's timestamp names the row exactly.
        self.assertEqual(psql(self.db, "SELECT count(*) FROM file_upload_meta WHERE document_slug = 'notify-me'"
                                       f" AND time_uploaded = '{first.group(1)}'::timestamptz"), "1")

    def explain(self, query):
        plan = subprocess.run(["psql", "-X", "-q", "-t", "-A", "-d", self.db],
                              input=f"SET enable_seqscan = off;\nEXPLAIN {query};\n",
                              capture_output=True, text=True, timeout=60)
        self.assertEqual(plan.returncode, 0, plan.stderr)
        return plan.stdout

    def test_app_queries_use_indexes(self):
        newest_of_slug = self.explain("SELECT * FROM file_upload_meta WHERE document_slug = 'x'"
                                      " ORDER BY time_uploaded DESC LIMIT 1")
        self.assertIn("Index Scan Backward using file_upload_meta_pkey", newest_of_slug)
        newest = self.explain("SELECT * FROM file_upload_meta ORDER BY time_uploaded DESC LIMIT 20")
        self.assertIn("file_upload_meta_newest", newest)
        outbox = self.explain("SELECT * FROM file_upload_meta WHERE status = 'pending' AND published_at IS NULL"
                              " ORDER BY time_uploaded LIMIT 100")
        self.assertIn("file_upload_meta_outbox", outbox)


if __name__ == "__main__":
    unittest.main()
