"""What a check found, kept as data until it is shown.

A check that fails, errs or cannot be decided raises an exception that carries a ``Finding``:
the category it falls in, one line for the matrix, and the probe's result when a probe decided
it. The report hook reads that object; the matrix, ``checkpoints.json`` and the categories are
built from it, never from the exception's text. The exception's text is for people only.

The categories are named in ``handson.results.Category``, checked by name against
``handson/categories.json``, which the allure report reads too.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pytest

from handson.i18n import has, t
from handson.results import Category

if TYPE_CHECKING:
    from handson.probes import ProbeResult

# The categories under the names the code has long used for them (handson.results.Category).
ALLOWED_BUT_DENIED = Category.ALLOWED_BUT_DENIED
DENIED_BUT_ALLOWED = Category.DENIED_BUT_ALLOWED
UNDECIDABLE = Category.UNDECIDABLE
NOT_BY_KEY = Category.NOT_BY_KEY
INTERRUPTED = Category.INTERRUPTED
PRECONDITION = Category.PRECONDITION
TRUST_MISTAKE = Category.TRUST_MISTAKE
NOT_BUILT = Category.NOT_BUILT
TEST_ERROR = Category.TEST_ERROR


@dataclass(frozen=True)
class Finding:
    category: Category | None  # None: a skip of pytest's own, without a finding
    # One line for the matrix: a message key (translated where shown, with ``params``), or words
    # from outside the catalogue (a category's name, pytest's own skip reason) as they are.
    said: str
    result: ProbeResult | None = None
    hint: str = ""  # what to change, where it follows from the deciding statement
    # What went wrong after the first cause, shown below it and never in its place (a teardown
    # that failed after the build had failed).
    more: tuple[str, ...] = ()
    params: tuple[tuple[str, object], ...] = ()  # what the headline's words put in

    @property
    def headline(self) -> str:
        """The one line for the matrix, in the run's language."""
        return t(self.said, **dict(self.params)) if has(self.said) else self.said

    def as_dict(self) -> dict[str, Any]:
        found: dict[str, Any] = {"category": self.category, "headline": self.headline}
        if self.more:
            found["more"] = list(self.more)
        result = self.result
        if result is not None:
            verdict = result.answer.verdict
            found["probe"] = {
                "principal": result.principal,
                "call": result.probe.call,
                "evaluates": f"{result.probe.action} on {result.probe.resource}",
                "expected": result.expected.value,
                "observed": verdict.outcome.value,
                "code": verdict.code,
                "rule": verdict.text,
                "attempts": result.attempts,
                "deciding statements": result.explanation,
            }
        if self.hint:
            found["hint"] = self.hint
        return found


class CheckFailed(AssertionError):
    """The check's own verdict is not what the checkpoint expects."""

    def __init__(self, message: str, finding: Finding) -> None:
        super().__init__(message)
        self.finding = finding


class CheckError(Exception):
    """The check got no verdict (verdict rule 1): an error of the test, never a pass."""

    def __init__(self, message: str, finding: Finding) -> None:
        super().__init__(message)
        self.finding = finding


def is_verdict(error: BaseException | None) -> bool:
    """Whether an error is the check's own verdict (不合格): a wrong allow, a wrong deny, a trust
    policy mistake, a denied write that changed its target, a piece the hands-on builds missing.
    Anything else (a probe without a verdict, a crash of the suite's own code, a build or a
    teardown that failed) is an error of the test: never 不合格 (verdict rule 7)."""
    return isinstance(error, CheckFailed)


def undecidable(gap: str, category: Category = UNDECIDABLE) -> BaseException:
    """The target cannot decide this check faithfully: pytest's own skip (shown as ever,
    ``Skipped: <gap>``), carrying the finding."""
    skip = pytest.skip.Exception(msg=gap)
    skip.finding = Finding(category, gap)  # type: ignore[attr-defined]
    return skip


def finding_of(error: BaseException | None) -> Finding | None:
    """The finding an exception carries, if it is one of the suite's."""
    found = getattr(error, "finding", None)
    return found if isinstance(found, Finding) else None
