"""A permissions boundary on a principal under test (handson.boundary): read with AWS's answers'
shapes (botocore's Stubber), and named where it, not the identity policies, denied a call."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from handson import boundary
from handson.errors import SuiteUsageError
from handson.iam_engine import NamedPolicy
from handson.policy_match import HeldBack, describe
from tests.helpers.fakes import stubbed

ARN = "arn:aws:iam::123456789012:policy/sandbox-boundary"
START = "ec2:StartInstances"
POLICY = [
    {
        "Version": "2012-10-17",
        "Statement": [{"Sid": "ForEC2", "Effect": "Allow", "Action": START, "Resource": "*"}],
    }
]
ALL_BUT_START = NamedPolicy(
    "sandbox-boundary",
    {"Statement": [{"Effect": "Allow", "NotAction": START, "Resource": "*"}]},
)
EVERYTHING = NamedPolicy(
    "open", {"Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}
)


def test_a_call_the_policy_allows_and_the_boundary_does_not_is_the_boundarys() -> None:
    held = boundary.held_back(POLICY, ALL_BUT_START, START, "*", False)
    assert isinstance(held, HeldBack)
    assert (held.label, held.boundary) == ("ForEC2", "sandbox-boundary")
    assert boundary.hint(held, START).startswith(
        "ForEC2 allows ec2:StartInstances, but the permissions boundary sandbox-boundary does not"
    )
    assert describe(held).startswith(
        "the permissions boundary sandbox-boundary does not allow it (without it, Allow statement"
        " ForEC2: Action"
    )
    assert boundary.explanation(held, START).startswith(
        "denied: the permissions boundary sandbox-boundary does not allow ec2:StartInstances;"
    )


def test_an_aws_managed_boundary_is_to_replace_or_take_off_never_to_add_to() -> None:
    """ReadOnlyAccess as the user's boundary: nothing can be added to AWS's own policy, which
    the hint said to do ("ec2:StartInstances added to it")."""
    theirs = NamedPolicy("ReadOnlyAccess", ALL_BUT_START.document, aws_managed=True)
    held = boundary.held_back(POLICY, theirs, START, "*", False)
    assert held is not None and held.boundary_aws_managed
    assert boundary.hint(held, START).endswith(
        "(ReadOnlyAccess is an AWS managed policy, which cannot be edited: another boundary that"
        " allows ec2:StartInstances, or the boundary taken off)"
    )
    own = boundary.held_back(POLICY, ALL_BUT_START, START, "*", False)
    assert own is not None
    assert boundary.hint(own, START).endswith(
        "(ec2:StartInstances added to it, or the boundary taken off)"
    )


@pytest.mark.parametrize(
    ("policies", "bound", "observed_allowed"),
    [
        (POLICY, None, False),  # no boundary
        (POLICY, EVERYTHING, False),  # the boundary allows it: something else denied it
        ([{"Statement": []}], ALL_BUT_START, False),  # the policy does not allow it either
        (POLICY, ALL_BUT_START, True),  # it was allowed
    ],
    ids=["no boundary", "the boundary allows", "the policy does not allow", "allowed"],
)
def test_the_boundary_is_named_only_where_it_alone_denied(
    policies: list[dict[str, object]], bound: NamedPolicy | None, observed_allowed: bool
) -> None:
    assert boundary.held_back(policies, bound, START, "*", observed_allowed) is None


def test_the_boundary_is_read_as_its_default_version_says() -> None:
    document = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*"}]}
    with stubbed("iam") as (iam, stub):
        stub.add_response(
            "get_policy",
            {"Policy": {"PolicyName": "sandbox-boundary", "Arn": ARN, "DefaultVersionId": "v3"}},
            {"PolicyArn": ARN},
        )
        stub.add_response(
            "get_policy_version",
            {
                "PolicyVersion": {
                    "Document": json.dumps(document),
                    "VersionId": "v3",
                    "IsDefaultVersion": True,
                    "CreateDate": dt.datetime(2026, 12, 1, tzinfo=dt.UTC),
                }
            },
            {"PolicyArn": ARN, "VersionId": "v3"},
        )
        read = boundary.read(iam, ARN)
    assert read is not None
    assert read.name == "sandbox-boundary" and read.document == document
    assert not read.aws_managed  # the account's own: its ARN says so


def test_a_boundary_the_account_does_not_have_is_one_line() -> None:
    with stubbed("iam") as (iam, stub):
        stub.add_client_error("get_policy", "NoSuchEntity", "Policy not found", 404)
        with pytest.raises(SuiteUsageError) as refused:
            boundary.read(iam, ARN)
    assert (
        str(refused.value)
        == f"--permissions-boundary {ARN}: the account has no such managed policy"
    )


def test_a_boundary_that_may_not_be_read_is_no_refusal() -> None:
    """AccessDenied is not a missing boundary: the run goes on, its hints without the boundary."""
    with stubbed("iam") as (iam, stub):
        stub.add_client_error("get_policy", "AccessDenied", "not allowed", 403)
        assert boundary.read(iam, ARN) is None
