"""tools/services: a private stack in a fresh dir on non-default ports comes up
on loopback only, reports itself, restarts one service, and `down` leaves no
process or open port behind."""

import os
import shutil
import subprocess
import tempfile
import time
import unittest

import htut_testlib as t

SERVICES = ("postgres", "rabbitmq", "s3rver")


def listening_addresses(port):
    """Local IPv4 addresses (hex, as in /proc/net/tcp) listening on `port`."""
    found = []
    with open("/proc/net/tcp") as table:
        next(table)
        for row in table:
            local, state = row.split()[1], row.split()[3]
            address, port_hex = local.split(":")
            if state == "0A" and int(port_hex, 16) == port:  # 0A = LISTEN
                found.append(address)
    return found


def processes_mentioning(text):
    pids = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit() or int(entry) == os.getpid():
            continue
        try:
            with open(f"/proc/{entry}/cmdline", "rb") as f:
                cmdline = f.read().replace(b"\0", b" ").decode("utf-8", "replace")
            with open(f"/proc/{entry}/stat") as f:
                state = f.read().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if text in cmdline and state != "Z":
            pids.append(f"{entry}: {cmdline}")
    return pids


class ServicesTest(unittest.TestCase):
    def setUp(self):
        self.source = t.require_env("HTUT_SOURCE_DIR")
        self.base = tempfile.mkdtemp(prefix="htut-svc-test-", dir="/tmp")
        ports = set()
        while len(ports) < 6:
            ports.add(t.free_port())
        self.ports = dict(zip(("HTUT_PG_PORT", "HTUT_AMQP_PORT", "HTUT_AMQP_DIST_PORT",
                               "HTUT_EPMD_PORT", "HTUT_S3_PORT", "HTUT_S3_FRONT_PORT"), sorted(ports)))
        self.env = {**os.environ, "HTUT_SERVICES_DIR": self.base,
                    **{k: str(v) for k, v in self.ports.items()}}
        self.addCleanup(shutil.rmtree, self.base, ignore_errors=True)
        self.addCleanup(self.services, "down", check=False)

    def services(self, *args, check=True, timeout=120):
        done = subprocess.run([os.path.join(self.source, "tools", "services"), *args],
                              env=self.env, capture_output=True, text=True, timeout=timeout,
                              stdin=subprocess.DEVNULL)
        if check and done.returncode != 0:
            self.fail(f"tools/services {' '.join(args)} exited {done.returncode}:\n"
                      f"{done.stdout}{done.stderr}")
        return done

    def status(self):
        lines = self.services("status", check=False).stdout.splitlines()
        return {line.split()[0]: line.split()[1] for line in lines if len(line.split()) >= 2}

    def test_up_status_restart_down(self):
        started = time.monotonic()
        self.services("up")
        status = self.status()
        for name in SERVICES:
            self.assertEqual(status.get(name), "up", f"status after up: {status}")
        if os.path.exists(os.path.join(self.source, "tests", "support", "s3front.js")):
            self.assertEqual(status.get("s3front"), "up", f"status after up: {status}")

        # Loopback only, on the ports we asked for.
        for var in ("HTUT_PG_PORT", "HTUT_AMQP_PORT", "HTUT_AMQP_DIST_PORT", "HTUT_S3_PORT"):
            addresses = listening_addresses(self.ports[var])
            self.assertTrue(addresses, f"nothing listens on {var}={self.ports[var]}")
            self.assertEqual(set(addresses), {"0100007F"}, f"{var} must listen on 127.0.0.1 only")

        # `env` describes this stack, and the URLs work.
        exports = {}
        for line in self.services("env").stdout.splitlines():
            self.assertTrue(line.startswith("export "), line)
            name, _, value = line[len("export "):].partition("=")
            exports[name] = value
        self.assertEqual(exports["HTUT_SERVICES_DIR"], self.base)
        self.assertEqual(exports["HTUT_TEST_DATABASE_URL"],
                         f"postgres://postgres@127.0.0.1:{self.ports['HTUT_PG_PORT']}/htut")
        self.assertEqual(exports["HTUT_TEST_AMQP_URL"],
                         f"amqp://guest:guest@127.0.0.1:{self.ports['HTUT_AMQP_PORT']}/%2F")
        self.assertEqual(exports["HTUT_TEST_S3_PLAIN_LOCATION"],
                         f"http://127.0.0.1:{self.ports['HTUT_S3_PORT']}/")
        self.assertEqual(t.psql(exports["HTUT_TEST_DATABASE_URL"], "SELECT current_database()"), "htut")
        status_code, _, _ = t.http("GET", exports["HTUT_TEST_S3_PLAIN_LOCATION"] + "htut")
        self.assertEqual(status_code, 200, "s3rver should serve the configured bucket htut")

        # `up` again reuses what runs.
        again = self.services("up")
        self.assertIn("already running", again.stderr)

        # One service can be stopped and started again (fault tests do this).
        self.services("stop-one", "postgres")
        self.assertEqual(self.status().get("postgres"), "down")
        self.assertFalse(t.port_open(self.ports["HTUT_PG_PORT"]))
        self.assertEqual(self.status().get("rabbitmq"), "up")
        self.services("start-one", "postgres")
        self.assertEqual(self.status().get("postgres"), "up")
        self.assertEqual(t.psql(exports["HTUT_TEST_DATABASE_URL"], "SELECT 1"), "1")

        self.services("down")
        for var, port in self.ports.items():
            self.assertFalse(t.port_open(port), f"{var}={port} still open after down")
        leftovers = processes_mentioning(self.base)
        self.assertEqual(leftovers, [], "processes left behind by tools/services down")
        status = self.status()
        for name in SERVICES:
            self.assertEqual(status.get(name), "down", f"status after down: {status}")
        # Generous: RabbitMQ alone boots in 5-12 s, and this suite must pass on a loaded 2-core machine.
        self.assertLess(time.monotonic() - started, 180, "tools/services is too slow")

    def test_reports_a_taken_port(self):
        # s3rver's port already in use by someone else: a clear message, not a hang.
        import socket
        with socket.socket() as squatter:
            squatter.bind(("127.0.0.1", self.ports["HTUT_S3_PORT"]))
            squatter.listen()
            # Only start what is needed to reach the S3 step quickly.
            done = self.services("start-one", "s3", check=False, timeout=30)
        self.assertNotEqual(done.returncode, 0)
        self.assertIn(f"port {self.ports['HTUT_S3_PORT']}", done.stderr)
        self.assertIn("HTUT_S3_PORT", done.stderr)


if __name__ == "__main__":
    unittest.main()
