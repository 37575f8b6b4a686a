"""The checker applies the verdict rules: a positive control first, retries only towards an
expected allow, an unexpected allow never retried away, an error never a denial."""

from __future__ import annotations

import pytest

from handson.attempts import Watched
from handson.findings import UNDECIDABLE
from handson.i18n import set_language
from handson.probes import (
    Checker,
    NoPositiveControl,
    ProbeError,
    ProbeFailed,
    ProbeResult,
    verify,
)
from handson.results import Category
from handson.verdict import Outcome, classify_api_error, classify_cli
from tests.helpers.checking import ALLOW, DENY, NO_SUCH_KEY, THROTTLED, checker, scripted


def test_deny_check_needs_a_positive_control_first() -> None:
    made, recorded = checker()
    probe, calls = scripted(DENY)
    with pytest.raises(NoPositiveControl, match="rule 3"):
        made.expect(probe, Outcome.DENIED)
    assert calls == [] and recorded == []


def test_expected_allow_waits_out_propagation() -> None:
    made, recorded = checker()
    probe, calls = scripted(DENY, DENY, ALLOW)
    result = made.expect(probe, Outcome.ALLOWED)
    verify(result)
    assert result.attempts == 3 and len(calls) == 3
    assert recorded == [result]


def test_expected_allow_gives_up_after_the_budget() -> None:
    made, _ = checker(budget=1)
    probe, calls = scripted(*[DENY] * 100)
    result = made.expect(probe, Outcome.ALLOWED)
    with pytest.raises(ProbeFailed) as failed:
        verify(result)
    assert failed.value.finding.category is Category.DENIED_BUT_ALLOWED
    assert 1 < len(calls) < 100


def test_unexpected_allow_is_never_retried_away() -> None:
    made, _ = checker()
    control, _ = scripted(ALLOW)
    made.establish_control(control)
    probe, calls = scripted(ALLOW, DENY, DENY)
    result = made.expect(probe, Outcome.DENIED)
    assert len(calls) == 1
    with pytest.raises(ProbeFailed) as failed:
        verify(result)
    assert failed.value.finding.category is Category.ALLOWED_BUT_DENIED


def test_error_is_not_a_denial() -> None:
    made, _ = checker()
    made.establish_control(scripted(ALLOW)[0])
    result = made.expect(scripted(NO_SUCH_KEY)[0], Outcome.DENIED)
    with pytest.raises(ProbeError, match="not a verdict"):
        verify(result)


def test_errors_are_not_retried_as_propagation() -> None:
    made, _ = checker()
    probe, calls = scripted(NO_SUCH_KEY, ALLOW)
    result = made.expect(probe, Outcome.ALLOWED)
    assert len(calls) == 1 and result.outcome is Outcome.ERROR


@pytest.mark.parametrize("expected", [Outcome.ALLOWED, Outcome.DENIED])
def test_a_transient_fault_is_sent_again_whatever_is_expected(expected: Outcome) -> None:
    made, _ = checker()
    made.establish_control(scripted(ALLOW)[0])
    final = ALLOW if expected is Outcome.ALLOWED else DENY
    probe, calls = scripted(THROTTLED, classify_api_error("InternalError"), final)
    result = made.expect(probe, expected)
    verify(result)
    assert len(calls) == 3 and result.attempts == 3


def test_a_fault_that_outlives_the_budget_is_a_test_error_never_a_verdict() -> None:
    made, _ = checker(budget=3)
    made.establish_control(scripted(ALLOW)[0])
    probe, calls = scripted(*[THROTTLED] * 50)
    result = made.expect(probe, Outcome.DENIED)
    assert result.outcome is Outcome.ERROR and 1 < len(calls) < 50
    with pytest.raises(ProbeError, match="transient fault"):
        verify(result)


def test_an_allow_after_a_fault_is_final_for_a_deny_check() -> None:
    made, _ = checker()
    made.establish_control(scripted(ALLOW)[0])
    probe, calls = scripted(THROTTLED, ALLOW, DENY)
    result = made.expect(probe, Outcome.DENIED)
    assert len(calls) == 2
    with pytest.raises(ProbeFailed) as failed:
        verify(result)
    assert failed.value.finding.category is Category.ALLOWED_BUT_DENIED


def test_a_probe_without_a_verdict_names_its_cause() -> None:
    made, _ = checker()
    made.establish_control(scripted(ALLOW)[0])
    result = made.expect(scripted(classify_cli(127, ""))[0], Outcome.DENIED)
    with pytest.raises(ProbeError) as erred:
        verify(result)
    assert erred.value.finding.headline == (
        "not a verdict: exit code 127 without an authorization error"
    )
    result = made.expect(scripted(NO_SUCH_KEY)[0], Outcome.DENIED)
    with pytest.raises(ProbeError) as erred:
        verify(result)
    assert (
        erred.value.finding.headline
        == "not a verdict: rule 1: NoSuchKey is not an authorization error"
    )
    # The cause is worded where it is shown, in that language, not when the probe ran.
    set_language("ja")
    try:
        assert erred.value.finding.headline.startswith("判定できません: ")
        assert "not an authorization error" not in erred.value.finding.headline
    finally:
        set_language("en")


def test_emulator_gap_skips_without_running_the_probe() -> None:
    made, recorded = checker(gap="emulator gap: conditions")
    probe, calls = scripted(ALLOW)
    with pytest.raises(pytest.skip.Exception, match="emulator gap") as skipped:
        made.expect(probe, Outcome.ALLOWED)
    assert calls == [] and recorded == []
    assert skipped.value.finding.category == UNDECIDABLE  # type: ignore[attr-defined]


def test_an_answer_a_replay_cannot_vouch_for_is_recorded_and_not_decided() -> None:
    """A bucket policy of a hand-built environment may allow what the replay denied: the probe
    is made and recorded (the evidence), and the check is not decided; an answer it leaves as
    it is stands."""
    seen: list[tuple[str, str, bool]] = []

    def overturn(action: str, resource: str, allowed: bool) -> str | None:
        seen.append((action, resource, allowed))
        return None if allowed else "a bucket policy may allow it"

    recorded: list[ProbeResult] = []
    made = Checker(
        lambda: "arn:aws:iam::123456789012:role/r",
        propagation_budget=0,
        record=recorded.append,
        gap=lambda action, resource: None,
        overturn=overturn,
    )
    allowed, _ = scripted(ALLOW)
    made.establish_control(allowed)
    denied, calls = scripted(DENY)
    with pytest.raises(pytest.skip.Exception, match="a bucket policy") as skipped:
        made.expect(denied, Outcome.DENIED)
    assert skipped.value.finding.category == UNDECIDABLE  # type: ignore[attr-defined]
    assert calls == [1] and len(recorded) == 2 and recorded[1].outcome is Outcome.DENIED
    assert seen == [
        ("s3:GetObject", "arn:aws:s3:::b/k", True),
        ("s3:GetObject", "arn:aws:s3:::b/k", False),
    ]


def test_what_the_probes_key_cannot_stand_for_skips_on_any_target() -> None:
    """The user's key for the console's MFA: skipped without sending, as its own category (an
    emulator gap is not one: AWS answers the key as it would any key)."""
    from handson.findings import NOT_BY_KEY

    made = Checker(
        lambda: "arn:aws:iam::123456789012:user/u",
        propagation_budget=1,
        record=lambda result: None,
        gap=lambda action, resource: None,
        limit=lambda action, resource: "MFA" if action == "s3:GetObject" else None,
    )
    probe, calls = scripted(ALLOW)
    with pytest.raises(pytest.skip.Exception, match="MFA") as skipped:
        made.establish_control(probe)
    assert calls == [] and made.control is None
    assert skipped.value.finding.category == NOT_BY_KEY  # type: ignore[attr-defined]


def test_failures_carry_their_finding() -> None:
    made, _ = checker()
    made.establish_control(scripted(ALLOW)[0])
    result = made.expect(scripted(ALLOW)[0], Outcome.DENIED)
    with pytest.raises(ProbeFailed) as failed:
        verify(result)
    assert failed.value.finding.category == "allowed but should be denied"
    assert failed.value.finding.result is result
    error = made.expect(scripted(NO_SUCH_KEY)[0], Outcome.DENIED)
    with pytest.raises(ProbeError) as erred:
        verify(error)
    assert erred.value.finding.category == "infrastructure or test error"
    assert erred.value.finding.as_dict()["probe"]["code"] == "NoSuchKey"


def test_watched_target_must_stay_as_it_was() -> None:
    state = {"value": "before"}
    watched = Watched.now("object", lambda: state["value"])
    watched.assert_unchanged()
    state["value"] = "after"
    with pytest.raises(ProbeFailed, match="rule 5") as changed:
        watched.assert_unchanged()
    # What the terminal and the report say of it, in the run's language.
    assert changed.value.finding.headline == "object changed"
    set_language("ja")
    try:
        assert changed.value.finding.headline == "拒否されたはずの操作で object が変わりました"
    finally:
        set_language("en")


def test_a_changed_target_of_the_run_is_put_back_after_its_check() -> None:
    state = {"value": "before"}
    watched = Watched.now("object", lambda: state["value"], lambda: state.update(value="before"))
    assert watched.put_back() is False  # unchanged: nothing to do
    state["value"] = "after"
    with pytest.raises(ProbeFailed, match="rule 5"):
        watched.assert_unchanged()
    assert watched.put_back() is True
    assert state["value"] == "before"
    watched.assert_unchanged()  # as it was: the next check finds the run's own object


def test_where_nothing_propagates_a_denied_allow_is_judged_at_once() -> None:
    """The emulator's budgets: no propagation wait, but faults are still sent again."""
    made, _ = checker(budget=0, transient=5)
    probe, calls = scripted(DENY, ALLOW)
    result = made.expect(probe, Outcome.ALLOWED)
    assert result.outcome is Outcome.DENIED and len(calls) == 1
    probe, calls = scripted(THROTTLED, THROTTLED, ALLOW)
    assert made.expect(probe, Outcome.ALLOWED).outcome is Outcome.ALLOWED
    assert len(calls) == 3


def test_a_target_its_check_found_as_it_was_is_not_read_again() -> None:
    """The scenario's last step found it as it was (verdict rule 5): put_back reads no more."""
    reads = []
    state = {"value": "before"}

    def read() -> str:
        reads.append(state["value"])
        return state["value"]

    watched = Watched.now("object", read, lambda: state.update(value="before"))
    watched.assert_unchanged()
    assert watched.put_back() is False and len(reads) == 2
    # A check that found it changed: put_back reads again, and restores.
    state["value"] = "after"
    with pytest.raises(ProbeFailed, match="rule 5"):
        watched.assert_unchanged()
    assert watched.put_back() is True and state["value"] == "before" and len(reads) == 4
