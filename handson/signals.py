"""Signals that end a run: SIGTERM (and on Windows Ctrl-Break) ends it like Ctrl-C, through the
teardown; and the teardown itself runs to its end, whatever arrives meanwhile (SIGKILL, or
Windows' TerminateProcess, aside: then the sweeper removes what the run left).

Per system: POSIX stops a child politely with SIGTERM. Windows has no SIGTERM to send (there
``terminate()`` kills at once), so a child that must end through its teardown is started in a
process group of its own and sent Ctrl-Break, which Python receives as SIGBREAK."""

from __future__ import annotations

import _thread
import signal
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import FrameType
from typing import Any

from handson.i18n import t

if sys.platform == "win32":
    ENDING: tuple[int, ...] = (signal.SIGINT, signal.SIGTERM, signal.SIGBREAK)
    # A child that stop_politely can reach: Ctrl-Break goes to a whole process group.
    POLITE_CHILD: dict[str, Any] = {"creationflags": subprocess.CREATE_NEW_PROCESS_GROUP}
else:
    ENDING = (signal.SIGINT, signal.SIGTERM)
    POLITE_CHILD: dict[str, Any] = {}
# What the run turns into KeyboardInterrupt itself (pytest does it for SIGINT).
ALSO_ENDING = ENDING[1:]
# The exit code of a handson command stopped by Ctrl-C, as a shell gives one ended by SIGINT
# (128 + 2): the commands' own codes (2 and 4 for bad input, 1, 3, 6, 7) keep their meanings.
INTERRUPTED_EXIT = 130


def stop_politely(process: subprocess.Popen[Any]) -> None:
    """Ask a child started with ``**POLITE_CHILD`` to end through its teardown."""
    if sys.platform == "win32":
        process.send_signal(signal.CTRL_BREAK_EVENT)
    else:
        process.terminate()


# Why the run is being ended from one of its own threads (interrupt_for), said in place of the
# signal's name.
_REASONS: list[str] = []


def interrupt_for(reason: str) -> None:
    """End the run from another thread as SIGTERM ends it (through its teardown), saying
    ``reason``. Nothing happens where no handler of the run's is set for SIGTERM. On POSIX a
    real SIGTERM to the main thread, which wakes it from a blocking wait (the answer of a
    command that never comes); Windows has none to send, and its handler is called instead."""
    if not callable(signal.getsignal(signal.SIGTERM)):
        return
    _REASONS.append(reason)
    if sys.platform == "win32":
        _thread.interrupt_main(signal.SIGTERM)
    else:
        signal.pthread_kill(threading.main_thread().ident or 0, signal.SIGTERM)


def _why(signum: int) -> str:
    return _REASONS[0] if _REASONS else f"signal {signal.Signals(signum).name}"


def interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt(_why(signum))


@contextmanager
def deferred_interrupts(
    say: Callable[[str], None] | None = None, end: bool = True
) -> Iterator[list[int]]:
    """Hold SIGINT and SIGTERM until the block is done, then end the run as they asked.

    Yields the signals received so far. Outside the main thread signals cannot be caught, and
    the block runs as it is. ``end`` False: the block is the run's last work (its teardown after
    every check), so nothing is left to stop: the run goes on to show its results, as the line
    said when the signal came ("after the clean-up"), instead of an interrupt that would lose
    the leak check it has just made and call every check not decided.
    """
    received: list[int] = []
    if threading.current_thread() is not threading.main_thread():
        yield received
        return
    tell = say or (lambda line: print(line, file=sys.stderr, flush=True))

    def hold(signum: int, frame: FrameType | None) -> None:
        received.append(signum)
        _say_held(tell, signum)

    previous = {s: signal.signal(s, hold) for s in ENDING}
    try:
        yield received
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)
    if received and end and not _ENDING.is_set():  # a run ending already goes on ending
        raise KeyboardInterrupt(_why(received[0]))


def past_the_end(say: Callable[[str], None]) -> dict[int, Any]:
    """The run's work is done, its teardown too; what is left is its summary. A Ctrl-C (or
    SIGTERM) from here on is told so in one line and changes nothing: it raised in whatever
    pytest was writing (its cache, at its session's end) and ended with Python's trace.
    Returns the handlers it replaced (main thread only), which the caller may leave replaced
    until the process ends."""
    if threading.current_thread() is not threading.main_thread():
        return {}

    def told(signum: int, frame: FrameType | None) -> None:
        say(t("signals.past_the_end", signal=signal.Signals(signum).name))

    return {s: signal.signal(s, told) for s in ENDING}


# Set once the run is ending on an interrupt (ending_on_interrupt); the run's plugin that sets
# it (fixtures/environment.py), by the name it is registered under.
_ENDING = threading.Event()
ENDING_PLUGIN = "handson-ending-on-interrupt"


def ending_on_interrupt(say: Callable[[str], None]) -> dict[int, Any]:
    """The run is ending on its first Ctrl-C (or SIGTERM): from here on another one is told
    that it is, and changes nothing. It ends as the first asked, through its teardown (which
    holds signals anyway, deferred_interrupts), with its own last lines and exit code; a second
    Ctrl-C while pytest wrote the first one's summary ended it with Python's trace instead.
    SIGKILL still stops it at once. Returns the handlers it replaced (main thread only)."""
    _ENDING.set()
    if threading.current_thread() is not threading.main_thread():
        return {}

    def told(signum: int, frame: FrameType | None) -> None:
        _say_held(say, signum)

    return {s: signal.signal(s, told) for s in ENDING}


def _say_held(say: Callable[[str], None], signum: int) -> None:
    """The line for a Ctrl-C (or SIGTERM) that waits for the teardown, in the run's language."""
    if _REASONS:
        say(t("signals.held_reason", reason=_REASONS[0]))
        return
    say(t("signals.held", signal=signal.Signals(signum).name))
