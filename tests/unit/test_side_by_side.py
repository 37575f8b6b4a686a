"""scripts/side_by_side.py's helper: both lanes run, at the same time, and an error of the
second thread's lane reaches the caller (the measurement then fails instead of timing half)."""

from __future__ import annotations

import threading

import pytest

from scripts.side_by_side import side_by_side


def test_both_lanes_run_at_the_same_time() -> None:
    met = threading.Barrier(2, timeout=5)
    ran: list[str] = []

    def lane(name: str) -> None:
        met.wait()  # broken (an error) unless the other lane runs meanwhile
        ran.append(name)

    side_by_side(lambda: lane("first"), lambda: lane("second"))
    assert sorted(ran) == ["first", "second"]


def test_an_error_of_the_thread_s_lane_is_raised_after_both_end() -> None:
    ran: list[str] = []

    def failing() -> None:
        raise AssertionError("denied, expected allowed")

    with pytest.raises(AssertionError, match="denied, expected allowed"):
        side_by_side(failing, lambda: ran.append("second"))
    assert ran == ["second"]
