"""tools/run on a clean clone: starts the Procfile's processes on the services, serves, counts, scales
(web=2 worker=3: 200 uploads, each counted exactly once), and stops cleanly on SIGINT."""
import collections
import concurrent.futures
import json
import os
import re
import shutil
import signal
import subprocess
import tempfile
import threading
import unittest

from htut_testlib import delete_queue, free_port, http, multipart_body, port_open, require_env, wait_until


class RunAndScale(unittest.TestCase):
    def test_tools_run_serves_counts_scales_and_stops(self):
        source = require_env("HTUT_SOURCE_DIR")
        binary = require_env("HTUT_BIN")
        services_dir = require_env("HTUT_SERVICES_DIR")
        clone = tempfile.mkdtemp(prefix="htut-run-clone-")
        self.addCleanup(shutil.rmtree, clone, True)
        subprocess.run(["git", "clone", "-q", source, clone], check=True)
        delete_queue("countwords")
        delete_queue("countwords.dead")
        port = free_port()
        second_port = port + 1
        env = {k: v for k, v in os.environ.items() if not k.startswith("HTUT_TEST_")}
        env.update({"HTUT_BIN": binary, "HTUT_SERVICES_DIR": services_dir, "PORT": str(port),
                    "S3_UPLOAD_DIRECTORY": "run-" + os.urandom(4).hex()})
        # Its own database, so the counts below are this test's alone.
        db_name = "htut_run_" + os.urandom(4).hex()
        base_db = require_env("HTUT_TEST_DATABASE_URL")
        subprocess.run(["psql", base_db, "-qc", f'CREATE DATABASE "{db_name}"'], check=True, capture_output=True)
        env["DATABASE_URL"] = base_db.rsplit("/", 1)[0] + "/" + db_name

        run = subprocess.Popen([os.path.join(clone, "tools", "run"), "--no-build", "web=2", "worker=3"], cwd=clone,
                               env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                               start_new_session=True)
        lines = []
        reader = threading.Thread(target=lambda: lines.extend(iter(run.stdout.readline, "")), daemon=True)
        reader.start()
        try:
            wait_until(lambda: port_open(port) and port_open(second_port), 300,  # a fresh clone: npm ci first
                       "tools/run to start web.1 and web.2\n" + "".join(lines))
            self.assertTrue(os.path.exists(os.path.join(clone, ".env")), "tools/run writes a .env")
            status, _, body = http("GET", f"http://127.0.0.1:{port}/healthz")
            self.assertEqual(status, 200, body)

            def upload(i):
                target = port if i % 2 else second_port
                ctype, payload = multipart_body({"document-name": f"Scale {i}"},
                                                {"input-file": (f"s{i}.txt", f"alpha beta gamma doc{i} alpha".encode(),
                                                                "text/plain")})
                status, _, answer = http("POST", f"http://127.0.0.1:{target}/api/documents", payload,
                                         {"Content-Type": ctype}, timeout=30)
                self.assertEqual(status, 201, answer)
                return json.loads(answer)["document_slug"]

            with concurrent.futures.ThreadPoolExecutor(8) as pool:
                slugs = list(pool.map(upload, range(200)))
            self.assertEqual(len(set(slugs)), 200)

            def all_done():
                _, _, body = http("GET", f"http://127.0.0.1:{port}/api/documents?limit=100")
                docs = json.loads(body)["documents"]
                return all(d["status"] == "done" for d in docs) and len(docs) == 100
            wait_until(all_done, 60, "the newest 100 documents to be done")
            for slug in slugs:
                doc = wait_until(lambda: (lambda d: d if d["status"] == "done" else None)(
                    json.loads(http("GET", f"http://127.0.0.1:{port}/api/documents/{slug}")[2])), 60, slug)
                self.assertEqual(doc["word_counts"]["alpha"], 2)
            # Exactly once: one successful job line per document, spread over the three workers.
            # A worker logs the job just after its row is done: wait for every line.
            def job_lines():
                done = collections.Counter()
                workers = set()
                for line in list(lines):
                    m = re.match(r"(worker\.\d+) \| .*msg=job slug=(\S+) .*outcome=done", line)
                    if m:
                        done[m.group(2)] += 1
                        workers.add(m.group(1))
                return done, workers
            wait_until(lambda: all(job_lines()[0][s] for s in slugs), 60, "a job line for every document")
            done, workers = job_lines()
            self.assertEqual({s: done[s] for s in slugs}, {s: 1 for s in slugs})
            self.assertGreaterEqual(len(workers), 2, "the jobs were shared by the workers")
            self.assertTrue(any(l.startswith("web.2 | ") for l in lines))
        finally:
            os.killpg(run.pid, signal.SIGINT)
            code = run.wait(timeout=40)
            reader.join(timeout=5)
            run.stdout.close()
        self.assertEqual(code, 0, "".join(lines[-30:]))
        self.assertFalse(port_open(port))
        self.assertIn("app processes stopped", "".join(lines))


if __name__ == "__main__":
    unittest.main()
