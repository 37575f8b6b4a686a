"""Teardown runs to its end through SIGINT and SIGTERM, then the run ends as they asked."""

from __future__ import annotations

import os
import signal

import pytest

from handson.signals import deferred_interrupts


@pytest.mark.parametrize("sent", [signal.SIGINT, signal.SIGTERM])
def test_signals_are_held_until_the_block_ends(sent: signal.Signals) -> None:
    said: list[str] = []
    steps: list[str] = []
    before = signal.getsignal(sent)
    with (
        pytest.raises(KeyboardInterrupt, match=sent.name),
        deferred_interrupts(said.append) as received,
    ):
        steps.append("first")
        os.kill(os.getpid(), sent)
        steps.append("second: not cut off")
    assert steps == ["first", "second: not cut off"]
    assert received == [sent]
    assert len(said) == 1 and sent.name in said[0] and "\n" not in said[0]
    assert signal.getsignal(sent) == before


def test_nothing_received_nothing_raised() -> None:
    with deferred_interrupts(lambda line: None) as received:
        pass
    assert received == []


def test_an_error_of_the_block_is_not_masked() -> None:
    with (
        pytest.raises(RuntimeError, match="teardown failed"),
        deferred_interrupts(lambda line: None),
    ):
        os.kill(os.getpid(), signal.SIGINT)
        raise RuntimeError("teardown failed")
