"""Where the run's time went: one stopwatch per phase, printed at the end of the run."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import pytest

from handson.i18n import display_width, pad, t, word


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
        """One line per phase, named in the run's language."""
        named = {word("phase", name): seconds for name, seconds in self.seconds.items()}
        width = max((display_width(name) for name in named), default=0)
        return [
            f"{pad(name, width)}  " + t("phases.seconds", seconds=f"{seconds:7.1f}")
            for name, seconds in named.items()
        ]


PHASES = pytest.StashKey[Phases]()  # the run's, shared by its hooks and fixtures
