"""Signals that end a run: SIGTERM ends it like Ctrl-C, through the teardown; and the teardown
itself runs to its end, whatever arrives meanwhile (SIGKILL aside: then the sweeper removes
what the run left)."""

from __future__ import annotations

import signal
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import FrameType

ENDING = (signal.SIGINT, signal.SIGTERM)


def interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt(f"signal {signal.Signals(signum).name}")


@contextmanager
def deferred_interrupts(say: Callable[[str], None] | None = None) -> Iterator[list[int]]:
    """Hold SIGINT and SIGTERM until the block is done, then end the run as they asked.

    Yields the signals received so far. Outside the main thread signals cannot be caught, and
    the block runs as it is.
    """
    received: list[int] = []
    if threading.current_thread() is not threading.main_thread():
        yield received
        return
    tell = say or (lambda line: print(line, file=sys.stderr, flush=True))

    def hold(signum: int, frame: FrameType | None) -> None:
        received.append(signum)
        tell(
            f"handson: {signal.Signals(signum).name} received during teardown: finishing the "
            "teardown first, so that nothing is left behind (SIGKILL stops at once)"
        )

    previous = {s: signal.signal(s, hold) for s in ENDING}
    try:
        yield received
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)
    if received:
        raise KeyboardInterrupt(f"signal {signal.Signals(received[0]).name}")
