"""Python's cycle collector in the suite's processes (handson/collector.py)."""

from __future__ import annotations

import gc
import subprocess
import sys
from collections.abc import Iterator

import pytest

from handson.collector import YOUNGEST, fewer_collections
from tests.helpers.suite_runner import ROOT, suite_env


@pytest.fixture
def thresholds() -> Iterator[None]:
    before = gc.get_threshold()
    yield
    gc.set_threshold(*before)


@pytest.mark.usefixtures("thresholds")
def test_the_youngest_are_collected_later_and_the_older_as_python_sets_them() -> None:
    gc.set_threshold(700, 11, 12)
    fewer_collections()
    assert gc.get_threshold() == (YOUNGEST, 11, 12)
    gc.set_threshold(YOUNGEST * 5, 10, 10)  # a process that set more keeps it
    fewer_collections()
    assert gc.get_threshold() == (YOUNGEST * 5, 10, 10)


# What each of the suite's processes imports first: a run (pytest.ini's first plugin), the
# emulator's server, the instance's AWS CLI, the handson command.
FIRST_IMPORTS = (
    "handson.install_check",
    "handson.targets.emulator_process",
    "handson.targets.cli_worker",
    "handson.cli",
)


@pytest.mark.parametrize("module", FIRST_IMPORTS)
def test_every_process_of_the_suite_collects_its_youngest_later(module: str) -> None:
    code = f"import gc, importlib; importlib.import_module({module!r}); "
    code += "print(gc.get_threshold()[0])"
    done = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=suite_env(),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert int(done.stdout) == YOUNGEST
