"""Issue 18: P1 and P2 measured where the run builds: a policy held to the run's account and
region, the learner's own instance, network or MFA sign-in lacks nothing it needs there."""

from __future__ import annotations

from typing import Any

import pytest

from handson.permissions import (
    analyse_documents,
    handson_world,
)
from handson.permissions.findings import Kind
from handson.policies import ROLE_POLICY_FILE, USER_POLICY_FILE
from tests.helpers.mutations import EQUIVALENTS
from tests.helpers.permission_cases import (
    NAME,
    Documents,
    changed,
    kinds,
    one,
    with_statements,
)
from tests.helpers.undecided_designs import UNDECIDED, from_school

TOKYO = handson_world.Site("111122223333", "ap-northeast-1")


def _user_ec2(**changes: Any) -> Documents:
    def change(docs: Documents) -> None:
        statement = next(s for s in docs[USER_POLICY_FILE]["Statement"] if s["Sid"] == "ForEC2")
        statement.update(changes)

    return changed(change)


@pytest.mark.parametrize(
    "hardening",
    [
        {
            "Resource": ["*"],
            "Condition": {"StringEquals": {"aws:RequestedRegion": "ap-northeast-1"}},
        },
        {"Resource": ["arn:aws:ec2:ap-northeast-1:111122223333:instance/*"]},
    ],
    ids=["requested-region", "instance-arn"],
)
def test_a_policy_held_to_the_runs_account_and_region_is_measured_there(
    hardening: dict[str, Any],
) -> None:
    """A learner who keeps the user's EC2 rights to the account and region the hands-on is built
    in lacks nothing the hands-on does there; measured in another region, it would."""
    documents = _user_ec2(Action=["ec2:StartInstances"], **hardening)
    at_home = analyse_documents(documents, NAME, TOKYO)
    assert not [f for f in kinds(at_home, Kind.UNDER_GRANT) if f.action == "ec2:StartInstances"]
    elsewhere = analyse_documents(documents, NAME, handson_world.Site(TOKYO.account, "us-east-1"))
    short = one(elsewhere, Kind.UNDER_GRANT, "ec2:StartInstances")
    assert short.resource == "arn:aws:ec2:us-east-1:111122223333:instance/i-0123456789abcdef0"


def test_a_grant_held_to_the_runs_region_is_found_there() -> None:
    """A representative ARN of a type the hands-on has none of is in the run's account and
    region: a grant that holds only there is found (in another region it would be missed)."""
    statement = {
        "Sid": "Logs",
        "Effect": "Allow",
        "Action": "logs:DeleteLogGroup",
        "Resource": "arn:aws:logs:ap-northeast-1:111122223333:log-group:*",
    }
    found = analyse_documents(with_statements(ROLE_POLICY_FILE, statement), NAME, TOKYO)
    over = one(found, Kind.OVER_GRANT, "logs:DeleteLogGroup")
    assert over.resource.startswith("arn:aws:logs:ap-northeast-1:111122223333:log-group:")
    offline = analyse_documents(with_statements(ROLE_POLICY_FILE, statement), NAME)
    assert not [f for f in kinds(offline, Kind.OVER_GRANT) if f.action == "logs:DeleteLogGroup"]


def test_what_the_hands_on_does_outside_its_two_buckets_is_still_needed() -> None:
    """Narrowed to the two buckets, the user can no longer make and remove its own bucket (U2):
    an under-grant on that bucket, not on a representative ARN."""

    def change(docs: Documents) -> None:
        statement = next(s for s in docs[USER_POLICY_FILE]["Statement"] if s["Sid"] == "ForS3")
        statement["Resource"] = [
            f"arn:aws:s3:::handson-s3-{n}-*{o}" for n in "12" for o in ("", "/*")
        ]

    short = kinds(analyse_documents(changed(change), NAME), Kind.UNDER_GRANT)
    assert [(f.action, f.resource) for f in short] == [
        ("s3:*", f"arn:aws:s3:::handson-s3-u-{NAME}/handson-sample.txt")
    ]
    assert {"s3:CreateBucket", "s3:PutObject", "s3:DeleteBucket"} <= set(short[0].actions)
    # An access point is not the hands-on's: what acts on one is not needed (what takes no
    # resource at all, "*", still is: the measure cannot tell which of those the hands-on calls).
    assert not {"s3:CreateAccessPoint", "s3:DeleteAccessPoint"} & set(short[0].actions)


def test_a_policy_naming_the_learners_own_instance_is_measured_on_it() -> None:
    """A learner grading what they built (--target existing) may hold ec2:StartInstances to
    their instance's ARN: measured on that instance, nothing the hands-on does is missing."""
    arn = "arn:aws:ec2:ap-northeast-1:111122223333:instance/i-0fedcba9876543210"
    documents = _user_ec2(Action=["ec2:StartInstances"], Resource=[arn])
    theirs = handson_world.Site(TOKYO.account, TOKYO.region, "i-0fedcba9876543210")
    starting = [f for f in analyse_documents(documents, NAME, theirs) if "Start" in f.action]
    assert starting == []
    short = one(analyse_documents(documents, NAME, TOKYO), Kind.UNDER_GRANT, "ec2:StartInstances")
    assert short.resource.endswith(f"instance/{handson_world.INSTANCE_ID}")


def test_a_policy_held_to_the_learners_network_lacks_nothing() -> None:
    """Held to the school's network, allowed there or denied elsewhere, the user lacks nothing:
    the hands-on's requests come from wherever the learner is. A grant missing for every address
    is still short."""

    user = next(m for m in UNDECIDED if m.name == "from-school")
    assert analyse_documents(changed(user.change), NAME, TOKYO) == []
    outside = {
        "Effect": "Deny",
        "Action": "*",
        "Resource": "*",
        "Condition": {"NotIpAddress": {"aws:SourceIp": ["203.0.113.0/24"]}},
    }
    assert analyse_documents(with_statements(USER_POLICY_FILE, outside), NAME, TOKYO) == []
    documents = _user_ec2(
        Action=["ec2:DescribeInstances"],
        Condition=from_school(),
    )
    one(analyse_documents(documents, NAME, TOKYO), Kind.UNDER_GRANT, "ec2:StartInstances")


def test_a_user_held_to_mfa_lacks_nothing_and_a_role_held_to_it_does() -> None:
    """The console may carry MFA, so the user held to it lacks nothing; a role's requests from
    the instance never carry it, so the role held to it lacks what the hands-on does."""
    user = next(m for m in EQUIVALENTS if m.name == "mfa-required")
    assert analyse_documents(changed(user.change), NAME, TOKYO) == []

    def role_with_mfa(docs: Documents) -> None:
        for statement in docs[ROLE_POLICY_FILE]["Statement"]:
            if statement["Sid"] == "ForS31":
                statement["Condition"] = {"Bool": {"aws:MultiFactorAuthPresent": "true"}}

    short = kinds(analyse_documents(changed(role_with_mfa), NAME, TOKYO), Kind.UNDER_GRANT)
    assert {"s3:PutObject", "s3:GetObject", "s3:DeleteObject"} <= {f.action for f in short}


def test_a_finding_on_the_sample_instance_names_the_instance_the_run_built() -> None:
    """On AWS and on a server somebody else started, P1 is measured before the instance exists,
    on the sample one: at the run's end its finding names the instance the run launched, in its
    resource, its text and its JSON; the lesson's outcome stays what it was."""
    from handson.practices import PracticeOutcome, PracticeResult

    documents = _user_ec2(Action=["ec2:StartInstances", "ec2:StopInstances"])
    found = analyse_documents(documents, NAME, TOKYO)
    stop = one(found, Kind.OVER_GRANT, "ec2:StopInstances")
    sample = "arn:aws:ec2:ap-northeast-1:111122223333:instance/i-0123456789abcdef0"
    assert stop.resource == sample and sample in stop.text()
    built = "i-8fa0dd50dadaab022"
    (moved,) = [f for f in handson_world.on_instance(found, built) if f.action == stop.action]
    assert moved.resource == sample.replace("i-0123456789abcdef0", built)
    assert moved.resource in moved.text() and "i-0123456789abcdef0" not in moved.text()
    assert moved.as_dict()["resource"] == moved.resource
    assert handson_world.on_instance(found, None) == found  # nothing built: as measured
    result = PracticeResult.of("P1", found)
    placed = result.on_instance(built)
    assert placed.outcome is result.outcome is PracticeOutcome.FINDINGS
    assert [f.resource for f in placed.findings if f.action == stop.action] == [moved.resource]
