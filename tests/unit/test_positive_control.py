"""Verdict rule 3, the positive control (handson.probes.Checker.establish_control): retried while
IAM propagates, handed over to the next candidate, held to four allows in a row where IAM
propagates, and never a pass or a policy's fault where it got no verdict."""

from __future__ import annotations

import pytest

from handson.i18n import set_language
from handson.probes import (
    CONTROL_IN_A_ROW,
    Answer,
    Checker,
    NoPositiveControl,
    PreconditionNotMet,
    Probe,
    ProbeFailed,
    ProbeResult,
    verify,
)
from handson.verdict import Outcome, classify_api_error, classify_cli
from tests.helpers.checking import ALLOW, DENY, NO_SUCH_KEY, checker, scripted
from tests.helpers.fakes import Clock


def test_a_positive_control_rides_out_a_slow_down() -> None:
    made, _ = checker()
    probe, calls = scripted(classify_api_error("SlowDown"), ALLOW)
    made.establish_control(probe)
    assert made.control is not None and len(calls) == 2


def test_failed_control_leaves_no_control() -> None:
    made, _ = checker(budget=0)
    with pytest.raises(PreconditionNotMet) as failed:
        made.establish_control(scripted(DENY)[0])
    # Every deny check behind it says so: its precondition is not met, naming the control.
    finding = failed.value.finding
    assert finding.category == "precondition not met"
    assert finding.headline.startswith("precondition not met: the positive control of ")
    assert '"call"' in finding.headline and "denied (authorization error)" in finding.headline
    assert made.control is None
    with pytest.raises(NoPositiveControl):
        made.expect(scripted(DENY)[0], Outcome.DENIED)


def test_a_control_that_is_denied_hands_over_to_the_next_without_waiting_again() -> None:
    """The role's control is R4's read, else the list of bucket 1: a design without one of them
    still has its denials decided. The first waited out propagation, so a denial of the next
    one is not waited out again (on AWS, two minutes more)."""
    made, recorded = checker(budget=1)
    first, first_calls = scripted(*[DENY] * 100)
    second, second_calls = scripted(ALLOW)
    control = made.establish_control(first, second)
    assert control.outcome is Outcome.ALLOWED and made.control is control
    assert control.probe is second and len(second_calls) == 1 and len(first_calls) > 1
    assert [r.probe for r in recorded] == [first, second]  # both kept as evidence
    # Denied too: not sent again, and the first control is the one to fix.
    made, _ = checker(budget=1)
    first, _ = scripted(*[DENY] * 100)
    second, second_calls = scripted(DENY, ALLOW)
    with pytest.raises(PreconditionNotMet) as failed:
        made.establish_control(first, second)
    assert len(second_calls) == 1 and made.control is None
    assert "denied (authorization error)" in failed.value.finding.headline


def test_a_control_without_an_answer_hands_over_to_a_patient_next_one() -> None:
    """A first control with no answer (exit code 127) spent no time on propagation: the next
    one still waits it out."""
    made, _ = checker()
    first, _ = scripted(classify_cli(127, ""))
    second, second_calls = scripted(DENY, DENY, ALLOW)
    assert made.establish_control(first, second).probe is second
    assert len(second_calls) == 3


def test_a_control_the_target_cannot_decide_hands_over_to_the_next() -> None:
    """A policy variable on s3:GetObject leaves R4's read, the role's first control, to the
    emulator's gaps: the list of bucket 1 is the control, and the denials are decided."""
    recorded: list[ProbeResult] = []
    clock = Clock()
    made = Checker(
        lambda: "arn:aws:sts::123456789012:assumed-role/r/i-1",
        propagation_budget=10,
        record=recorded.append,
        gap=lambda action, resource: "a policy variable" if action == "s3:GetObject" else None,
        pause=clock.pause,
        clock=clock,
    )
    read, read_calls = scripted(ALLOW)  # s3:GetObject
    listing = Probe("ls", "s3:ListBucket", "arn:aws:s3:::b", lambda: Answer(ALLOW, {}))
    assert made.establish_control(read, listing).probe is listing and read_calls == []
    # None the target can decide: the first one's gap, as a check that cannot be decided.
    made.control = None
    with pytest.raises(pytest.skip.Exception, match="a policy variable"):
        made.establish_control(read, scripted(ALLOW)[0])
    assert made.control is None


def test_a_control_without_an_answer_gives_its_cause_and_no_policy_advice() -> None:
    """Exit code 127 (the CLI could not run) is no denial: the control got no answer; fixing a
    policy would change nothing (verdict rule 7)."""
    made, _ = checker(budget=0)
    not_run = classify_cli(127, "bash: aws: command not found")
    with pytest.raises(PreconditionNotMet) as failed:
        made.establish_control(scripted(not_run)[0])
    finding = failed.value.finding
    assert finding.category == "precondition not met"
    assert finding.headline.startswith("precondition not met: the positive control of ")
    assert "got no verdict (exit code 127 without an authorization error)" in finding.headline
    assert "policy" not in finding.headline and not finding.hint
    assert made.control is None
    # In Japanese too: its cause, and no word of fixing a policy.
    set_language("ja")
    with pytest.raises(PreconditionNotMet) as failed:
        made.establish_control(scripted(classify_cli(127, ""))[0])
    headline = failed.value.finding.headline
    assert "許可か拒否かの答えが得られませんでした（終了コード 127" in headline
    assert "ポリシー" not in headline and "直して" not in headline


def test_where_iam_propagates_a_control_counts_after_four_allows_in_a_row() -> None:
    """IAM is eventually consistent: one request may see the new policy and the next not yet. A
    control that was allowed once, then denied, is sent again until it was allowed four times in
    a row (as terraform-provider-aws waits for IAM); a deny check after it meets the new view."""
    made, recorded = checker(in_a_row=None)
    assert CONTROL_IN_A_ROW == 4
    control, calls = scripted(ALLOW, DENY, ALLOW, ALLOW, DENY, ALLOW, ALLOW, ALLOW, ALLOW)
    result = made.establish_control(control)
    assert result.outcome is Outcome.ALLOWED and made.control is result
    assert len(calls) == 9 and len(recorded) == 9  # each answer kept, as the evidence shows


def test_a_control_that_keeps_flapping_past_the_budget_is_not_met() -> None:
    """Allowed, then denied for longer than IAM may propagate: the deny checks of that principal
    are not decided (their precondition), never passed on a view that may be old."""
    set_language("en")
    made, _ = checker(budget=5, in_a_row=None)
    control, calls = scripted(ALLOW, *[DENY] * 100)
    with pytest.raises(PreconditionNotMet) as raised:
        made.establish_control(control)
    assert made.control is None and 2 < len(calls) < 100
    assert "was allowed, but not 4 times in a row" in raised.value.finding.headline


def test_a_control_that_alternates_until_the_budget_ends_on_an_allow_is_not_met() -> None:
    """Allowed, denied, allowed, denied... until the budget ends, on an allow: never four allows
    in a row, so no control (before, the last allow was taken as one). Its words say that it was
    allowed (no policy to fix) but not steadily, and that the deny checks are not decided."""
    set_language("en")
    made, _ = checker(budget=5, in_a_row=None)
    control, calls = scripted(*[ALLOW, DENY] * 100)
    with pytest.raises(PreconditionNotMet) as raised:
        made.establish_control(control)
    assert made.control is None and 2 < len(calls) < 100
    last = raised.value.finding.result
    assert last is not None and last.outcome is Outcome.ALLOWED
    headline = raised.value.finding.headline
    assert "was allowed, but not 4 times in a row within 5 s" in headline, headline
    assert "fix the policy" not in headline


def test_without_propagation_one_allow_is_the_control() -> None:
    """The emulator: nothing propagates (no budget), so the first allow is the control, one call."""
    made, _ = checker(budget=0, in_a_row=None)
    control, calls = scripted(ALLOW)
    made.establish_control(control)
    assert len(calls) == 1 and made.control is not None


@pytest.mark.parametrize(("in_a_row", "stop_observed"), [(1, "denied"), (None, "allowed")])
def test_a_broken_design_seen_on_an_old_view_after_one_allow_still_fails(
    in_a_row: int | None, stop_observed: str
) -> None:
    """The design lets the user stop instances (a broken one). Right after the control's first
    allow, IAM still answers two requests from before the policy. Counted at its first allow
    (in_a_row 1), the control leaves the old view to the stop check, which is denied and would
    pass. Held four times in a row, the control spends the old view's answers, and the stop check
    meets the design's allow: U4 fails, as it must."""
    answers = [ALLOW, DENY, DENY]  # the first allow, then the old view; then the design's

    def world(action: str) -> Probe:
        def execute() -> Answer:
            return Answer(answers.pop(0) if answers else ALLOW, {})

        return Probe(action, action, "*", execute)

    made, _ = checker(in_a_row=in_a_row)
    made.establish_control(world("ec2:StartInstances"))
    stop = made.expect(world("ec2:StopInstances"), Outcome.DENIED)
    assert stop.outcome.value == stop_observed
    if in_a_row is None:
        with pytest.raises(ProbeFailed):
            verify(stop)


def test_an_answer_without_a_verdict_between_allows_starts_the_count_again() -> None:
    """An answer that is no verdict (here S3's NoSuchKey) says nothing of IAM: the control neither
    ends on it, leaving the deny checks not decided, nor counts it; four allows in a row after
    it make the control. Only the budget's end on it leaves the control without a verdict."""
    made, _ = checker(in_a_row=None)
    control, calls = scripted(ALLOW, ALLOW, NO_SUCH_KEY, ALLOW, ALLOW, ALLOW, ALLOW)
    assert made.establish_control(control).outcome is Outcome.ALLOWED
    assert len(calls) == 7
    made, _ = checker(budget=5, in_a_row=None)
    control, _ = scripted(ALLOW, *[NO_SUCH_KEY] * 100)
    with pytest.raises(PreconditionNotMet):
        made.establish_control(control)
