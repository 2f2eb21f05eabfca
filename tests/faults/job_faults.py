"""Storage faults injected by the test S3 front (tests/support/s3front_faults.js),
the dead-letter queue, and the broker's view of a worker's connections, for
the "Jobs that fail" tests (docs/queue.md)."""

import json
import os
import subprocess
import urllib.parse

from htut_testlib import http, require_env, run_htut

FRONT_FAULTS = "__faults"


def front_url():
    return require_env("HTUT_TEST_S3_LOCATION").rstrip("/") + "/"


def add_fault(contains, method="GET", status=None, hold_ms=0, for_ms=0, times=0):
    """A rule on the S3 front: requests whose path contains `contains` get `status` (after `hold_ms`)."""
    rule = {"contains": contains, "method": method, "hold_ms": hold_ms, "for_ms": for_ms, "times": times}
    if status:
        rule["status"] = status
    answer, _, body = http("POST", front_url() + FRONT_FAULTS, json.dumps(rule), {"Content-Type": "application/json"})
    assert answer == 200, body
    return json.loads(body)["id"]


def clear_faults():
    answer, _, body = http("DELETE", front_url() + FRONT_FAULTS)
    assert answer == 200, body


def requests_to(contains, method="GET"):
    """How many `method` requests for paths containing `contains` reached the S3 front (faulted or not)."""
    query = urllib.parse.urlencode({"contains": contains, "method": method})
    answer, _, body = http("GET", front_url() + FRONT_FAULTS + "/requests?" + query)
    assert answer == 200, body
    return json.loads(body)["count"]


def jobs(*args, env):
    """`htut jobs ARGS`; returns CompletedProcess (text)."""
    done = run_htut("jobs", *args, env=env)
    return subprocess.CompletedProcess(done.args, done.returncode, done.stdout.decode(), done.stderr.decode())


def dead_jobs(env):
    """`htut jobs dead` as [(slug, when, why)]."""
    done = jobs("dead", env=env)
    assert done.returncode == 0, done.stderr
    return [tuple(line.split("\t", 2)) for line in done.stdout.splitlines() if line]


def rabbitmqctl(*args):
    """rabbitmqctl against the test stack's private node (tools/services), via its own epmd and cookie."""
    base = require_env("HTUT_SERVICES_DIR")
    ports = {}
    with open(os.path.join(base, "ports.env")) as f:
        for line in f:
            name, _, value = line.strip().partition("=")
            ports[name] = value
    rabbit = os.path.join(base, "rabbitmq")
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": rabbit, "ERL_EPMD_PORT": ports["saved_epmd"],
           "RABBITMQ_CONF_ENV_FILE": os.path.join(rabbit, "rabbitmq-env.conf")}
    done = subprocess.run(["/usr/lib/rabbitmq/bin/rabbitmqctl", "-q", "-n", f"htut{ports['saved_amqp']}@localhost",
                           *args], env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return done.stdout


def connection_names():
    """The connection_name client property of every open AMQP connection."""
    listed = json.loads(rabbitmqctl("list_connections", "client_properties", "--formatter", "json") or "[]")
    names = []
    for connection in listed:
        properties = connection.get("client_properties", [])
        # JSON formatter: a list of [key, type, value] triples
        for entry in properties:
            if isinstance(entry, list) and len(entry) == 3 and entry[0] == "connection_name":
                names.append(entry[2])
    return names


def amqp_sockets(pid, amqp_port):
    """How many TCP connections process `pid` holds to the broker's port (from /proc, no broker involved)."""
    inodes = set()
    for fd in os.listdir(f"/proc/{pid}/fd"):
        try:
            target = os.readlink(f"/proc/{pid}/fd/{fd}")
        except OSError:
            continue
        if target.startswith("socket:["):
            inodes.add(target[8:-1])
    count = 0
    for table in ("tcp", "tcp6"):
        try:
            with open(f"/proc/{pid}/net/{table}") as f:
                next(f)
                for line in f:
                    fields = line.split()
                    remote_port = int(fields[2].split(":")[1], 16)
                    if remote_port == amqp_port and fields[3] == "01" and fields[9] in inodes:  # ESTABLISHED
                        count += 1
        except FileNotFoundError:
            pass
    return count
