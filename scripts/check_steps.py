"""What ``python scripts/check.py`` does once scripts/check.py has found Python 3.11 or newer:
everything CI checks, from a fresh clone (.ci/run is scripts/check.py).

In order, as the README and docs/testing.md say, failing (non-zero) on any failure:

1. the checklist with the README's install alone (scripts/checklist.py): ``pytest features/``,
   the project's own modules byte-compiled first (``compileall``: a machine that sets
   PYTHONDONTWRITEBYTECODE, as CI's does, compiled them again in each of the ~250 processes the
   checks start; 0.17 s of a run's 3.48 s of CPU, the median of eight interleaved pairs);
2. the tests' install (requirements-dev.txt), beside the HTML report of that run, both variants
   (``npm run report`` and ``report:single-file`` with ``--run <its ID>``, after ``npm ci``). The
   report is written into the run's folder under reports/, so it ends before the tests start:
   they fail if anything changes reports/ meanwhile (tests/conftest.py);
3. ``pytest tests/ -n 3 --dist loadfile`` with the options given, beside the linters and the
   workflow checks, the type check and the platform check (mypy). Three workers on two cores:
   the tests wait on servers and subprocesses often enough that a third fills the cores (8:10
   against 9:00 here).

Debian's Chromium with a Japanese font (the HTML report's test opens it) and Node's packages
install in the background from the start. Where Chromium cannot be installed (not root, no apt)
one line says so and that test is skipped, unless HANDSON_REQUIRE_BROWSER=1 (CI) makes it fail.
A background job's output is shown when it fails; the output ends with the tests' summary.

``--fresh`` removes ``.venv`` first (CI); ``--dry-run`` prints the commands instead. A plain
script, not a task runner: a newcomer has Python and nothing else yet, and the engine's install
without its dependencies is a pip option here, as in the README.
"""

from __future__ import annotations

import argparse
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from scripts.checklist_steps import (
    CHECKLIST,
    ROOT,
    TESTS,
    VENV,
    Install,
    activated,
    checklist_command,
    ensure,
    pip_command,
    run,
    venv_python,
    wait_for,
)

BROWSER_PACKAGES = ("chromium", "fonts-ipafont-gothic")
# The project's own Python: what every run, command and test imports (relative to ROOT).
OWN_SOURCES = ("conftest.py", "features", "fixtures", "handson", "scripts", "steps", "tests")
REQUIRED = "HANDSON_REQUIRE_BROWSER"  # tests/helpers/html_report.py reads it
TESTS_COMMAND = ("-m", "pytest", "tests/", "-n", "3", "--dist", "loadfile")
# pytest's last line: "==== 812 passed, 3 skipped in 540.12s (0:09:00) ====".
SUMMARY = re.compile(rb"^=+ .* in [0-9.]+s.* =+\s*$")


def say(line: str) -> None:
    print(f"check: {line}", flush=True)


def shown(command: Sequence[str | Path]) -> str:
    return shlex.join(str(word) for word in command)


class Job:
    """Commands run one after another in the background (after another job, if given), their
    output in a log that is shown if one fails."""

    def __init__(
        self, name: str, commands: list[list[str]], logs: Path, after: Job | None = None
    ) -> None:
        self.name, self.commands, self.after = name, commands, after
        self.log = logs / f"{re.sub(r'[^a-z]+', '-', name.lower())}.log"
        self.code: int | None = None
        self.passed: bool | None = None  # once reported
        self.started = self.ended = time.monotonic()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def start(self) -> Job:
        self._thread.start()
        return self

    def _run(self) -> None:
        with self.log.open("wb") as log:
            if self.after is not None and self.after.wait() != 0:
                log.write(f"not run: {self.after.name} failed\n".encode())
                self.code = 1
                return
            for command in self.commands:
                log.write(f"$ {shown(command)}\n".encode())
                log.flush()
                done = subprocess.run(command, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
                self.ended = time.monotonic()
                if done.returncode != 0:
                    self.code = done.returncode
                    return
        self.code = 0

    def wait(self) -> int:
        if self._thread.ident is not None:  # started
            self._thread.join()
        return 1 if self.code is None else self.code

    def report(self) -> bool:
        """One line on how it ended, and its log if it failed; whether it passed."""
        if self.passed is not None:
            return self.passed
        code = self.wait()
        took = self.ended - self.started
        say(f"{self.name}: {'passed' if code == 0 else f'FAILED (exit {code})'} ({took:.0f} s)")
        if code != 0:
            sys.stdout.write(self.log.read_text("utf-8", errors="replace"))
        self.passed = code == 0
        return self.passed


class Plan:
    """Runs the steps, or with ``dry`` prints them."""

    def __init__(self, dry: bool, logs: Path) -> None:
        self.dry, self.logs = dry, logs
        self.jobs: list[Job] = []
        self.shown: set[Install] = set()  # installs a dry run printed

    def background(self, name: str, commands: list[list[str]], after: Job | None = None) -> Job:
        if self.dry:
            for command in commands:
                say(f"[{name}, in the background] {shown(command)}")
        job = Job(name, commands, self.logs, after)
        self.jobs.append(job)
        return job if self.dry else job.start()

    def foreground(self, command: list[str], env: dict[str, str] | None = None) -> int:
        say(shown(command))
        return 0 if self.dry else run(command, env=env)

    def install(self, *groups: Sequence[Install]) -> Path:
        installs = [install for group in groups for install in group]
        python = venv_python(VENV)
        if self.dry:
            for install in installs:
                if install not in self.shown:
                    say(f"{shown(pip_command(python, install))}  (unless .venv has it)")
                    self.shown.add(install)
            return python
        return ensure(installs)

    def finish(self) -> bool:
        """Every background job's end, failed ones with their logs; whether all passed."""
        return self.dry or all([job.report() for job in self.jobs])


def tool(python: Path, name: str) -> str:
    """A command the tests' install put beside the virtual environment's Python."""
    return str(python.parent / (f"{name}.exe" if sys.platform == "win32" else name))


def checks(python: Path) -> list[list[str]]:
    """docs/testing.md's linters and workflow checks. Every workflow goes against GitHub's schema
    and through zizmor's audit (actions pinned to commits, no persisted token, an OIDC token only
    where a role is assumed), both offline."""
    flows = ".github/workflows"
    every_flow = [f"{flows}/{p.name}" for p in sorted((ROOT / flows).glob("*.yml"))]
    schema = [tool(python, "check-jsonschema"), "--builtin-schema", "vendor.github-workflows"]
    parse = "import sys, yaml; [yaml.safe_load(open(f)) for f in sys.argv[1:]]"
    return [
        [tool(python, "ruff"), "check", "."],
        [tool(python, "ruff"), "format", "--check", "."],
        [tool(python, "cfn-lint"), "ci/sandbox-bootstrap.yaml"],
        [str(python), "-c", parse, f"{flows}/nightly.yml", f"{flows}/grade-class.yml"],
        [*schema, *every_flow],
        [tool(python, "zizmor"), "--offline", flows],
    ]


def browser_install() -> tuple[list[list[str]] | None, str]:
    """The commands that install Debian's Chromium with a Japanese font (none: it is there), or
    None and why it cannot be installed here."""
    apt = sys.platform == "linux" and shutil.which("apt-get") and shutil.which("dpkg")
    if not apt:
        if shutil.which("chromium") or shutil.which("chromium-browser"):
            return [], ""
        return None, "no apt-get here (Debian or Ubuntu)"
    there = subprocess.run(["dpkg", "-s", *BROWSER_PACKAGES], capture_output=True).returncode == 0
    if there:
        return [], ""
    if sys.platform != "win32" and os.geteuid() != 0:
        return None, "installing it takes root"
    update, install = ["apt-get", "update", "-qq"], ["apt-get", "install", "-y", "-qq"]
    return [update, [*install, *BROWSER_PACKAGES]], ""


def checklist_run(python: Path) -> str:
    """The run the checklist just made: its reports are made from it, whatever runs after."""
    newest = "from pathlib import Path; from handson.run_folder import latest_run, reports_dir; "
    newest += "print(latest_run(reports_dir(Path.cwd())) or '')"
    done = subprocess.run([str(python), "-c", newest], cwd=ROOT, capture_output=True, text=True)
    return done.stdout.strip()


def tests(python: Path, pytest_args: Sequence[str], dry: bool) -> tuple[int, bytes]:
    """The tests, their output shown as it comes; their exit code and summary line."""
    # Colours as on a terminal, though through a pipe (not on Windows: its console shows ANSI
    # codes only where a program turned them on).
    color = ["--color=yes"] if sys.stdout.isatty() and sys.platform != "win32" else []
    command = [str(python), *TESTS_COMMAND, *color, *pytest_args]
    say(shown(command))
    if dry:
        return 0, b""
    env = {**os.environ, "PYTHONIOENCODING": "utf-8"}  # the bytes this process passes on
    process = subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )
    summary = b""
    assert process.stdout is not None
    while True:
        try:
            for line in process.stdout:
                sys.stdout.buffer.write(line)
                sys.stdout.buffer.flush()
                if SUMMARY.match(re.sub(rb"\x1b\[[0-9;]*m", b"", line)):
                    summary = line
            break
        except KeyboardInterrupt:
            continue  # the tests have it too: show them ending
    return wait_for(process), summary


def main(argv: Sequence[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fresh", action="store_true", help="remove .venv first (CI)")
    parser.add_argument("--dry-run", action="store_true", help="print the commands only")
    args, pytest_args = parser.parse_known_args(list(argv))
    with tempfile.TemporaryDirectory(prefix="handson-check-") as logs:
        plan = Plan(args.dry_run, Path(logs))
        try:
            return steps(plan, args.fresh, pytest_args)
        except KeyboardInterrupt:  # what it started has it too, and ends
            say("interrupted")
            return 130
        except SystemExit:  # an install failed: what runs in the background ends first
            plan.finish()
            raise


def steps(plan: Plan, fresh: bool, pytest_args: Sequence[str]) -> int:
    if fresh:
        say(f"removing {VENV}")
        if not plan.dry:
            shutil.rmtree(VENV, ignore_errors=True)
    installing, why_not = browser_install()
    browser = plan.background("Chromium", installing) if installing else None
    if installing is None:
        required = os.environ.get(REQUIRED) == "1"
        after = "fails, as " + REQUIRED + "=1" if required else "is skipped"
        say(f"Chromium is not installed and {why_not}: the HTML report's test {after}")
    npm = shutil.which("npm")
    node = plan.background("npm ci", [[npm, "ci", "--no-audit", "--no-fund"]]) if npm else None
    if node is None:
        say("npm is not installed (Node.js 20+): no HTML report here, and its test is skipped")
    # The README's install alone, then the checklist as the README runs it, activated.
    python = plan.install(CHECKLIST)
    if not plan.dry:
        os.environ.update(activated())  # for everything this starts from now on
    # The project's own bytecode, written once: where PYTHONDONTWRITEBYTECODE is set (CI's
    # machine sets it), every Python process the checks start compiled the project's modules
    # again (pip compiles the installed packages whatever it says).
    if plan.foreground([str(python), "-m", "compileall", "-q", *OWN_SOURCES]) != 0:
        plan.finish()
        return 1
    if plan.foreground(checklist_command(python, [])) != 0:
        plan.finish()
        return 1
    report = None
    if node is not None and npm is not None:
        run_id = "<the checklist's run>" if plan.dry else checklist_run(python)
        scripts = ("report", "report:single-file")
        reports = [[npm, "run", script, "--", "--run", run_id] for script in scripts]
        report = plan.background("HTML report", reports, after=node)
    python = plan.install(CHECKLIST, TESTS)
    # The type check (pyproject.toml's [tool.mypy]: the code, the scripts and the tests), then
    # the platform check, one after the other beside the tests (about 11 s and 10 s of CPU).
    typing = [[str(python), "-m", "mypy"], [str(python), "scripts/platform_check.py"]]
    plan.background("type check and platform check", typing)
    plan.background("linters and workflow checks", checks(python))
    before_tests = [job for job in (report, browser) if job is not None]
    if not plan.dry and not all([job.report() for job in before_tests]):
        plan.finish()
        return 1
    code, summary = tests(python, pytest_args, plan.dry)
    passed = plan.finish()
    if summary:
        sys.stdout.buffer.write(summary)  # the output ends with the tests' summary
        sys.stdout.buffer.flush()
    return code or (0 if passed else 1)
