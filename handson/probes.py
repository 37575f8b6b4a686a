"""Probes: one call as one principal, its answer, and its verdict; and the checker that applies
the verdict rules around them (positive control first, retries only towards an expected allow).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import pytest

from handson.findings import (
    ALLOWED_BUT_DENIED,
    DENIED_BUT_ALLOWED,
    NOT_BY_KEY,
    PRECONDITION,
    TEST_ERROR,
    CheckError,
    CheckFailed,
    Finding,
    undecidable,
)
from handson.i18n import Key, t
from handson.verdict import Outcome, Verdict
from handson.waiting import poll

if TYPE_CHECKING:
    from handson.iam_engine import Statement

# Where IAM propagates (a budget to wait for it), the positive control counts once it is allowed
# this many times in a row: IAM is eventually consistent, and one request may see a new key or
# policy while the next does not yet (a deny check then passes on the old view).
# terraform-provider-aws waits for IAM the same way (ContinuousTargetOccurence: 4).
CONTROL_IN_A_ROW = 4


@dataclass(frozen=True)
class Answer:
    verdict: Verdict
    details: dict[str, Any]


@dataclass(frozen=True)
class Probe:
    """One call: what a person would run, and the IAM action and resource AWS evaluates."""

    call: str
    action: str
    resource: str
    execute: Callable[[], Answer] = field(repr=False, compare=False)
    # The condition keys the call carries that IAM evaluates (e.g. s3:prefix of a listing).
    context: Mapping[str, str] = field(default_factory=dict, compare=False)


def outcome_word(outcome: Outcome) -> str:
    """An outcome as a probe's evidence names it, in the run's language."""
    return t(f"evidence.outcome.{outcome.value}")


@dataclass(frozen=True)
class ProbeResult:
    principal: str
    probe: Probe
    expected: Outcome
    answer: Answer
    attempts: int
    explanation: str = ""  # the deciding policy statements, when the verdict is not expected
    hint: str = ""  # what to change, in the run's language, where the statements tell
    # The statements the engine's decision names (handson.policy_match.deciding): what the
    # failure block shows as deciding, never read back out of the explanation's words.
    deciding: tuple[Statement, ...] = ()

    @property
    def outcome(self) -> Outcome:
        return self.answer.verdict.outcome

    def summary(self) -> str:
        """One line of the result, in the run's language."""
        verdict = self.answer.verdict
        return t(
            "evidence.summary",
            call=self.probe.call,
            principal=self.principal,
            expected=outcome_word(self.expected),
            observed=outcome_word(verdict.outcome),
            code=f" ({verdict.code})" if verdict.code else "",
            rule=verdict.text,
        )


class ProbeFailed(CheckFailed):
    """The principal was allowed what it should be denied, or the other way round; or what a
    denied write targeted changed anyway."""


class ProbeError(CheckError):
    """The probe answered with something that is not a verdict (verdict rule 1)."""


class PreconditionNotMet(CheckError):
    """The principal's positive control did not pass: its deny checks cannot be decided."""


class NoPositiveControl(Exception):
    """A deny check was asked for before the same principal passed a positive control."""


class Checker:
    """Runs probes for one principal under the verdict rules of docs/checkpoints.md."""

    def __init__(
        self,
        principal: Callable[[], str],
        *,
        propagation_budget: float,
        transient_budget: float | None = None,
        record: Callable[[ProbeResult], None],
        gap: Callable[[str, str], str | None],
        limit: Callable[[str, str], str | None] = lambda action, resource: None,
        explain: Callable[[str, str, bool, Mapping[str, str]], str] = (
            lambda action, resource, allowed, context: ""
        ),
        hint: Callable[[str, str, bool, Mapping[str, str]], str] = (
            lambda action, resource, allowed, context: ""
        ),
        deciding: Callable[[str, str, bool, Mapping[str, str]], tuple[Statement, ...]] = (
            lambda action, resource, allowed, context: ()
        ),
        pause: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        via: Callable[[Probe], Probe] = lambda probe: probe,
        overturn: Callable[[str, str, bool], str | None] = lambda action, resource, allowed: None,
        control_in_a_row: int | None = None,
    ) -> None:
        # How each probe is decided: sent as it is, or (--live without the user's key) asked of
        # IAM's policy simulator instead (handson.targets.simulation.simulated).
        self._via = via
        self._principal = principal
        self._budget = propagation_budget
        # Faults are sent again for this long, even where nothing propagates (the emulator).
        self._transient_budget = (
            propagation_budget if transient_budget is None else transient_budget
        )
        self._record = record
        self._gap = gap  # what the target cannot decide
        # Why an answer of the target may not be AWS's, given what it was (a replay without the
        # learner's bucket policy, which may allow what it denied or deny what it allowed).
        self._overturn = overturn
        self._limit = limit  # what the probe's own credentials cannot stand for (on any target)
        self._explain = explain
        self._hint = hint
        self._deciding = deciding
        self._pause = pause
        self._clock = clock
        self.control: ProbeResult | None = None
        if control_in_a_row is None:
            control_in_a_row = CONTROL_IN_A_ROW if propagation_budget > 0 else 1
        self._in_a_row = control_in_a_row

    def establish_control(self, probe: Probe, *others: Probe) -> ProbeResult:
        """Rule 3: an expected allow by the same principal, retried while IAM propagates; where
        it does not pass, or the target cannot decide it, each of ``others`` in turn (the first
        to pass is the control). Once a control was denied for the whole propagation budget,
        the next is tried without waiting again: the principal's credentials had their time.

        If none passes, no deny check of this principal can be decided: each says that its
        precondition is not met, naming the first control tried, never "denied but should be
        allowed".
        """
        probe, result = self._first_allowed((probe, *others))
        result, held = self._held(probe, result)
        if not held and result.outcome in (Outcome.ALLOWED, Outcome.DENIED):
            # Allowed, then not allowed again and again until the budget ended: the policy
            # allows it, but IAM's view had not settled, and a deny check could meet the old one.
            headline = t(
                "precondition_unsteady",
                principal=result.principal,
                call=probe.call,
                count=self._in_a_row,
                seconds=f"{self._budget:g}",
            )
            raise PreconditionNotMet(headline, Finding(PRECONDITION, headline, result))
        try:
            verify(result)
        except ProbeFailed as failed:
            # Denied: the policy that should allow it is what to fix first.
            said = (
                ("principal", result.principal),
                ("call", probe.call),
                ("observed", Key(f"outcome.{result.outcome.value}")),
            )
            raise PreconditionNotMet(
                str(failed),
                Finding(PRECONDITION, "precondition", result, result.hint, params=said),
            ) from None
        except ProbeError as failed:
            # No answer at all (exit code 127, a CLI that could not run, a fault): its cause,
            # and no word about the policies, which this says nothing of (verdict rule 7).
            headline = t(
                "precondition_error",
                principal=result.principal,
                call=probe.call,
                cause=cause(result.answer.verdict),
            )
            raise PreconditionNotMet(str(failed), Finding(PRECONDITION, headline, result)) from None
        self.control = result
        return result

    def _held(self, probe: Probe, first: ProbeResult) -> tuple[ProbeResult, bool]:
        """An allowed control, sent again until it was allowed :data:`CONTROL_IN_A_ROW` times in a
        row; anything else between starts the count again (a denial: the old view; an answer that
        is no verdict says nothing of IAM), for as long as IAM may propagate. The last answer,
        and whether the control held: a budget that ended in the middle of a count (even on an
        allow) leaves it not held; a first answer that was no allow has nothing to hold."""
        if first.outcome is not Outcome.ALLOWED or self._in_a_row <= 1:
            return first, True  # nothing to hold: the answer is the control's verdict
        in_a_row = 1

        def again() -> ProbeResult:
            nonlocal in_a_row
            result = self.expect(probe, Outcome.ALLOWED, patient=False)
            in_a_row = in_a_row + 1 if result.outcome is Outcome.ALLOWED else 0
            return result

        last, _ = poll(
            again,
            lambda result: in_a_row >= self._in_a_row,
            budget=self._budget,
            interval=lambda n: 0.0 if in_a_row else 1.0,
            clock=self._clock,
            pause=self._pause,
        )
        return last, in_a_row >= self._in_a_row

    def _first_allowed(self, candidates: tuple[Probe, ...]) -> tuple[Probe, ProbeResult]:
        """The first candidate allowed, with its result; else the first one tried, with its."""
        tried: list[tuple[Probe, ProbeResult]] = []
        unsure: BaseException | None = None  # the first the target cannot decide
        for candidate in candidates:
            waited = any(r.outcome is Outcome.DENIED for _, r in tried)
            try:
                result = self.expect(candidate, Outcome.ALLOWED, patient=not waited)
            except pytest.skip.Exception as gap:
                unsure = unsure or gap
                continue
            tried.append((candidate, result))
            if result.outcome is Outcome.ALLOWED:
                return candidate, result
        if not tried:
            assert unsure is not None
            raise unsure
        return tried[0]

    def expect(self, probe: Probe, expected: Outcome, *, patient: bool = True) -> ProbeResult:
        """The probe's verdict. An expected allow that is denied is sent again while IAM may
        still be propagating (unless not ``patient``: propagation already waited out)."""
        probe = self._via(probe)
        gap = self._gap(probe.action, probe.resource)
        if gap:
            raise undecidable(gap)
        limit = self._limit(probe.action, probe.resource)
        if limit:
            raise undecidable(limit, NOT_BY_KEY)
        if expected is Outcome.DENIED and self.control is None:
            raise NoPositiveControl(
                f"{probe.call}: no positive control of {self._principal()} has passed yet, so a "
                "denial could only mean that IAM has not propagated (verdict rule 3)"
            )

        # Only an expected allow may wait out propagation; an unexpected allow is final. A
        # transient fault is no answer at all: the probe is sent again, whatever it expects.
        started = self._clock()

        def final(answer: Answer) -> bool:
            verdict = answer.verdict
            if verdict.transient:
                return False
            waiting_for_iam = patient and self._clock() - started < self._budget
            return not (
                expected is Outcome.ALLOWED
                and verdict.outcome is Outcome.DENIED
                and waiting_for_iam
            )

        answer, attempts = poll(
            probe.execute,
            final,
            budget=max(self._budget, self._transient_budget),
            interval=lambda n: min(2.0**n * 0.1, 5.0),
            clock=self._clock,
            pause=self._pause,
        )
        observed = answer.verdict.outcome
        explanation = hint = ""
        deciding: tuple[Statement, ...] = ()
        if observed is not expected and observed is not Outcome.ERROR:
            question = (probe.action, probe.resource, observed is Outcome.ALLOWED, probe.context)
            explanation = self._explain(*question)
            hint = self._hint(*question)
            deciding = self._deciding(*question)
        result = ProbeResult(
            self._principal(), probe, expected, answer, attempts, explanation, hint, deciding
        )
        self._record(result)
        if observed in (Outcome.ALLOWED, Outcome.DENIED):
            overturned = self._overturn(probe.action, probe.resource, observed is Outcome.ALLOWED)
            if overturned:
                raise undecidable(overturned)
        return result


def cause(verdict: Verdict) -> str:
    """Why an answer is no verdict, in the run's language: its rule, with its code where the rule
    does not name it."""
    code, rule = verdict.code, verdict.text
    return f"{rule} ({code})" if code and code not in rule else rule


@dataclass(frozen=True)
class _Cause:
    """A verdict's cause, worded when the message it goes into is shown (in that language)."""

    verdict: Verdict

    def __str__(self) -> str:
        return cause(self.verdict)


def verify(result: ProbeResult) -> None:
    """Fail unless the probe's verdict is what the checkpoint expects."""
    observed = result.outcome
    if observed is Outcome.ERROR:
        said = (("cause", _Cause(result.answer.verdict)),)
        raise ProbeError(
            f"not a verdict (test error): {result.summary()}",
            Finding(TEST_ERROR, "no_verdict", result, params=said),
        )
    if observed is not result.expected:
        kind = ALLOWED_BUT_DENIED if observed is Outcome.ALLOWED else DENIED_BUT_ALLOWED
        why = f"\n{result.explanation}" if result.explanation else ""
        raise ProbeFailed(f"{result.summary()}{why}", Finding(kind, kind, result, result.hint))
