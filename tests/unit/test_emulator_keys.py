"""The condition keys the emulator gives a request, and a Condition on one AWS gives that it does
not (handson/targets/emulator_keys.py): a check it concerns is not decided on the emulator, never
decided on the key's absence."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest

from handson.targets.emulator_gaps import Gaps
from handson.targets.emulator_keys import (
    EVERY_REQUEST,
    INSTANCE,
    LISTING,
    given,
    ungiven,
)
from handson.targets.moto_caller import global_context
from handson.targets.moto_engine import ec2_resources, s3_listing_context

BUCKET1 = "arn:aws:s3:::handson-s3-1-x"
BUCKET2 = "arn:aws:s3:::handson-s3-2-x"


def _keyed(*keys: str) -> dict[str, Any]:
    return {"Condition": {"StringEquals": {key: "x" for key in keys}}}


@pytest.mark.parametrize(
    ("action", "keys", "expected"),
    [
        # Given by the emulator as AWS gives them: decided.
        ("ec2:StartInstances", ["ec2:InstanceType", "ec2:ResourceTag/Name"], []),
        ("ec2:StartInstances", ["aws:RequestedRegion", "EC2:Region"], []),
        ("s3:ListBucket", ["s3:prefix", "s3:delimiter"], []),
        ("s3:GetObject", ["aws:PrincipalArn", "aws:username", "aws:CurrentTime"], []),
        # Given by AWS, not by the emulator.
        ("ec2:StartInstances", ["ec2:Tenancy", "ec2:InstanceType"], ["ec2:Tenancy"]),
        ("s3:GetObject", ["s3:TlsVersion"], ["s3:TlsVersion"]),
        ("s3:GetObject", ["ec2:SourceInstanceARN"], ["ec2:SourceInstanceARN"]),  # the role's
        ("s3:PutObject", ["aws:PrincipalTag/team"], ["aws:PrincipalTag/team"]),
        ("ec2:StopInstances", ["aws:ResourceAccount"], ["aws:ResourceAccount"]),
        # Given by neither (AWS leaves them out of these requests): decided alike.
        ("s3:GetObject", ["s3:prefix", "iam:PassedToService"], []),
        ("s3:GetObject", ["aws:Referer", "aws:CalledVia", "aws:SourceArn"], []),
        # Said elsewhere, in words of their own: where from, and MFA.
        ("s3:GetObject", ["aws:SourceIp", "aws:MultiFactorAuthPresent"], []),
    ],
)
def test_a_key_aws_gives_and_the_emulator_does_not_is_named(
    action: str, keys: list[str], expected: list[str]
) -> None:
    assert ungiven(_keyed(*keys), action) == expected


def test_what_the_emulator_gives_is_what_its_request_path_puts_in_the_context() -> None:
    """The keys moto_caller and moto_engine put into a request are the ones ``given`` names,
    and no others: a key added there and not here would be called not given, one named here and
    not given there would be decided on its absence."""
    from handson.targets.moto_caller import Caller

    caller = Caller.__new__(Caller)
    caller._as_user(
        SimpleNamespace(get_groups_for_user=lambda name: []),
        "123456789012",
        SimpleNamespace(
            arn="arn:aws:iam::123456789012:user/u",
            id="AIDA",
            name="u",
            policies={},
            managed_policies={},
        ),
    )
    request = caller.request("s3:GetObject", f"{BUCKET1}/k", "ap-northeast-1", {})
    everywhere = {*global_context("127.0.0.1", "ap-northeast-1"), *request.context}
    assert everywhere == set(EVERY_REQUEST)
    listing = s3_listing_context("/?prefix=open/&delimiter=/&max-keys=5")
    assert set(listing) == set(LISTING)
    instance = SimpleNamespace(instance_type="t2.micro")
    backend = SimpleNamespace(
        tags={"i-1": {"Name": "handson-instance"}}, get_instance=lambda instance_id: instance
    )
    response = SimpleNamespace(querystring={"InstanceId.1": ["i-1"]}, ec2_backend=backend)
    ((arn, keys),) = ec2_resources(response, "ec2:StartInstances", "ap-northeast-1", "1")
    assert arn.endswith(":instance/i-1") and keys["ec2:InstanceType"] == "t2.micro"
    families = {key.split("/")[0] + "/" if "/" in key else key for key in keys}
    assert families == set(INSTANCE)
    assert set(given("ec2:StartInstances")) == {*EVERY_REQUEST, *INSTANCE}


def test_a_condition_on_a_key_the_emulator_does_not_give_is_a_named_gap() -> None:
    """Of the statements that cover the check's resource: bucket 1's TlsVersion does not leave
    bucket 2's reads undecided. EC2's checks name no ARN ("*"): any statement of the action."""
    policy = {
        "Statement": [
            {
                "Sid": "ForS31",
                "Effect": "Allow",
                "Action": "s3:*",
                "Resource": [BUCKET1, f"{BUCKET1}/*"],
                **_keyed("s3:TlsVersion"),
            },
            {"Sid": "Open", "Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"},
            {
                "Sid": "Start",
                "Effect": "Allow",
                "Action": "ec2:StartInstances",
                "Resource": "arn:aws:ec2:*:*:instance/*",
                **_keyed("ec2:Tenancy", "ec2:InstanceType"),
            },
        ]
    }
    reason = Gaps.undecidable([policy], "s3:GetObject", f"{BUCKET1}/test.txt")
    assert reason is not None and "ForS31" in reason and "s3:TlsVersion" in reason, reason
    assert Gaps.undecidable([policy], "s3:GetObject", f"{BUCKET2}/open/x") is None
    reason = Gaps.undecidable([policy], "ec2:StartInstances", "*")
    assert reason is not None and "Start" in reason and "ec2:Tenancy" in reason, reason
    assert "ec2:InstanceType" not in reason
    policy["Statement"][2] = {**policy["Statement"][2], **_keyed("ec2:InstanceType")}
    assert Gaps.undecidable([policy], "ec2:StartInstances", "*") is None
