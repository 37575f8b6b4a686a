"""A second run on an emulator in use stops at once; a killed run's lock goes with it."""

from __future__ import annotations

import os
import subprocess
import sys
import time
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


def holding(folder: Path, url: str) -> subprocess.Popen[str]:
    """A run's lock on ``url``, held by a process of its own (a lock is the process's)."""
    process = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import time; from pathlib import Path; "
            "from handson.targets.endpoint_lock import EndpointLock; "
            f"lock = EndpointLock({url!r}, '20261130-010000-cccccc', Path({str(folder)!r})); "
            "lock.acquire(); "
            "print('held', flush=True); time.sleep(60)",
        ],
        stdout=subprocess.PIPE,
        text=True,
        cwd=Path(__file__).resolve().parents[2],
    )
    assert process.stdout is not None and process.stdout.readline().strip() == "held"
    return process


def test_a_killed_holder_frees_the_lock(tmp_path: Path) -> None:
    holder = holding(tmp_path, URL)
    try:
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


def test_a_killed_runs_lock_files_go_with_the_next_run_on_any_server(tmp_path: Path) -> None:
    """A run killed while attached (SIGKILL) cannot let go: its two files stayed in the temporary
    folder until a run on the same server, which, with a port of its own each time, never came.
    The next run attached to any server removes them; a living run's, one just made, and what
    is not such a file stay."""
    killed = holding(tmp_path, "http://127.0.0.1:6001")
    killed.kill()
    killed.wait()
    living = holding(tmp_path, "http://127.0.0.1:6002")
    try:
        old = time.time() - 3600
        for path in tmp_path.iterdir():
            os.utime(path, (old, old))
        young = EndpointLock("http://127.0.0.1:6003", "20261130-010000-dddddd", tmp_path)
        young.path.touch()  # made a moment ago: a run that has not locked it yet
        other = tmp_path / "handson-emulator-notes.txt"
        other.write_text("not a lock")
        os.utime(other, (old, old))
        before = {p.name for p in tmp_path.iterdir()}
        dead = EndpointLock("http://127.0.0.1:6001", "x", tmp_path)
        alive = EndpointLock("http://127.0.0.1:6002", "x", tmp_path)
        assert {dead.path.name, dead.holder.name, alive.path.name, alive.holder.name} <= before
        run = EndpointLock(URL, "20261130-010000-eeeeee", tmp_path)
        run.acquire()
        left = {p.name for p in tmp_path.iterdir()}
        assert left == before - {dead.path.name, dead.holder.name} | {
            run.path.name,
            run.holder.name,
        }, left
        run.release()
        with pytest.raises(SuiteUsageError):  # the living run still holds its server
            alive.acquire()
    finally:
        living.kill()
        living.wait()
