"""Fault injection on the shared services: `tools/services stop-one/start-one`
on the stack of `$HTUT_SERVICES_DIR` (set by `tools/services env`).
`service_stopped()` always starts the service again, also when the test
fails, so later tests find the stack whole."""

import contextlib
import os
import subprocess
import time

from htut_testlib import RUN_VIA, require_env

SERVICES = ("postgres", "rabbitmq", "s3")


def _services_script():
    return os.path.join(require_env("HTUT_SOURCE_DIR"), "tools", "services")


def services(action, name):
    """`tools/services start-one|stop-one NAME` on the stack the tests use; returns seconds taken."""
    require_env("HTUT_SERVICES_DIR")  # never guess: the default dir may be someone's dev stack
    started = time.monotonic()
    done = subprocess.run([_services_script(), action, name], capture_output=True, text=True, timeout=120)
    if done.returncode != 0:
        raise AssertionError(f"tools/services {action} {name} failed ({RUN_VIA}):\n{done.stderr}")
    return time.monotonic() - started


def start_service(name, attempts=3):
    """Starts a service and returns once it accepts connections (start-one waits for its port)."""
    for attempt in range(1, attempts + 1):
        try:
            return services("start-one", name)
        except AssertionError:
            if attempt == attempts:
                raise
            time.sleep(1)


def ensure_all_up():
    """Idempotent: starts whatever a failed test may have left stopped."""
    for name in SERVICES:
        start_service(name)


class Outage:
    """Timestamps of one outage (monotonic seconds), filled in by service_stopped()."""
    stop_began = stopped = start_began = started = None

    def down_window(self):
        """Seconds during which the service was certainly down."""
        return (self.stopped, self.start_began)


@contextlib.contextmanager
def service_stopped(name):
    """Stops `name` for the body of the with-statement, then starts it again (always)."""
    outage = Outage()
    outage.stop_began = time.monotonic()
    try:
        services("stop-one", name)
        outage.stopped = time.monotonic()
        yield outage
    finally:
        outage.start_began = time.monotonic()
        start_service(name)
        outage.started = time.monotonic()
