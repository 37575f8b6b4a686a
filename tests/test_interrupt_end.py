"""A Ctrl-C once every check has its verdict: in the last teardown it is held, and the run then
shows its results with its own exit code; after that teardown it is told that the run has ended
(fixtures/environment.py, handson/signals.py)."""

from __future__ import annotations

import signal
import sys
import time
from pathlib import Path

import pytest

from handson.catalogue import TALLIED
from handson.names import default_name
from tests.helpers.suite_runner import HeldRun

pytestmark = pytest.mark.slow


@pytest.mark.skipif(sys.platform == "win32", reason="SIGINT to one process is POSIX's")
def test_a_ctrl_c_in_the_last_teardown_or_after_it_leaves_the_run_s_results(
    tmp_path: Path,
) -> None:
    """Ctrl-C once every check is decided: in the teardown (held: "finishing the teardown
    first"), and again after it, while the run writes its summary. The run shows its results,
    C1-C5 from its leak check, and exits with its own code: before, the teardown's held Ctrl-C
    ended it as interrupted, C1-C5 'not checked' and every checkpoint said to be decided on a
    run again; and a Ctrl-C after it ended with Python's trace."""
    held = HeldRun(tmp_path, "teardown,ending", f"--name={default_name()}", until_released=True)
    try:
        assert held.held()
        for phase in ("teardown", "ending"):
            assert held.holding_in(phase), f"the run never held in {phase}"
            held.process.send_signal(signal.SIGINT)
            time.sleep(0.3)  # the handler runs as the hold's sleep is interrupted
            held.go_on()
        run = held.finish(timeout=60)
    finally:
        if held.process.poll() is None:
            held.process.kill()
    assert run.exit_code == 0 and not run.interrupted, run.describe()
    assert run.outcomes("passed") == set(TALLIED), run.describe()
    assert "checkpoints: 13 passed, 0 failed, 0 not decided" in run.stdout, run.describe()
    assert "clean-up (C1-C5): ok" in run.stdout, run.describe()
    assert "handson: SIGINT received during teardown: finishing the teardown first" in run.stderr
    assert "handson: SIGINT received, but the run has already ended" in run.stderr, run.describe()
    assert "Traceback" not in run.stdout + run.stderr and "exit code 2" not in run.stdout
