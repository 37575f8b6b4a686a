"""Teardown runs to its end through SIGINT and SIGTERM, then the run ends as they asked."""

from __future__ import annotations

import os
import signal
from collections.abc import Iterator

import pytest

from handson import i18n, signals
from handson.signals import ENDING, deferred_interrupts, ending_on_interrupt


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


@pytest.fixture
def ending() -> Iterator[None]:
    """A run ending on its first interrupt, for one test: this process's handlers and the flag
    as they were afterwards."""
    before = {s: signal.getsignal(s) for s in ENDING}
    try:
        yield
    finally:
        signals._ENDING.clear()
        for s, handler in before.items():
            signal.signal(s, handler)


@pytest.mark.parametrize("sent", [signal.SIGINT, signal.SIGTERM])
def test_once_ending_a_later_interrupt_is_told_and_changes_nothing(
    sent: signal.Signals, ending: None
) -> None:
    """A second Ctrl-C while the run ends on its first (pytest writing the first one's summary,
    or the teardown holding it): one line, in the run's language, and the run ends as the first
    asked, with its own last lines and exit code, not Python's trace."""
    i18n.set_language("ja")
    said: list[str] = []
    try:
        replaced = ending_on_interrupt(said.append)
        os.kill(os.getpid(), sent)  # outside any teardown: told, not raised
        with deferred_interrupts(said.append):  # inside one: held, and not raised after it
            os.kill(os.getpid(), sent)
    finally:
        i18n.set_language("en")
    assert set(replaced) == set(ENDING)
    assert said[0] == (
        f"handson: {sent.name} を受け取りました。何も残さないように、後片付けを最後まで終えて"
        "から止まります（SIGKILL ならすぐに止まります）"
    )
    assert said == said[:1] * 2


def test_a_line_said_past_the_capture_starts_a_line_of_its_own(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Not after the scenarios' progress on the terminal (``....handson: SIGINT を…``): the
    terminal reporter ends its line first, then the line goes to standard error."""
    from contextlib import nullcontext
    from types import SimpleNamespace

    from fixtures.environment import uncaptured

    done: list[str] = []
    reporter = SimpleNamespace(
        ensure_newline=lambda: done.append("newline"), flush=lambda: done.append("flush")
    )
    writer = SimpleNamespace(width_of_current_line=0, line=lambda: done.append("line"))
    capture = SimpleNamespace(global_and_fixture_disabled=nullcontext)
    plugins = {"capturemanager": capture, "terminalreporter": reporter}
    config = SimpleNamespace(
        pluginmanager=SimpleNamespace(getplugin=plugins.get), get_terminal_writer=lambda: writer
    )
    uncaptured(config)("handson: a line")  # type: ignore[arg-type]
    assert done == ["newline", "flush"]
    assert capsys.readouterr().err == "handson: a line\n"

    # pytest -q: the dots so far are on the writer's line, and no file's name says so
    done.clear()
    writer.width_of_current_line = 12
    uncaptured(config)("handson: a line")  # type: ignore[arg-type]
    assert done == ["newline", "line", "flush"]
    assert capsys.readouterr().err == "handson: a line\n"
