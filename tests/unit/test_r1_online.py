"""R1 on every target: an instance that never came Online in SSM is no verdict (not decided, with
the status seen), never a denial; a call the role denied is still R1's failure (issue 24), and a
role's permissions boundary that allows none of the agent's calls is named as what denied them. The
target says what it saw (``SsmObservation``); the step judges it (handson/ssm_verdict.py)."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from handson.findings import DENIED_BUT_ALLOWED, TEST_ERROR, UNDECIDABLE, CheckError, CheckFailed
from handson.iam_engine import NamedPolicy
from handson.ssm_verdict import judge_online
from handson.targets.ssm import NotOnline, SsmObservation, wait_online
from handson.targets.ssm_agent import AgentCall
from handson.waiting import EMULATOR_BUDGETS
from steps.role_steps import instance_online_in_ssm
from tests.helpers.fakes import Clock

INSTANCE = "i-0123456789abcdef0"


class Target:
    """A target that saw ``seen``: it observes, and never raises a verdict itself."""

    def __init__(self, seen: SsmObservation) -> None:
        self.seen = seen

    def ssm_online(self, instance: Any) -> SsmObservation:
        return self.seen


def judged(
    seen: SsmObservation, in_the_account: str | None = None, network: str | None = None
) -> None:
    instance_online_in_ssm(Target(seen), None, {}, in_the_account, network)  # type: ignore[arg-type]


@pytest.mark.parametrize(("status", "shown"), [(None, "not registered"), ("ConnectionLost", "")])
def test_never_online_is_not_decided_with_the_status_seen(status: str | None, shown: str) -> None:
    with pytest.raises(CheckError) as raised:
        judged(SsmObservation.never_online(NotOnline(INSTANCE, 20, status)))
    finding = raised.value.finding
    assert finding.category == TEST_ERROR
    assert "within 20 s" in finding.headline
    assert f"PingStatus: {status or shown}" in finding.headline
    assert str(raised.value) == str(NotOnline(INSTANCE, 20, status))
    assert not isinstance(raised.value, CheckFailed)


def test_never_online_says_what_of_its_network_keeps_the_agent_out() -> None:
    """--target existing --live: the learner's instance never came Online, and discovery read a
    cause in its network: said after what was seen. Still no verdict."""
    cause = "Its subnet subnet-1 has no route out of its VPC"
    with pytest.raises(CheckError) as raised:
        judged(SsmObservation.never_online(NotOnline(INSTANCE, 20, None)), None, cause)
    finding = raised.value.finding
    assert finding.category == TEST_ERROR and not isinstance(raised.value, CheckFailed)
    assert finding.headline.endswith(f"(PingStatus: not registered). {cause}"), finding.headline
    # Online: the network's words change nothing.
    judged(SsmObservation(INSTANCE, online=True), None, cause)


def test_a_denied_agent_call_still_fails_r1() -> None:
    calls = (
        AgentCall("ssm:UpdateInstanceInformation", 400, "AccessDeniedException"),
        AgentCall("ec2messages:GetMessages", 200, ""),
    )
    with pytest.raises(CheckFailed) as raised:
        judged(SsmObservation(INSTANCE, agent_calls=calls))
    assert raised.value.finding.category == DENIED_BUT_ALLOWED
    assert "ssm:UpdateInstanceInformation (AccessDeniedException)" in str(raised.value)


def test_no_role_credentials_fails_r1() -> None:
    with pytest.raises(CheckFailed) as raised:
        judged(SsmObservation(INSTANCE, no_credentials="the instance has no instance profile"))
    assert raised.value.finding.category == DENIED_BUT_ALLOWED


@pytest.mark.parametrize(("status", "code"), [(0, ""), (500, "InternalError"), (400, "Nope")])
def test_an_agent_call_without_a_verdict_is_an_error_of_the_test(status: int, code: str) -> None:
    """Only an authorization error is a denial (verdict rule 1): anything else is no verdict."""
    calls = (AgentCall("ec2messages:GetMessages", status, code),)
    with pytest.raises(CheckError) as raised:
        judged(SsmObservation(INSTANCE, agent_calls=calls))
    assert raised.value.finding.category == TEST_ERROR
    assert not isinstance(raised.value, CheckFailed)


def test_a_gap_is_not_decided() -> None:
    with pytest.raises(pytest.skip.Exception) as raised:
        judged(SsmObservation(INSTANCE, gap="a trust policy with a Condition"))
    assert raised.value.finding.category == UNDECIDABLE  # type: ignore[attr-defined]


def test_online_passes() -> None:
    judged(SsmObservation(INSTANCE, online=True))


def test_a_hand_built_instance_not_online_in_its_account_is_not_decided() -> None:
    """--target existing: the replay's instance came Online (the design holds), the learner's own
    is not Online in SSM: not decided, with why. The design's failure comes first."""
    why = "instance i-1 is not Online in SSM (PingStatus: not registered)"
    with pytest.raises(pytest.skip.Exception) as raised:
        judged(SsmObservation(INSTANCE, online=True), why)
    assert raised.value.finding.category == UNDECIDABLE  # type: ignore[attr-defined]
    assert raised.value.msg == why
    denied = (AgentCall("ssm:UpdateInstanceInformation", 400, "AccessDeniedException"),)
    with pytest.raises(CheckFailed):
        judged(SsmObservation(INSTANCE, agent_calls=denied), why)


class Ssm:
    """DescribeInstanceInformation: not registered until ``late`` seconds, then Online."""

    def __init__(self, late: float, clock: Clock) -> None:
        self.late = late
        self.clock = clock
        self.looks = 0

    def describe_instance_information(self, Filters: list[dict[str, Any]]) -> dict[str, Any]:
        self.looks += 1
        if self.clock.now < self.late:
            return {"InstanceInformationList": []}
        return {"InstanceInformationList": [{"InstanceId": INSTANCE, "PingStatus": "Online"}]}


def test_the_emulators_budget_waits_for_an_agent_six_seconds_late() -> None:
    clock = Clock()
    ssm = Ssm(late=6, clock=clock)  # looks 0.25 s apart, doubling to one a second (5 x ssm_poll)
    waited = wait_online(ssm, INSTANCE, EMULATOR_BUDGETS, clock=clock, pause=clock.pause)
    assert waited == pytest.approx(6.75) and ssm.looks == 9
    assert EMULATOR_BUDGETS.ssm_online >= 3 * ssm.late  # room for an agent three times later


def test_the_wait_gives_up_at_its_budget_with_the_last_status() -> None:
    clock = Clock()
    budgets = dataclasses.replace(EMULATOR_BUDGETS, ssm_online=5)
    with pytest.raises(NotOnline) as never:
        never_there = Ssm(late=10_000, clock=clock)
        wait_online(never_there, INSTANCE, budgets, clock=clock, pause=clock.pause)
    assert never.value.status is None and never.value.budget == 5
    assert clock.now == pytest.approx(5.0)


DENIED = SsmObservation(
    INSTANCE,
    agent_calls=(
        AgentCall("ssm:UpdateInstanceInformation", 400, "AccessDeniedException"),
        AgentCall("ec2messages:GetMessages", 400, "AccessDeniedException"),
    ),
)


def boundary(*statements: dict[str, object]) -> NamedPolicy:
    return NamedPolicy("sandbox-boundary", {"Statement": list(statements)})


def headline(bound: NamedPolicy | None) -> str:
    with pytest.raises(CheckFailed) as failed:
        judge_online(DENIED, bound)
    return failed.value.finding.headline


def test_a_boundary_that_allows_none_of_the_agents_calls_is_named() -> None:
    s3_only = boundary({"Effect": "Allow", "Action": "s3:*", "Resource": "*"})
    said = headline(s3_only)
    assert "The permissions boundary sandbox-boundary does not allow them" in said, said
    assert said.startswith("the SSM agent's calls were denied: ssm:UpdateInstanceInformation")


@pytest.mark.parametrize(
    "bound",
    [
        None,
        # It allows one of them (on some instance only, under a condition: still its to allow).
        boundary(
            {
                "Effect": "Allow",
                "Action": "ssm:UpdateInstanceInformation",
                "Resource": "arn:aws:ec2:*:*:instance/i-0abc",
                "Condition": {"Bool": {"aws:SecureTransport": "true"}},
            }
        ),
    ],
    ids=["no boundary", "a boundary that allows one of them"],
)
def test_otherwise_the_agents_denial_is_the_policies(bound: NamedPolicy | None) -> None:
    said = headline(bound)
    assert said == (
        "the SSM agent's calls were denied: ssm:UpdateInstanceInformation"
        " (AccessDeniedException), ec2messages:GetMessages (AccessDeniedException)"
        " (AmazonSSMManagedInstanceCore grants them)"
    ), said
