"""The deploy files (Procfile, app.json, heroku.yml, Dockerfile) agree with the
binary and the scripts. No Docker engine runs here, so the Dockerfile is
checked by what can be checked: its build commands are the repo's own, and
every shared library the built binary loads comes from a package its runtime
stage installs (directly or as a dependency), those it opens with dlopen
(libpq, libcurl) included."""

import glob
import json
import os
import re
import subprocess
import unittest

import htut_testlib as t

# The interface's configuration variables (spec: interface.md).
INTERFACE_VARIABLES = [
    "PORT", "ME", "DATABASE_URL", "CLOUDAMQP_URL", "AMQP_URL", "S3_LOCATION", "S3_KEY",
    "S3_SECRET", "S3_SESSION_TOKEN", "S3_BUCKET", "S3_UPLOAD_DIRECTORY", "S3_REGION",
    "FLASK_SECRET_KEY", "SECRET_KEY", "MAX_UPLOAD_BYTES", "WEB_CONCURRENCY", "WORKER_CONCURRENCY",
]
BUILD_COMMANDS = ["tools/setup", "cmake --preset release", "cmake --build --preset release"]


def read(*parts):
    with open(os.path.join(t.require_env("HTUT_SOURCE_DIR"), *parts), encoding="utf-8") as f:
        return f.read()


def dockerfile_stages(text):
    """[(FROM line, body)] with line continuations joined."""
    text = re.sub(r"\\\n", " ", text)
    stages = []
    for line in text.splitlines():
        line = line.strip()
        if line.upper().startswith("FROM "):
            stages.append([line, []])
        elif stages and line and not line.startswith("#"):
            stages[-1][1].append(line)
    return [(head, "\n".join(body)) for head, body in stages]


def apt_packages(stage_body):
    packages = set()
    for install in re.findall(r"apt-get install ([^&\n]*)", stage_body):
        packages.update(word for word in install.split() if not word.startswith("-"))
    return packages


def installed_packages():
    """{package: (version, [dependency names, every alternative], essential/required?)}."""
    listing = subprocess.run(
        ["dpkg-query", "-W", "-f", "${Package}\t${Version}\t${Depends}, ${Pre-Depends}\t"
         "${Essential}\t${Priority}\t${db:Status-Status}\n"],
        capture_output=True, text=True, check=True).stdout
    packages = {}
    for line in listing.splitlines():
        name, version, depends, essential, priority, status = line.split("\t")
        if status != "installed":
            continue
        names = [alternative.strip().split(" ")[0].split(":")[0]
                 for clause in depends.split(",") for alternative in clause.split("|")]
        packages[name] = (version, [n for n in names if n],
                          essential == "yes" or priority == "required")
    return packages


def dependency_closure(roots, packages):
    """Installed packages reachable from roots through Depends/Pre-Depends."""
    seen, todo = set(), list(roots)
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        todo.extend(packages.get(name, ("", [], False))[1])
    return seen


def owning_packages(paths):
    """{path: package} via one `dpkg -S`, trying the merged-/usr spellings of each path."""
    spellings = {}
    for path in paths:
        for p in (path, os.path.realpath(path)):
            spellings.setdefault(path, []).extend(
                [p, p[len("/usr"):] if p.startswith("/usr/") else "/usr" + p])
    every = sorted({s for names in spellings.values() for s in names})
    # Exits 1 when some spelling is unknown; the known ones are still listed.
    listing = subprocess.run(["dpkg", "-S", *every], capture_output=True, text=True).stdout
    owner = {}
    for line in listing.splitlines():
        package, _, path = line.partition(": ")
        owner[path.strip()] = package.split(":")[0].split(",")[0].strip()
    return {path: next((owner[s] for s in names if s in owner), None)
            for path, names in spellings.items()}


def dlopened_sonames():
    """The libraries htut loads with dlopen (common/shared_library.hpp): the sonames its
    sources name as string literals, e.g. "libpq.so.5" in core/db/libpq_api.cpp."""
    sonames = set()
    for path in glob.glob(os.path.join(t.require_env("HTUT_SOURCE_DIR"), "core", "**", "*.cpp"), recursive=True):
        with open(path, encoding="utf-8") as f:
            sonames.update(re.findall(r'"(lib[A-Za-z0-9_+-]+\.so\.[0-9]+)"', f.read()))
    return sorted(sonames)


def ldd_paths(binary):
    ldd = subprocess.run(["ldd", binary], capture_output=True, text=True, check=True).stdout
    if "not found" in ldd:
        raise AssertionError(f"ldd {binary}: a library is not found:\n{ldd}")
    return re.findall(r"=> (/\S+)", ldd)


class ProcfileTest(unittest.TestCase):
    def test_roles(self):
        entries = dict(line.split(":", 1) for line in read("Procfile").splitlines()
                       if line.strip() and not line.startswith("#"))
        entries = {name.strip(): command.strip() for name, command in entries.items()}
        self.assertEqual(entries, {"web": "htut web", "worker": "htut worker",
                                   "release": "htut migrate"})


class AppJsonTest(unittest.TestCase):
    def setUp(self):
        self.app = json.loads(read("app.json"))

    def test_addons(self):
        plans = {(a["plan"] if isinstance(a, dict) else a).split(":")[0] for a in self.app["addons"]}
        self.assertEqual(plans, {"heroku-postgresql", "cloudamqp"})

    def test_env(self):
        env = self.app["env"]
        self.assertEqual(env["FLASK_SECRET_KEY"].get("generator"), "secret")
        for name in ("S3_LOCATION", "S3_KEY", "S3_SECRET", "S3_BUCKET"):
            self.assertIs(env[name].get("required"), True, f"{name} must be required")
        for name, spec in env.items():
            self.assertIn(name, INTERFACE_VARIABLES, f"app.json declares an unknown variable {name}")
            self.assertTrue(spec.get("description"), f"{name} needs a description")
        # The add-ons provide these; app.json must not ask for them.
        self.assertNotIn("DATABASE_URL", env)
        self.assertNotIn("CLOUDAMQP_URL", env)

    def test_formation(self):
        self.assertEqual(set(self.app["formation"]), {"web", "worker"})


class HerokuYmlTest(unittest.TestCase):
    # No YAML parser in the stdlib: check the lines that matter.
    def test_build_release_run(self):
        text = read("heroku.yml")
        self.assertRegex(text, r"(?m)^build:\n  docker:\n    web: Dockerfile$")
        self.assertRegex(text, r"(?m)^release:\n(  .*\n)*    - htut migrate$")
        self.assertRegex(text, r"(?m)^run:\n  web: htut web$")
        self.assertRegex(text, r"(?m)^  worker:\n    command:\n      - htut worker\n    image: web$")
        for plan in ("heroku-postgresql", "cloudamqp"):
            self.assertIn(f"- plan: {plan}", text)


class DockerfileTest(unittest.TestCase):
    def setUp(self):
        self.stages = dockerfile_stages(read("Dockerfile"))
        self.assertGreaterEqual(len(self.stages), 2, "expected a build and a runtime stage")

    def test_build_stage_uses_the_repo_scripts(self):
        head, body = self.stages[0]
        self.assertRegex(head, r"^FROM debian:bookworm\b(?!-slim)")
        positions = [body.find(command) for command in BUILD_COMMANDS]
        self.assertNotIn(-1, positions, f"the build stage must run {BUILD_COMMANDS}")
        self.assertEqual(positions, sorted(positions), "in this order")
        # ... the same commands tools/test (what the README tells you to run) uses.
        tools_test = read("tools", "test")
        for command in BUILD_COMMANDS:
            self.assertIn(command, tools_test)

    def test_runtime_stage(self):
        head, body = self.stages[-1]
        self.assertRegex(head, r"^FROM debian:bookworm-slim\b")
        self.assertRegex(body, r"COPY --from=\S+ \S*build/release/htut /usr/local/bin/htut")
        self.assertRegex(body, r'CMD \["htut", "web"\]|CMD htut web')
        self.assertNotIn("-dev", " ".join(apt_packages(body)), "no -dev packages at runtime")

    def test_runtime_packages_provide_every_library(self):
        binary = t.require_env("HTUT_BIN")
        listed = apt_packages(self.stages[-1][1])
        self.assertTrue(listed, "the runtime stage installs no packages")
        packages = installed_packages()
        for package in listed:
            self.assertIn(package, packages, f"{package} is not a Debian package installed here")
        # What debian:bookworm-slim has before any install: the Essential and
        # required packages (and their dependencies).
        base = [name for name, (_, _, in_base) in packages.items() if in_base]
        provided = dependency_closure(listed, packages) | dependency_closure(base, packages)
        libraries = ldd_paths(binary)
        self.assertTrue(libraries, "ldd found no shared libraries")
        # The libraries htut opens with dlopen, and what they load in turn.
        for soname in dlopened_sonames():
            path = t.resolve_soname(soname)
            self.assertIsNotNone(path, f"{soname} (loaded with dlopen) is not installed here")
            libraries += [path] + ldd_paths(path)
        libraries = sorted(set(libraries))
        missing = []
        owners = owning_packages(libraries)
        for path in libraries:
            package = owners[path]
            if package is None:
                missing.append(f"{path} (no Debian package owns it)")
            elif package not in provided:
                missing.append(f"{path} (from {package})")
        self.assertEqual(missing, [], "libraries the runtime stage does not install")


class DlopenTest(unittest.TestCase):
    def test_dlopened_libraries_are_not_linked(self):
        # Linked, libpq and libcurl (and their ~30 dependencies) would cost every start of
        # htut, `htut count` included, ~4 ms of CPU (docs/performance-wordcount.md, "Start-up").
        sonames = dlopened_sonames()
        self.assertIn("libpq.so.5", sonames)
        self.assertIn("libcurl.so.4", sonames)
        linked = {os.path.basename(path) for path in ldd_paths(t.require_env("HTUT_BIN"))}
        for soname in sonames:
            self.assertNotIn(soname, linked, f"{soname} is linked; htut loads it with dlopen")


class DocsTest(unittest.TestCase):
    def test_configuration_doc_covers_every_variable(self):
        doc = read("docs", "configuration.md")
        for name in INTERFACE_VARIABLES:
            self.assertIn(f"`{name}`", doc)
        self.assertIn("--env-file", doc)


if __name__ == "__main__":
    unittest.main()
