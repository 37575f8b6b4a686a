"""An AWS managed policy a learner holds is AWS's to write and the learner's to take off. The
policy lint says what a learner wrote and can change, never an AWS managed policy's entries: AWS
keeps those, and ReadOnlyAccess still names services AWS has retired (codestar:*, iotevents:*).
A learner holding it beside the hands-on's was told 49 times, in half of the run's output, that
such an action does not exist, with a "did you mean" for AWS's own policy. The over-grants of
such a policy stay P1's findings, holding it being the learner's doing, with one line saying
that it is to be taken off."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from handson.discover import write_replay
from handson.discovered_files import aws_managed_sids
from handson.discovery import Discovery, FoundPolicy
from handson.iam_engine import NamedPolicy
from handson.names import aws_managed
from handson.permissions import Kind, analyse, analyse_named
from handson.permissions.handson_world import seed_documents
from handson.policies import (
    DISCOVERED_MANIFEST,
    ROLE_POLICY_FILE,
    USER_POLICY_FILE,
    load_policy_set,
)
from handson.policy_match import HeldPolicy
from handson.practices import LINT, PracticeResult, as_recorded, table
from handson.practices.account import no_longer_needed

NAME = "taro"
# As ReadOnlyAccess writes them: services AWS has retired, and one it has.
RETIRED = ["codestar:Describe*", "iotevents:ListAlarmModels", "iam:Get*"]


def held(name: str, arn: str, actions: list[str], sid: str) -> FoundPolicy:
    statement = {"Sid": sid, "Effect": "Allow", "Action": actions, "Resource": "*"}
    return FoundPolicy(name, "managed", {"Version": "2012-10-17", "Statement": [statement]}, arn)


AWS_POLICY = held("ReadOnlyAccess", "arn:aws:iam::aws:policy/ReadOnlyAccess", RETIRED, "Group1")
# A learner's own policy with a slip of theirs: its lint line stays.
OWN_POLICY = held(
    "my-reads", "arn:aws:iam::123456789012:policy/my-reads", ["s3:GetObjects"], "MyReads"
)


def linted(found: list[Any]) -> list[str]:
    return sorted(f.action for f in found if f.kind in LINT)


@pytest.mark.parametrize(
    ("arn", "theirs"),
    [
        ("arn:aws:iam::aws:policy/ReadOnlyAccess", True),
        ("arn:aws:iam::aws:policy/service-role/AmazonEC2RoleforSSM", True),
        ("arn:aws-cn:iam::aws:policy/ReadOnlyAccess", True),
        ("arn:aws:iam::123456789012:policy/aws", False),
        ("arn:aws:iam::123456789012:policy/handson-iam-user-policy", False),
        (None, False),  # an inline policy
    ],
)
def test_an_aws_managed_policy_is_told_by_its_arn(arn: str | None, theirs: bool) -> None:
    assert aws_managed(arn) is theirs


def held_beside() -> tuple[list[NamedPolicy], list[NamedPolicy]]:
    """A hand-built environment's user with the hands-on's policy, ReadOnlyAccess-like AWS's
    own, and one of the learner's; its role with the hands-on's."""
    seed = seed_documents()
    user = [
        HeldPolicy("handson-iam-user-policy", seed[USER_POLICY_FILE]),
        NamedPolicy(AWS_POLICY.name, AWS_POLICY.document, aws_managed=True),
        HeldPolicy(OWN_POLICY.name, OWN_POLICY.document),
    ]
    return user, [HeldPolicy("handson-iam-role-policy", seed[ROLE_POLICY_FILE])]


def test_a_hand_built_environment_s_aws_managed_policy_is_not_linted() -> None:
    user, role = held_beside()
    found = analyse_named(user, role, NAME)
    assert linted(found) == ["s3:GetObjects"]
    # Linted as the learner's, the same policy gives its lines: the test sees the difference.
    user[1] = HeldPolicy(AWS_POLICY.name, AWS_POLICY.document)
    assert "iotevents:ListAlarmModels" in linted(analyse_named(user, role, NAME))
    # What it grants is still measured (P1): the learner attached it.
    assert any(
        f.kind is Kind.OVER_GRANT and f.statement and f.statement.file == "ReadOnlyAccess"
        for f in found
    )


def test_a_discovered_file_is_not_linted_where_it_took_an_aws_managed_policy(
    tmp_path: Path,
) -> None:
    seed = seed_documents()
    found = Discovery(
        user="handson-iam-user",
        role="handson-iam-role",
        name=NAME,
        buckets=(f"handson-s3-1-{NAME}", f"handson-s3-2-{NAME}"),
        user_policies=[
            FoundPolicy("handson-iam-user-policy", "managed", seed[USER_POLICY_FILE]),
            AWS_POLICY,
            OWN_POLICY,
        ],
        role_policies=[FoundPolicy("handson-iam-role-policy", "managed", seed[ROLE_POLICY_FILE])],
    )
    out = tmp_path / "found"
    write_replay(found, out)
    manifest = json.loads((out / DISCOVERED_MANIFEST).read_text("utf-8"))
    sids = {p["name"]: p["sids"] for p in manifest["user_policies"]}
    assert sids == {
        "handson-iam-user-policy": ["ForS3", "ForEC2"],
        "ReadOnlyAccess": ["Group1"],
        "my-reads": ["MyReads"],
    }
    policies = load_policy_set(out)
    assert aws_managed_sids(policies) == {"Group1"}
    found_here = analyse(policies, NAME)
    assert linted(found_here) == ["s3:GetObjects"]
    assert any(f.kind is Kind.OVER_GRANT and "Group1" in str(f.statement) for f in found_here)
    (out / DISCOVERED_MANIFEST).unlink()  # the same file as a learner's own: linted whole
    assert "iotevents:ListAlarmModels" in linted(analyse(load_policy_set(out), NAME))


def test_a_lesson_says_once_that_an_aws_managed_policy_is_to_take_off() -> None:
    """P1's lines named ReadOnlyAccess's grants as wider than the hands-on's, which reads as
    "narrow it": nobody but AWS can. One line says the way out, under the lesson that shows the
    findings first (not again under P5, which holds the same)."""
    user, role = held_beside()
    found = analyse_named(user, role, NAME)
    over = [f for f in found if f.kind is Kind.OVER_GRANT]
    assert over and all(f.aws_managed == (f.statement.file == "ReadOnlyAccess") for f in over)  # type: ignore[union-attr]
    p1 = [f for f in over if f.id == "P1"]
    results = [PracticeResult.of("P1", p1), PracticeResult.of("P5", no_longer_needed(over))]
    way_out = (
        "    - ReadOnlyAccess is an AWS managed policy, which cannot be edited, and the hands-on"
        " does not use it: taken off, the findings above of its statements go"
    )
    assert table(results).count(way_out) == 1
    assert [f["aws_managed"] for f in as_recorded(results) if "aws_managed" in f] == [True]
    # A learner's own policy granting the same: theirs to narrow, no such line.
    own = [user[0], HeldPolicy(AWS_POLICY.name, AWS_POLICY.document)]
    mine = [f for f in analyse_named(own, role, NAME) if f.kind is Kind.OVER_GRANT]
    assert not any(f.aws_managed for f in mine)
    assert way_out not in table([PracticeResult.of("P1", mine)])
