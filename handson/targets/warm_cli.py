"""A warm AWS CLI for the emulated instance: the real awscli, with its start-up paid once.

The AWS CLI spends about a second of CPU importing itself and parsing the service models before
it sends anything; on the emulator that start-up, not AWS, would be most of the run. So a worker
process imports awscli and parses the models the hands-on's commands use once, then takes
commands over a pipe, one at a time, on every system (no ``fork``, no Unix socket, no ``#!``
shim, so a folder with spaces or Japanese in its path is no different from any other).

Each command gets what ``aws`` itself would: its arguments, its working folder and its whole
environment (the instance role's credentials come from there, as on EC2), a fresh botocore
session and CLI driver, and its own standard output and error. Only the parsed service models
(read-only) are kept from one command to the next. A command that runs past its time ends the
worker; the next command starts a new one. The worker ends when the run's end of the pipe
closes, however the run ended.

Where ``warm`` is off, the instance starts the AWS CLI in a process of its own for
each command instead (``handson.targets.warm_cli.cold_cli``): slower, the same CLI.
"""

from __future__ import annotations

import contextlib
import json
import os
import queue
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Protocol

from handson.call_record import recording_to
from handson.console import CHILD_OUTPUT, last_words
from handson.instance import CommandResult
from handson.run_temp import run_temp
from handson.targets.cli_worker import READY, RECORD_VARIABLE
from handson.targets.orphans import PACKAGE_ROOT

TIMED_OUT = 124
# Variables a Windows process needs to start at all (Python's sockets and random need them).
WINDOWS_ESSENTIALS = ("SYSTEMROOT", "SYSTEMDRIVE", "WINDIR", "COMSPEC", "PATHEXT")


def process_environment(home: Path, extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """A child Python's environment with nothing of the host's AWS set-up, on any system."""
    env = {k: os.environ[k] for k in WINDOWS_ESSENTIALS if k in os.environ}
    env.update(
        {
            "PATH": str(Path(sys.executable).parent),
            "PYTHONPATH": PACKAGE_ROOT,
            "HOME": str(home),
            "USERPROFILE": str(home),
            "LANG": "C.UTF-8",
            "PYTHONUTF8": "1",
            "PYTHONIOENCODING": CHILD_OUTPUT,
            "AWS_CONFIG_FILE": str(home / "config"),
            "AWS_SHARED_CREDENTIALS_FILE": str(home / "credentials"),
            "AWS_EC2_METADATA_DISABLED": "true",
            "PYTHONDONTWRITEBYTECODE": "1",
        }
    )
    env.update(extra or {})
    return env


# What the ``aws`` script does (awscli's bin/aws), with no file and no #! line to start from.
_AWS = "import sys; sys.argv[0] = 'aws'; from awscli.clidriver import main; sys.exit(main())"


def aws_command() -> list[str]:
    """The AWS CLI as an argument list, on any system: this Python runs awscli's ``main``."""
    return [sys.executable, "-c", _AWS]


def cold_cli(
    argv: Sequence[str], env: Mapping[str, str], cwd: Path, timeout: float
) -> CommandResult:
    """The AWS CLI in a process of its own, named ``aws`` as its own script names it (its usage
    errors say ``aws: error``); no shell, no script file."""
    try:
        done = subprocess.run(
            [*aws_command(), *argv],
            env=dict(env),
            cwd=cwd,
            capture_output=True,
            stdin=subprocess.DEVNULL,
            timeout=timeout,
        )
    except subprocess.TimeoutExpired as exc:
        return CommandResult(TIMED_OUT, _text(exc.stdout), _text(exc.stderr) + "\n(timed out)")
    return CommandResult(done.returncode, _text(done.stdout), _text(done.stderr))


def _text(value: bytes | str | None) -> str:
    if value is None:
        return ""
    return value.decode("utf-8", errors="replace") if isinstance(value, bytes) else value


class Cli(Protocol):
    """What runs the emulated instance's commands: a :class:`WarmCli` of the run's, or the warm
    CLI of the emulator's process (handson.targets.hosted_cli)."""

    def run(
        self, argv: Sequence[str], env: Mapping[str, str], cwd: Path, timeout: float
    ) -> CommandResult: ...

    def close(self) -> None: ...


class WarmCli:
    """The worker, started at once in the background (its imports overlap whatever comes next),
    and waited for only when the first command needs it. One worker serves every emulated
    instance of a run, one command at a time; its owner closes it."""

    def __init__(self) -> None:
        self._home = Path(tempfile.mkdtemp(prefix="warm-cli-", dir=run_temp()))
        self._lock = threading.Lock()
        self._worker: _Worker | None = _Worker(self._home)

    @property
    def pid(self) -> int | None:
        return self._worker.pid if self._worker is not None else None

    def run(
        self, argv: Sequence[str], env: Mapping[str, str], cwd: Path, timeout: float
    ) -> CommandResult:
        with self._lock:
            if self._worker is None:
                self._worker = _Worker(self._home)
            worker = self._worker
            try:
                return worker.run(argv, env, cwd, timeout)
            except _WorkerGone as gone:
                # Timed out or died: a fresh worker for the next command, this one's answer.
                worker.close()
                self._worker = None
                return gone.result

    def close(self) -> None:
        with self._lock:
            if self._worker is not None:
                self._worker.close()
                self._worker = None
        shutil.rmtree(self._home, ignore_errors=True)


class _WorkerGone(Exception):
    def __init__(self, result: CommandResult) -> None:
        super().__init__(result.stderr)
        self.result = result


def _recorded() -> dict[str, str]:
    """The worker records the instance's calls in the run's record, when the run keeps one."""
    path = recording_to()
    return {RECORD_VARIABLE: str(path)} if path is not None else {}


def worker_command() -> list[str]:
    return [sys.executable, "-m", "handson.targets.cli_worker"]


class _Worker:
    """One worker process (``handson.targets.cli_worker``) and the thread reading its answers."""

    def __init__(self, home: Path) -> None:
        # What the worker says on its standard error: nothing while it serves (each command's
        # output is in its answer), and why, when it ends.
        self._errors = home / f"worker-{time.monotonic_ns()}.err"
        with self._errors.open("wb") as errors:
            self._process: subprocess.Popen[bytes] = subprocess.Popen(
                worker_command(),
                env=process_environment(home, _recorded()),
                cwd=home,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=errors,
            )
        self._answers: queue.Queue[bytes] = queue.Queue()
        self._ready = False
        threading.Thread(target=self._read, name="warm-cli-answers", daemon=True).start()

    @property
    def pid(self) -> int:
        return self._process.pid

    def _read(self) -> None:
        assert self._process.stdout is not None
        for line in self._process.stdout:
            self._answers.put(line)
        self._answers.put(b"")  # the worker is gone

    def _answer(self, timeout: float) -> bytes:
        try:
            return self._answers.get(timeout=timeout)
        except queue.Empty:
            raise _WorkerGone(
                CommandResult(TIMED_OUT, "", f"(timed out after {timeout:g} s)")
            ) from None

    def run(
        self, argv: Sequence[str], env: Mapping[str, str], cwd: Path, timeout: float
    ) -> CommandResult:
        if not self._ready:
            if self._answer(timeout).strip() != READY.encode():
                said = self._last_words("aws: the warm AWS CLI did not start")
                raise _WorkerGone(CommandResult(255, "", said))
            self._ready = True
        request = {"argv": list(argv), "env": dict(env), "cwd": str(cwd)}
        assert self._process.stdin is not None
        try:
            self._process.stdin.write(json.dumps(request).encode("ascii") + b"\n")
            self._process.stdin.flush()
        except OSError:
            raise _WorkerGone(CommandResult(255, "", "aws: the warm AWS CLI went away")) from None
        line = self._answer(timeout)
        if not line:
            said = self._last_words("aws: the warm AWS CLI went away")
            raise _WorkerGone(CommandResult(255, "", said))
        answer = json.loads(line)
        return CommandResult(int(answer["code"]), str(answer["stdout"]), str(answer["stderr"]))

    def _last_words(self, what: str) -> str:
        """``what`` happened, with the last line the worker wrote on its way out (a traceback's
        error), if any."""
        with contextlib.suppress(subprocess.TimeoutExpired):
            self._process.wait(timeout=5)  # gone, or going: its last words written
        said = last_words(self._errors)
        return f"{what}: {said}" if said else what

    def close(self) -> None:
        with contextlib.suppress(OSError):
            if self._process.stdin is not None:
                self._process.stdin.close()
        self._process.kill()
        self._process.wait()
        if self._process.stdout is not None:
            self._process.stdout.close()
