"""A second run on an emulator in use stops at once; a killed run's lock goes with it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from handson.errors import SuiteUsageError
from handson.targets.endpoint_lock import EndpointLock

URL = "http://127.0.0.1:5000"


def test_a_second_run_is_refused_with_one_line(tmp_path: Path) -> None:
    first = EndpointLock(URL, "20261130-010000-aaaaaa", tmp_path)
    first.acquire()
    with pytest.raises(SuiteUsageError) as refused:
        EndpointLock(URL + "/", "20261130-010000-bbbbbb", tmp_path).acquire()
    message = str(refused.value)
    assert "\n" not in message
    assert "run 20261130-010000-aaaaaa" in message and URL in message
    first.release()
    second = EndpointLock(URL, "20261130-010000-bbbbbb", tmp_path)
    second.acquire()
    second.release()


def test_other_endpoints_are_not_locked(tmp_path: Path) -> None:
    one = EndpointLock(URL, "20261130-010000-aaaaaa", tmp_path)
    other = EndpointLock("http://127.0.0.1:5001", "20261130-010000-bbbbbb", tmp_path)
    one.acquire()
    other.acquire()
    one.release()
    other.release()


def test_a_killed_holder_frees_the_lock(tmp_path: Path) -> None:
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, time; from pathlib import Path; "
            "from handson.targets.endpoint_lock import EndpointLock; "
            f"lock = EndpointLock({URL!r}, '20261130-010000-aaaaaa', Path({str(tmp_path)!r})); "
            "lock.acquire(); "
            "print('held', flush=True); time.sleep(60)",
        ],
        stdout=subprocess.PIPE,
        text=True,
        cwd=Path(__file__).resolve().parents[2],
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        with pytest.raises(SuiteUsageError):
            EndpointLock(URL, "20261130-010000-bbbbbb", tmp_path).acquire()
    finally:
        holder.kill()
        holder.wait()
    after = EndpointLock(URL, "20261130-010000-bbbbbb", tmp_path)
    after.acquire()
    after.release()
