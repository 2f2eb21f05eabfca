"""tools/run stops what it started: on Ctrl-C (SIGINT to its process group, as a terminal sends it)
the app processes AND the services that this run started stop, and nothing it started still
listens; services that were already running before tools/run stay up.

Uses a services dir and ports of its own (free ports), so the suite's services are not touched."""
import os
import shutil
import signal
import subprocess
import tempfile
import threading
import unittest

from htut_testlib import free_port, port_open, require_env, wait_until

PORT_VARS = ("HTUT_PG_PORT", "HTUT_AMQP_PORT", "HTUT_AMQP_DIST_PORT", "HTUT_EPMD_PORT", "HTUT_S3_PORT",
             "HTUT_S3_FRONT_PORT")


class RunStopsServices(unittest.TestCase):
    def setUp(self):
        self.source = require_env("HTUT_SOURCE_DIR")
        self.binary = require_env("HTUT_BIN")
        self.work = tempfile.mkdtemp(prefix="htut-run-svc-")
        os.chmod(self.work, 0o755)  # the postgres user must reach the services dir
        self.addCleanup(shutil.rmtree, self.work, True)
        self.services_dir = os.path.join(self.work, "services")
        self.ports = {name: free_port() for name in PORT_VARS}
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("HTUT_")}
        self.env.update({name: str(port) for name, port in self.ports.items()})
        self.env.update({"HTUT_BIN": self.binary, "HTUT_SERVICES_DIR": self.services_dir})
        # Whatever happens, leave nothing running.
        self.addCleanup(subprocess.run, [self.services_script(), "down"], env=self.env, capture_output=True,
                        timeout=120)

    def services_script(self):
        return os.path.join(self.source, "tools", "services")

    def services(self, *args):
        return subprocess.run([self.services_script(), *args], env=self.env, capture_output=True, text=True,
                              timeout=180)

    def run_until_serving(self, *args):
        """Starts tools/run in its own process group (like a terminal's foreground job); returns it
        with the list its output lines go to, once the web role answers."""
        app_port = free_port()
        cwd = os.path.join(self.work, "cwd")  # tools/run writes .env in its checkout: use a copy of the tools
        os.makedirs(cwd, exist_ok=True)
        shutil.copytree(os.path.join(self.source, "tools"), os.path.join(cwd, "tools"), dirs_exist_ok=True)
        shutil.copy(os.path.join(self.source, "Procfile"), cwd)
        tests_support = os.path.join(cwd, "tests")
        if not os.path.exists(tests_support):
            os.symlink(os.path.join(self.source, "tests"), tests_support)
        run = subprocess.Popen([os.path.join(cwd, "tools", "run"), "--no-build", *args], cwd=cwd,
                               env={**self.env, "PORT": str(app_port)}, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True, start_new_session=True)
        lines = []
        threading.Thread(target=lambda: lines.extend(iter(run.stdout.readline, "")), daemon=True).start()
        self.addCleanup(lambda: run.poll() is None and os.killpg(run.pid, signal.SIGKILL))
        wait_until(lambda: port_open(app_port) or run.poll() is not None, 180,
                   "tools/run to serve the app")
        self.assertIsNone(run.poll(), "tools/run exited early:\n" + "".join(lines))
        return run, lines, app_port

    def interrupt(self, run, lines):
        os.killpg(run.pid, signal.SIGINT)
        code = run.wait(timeout=120)
        run.stdout.close()
        self.assertEqual(code, 0, "".join(lines[-30:]))

    def test_ctrl_c_stops_the_services_it_started(self):
        for port in self.ports.values():
            self.assertFalse(port_open(port))
        run, lines, app_port = self.run_until_serving()
        for name, port in self.ports.items():
            self.assertTrue(port_open(port), f"{name} {port} is not listening while tools/run runs")
        self.interrupt(run, lines)
        output = "".join(lines)
        self.assertIn("app processes stopped", output)
        self.assertIn("stopping the services this run started: postgres rabbitmq s3", output)
        still = [f"{name}={port}" for name, port in {**self.ports, "PORT": app_port}.items() if port_open(port)]
        self.assertEqual(still, [], "still listening after Ctrl-C:\n" + output)

    def test_services_running_before_stay_up(self):
        up = self.services("up")
        self.assertEqual(up.returncode, 0, up.stderr)
        run, lines, app_port = self.run_until_serving()
        self.interrupt(run, lines)
        self.assertNotIn("stopping the services", "".join(lines))
        self.assertFalse(port_open(app_port))
        status = self.services("status")
        self.assertEqual(status.returncode, 0, status.stdout + status.stderr)
        for name, port in self.ports.items():
            self.assertTrue(port_open(port), f"{name} {port} was running before tools/run and must stay up")


if __name__ == "__main__":
    unittest.main()
