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


def test_a_lock_let_go_leaves_nothing_in_its_folder(tmp_path: Path) -> None:
    """A run attached to a server leaves no file behind (its port is new each time: on macOS and
    Linux, one file more for every run), and the next run on it takes it as before."""
    for run_id in ("20261130-010000-aaaaaa", "20261130-010000-bbbbbb"):
        lock = EndpointLock(URL, run_id, tmp_path)
        lock.acquire()
        assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
            (lock.path.name, lock.holder.name)
        )
        lock.release()
        assert list(tmp_path.iterdir()) == []


def test_the_file_is_removed_before_the_lock_is_let_go(tmp_path: Path) -> None:
    """Removed after, a run that locked the file in between would hold a file no longer there,
    and a run after it would make and hold a new one: both on one server. Removed before, the
    first finds it unlinked and does not take it (filelock looks at the file it locked)."""
    lock = EndpointLock(URL, "20261130-010000-aaaaaa", tmp_path)
    lock.acquire()
    held = lock._lock
    seen: list[bool] = []

    class Watched:
        is_locked = True
        lock_file = held.lock_file

        def release(self) -> None:
            seen.append(lock.path.exists())
            held.release()

    lock._lock = Watched()  # type: ignore[assignment]
    lock.release()
    assert seen == [False]
    assert not held.is_locked
