"""Ctrl-C and SIGTERM in the middle of a run still tear everything down."""

from __future__ import annotations

import signal
import subprocess
import time
from pathlib import Path

import pytest

from handson.emulator import MotoEmulator
from handson.names import RunNames, default_name
from tests.estate import left_behind
from tests.suite_runner import ROOT, suite_command, suite_env

pytestmark = pytest.mark.slow


@pytest.mark.parametrize("sent", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "sigterm"])
def test_interrupted_run_leaves_nothing(
    sent: signal.Signals, test_emulator: MotoEmulator, tmp_path: Path
) -> None:
    names = RunNames(default_name())
    run = subprocess.Popen(
        suite_command(
            tmp_path, "-q", f"--endpoint-url={test_emulator.endpoint_url}", f"--name={names.suffix}"
        ),
        cwd=ROOT,
        env=suite_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    deadline = time.monotonic() + 60
    # Interrupt once the instance runs: the whole environment exists by then.
    while not any(
        "EC2 instance" in item for item in left_behind(test_emulator.admin, names.suffix)
    ):
        assert run.poll() is None and time.monotonic() < deadline, "the run never got going"
        time.sleep(0.2)
    time.sleep(1.0)  # into the checks
    run.send_signal(sent)
    output, _ = run.communicate(timeout=120)
    assert run.returncode != 0, output
    assert left_behind(test_emulator.admin, names.suffix) == [], output
