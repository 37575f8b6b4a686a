"""Where the run's time went: one stopwatch per phase, printed at the end of the run."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import pytest


@dataclass
class Phases:
    clock: Callable[[], float] = time.monotonic
    seconds: dict[str, float] = field(default_factory=dict)

    @contextmanager
    def timing(self, name: str) -> Iterator[None]:
        start = self.clock()
        try:
            yield
        finally:
            self.add(name, self.clock() - start)

    def add(self, name: str, seconds: float) -> None:
        self.seconds[name] = self.seconds.get(name, 0.0) + seconds

    def lines(self) -> list[str]:
        width = max((len(name) for name in self.seconds), default=0)
        return [f"{name:<{width}}  {seconds:7.1f} s" for name, seconds in self.seconds.items()]


PHASES = pytest.StashKey[Phases]()  # the run's, shared by its hooks and fixtures
