"""A checker (handson.probes.Checker) on a fake clock, and probes that answer as scripted."""

from __future__ import annotations

from collections.abc import Iterator

from handson.probes import Answer, Checker, Probe, ProbeResult
from handson.verdict import Outcome, Verdict, classify_api_error
from tests.helpers.fakes import Clock

ALLOW = Verdict(Outcome.ALLOWED, "ok")
DENY = Verdict(Outcome.DENIED, "authorization error", "AccessDenied")
THROTTLED = classify_api_error("Throttling")
NO_SUCH_KEY = classify_api_error("NoSuchKey")


def scripted(*verdicts: Verdict) -> tuple[Probe, list[int]]:
    answers: Iterator[Verdict] = iter(verdicts)
    calls: list[int] = []

    def execute() -> Answer:
        calls.append(1)
        return Answer(next(answers), {})

    return Probe("call", "s3:GetObject", "arn:aws:s3:::b/k", execute), calls


def checker(
    budget: float = 10,
    gap: str | None = None,
    transient: float | None = None,
    in_a_row: int | None = 1,
) -> tuple[Checker, list[ProbeResult]]:
    """A checker on a fake clock. Its positive control counts on its first allow (``in_a_row``
    1) unless a test says otherwise: None is what the run gives it (CONTROL_IN_A_ROW where there
    is a budget to wait for IAM)."""
    recorded: list[ProbeResult] = []
    clock = Clock()
    made = Checker(
        lambda: "arn:aws:iam::123456789012:user/u",
        propagation_budget=budget,
        transient_budget=transient,
        record=recorded.append,
        gap=lambda action, resource: gap,
        pause=clock.pause,
        clock=clock,
        control_in_a_row=in_a_row,
    )
    return made, recorded
