"""Reads side by side (handson.at_once): the results in the items' order, at most so many at
once, a read's error raised in its order, and a Ctrl-C that waits for none of them."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from concurrent.futures import Future
from pathlib import Path

import pytest

from handson.at_once import read_at_once
from handson.waiting import result_of
from tests.helpers.suite_runner import ROOT


def test_the_results_come_in_the_items_order_at_most_so_many_at_once() -> None:
    lock = threading.Lock()
    now, most = [0], [0]

    def read(n: int) -> int:
        with lock:
            now[0] += 1
            most[0] = max(most[0], now[0])
        time.sleep(0.02 * (n % 3))  # the later items answer first, now and then
        with lock:
            now[0] -= 1
        return n * n

    assert read_at_once(read, range(12), 4) == [n * n for n in range(12)]
    assert most[0] == 4


def test_a_reads_error_is_raised_in_the_items_order() -> None:
    def read(n: int) -> int:
        if n in (2, 5):
            raise ValueError(f"item {n}")
        return n

    with pytest.raises(ValueError, match="item 2"):
        read_at_once(read, range(8), 8)


def test_no_items_read_nothing() -> None:
    assert read_at_once(lambda n: n, [], 8) == []


INTERRUPTED = """
import os, signal, sys, threading, time
from handson.at_once import read_at_once
started = []
def read(n):
    started.append(n)
    time.sleep(60)  # a region that answers at its read timeout
threading.Timer(0.5, lambda: os.kill(os.getpid(), signal.SIGINT)).start()
try:
    read_at_once(read, range(20), 8)
except KeyboardInterrupt:
    print("interrupted", len(started), flush=True)
"""


@pytest.mark.skipif(sys.platform == "win32", reason="a SIGINT to one process is POSIX's")
def test_a_ctrl_c_returns_at_once_and_the_process_ends_without_the_reads_in_flight(
    tmp_path: Path,
) -> None:
    """With concurrent.futures the Ctrl-C waited for the eight reads in flight (the pool's
    ``with``), and the process's end for them again (its threads are joined): a minute here."""
    began = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-c", INTERRUPTED],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    took = time.monotonic() - began
    assert done.stdout.split() == ["interrupted", "8"], done.stdout + done.stderr
    assert done.returncode == 0 and took < 30, (took, done.stderr)


def test_a_reads_own_timeout_is_raised_not_waited_for_again() -> None:
    """A read's own TimeoutError (a socket's) is its answer, not the wait's step running out."""

    def read(n: int) -> int:
        raise TimeoutError(f"read {n} timed out")

    with pytest.raises(TimeoutError, match="read 0 timed out"):
        read_at_once(read, range(3), 3)


class EndsDuringTheLook(Future[int]):
    """A read that ends just after a look at it timed out: what a loaded machine does now and
    then (the step ran out, and the read's thread set its result before the look was judged)."""

    def result(self, timeout: float | None = None) -> int:
        if timeout is not None and not self.done():
            self.set_result(42)  # meanwhile
            raise TimeoutError  # the look's own, as concurrent.futures raises it
        return super().result(timeout)


def test_a_look_that_timed_out_as_the_read_ended_takes_the_reads_result() -> None:
    """It raised the look's TimeoutError instead: discovery's reads of a hand-built environment
    ended the run with an INTERNALERROR on a busy machine (CI, 2026-12-07)."""
    future = EndsDuringTheLook()
    future.set_running_or_notify_cancel()
    assert result_of(future, step=0.01) == 42
