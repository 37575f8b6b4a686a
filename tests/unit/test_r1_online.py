"""R1 on every target: an instance that never came Online in SSM is no verdict (not decided, with
the status seen), never a denial; a call the role denied is still R1's failure (issue 24)."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from handson.findings import DENIED_BUT_ALLOWED, TEST_ERROR, CheckError, CheckFailed, Finding
from handson.targets.ssm import NotOnline, wait_online
from handson.waiting import EMULATOR_BUDGETS
from steps.role_steps import instance_online_in_ssm
from tests.helpers.fakes import Clock

INSTANCE = "i-0123456789abcdef0"


class Target:
    def __init__(self, raises: BaseException | None) -> None:
        self.raises = raises

    def ssm_online(self, instance: Any) -> str | None:
        if self.raises is not None:
            raise self.raises
        return None


@pytest.mark.parametrize(("status", "shown"), [(None, "not registered"), ("ConnectionLost", "")])
def test_never_online_is_not_decided_with_the_status_seen(status: str | None, shown: str) -> None:
    with pytest.raises(CheckError) as raised:
        instance_online_in_ssm(Target(NotOnline(INSTANCE, 20, status)), None)  # type: ignore[arg-type]
    finding = raised.value.finding
    assert finding.category == TEST_ERROR
    assert "within 20 s" in finding.headline
    assert f"PingStatus: {status or shown}" in finding.headline
    assert not isinstance(raised.value, CheckFailed)


def test_a_denied_agent_call_still_fails_r1() -> None:
    denied = CheckFailed("denied", Finding(DENIED_BUT_ALLOWED, "ssm:UpdateInstanceInformation"))
    with pytest.raises(CheckFailed):
        instance_online_in_ssm(Target(denied), None)  # type: ignore[arg-type]


def test_online_passes() -> None:
    instance_online_in_ssm(Target(None), None)  # type: ignore[arg-type]


class Ssm:
    """DescribeInstanceInformation: not registered for ``late`` looks, then Online."""

    def __init__(self, late: int) -> None:
        self.late = late
        self.looks = 0

    def describe_instance_information(self, Filters: list[dict[str, Any]]) -> dict[str, Any]:
        self.looks += 1
        if self.looks <= self.late:
            return {"InstanceInformationList": []}
        return {"InstanceInformationList": [{"InstanceId": INSTANCE, "PingStatus": "Online"}]}


def test_the_emulators_budget_waits_for_an_agent_six_seconds_late() -> None:
    clock = Clock()
    ssm = Ssm(late=6)  # one look a second (5 x ssm_poll)
    waited = wait_online(ssm, INSTANCE, EMULATOR_BUDGETS, clock=clock, pause=clock.pause)
    assert waited == pytest.approx(6.0) and ssm.looks == 7
    assert EMULATOR_BUDGETS.ssm_online >= 3 * waited


def test_the_wait_gives_up_at_its_budget_with_the_last_status() -> None:
    clock = Clock()
    budgets = dataclasses.replace(EMULATOR_BUDGETS, ssm_online=5)
    with pytest.raises(NotOnline) as never:
        wait_online(Ssm(late=10_000), INSTANCE, budgets, clock=clock, pause=clock.pause)
    assert never.value.status is None and never.value.budget == 5
    assert clock.now == pytest.approx(5.0)
