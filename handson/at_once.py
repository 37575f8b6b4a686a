"""Reads side by side that a Ctrl-C does not wait for.

The account's other regions are read several at once (handson.discovery_near): on AWS each is a
connection that may take its whole read timeout (a minute, retried) to answer, behind a slow
proxy or far from the learner. With ``concurrent.futures.ThreadPoolExecutor`` a Ctrl-C waited
for every read in flight: the pool's ``with`` block waits for them, and since Python 3.9 its
threads are joined when the interpreter ends too (they can no longer be daemon threads).
``multiprocessing.pool.ThreadPool``'s threads are daemon threads, but its ``terminate`` joins
them as well. So each read runs in a daemon thread of its own here, and the caller waits for
the results in short steps (handson.waiting.result_of): a Ctrl-C stops the wait at once (on
Windows too, where a wait without a timeout is not interrupted), reads not started never start,
and the process ends without waiting for those in flight. Only reads belong here: what is left
of them is dropped.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Iterable
from concurrent.futures import Future
from typing import TypeVar

from handson.waiting import result_of

T = TypeVar("T")
R = TypeVar("R")


def read_at_once(read: Callable[[T], R], items: Iterable[T], at_most: int) -> list[R]:
    """``read(item)`` for every item, up to ``at_most`` at once, in the items' order; the first
    exception of a read, in that order, is raised. A Ctrl-C raises at once, whatever is in
    flight."""
    futures: list[tuple[T, Future[R]]] = [(item, Future()) for item in items]
    readers = max(1, min(at_most, len(futures)))
    waiting: queue.SimpleQueue[tuple[T, Future[R]] | None] = queue.SimpleQueue()
    for pair in [*futures, *[None] * readers]:  # then one end for each reader
        waiting.put(pair)

    def reader() -> None:
        for item, future in iter(waiting.get, None):
            if not future.set_running_or_notify_cancel():
                continue  # the caller stopped waiting: never started
            try:
                future.set_result(read(item))
            except BaseException as exc:  # noqa: BLE001 - the caller raises it, in its order
                future.set_exception(exc)

    for n in range(readers):
        threading.Thread(target=reader, name=f"handson-read-{n}", daemon=True).start()
    try:
        return [result_of(future) for _, future in futures]
    finally:
        for _, future in futures:
            future.cancel()  # those not started: a no-op for the rest
