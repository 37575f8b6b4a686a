"""An emulator that ends during a run ends the run at once, saying so: the run's own (killed on
its own, a crash) and one somebody else started (``--endpoint-url``); no teardown is tried in
it, no verdict is made of the calls it could not answer, and no trace is shown."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from handson.names import default_name
from handson.targets.emulator_process import free_port
from handson.targets.server_identity import ask
from tests.helpers.suite_runner import ROOT, HeldRun, SuiteRun
from tests.test_interrupt import alive, children

pytestmark = pytest.mark.slow


def emulator_of(pid: int) -> int:
    """The run's own emulator among its children (handson.targets.emulator_process)."""
    (found,) = [
        child
        for child in children(pid)
        if b"emulator_process" in Path(f"/proc/{child}/cmdline").read_bytes()
    ]
    return found


@pytest.mark.skipif(sys.platform == "win32", reason="reads /proc")
def test_an_emulator_that_ends_during_the_checks_ends_the_run_at_once_saying_so(
    tmp_path: Path,
) -> None:
    """The run's own emulator killed on its own (a crash, an antivirus, a person's kill): the
    run ends as on SIGTERM, within seconds, saying why, with no teardown to do (what it made
    was inside the emulator) and no verdict made of the calls that could not be answered.
    Before, every later call was retried as a fault: the run was still going after 300 s."""
    held = HeldRun(tmp_path, "checks", f"--name={default_name()}", until_released=True)
    try:
        run_id = held.held()
        assert run_id, held.process.args
        helpers = children(held.process.pid)
        os.kill(emulator_of(held.process.pid), signal.SIGKILL)
        started = time.monotonic()
        run = held.finish(timeout=120)
        took = time.monotonic() - started
    finally:
        if held.process.poll() is None:
            held.process.kill()
    ended_at_once_saying(run, "the emulator stopped during the run (exit code -9)", took)
    assert alive(helpers) == []


def ended_at_once_saying(run: SuiteRun, gone: str, took: float) -> None:
    """The run ended as on SIGTERM within 30 s of its emulator's end, saying ``gone``: no
    teardown, no traceback, no verdict made of the calls that could not be answered."""
    assert run.exit_code == 2 and run.interrupted and gone in run.interrupted, run.describe()
    assert took < 30, f"{took:.1f} s\n{run.describe()}"
    assert f"handson: no teardown: {gone}" in run.stderr, run.describe()
    assert "Traceback" not in run.stdout + run.stderr, run.describe()
    assert not run.failed, run.describe()  # an unanswered call is never a verdict
    cleanup = json.loads((run.allure_dir.parent / "checkpoints.json").read_text("utf-8"))
    assert {c["outcome"] for c in cleanup["cleanup"].values()} == {"not checked"}


def test_an_attached_emulator_that_ends_during_the_checks_ends_the_run_at_once_saying_so(
    tmp_path: Path,
) -> None:
    """A server somebody else started (``--endpoint-url``) and killed during the run: as with
    the run's own (above), the run ends within seconds, saying why, with no teardown and no
    traceback. Before, the build and then each removal of the teardown were retried against the
    address where nothing listened: the run ended after 6 min 58 s, with a traceback from
    removing its admin and exit code 1."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    server = subprocess.Popen(
        [sys.executable, "-m", "handson.targets.engine_server", "-H", "127.0.0.1", "-p", str(port)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    held = None
    try:
        deadline = time.monotonic() + 60
        while ask(url).token is None:
            assert time.monotonic() < deadline and server.poll() is None, "no server"
            time.sleep(0.2)
        held = HeldRun(
            tmp_path,
            "checks",
            f"--endpoint-url={url}",
            f"--name={default_name()}",
            until_released=True,
        )
        assert held.held(), held.process.args
        server.kill()
        server.wait()
        started = time.monotonic()
        run = held.finish(timeout=120)
        took = time.monotonic() - started
    finally:
        server.kill()
        server.wait()
        if held is not None and held.process.poll() is None:
            held.process.kill()
    gone = f"the emulator at --endpoint-url {url} stopped answering during the run"
    ended_at_once_saying(run, gone, took)
