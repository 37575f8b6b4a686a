"""Teardown registered the moment each resource exists, run whatever happened.

Removal runs in stages (handson/lifecycle/order.py, the order the sweeper keeps too), so that
access goes first and nothing is removed before what depends on it. Within a stage, the newest
goes first. Each removal is retried while AWS answers with throttling or a conflict that
eventual consistency will clear.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial

from botocore.exceptions import ClientError

from handson.i18n import t
from handson.lifecycle.order import Stage
from handson.secrets import redact
from handson.transient import is_transient
from handson.waiting import WaitTimeout, retrying_on

log = logging.getLogger("handson.lifecycle.cleanup")

# Beside throttling and server errors: conflicts that eventual consistency clears (a detached
# policy still counted, a terminated instance's network interface not yet gone).
CLEARING_CODES = frozenset({"DeleteConflict", "DependencyViolation"})


class Transient(Exception):
    """A removal AWS refused for now (throttling, a dependency still clearing)."""


@dataclass
class _Undo:
    label: str
    action: Callable[[], None]
    stage: Stage
    order: int


@dataclass
class Cleanup:
    """Undo actions by stage. Each action must treat "already gone" as done."""

    retry_budget: float = 60.0
    _undos: list[_Undo] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    stopped: str = ""  # why the teardown ended early: its target, and all in it, is gone

    def register(self, label: str, action: Callable[[], None], stage: Stage) -> None:
        self._undos.append(_Undo(label, action, stage, len(self._undos)))

    def withdraw(self, label: str) -> None:
        """What ``label`` names was removed by the run's own checks: no undo is left for it."""
        self._undos = [undo for undo in self._undos if undo.label != label]

    def _in_order(self) -> list[_Undo]:
        return sorted(self._undos, key=lambda u: (u.stage, -u.order))

    @property
    def pending(self) -> list[str]:
        return [undo.label for undo in self._in_order()]

    def run(self, gone: Callable[[], str | None] = lambda: None) -> list[str]:
        """Undo everything, stage by stage; return what could not be undone (also kept).
        ``gone`` says why the target can no longer answer (the run's own emulator ended, with
        everything in it): asked before each attempt, it ends the teardown at once, with
        nothing left to undo (``stopped``), instead of retrying each removal to its budget."""
        for undo in self._in_order():
            self._undos.remove(undo)
            if undo.stage is Stage.RECORD and self.failures:
                # Kept, so that the sweeper can still tell this run's untagged buckets.
                log.warning(t("undo.kept_log", label=undo.label))
                self.failures.append(t("undo.kept", label=undo.label))
                continue
            try:
                action = partial(_unless_gone, gone, undo.action)
                riding_out(action, budget=self.retry_budget, what=f"removing {undo.label}")
                log.info(t("undo.removed", label=undo.label))
            except TargetGone as stopped:
                self.stopped = str(stopped)
                self._undos.clear()
                self.failures.clear()
                return []
            except Exception as exc:  # noqa: BLE001 - every undo must get its turn
                cause = exc.__cause__ if isinstance(exc, WaitTimeout) else exc
                if isinstance(cause, Transient) and cause.__cause__ is not None:
                    cause = cause.__cause__  # what AWS answered the last time
                message = redact(f"{undo.label}: {type(cause).__name__}: {cause}")
                log.error(t("undo.not_removed", what=message))
                self.failures.append(message)
        return list(self.failures)

    def abandon(self) -> list[str]:
        """Forget the undo actions (for --keep) and return what is left behind."""
        left = self.pending
        self._undos.clear()
        return left


class TargetGone(Exception):
    """The target cannot answer any more, and holds nothing of the run: no removal is needed."""


def _unless_gone(gone: Callable[[], str | None], action: Callable[[], None]) -> None:
    why = gone()
    if why:
        raise TargetGone(why)
    action()


def riding_out(action: Callable[[], None], *, budget: float, what: str) -> None:
    """``action``, sent again within ``budget`` while AWS answers that it cannot do it yet:
    throttling, a fault, or a dependency still clearing (a role just taken out of its instance
    profile still counts as in it for a moment: DeleteConflict). The teardown's and the
    sweeper's removals alike."""
    retrying_on(lambda: _transient_as_retryable(action), (Transient,), budget=budget, what=what)


def _transient_as_retryable(action: Callable[[], None]) -> None:
    try:
        action()
    except Exception as exc:
        code = exc.response.get("Error", {}).get("Code") if isinstance(exc, ClientError) else None
        if is_transient(exc) or code in CLEARING_CODES:
            raise Transient(str(exc)) from exc
        raise
