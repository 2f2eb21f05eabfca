#!/usr/bin/env python3
"""Runs the web role's open-internet tests (issue 14) and writes their figures
into docs/security.md between the markers `<!-- web-figures:begin -->` and
`<!-- web-figures:end -->`, with the commit measured.

    eval "$(tools/services env)"; export HTUT_BIN=build/release/htut
    python3 tests/hostile/web_figures.py

Each test prints `figure: name=value` lines; a test that fails makes the
script exit 1 without touching the document."""
import datetime
import os
import re
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
TESTS = [("hostile", "test_slow_uploads"), ("hostile", "test_event_streams"),
         ("hostile", "test_http_exact.HttpExact.test_healthz_costs_one_check_a_second"),
         ("faults", "test_web_sigterm_cut")]
BEGIN, END = "<!-- web-figures:begin -->", "<!-- web-figures:end -->"


def main():
    env = dict(os.environ, PYTHONDONTWRITEBYTECODE="1", HTUT_SOURCE_DIR=ROOT,
               PYTHONPATH=os.path.join(ROOT, "tests", "integration"))
    rows = []
    for suite, test in TESTS:
        r = subprocess.run([sys.executable, "-m", "unittest", test], cwd=os.path.join(ROOT, "tests", suite), env=env,
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        if r.returncode != 0:
            sys.stderr.write(r.stdout[-4000:])
            sys.exit(f"web_figures: {test} failed; docs/security.md unchanged")
        for line in r.stdout.splitlines():
            for name, value in re.findall(r"figure: (\w+)=(\S.*?)(?= \w+=|$)", line):
                rows.append((test.split(".")[0], name, value))
            m = re.match(r"/healthz: (\d+) answers from 64 callers in 5 s cost (-?\d+) database transactions", line)
            if m:
                rows.append((test.split(".")[0], "healthz_answers_in_5s_from_64_callers", m.group(1)))
                rows.append((test.split(".")[0], "healthz_db_transactions_in_5s", m.group(2)))
    commit = subprocess.run(["git", "-C", ROOT, "rev-parse", "--short", "HEAD"], stdout=subprocess.PIPE,
                            text=True).stdout.strip()
    dirty = subprocess.run(["git", "-C", ROOT, "status", "--porcelain", "--untracked-files=no"],
                           stdout=subprocess.PIPE, text=True).stdout.strip()
    when = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    table = [BEGIN, f"Measured at commit `{commit}`{' (with uncommitted changes)' if dirty else ''}, {when}, "
                    f"by `tests/hostile/web_figures.py` on this machine (2 shared cores).", "",
             "| test | figure | value |", "| --- | --- | --- |"]
    table += [f"| `{t}` | {n} | {v} |" for t, n, v in rows]
    table.append(END)
    path = os.path.join(ROOT, "docs", "security.md")
    text = open(path).read()
    start, end = text.index(BEGIN), text.index(END) + len(END)
    open(path, "w").write(text[:start] + "\n".join(table) + text[end:])
    print("\n".join(table))


if __name__ == "__main__":
    main()
