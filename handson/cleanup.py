"""Teardown registered the moment each resource exists, run in reverse, whatever happened."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field

from handson.secrets import redact

log = logging.getLogger("handson.cleanup")


@dataclass
class _Undo:
    label: str
    action: Callable[[], None]


@dataclass
class Cleanup:
    """A stack of undo actions. Each action must treat "already gone" as done."""

    _stack: list[_Undo] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)

    def register(self, label: str, action: Callable[[], None]) -> None:
        self._stack.append(_Undo(label, action))

    @property
    def pending(self) -> list[str]:
        return [undo.label for undo in reversed(self._stack)]

    def run(self) -> list[str]:
        """Undo everything, newest first; return what could not be undone (also kept)."""
        while self._stack:
            undo = self._stack.pop()
            try:
                undo.action()
                log.info("removed %s", undo.label)
            except Exception as exc:  # noqa: BLE001 - every undo must get its turn
                message = redact(f"{undo.label}: {type(exc).__name__}: {exc}")
                log.error("could not remove %s", message)
                self.failures.append(message)
        return list(self.failures)

    def abandon(self) -> list[str]:
        """Forget the undo actions (for --keep) and return what is left behind."""
        left = self.pending
        self._stack.clear()
        return left
