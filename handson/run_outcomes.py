"""What the run's results come to, as values: a scenario's outcome from what ended it, what a
scenario without a verdict of its own is, and the run's exit code from the tally (verdict
rule 7: an error of the test is never failed). The run's plugin (fixtures/checkpoints.py)
applies them."""

from __future__ import annotations

from dataclasses import replace

import pytest

from handson.findings import Finding, is_verdict
from handson.i18n import t
from handson.report import UNDECIDED_EXIT, Tally
from handson.results import Category, Outcome, ScenarioResult


def outcome_of(error: BaseException | None, found: Finding) -> Outcome:
    """Failed only on the check's own verdict; a deny check without its positive control is not
    decided; anything else that went wrong, in any phase, is an error of the test: not decided,
    never failed (verdict rule 7)."""
    if is_verdict(error):
        return Outcome.FAILED
    if found.category is Category.PRECONDITION:
        return Outcome.PRECONDITION_NOT_MET
    return Outcome.ERROR


def settle(results: dict[str, ScenarioResult], started: set[str], interruption: str | None) -> None:
    """What a scenario without a verdict of its own is: interrupted where it had begun, not run
    where it had not; never passed."""
    for nodeid, entry in results.items():
        if entry.outcome is not Outcome.NOT_RUN:
            continue
        if interruption and nodeid in started:
            reason = t("result.interrupted", interruption=interruption)
            found = Finding(Category.INTERRUPTED, reason)
            results[nodeid] = replace(
                entry, outcome=Outcome.INTERRUPTED, reason=reason, finding=found
            )
        elif interruption:
            reason = t("result.not_run_interrupted", interruption=interruption)
            results[nodeid] = replace(entry, reason=reason)
        else:
            results[nodeid] = replace(entry, reason=t("result.not_run"))


def exit_status(
    counted: Tally, status: int | pytest.ExitCode, *, allow_undecided: bool
) -> int | pytest.ExitCode:
    """1 only when a checkpoint failed. pytest says 1 for an error of the test as well: when no
    checkpoint failed, that run exits 6, not decided, whatever --allow-undecided says; so does a
    run that passed where something was not decided, unless --allow-undecided accepts it. Any
    other code (interrupted, refused, the learner's account changed) stays."""
    if counted.failed or not counted.undecided:
        return status
    if counted.errors and status in (pytest.ExitCode.OK, pytest.ExitCode.TESTS_FAILED):
        return UNDECIDED_EXIT
    if status == pytest.ExitCode.OK and not allow_undecided:
        return UNDECIDED_EXIT
    return status
