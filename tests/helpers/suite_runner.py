"""Run the feature suite in a subprocess, as a user would, and read what it decided."""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from handson.console import CHILD_OUTPUT, child_environment
from handson.run_folder import REPORTS_VARIABLE
from handson.waiting import Budgets

ROOT = Path(__file__).resolve().parents[2]
_PHASE = re.compile(r"^(?P<phase>\S.*?)\s{2,}(?P<seconds>\d+(?:\.\d+)?) s$", re.MULTILINE)
# 不合格: the check's own verdict only. An error of the test is not decided, never failed.
FAILED = ("failed",)
ERROR = ("error",)


@dataclass
class SuiteRun:
    exit_code: int
    stdout: str
    stderr: str
    checkpoints: list[dict[str, Any]]  # checkpoints.json's entries, as JSON reads them
    allure_dir: Path
    run_id: str | None = None
    interrupted: str | None = None
    args: list[str] = field(default_factory=list)
    leftovers: list[str] = field(default_factory=list)  # found by the test, after the run

    def outcomes(self, outcome: tuple[str, ...] | str) -> set[str]:
        wanted = (outcome,) if isinstance(outcome, str) else outcome
        return {
            checkpoint
            for entry in self.checkpoints
            if entry["outcome"] in wanted
            for checkpoint in entry["checkpoints"]
        }

    @property
    def failed(self) -> set[str]:
        return self.outcomes(FAILED)

    @property
    def errors(self) -> set[str]:
        """Checkpoints a row of which ended in an error of the test (not decided)."""
        return self.outcomes(ERROR)

    def phases(self) -> dict[str, float]:
        """The seconds of each phase, from the run's "time per phase" table (English output)."""
        table = self.stdout[self.stdout.index("time per phase") :]
        return {m["phase"].strip(): float(m["seconds"]) for m in _PHASE.finditer(table)}

    def describe(self) -> str:
        tail = "\n".join(self.stdout.splitlines()[-30:])
        return f"exit {self.exit_code}; args {self.args}\n{tail}\n{self.stderr[-2000:]}"


def suite_command(workdir: Path, *args: str, typed_alone: bool = False) -> list[str]:
    """``pytest features/`` with its reports under ``workdir``; with ``typed_alone``, ``pytest``
    without ``features/``, as a learner types it out of habit (the checklist all the same)."""
    workdir.mkdir(parents=True, exist_ok=True)
    return [
        sys.executable,
        "-m",
        "pytest",
        *(() if typed_alone else ("features/",)),
        "-p",
        "no:cacheprovider",
        f"--alluredir={workdir / 'allure-results'}",
        f"--checkpoints-json={workdir / 'checkpoints.json'}",
        *args,
    ]


def own_settings(name: str) -> bool:
    """A setting of the suite's (or of this pytest) that a test's run must not inherit. Where runs
    write their reports is kept: tests/conftest.py points it at the session's temporary folder
    (a test of a copied checkout's own reports/ removes it: ``{REPORTS_VARIABLE: None}``)."""
    return name.startswith(("HANDSON_", "PYTEST_")) and name != REPORTS_VARIABLE


def suite_env(env: dict[str, str | None] | None = None) -> dict[str, str]:
    """This process's environment without the suite's own settings; ``None`` removes a variable."""
    full_env = {k: v for k, v in os.environ.items() if not own_settings(k)}
    # Never let a credential lookup reach for the EC2 metadata address from this machine.
    full_env["AWS_EC2_METADATA_DISABLED"] = "true"
    # The suite's own tests read the English texts; tests/test_learner_run.py reads the default,
    # Japanese (env={"HANDSON_LANG": None}).
    full_env["HANDSON_LANG"] = "en"
    # What the tests read of a run is written and read in UTF-8, as handson grade reads a
    # learner's (a Windows runner's own encoding is cp1252); tests/test_redirected_output.py
    # sets the encodings a learner's system gives.
    full_env = child_environment(full_env)
    for key, value in (env or {}).items():
        if value is None:
            full_env.pop(key, None)
        else:
            full_env[key] = value
    return full_env


def temporary_folder(base: Path) -> dict[str, str | None]:
    """The variables that make ``base`` a process's temporary folder, on any system."""
    return {"TMPDIR": str(base), "TEMP": str(base), "TMP": str(base)}


def run_suite(
    workdir: Path,
    *args: str,
    env: dict[str, str | None] | None = None,
    timeout: float = 300,
    typed_alone: bool = False,
) -> SuiteRun:
    """``pytest features/`` with its reports under ``workdir``; returns what it decided."""
    command = suite_command(workdir, *args, typed_alone=typed_alone)
    full_env = suite_env(env)
    done = subprocess.run(
        command,
        cwd=ROOT,
        env=full_env,
        capture_output=True,
        encoding=CHILD_OUTPUT,
        timeout=timeout,
        stdin=subprocess.DEVNULL,
    )
    return read_run(done.returncode, done.stdout, done.stderr, workdir, command)


def broken_run(
    workdir: Path, endpoint_url: str, name: str, *args: str, env: Mapping[str, str | None]
) -> SuiteRun:
    """A run attached to ``endpoint_url`` as ``--name name``, broken on purpose where ``env`` asks
    tests/plugins/fail_injector.py to (a build failing halfway, a teardown that leaks, ...)."""
    options = (f"--endpoint-url={endpoint_url}", f"--name={name}", *args)
    return run_suite(workdir, *options, "-p", "tests.plugins.fail_injector", env=dict(env))


def run_as_typed(
    reports: Path, *args: str, timeout: float = 300
) -> subprocess.CompletedProcess[str]:
    """``pytest *args`` as a learner types it (no --alluredir, no --checkpoints-json: the run
    folder's own), every report under ``reports``."""
    return subprocess.run(
        [sys.executable, "-m", "pytest", *args],
        cwd=ROOT,
        env=suite_env({REPORTS_VARIABLE: str(reports)}),
        capture_output=True,
        encoding=CHILD_OUTPUT,
        timeout=timeout,
        stdin=subprocess.DEVNULL,
    )


# What Python prints of an exception nobody caught: a trace (the main thread's, another
# thread's) or one it could not raise (a finalizer's). A learner reads lines that say what to
# fix, never these: every run and command a test makes is held to it.
PYTHON_TRACES = ("Traceback (most recent call last)", "Exception in thread", "Exception ignored in")


def no_python_trace(command: Sequence[str], stdout: str | None, stderr: str | None) -> None:
    """Fail where a run or command printed Python's report of an uncaught exception."""
    text = (stdout or "") + (stderr or "")
    for marker in PYTHON_TRACES:
        if marker in text:
            at = text.index(marker)
            shown = " ".join(str(word) for word in command)
            raise AssertionError(f"{shown} printed {marker!r}:\n{text[at : at + 3000]}")


def read_run(
    exit_code: int, stdout: str, stderr: str, workdir: Path, command: list[str]
) -> SuiteRun:
    """What a run in ``workdir`` decided, as its checkpoints.json says. A run that printed a
    Python trace fails the test that made it (``no_python_trace``)."""
    no_python_trace(command, stdout, stderr)
    path = workdir / "checkpoints.json"
    document = json.loads(path.read_text("utf-8")) if path.exists() else {}
    return SuiteRun(
        exit_code,
        stdout,
        stderr,
        document.get("checkpoints", []),
        workdir / "allure-results",
        args=command,
        run_id=document.get("run"),
        interrupted=document.get("interrupted"),
    )


def holding_in(note: Path, phase: str, process: subprocess.Popen[str], budget: float = 60) -> bool:
    """Wait until a process run with tests/plugins/pause_at.py holds in ``phase`` (its note says
    so); False if it ended, or ``budget`` s went by, first."""
    deadline = time.monotonic() + budget
    while process.poll() is None and time.monotonic() < deadline:
        if note.exists() and note.read_text().startswith(f"holding in {phase} "):
            return True
        time.sleep(0.05)
    return False


class HeldRun:
    """``pytest features/`` in the background, held in one phase by tests/plugins/pause_at.py:
    for a test to signal it there, or to act on the emulator meanwhile (then ``go_on``)."""

    def __init__(
        self,
        workdir: Path,
        phase: str,
        *args: str,
        until_released: bool,
        env: dict[str, str | None] | None = None,
        own_group: bool = False,
    ) -> None:
        """``own_group``: the run leads a process group of its own, for a test to signal the
        whole group as a terminal's Ctrl-C does (POSIX)."""
        workdir.mkdir(parents=True, exist_ok=True)
        self.workdir = workdir
        self.command = suite_command(workdir, *args, "-p", "tests.plugins.pause_at")
        self.note = workdir / "holding.txt"
        self.release = workdir / "go-on"
        held: dict[str, str | None] = {
            **(env or {}),
            "HANDSON_PAUSE_AT": phase,
            "HANDSON_PAUSE_NOTE": str(self.note),
        }
        if until_released:
            held["HANDSON_PAUSE_RELEASE"] = str(self.release)
        self._stdout = (workdir / "stdout.txt").open("w")
        self.process = subprocess.Popen(
            self.command,
            cwd=ROOT,
            env=suite_env(held),
            stdout=self._stdout,
            stderr=subprocess.PIPE,
            encoding=CHILD_OUTPUT,
            start_new_session=own_group,
        )

    def held(self, budget: float = 180) -> str:
        """Wait until the run holds; its run ID ("" if it ended or never got there)."""
        deadline = time.monotonic() + budget
        while not self.note.exists() and self.process.poll() is None:
            if time.monotonic() > deadline:
                return ""
            time.sleep(0.05)
        words = self.note.read_text().split() if self.note.exists() else []
        return words[-1] if words else ""

    def holding_in(self, phase: str, budget: float = 60) -> bool:
        """Wait until the run holds in ``phase`` (one of several it holds in, in turn)."""
        return holding_in(self.note, phase, self.process, budget)

    def go_on(self) -> None:
        self.release.touch()

    def finish(self, timeout: float = 300) -> SuiteRun:
        self.go_on()
        _, err = self.process.communicate(timeout=timeout)
        self._stdout.close()
        stdout = (self.workdir / "stdout.txt").read_text()
        return read_run(self.process.returncode, stdout, err, self.workdir, self.command)


def admin_cli_env(admin_key: str, admin_secret: str) -> dict[str, str]:
    """For the suite's own command-line tools (sweep, discover) as the emulator's admin: the
    standard credential chain finds the key in the environment; nothing of the host's."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_") and not own_settings(k)}
    env.update(
        {
            "AWS_ACCESS_KEY_ID": admin_key,
            "AWS_SECRET_ACCESS_KEY": admin_secret,
            "AWS_EC2_METADATA_DISABLED": "true",
            "HANDSON_LANG": "en",
        }
    )
    return child_environment(env)


def run_command(
    command: Sequence[str], env: dict[str, str], timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    """``command`` from the checkout, without a terminal, its output as text; one that printed a
    Python trace fails the test (``no_python_trace``)."""
    done = subprocess.run(
        command,
        cwd=ROOT,
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        encoding=CHILD_OUTPUT,
        timeout=timeout,
    )
    no_python_trace(command, done.stdout, done.stderr)
    return done


def run_handson(
    words: Sequence[str], env: dict[str, str], timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    """``handson <words>`` as the learner runs it, without a terminal (``python -m handson``
    where no console script is)."""
    return run_command([sys.executable, "-m", "handson", *words], env, timeout)


def as_typed(line: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """A ``handson ...`` command the suite printed, run as a learner who types it as it is,
    with nothing added."""
    words = shlex.split(line)
    assert words[0] == "handson", line
    return run_handson(words[1:], env)


def run_sweep(
    *args: str, env: dict[str, str | None], account: str = "123456789012"
) -> subprocess.CompletedProcess[str]:
    """``python -m handson.sweep ... --delete`` in ``account``, as the nightly job runs it after
    a run: with the run's environment less the suite's own settings (HANDSON_*)."""
    return run_command(
        [sys.executable, "-m", "handson.sweep", *args, "--delete", f"--allowed-account={account}"],
        suite_env({k: v for k, v in env.items() if not k.startswith("HANDSON_")}),
    )


def over_budget(phases: dict[str, float], budgets: Budgets) -> dict[str, float]:
    """The phases of a run that took longer than the budgets allow them (waits and retries of
    each phase: handson/waiting.py)."""
    limits = {
        "IAM and S3 set-up": budgets.propagation + budgets.resource_gone,
        "instance launch": budgets.propagation,
        "instance running": budgets.instance_ready,
        "SSM online": budgets.ssm_online,
        "teardown and leak check": budgets.resource_gone,
    }
    return {phase: s for phase, s in phases.items() if phase in limits and s > limits[phase]}
