"""The tests' runs and commands are held to what a learner may read: Python's report of an
uncaught exception, in any thread, fails the test that made the run
(tests/helpers/suite_runner.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers.suite_runner import PYTHON_TRACES, no_python_trace, read_run

TRACES = {
    "main thread": 'Traceback (most recent call last):\n  File "x.py", line 1\nValueError: x',
    "another thread": "Exception in thread emulator-watch:\nTraceback ...",
    "a finalizer": "Exception ignored in: <function Popen.__del__ at 0x7f>",
}


@pytest.mark.parametrize("printed", TRACES.values(), ids=TRACES.keys())
def test_a_python_trace_in_a_run_fails_the_test(printed: str, tmp_path: Path) -> None:
    for stdout, stderr in ((printed, ""), ("", printed)):
        with pytest.raises(AssertionError, match="printed"):
            no_python_trace(["pytest", "features/"], stdout, stderr)
    with pytest.raises(AssertionError, match="pytest features/ printed"):
        read_run(1, "", printed, tmp_path, ["pytest", "features/"])


def test_the_suites_own_words_pass(tmp_path: Path) -> None:
    said = "U3 failed: the user cannot start handson-instance\nhandson: nothing is left"
    no_python_trace(["handson", "cleanup"], said, None)
    assert read_run(0, said, "", tmp_path, ["pytest"]).exit_code == 0
    assert len(PYTHON_TRACES) == len(TRACES)
