"""U3's instance list (handson/user_actions.list_instances): the console's DescribeInstances, as
EC2 answers it in AWS's shapes (botocore's Stubber), before the user's dry-run start."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any, cast

import boto3
import pytest
from botocore.stub import Stubber

from handson.user_actions import list_instances
from handson.verdict import Outcome

INSTANCE = "i-0123456789abcdef0"
FILTERED = {"Filters": [{"Name": "instance-id", "Values": [INSTANCE]}]}


def _user(ec2: Any) -> Any:
    return cast(Any, SimpleNamespace(region="ap-northeast-1", client=lambda service: ec2))


@pytest.fixture
def ec2() -> Any:
    return boto3.client(
        "ec2", region_name="ap-northeast-1", aws_access_key_id="a", aws_secret_access_key="b"
    )


def test_the_list_is_decided_on_every_resource_and_filters_to_the_instance(ec2: Any) -> None:
    probe = list_instances(_user(ec2), cast(Any, SimpleNamespace(instance_id=INSTANCE)))
    assert (probe.action, probe.resource) == ("ec2:DescribeInstances", "*")
    assert probe.call == f"ec2.describe_instances(Filters={FILTERED['Filters']!r})"


def test_an_empty_list_is_an_allowed_call_and_unauthorized_operation_a_denial(ec2: Any) -> None:
    """An instance launched moments ago may be missing from the list (EC2 names it to no one for
    a while): the call was still allowed. Named by ID it would be InvalidInstanceID.NotFound,
    which no verdict may be made of."""
    probe = list_instances(_user(ec2), cast(Any, SimpleNamespace(instance_id=INSTANCE)))
    with Stubber(ec2) as stub:
        stub.add_response("describe_instances", {"Reservations": []}, FILTERED)
        stub.add_client_error(
            "describe_instances",
            "UnauthorizedOperation",
            "You are not authorized to perform this operation.",
            403,
            expected_params=FILTERED,
        )
        allowed, denied = probe.execute(), probe.execute()
        stub.assert_no_pending_responses()
    assert allowed.verdict.outcome is Outcome.ALLOWED
    assert denied.verdict.outcome is Outcome.DENIED
