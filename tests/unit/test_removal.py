"""A NotFound answer about a resource that exists is not "gone" (issue 24): right after a create,
EC2 and IAM may not know it yet. The removal is sent again until a read confirms it."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError

from handson.lifecycle.removal import (
    NotRemoved,
    delete_instance_profile,
    delete_security_group,
    terminate_instance,
)

INSTANCE = "i-0123456789abcdef0"
GROUP = "sg-0123456789abcdef0"


def error(code: str, operation: str) -> ClientError:
    return ClientError({"Error": {"Code": code, "Message": code}}, operation)


class YoungEc2:
    """EC2 that does not know its new instance and group for the first ``unknown_for`` calls
    of each kind (eventual consistency), then acts as EC2 does."""

    def __init__(self, unknown_for: int = 1, state: str = "running") -> None:
        self.unknown_for = unknown_for
        self.state = state
        self.group = True
        self.calls: list[str] = []

    def _young(self, name: str) -> bool:
        self.calls.append(name)
        return self.calls.count(name) <= self.unknown_for

    def terminate_instances(self, InstanceIds: list[str]) -> dict[str, Any]:
        if self._young("terminate"):
            raise error("InvalidInstanceID.NotFound", "TerminateInstances")
        self.state = "shutting-down"
        return {}

    def describe_instances(self, InstanceIds: list[str]) -> dict[str, Any]:
        self.calls.append("describe")
        if self.state == "shutting-down" and self.calls.count("describe") > 2:
            self.state = "terminated"
        instance = {"InstanceId": InstanceIds[0], "State": {"Name": self.state}}
        return {"Reservations": [{"Instances": [instance]}]}

    def delete_security_group(self, GroupId: str) -> None:
        if self._young("delete group"):
            raise error("InvalidGroup.NotFound", "DeleteSecurityGroup")
        self.group = False

    def describe_security_groups(self, GroupIds: list[str]) -> dict[str, Any]:
        self.calls.append("describe group")
        if not self.group:
            raise error("InvalidGroup.NotFound", "DescribeSecurityGroups")
        return {"SecurityGroups": [{"GroupId": GroupIds[0]}]}


def test_terminate_answered_not_found_is_sent_again_until_a_read_sees_it_go() -> None:
    ec2 = YoungEc2(unknown_for=1)
    terminate_instance(ec2, INSTANCE, budget=5, resend_budget=5)
    assert ec2.calls[:4] == ["terminate", "describe", "terminate", "describe"]
    assert ec2.state == "terminated"


def test_a_termination_no_read_confirms_is_named_with_the_last_answer() -> None:
    ec2 = YoungEc2(unknown_for=10_000)
    with pytest.raises(NotRemoved) as never:
        terminate_instance(ec2, INSTANCE, budget=5, resend_budget=0.5)
    message = str(never.value)
    assert f"the termination of {INSTANCE}" in message
    assert "InvalidInstanceID.NotFound" in message and "the last read: running" in message
    assert ec2.calls.count("terminate") >= 2


def test_an_instance_ec2_does_not_know_yet_is_not_taken_for_terminated() -> None:
    """The read itself may answer NotFound about a young instance: that is no confirmation."""

    class Unknown(YoungEc2):
        def describe_instances(self, InstanceIds: list[str]) -> dict[str, Any]:
            self.calls.append("describe")
            raise error("InvalidInstanceID.NotFound", "DescribeInstances")

    ec2 = Unknown(unknown_for=0)
    with pytest.raises(NotRemoved, match="the last read: not found"):
        terminate_instance(ec2, INSTANCE, budget=5, resend_budget=0.5)


def test_other_errors_are_raised_as_they_came() -> None:
    class Throttled(YoungEc2):
        def terminate_instances(self, InstanceIds: list[str]) -> dict[str, Any]:
            raise error("RequestLimitExceeded", "TerminateInstances")

    with pytest.raises(ClientError, match="RequestLimitExceeded"):
        terminate_instance(Throttled(), INSTANCE, budget=5, resend_budget=5)


def test_a_security_group_answered_not_found_is_deleted_once_a_read_finds_it() -> None:
    ec2 = YoungEc2(unknown_for=1)
    delete_security_group(ec2, GROUP, budget=5)
    assert ec2.calls == ["delete group", "describe group", "delete group", "describe group"]
    assert ec2.group is False


class YoungIam:
    def __init__(self) -> None:
        self.profile = True
        self.calls: list[str] = []

    def get_instance_profile(self, InstanceProfileName: str) -> dict[str, Any]:
        self.calls.append("get")
        if not self.profile:
            raise error("NoSuchEntity", "GetInstanceProfile")
        return {"InstanceProfile": {"InstanceProfileName": InstanceProfileName, "Roles": []}}

    def delete_instance_profile(self, InstanceProfileName: str) -> None:
        self.calls.append("delete")
        if self.calls.count("delete") == 1:
            raise error("NoSuchEntity", "DeleteInstanceProfile")
        self.profile = False


def test_an_instance_profile_answered_no_such_entity_is_deleted_once_a_read_finds_it() -> None:
    iam = YoungIam()
    delete_instance_profile(iam, "handson-iam-role-x", budget=5)
    assert iam.calls == ["get", "delete", "get", "delete", "get"]
    assert iam.profile is False
