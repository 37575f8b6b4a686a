"""The replay's one policy per principal (handson.discover.merged): the statements of every
policy found, each named as the learner can find it in their console."""

from __future__ import annotations

from typing import Any

from handson import i18n
from handson.discover import merged, others_held
from handson.discovery import Discovery, FoundPolicy
from handson.names import SSM_CORE_POLICY_ARN
from handson.policy_grammar import problems


def statement(sid: str | None = None, action: str = "s3:GetObject") -> dict[str, Any]:
    found = {"Effect": "Allow", "Action": action, "Resource": "*"}
    return {**found, "Sid": sid} if sid else found


def policy(name: str, *statements: dict[str, Any]) -> FoundPolicy:
    return FoundPolicy(name, "managed", {"Version": "2012-10-17", "Statement": list(statements)})


def test_a_statement_without_a_sid_is_named_after_its_policy() -> None:
    document = merged(
        [
            policy("handson-iam-role-policy", statement("ForS31"), statement("ForS32OpenGet")),
            policy("AmazonS3FullAccess", statement(action="s3:*")),
            policy("my.policy@team", statement(), statement()),
        ]
    )
    sids = [s.get("Sid") for s in document["Statement"]]
    assert sids == [
        "ForS31",
        "ForS32OpenGet",
        "AmazonS3FullAccess",
        "mypolicyteam",
        "mypolicyteam2",
    ]
    # A Sid as IAM takes it: letters and digits, unique.
    assert problems(document, trust=False) == []


def test_a_sid_that_another_policy_uses_too_stays_unique() -> None:
    document = merged([policy("a", statement("Same")), policy("Same", statement())])
    assert [s["Sid"] for s in document["Statement"]] == ["Same", "Same2"]


def test_a_policy_whose_name_has_no_letter_a_sid_can_hold_leaves_it_without() -> None:
    (only,) = merged([policy("管理ポリシー", statement())])["Statement"]
    assert "Sid" not in only


def test_what_a_principal_holds_besides_the_hands_on_is_said_with_where_it_is() -> None:
    """A failure names a statement of a group's inline policy as ``see-users / #1``: the line
    before the checks says where see-users is in the account (the group's name). The
    hands-on's own policies and the role's AmazonSSMManagedInstanceCore are not listed."""
    i18n.set_language("en")
    see_users = FoundPolicy(
        "see-users",
        "group-inline",
        {"Statement": [statement(action="iam:ListUsers")]},
        group="handson-team",
    )
    found = Discovery(
        user="handson-iam-user",
        user_policies=[policy("handson-iam-user-policy", statement("ForS3")), see_users],
        role="handson-iam-role",
        role_policies=[
            policy("handson-iam-role-policy", statement("ForS31")),
            FoundPolicy("AmazonSSMManagedInstanceCore", "managed", {}, SSM_CORE_POLICY_ARN),
            FoundPolicy(
                "extra", "inline", {"Statement": [statement(s) for s in ("A", "B", "C", "D")]}
            ),
        ],
    )
    assert others_held(found) == [
        "handson: handson-iam-user holds these policies besides the hands-on's, and the checks"
        " include them: group handson-team's inline policy see-users",
        "handson: handson-iam-role holds these policies besides the hands-on's, and the checks"
        " include them: inline policy extra",
    ]
    as_built = Discovery(
        user="handson-iam-user",
        user_policies=found.user_policies[:1],
        role="handson-iam-role",
        role_policies=found.role_policies[:2],
    )
    assert others_held(as_built) == []


def test_a_hands_on_policy_named_otherwise_is_said_to_be_missing() -> None:
    """A learner who named the user's policy handson-iam-user-polcy is told the hands-on's is
    not there, and what is graded instead; the user's policy attached to the role as well is
    one besides the role's own."""
    i18n.set_language("ja")
    try:
        lines = others_held(
            Discovery(
                user="handson-iam-user",
                user_policies=[policy("handson-iam-user-polcy", statement("ForS3"))],
                role="handson-iam-role",
                role_policies=[
                    policy("handson-iam-role-policy", statement("ForS31")),
                    policy("handson-iam-user-policy", statement("ForS3")),
                ],
            )
        )
    finally:
        i18n.set_language("en")
    assert lines == [
        "handson: handson-iam-user には、ハンズオンのポリシー handson-iam-user-policy が付いていま"
        "せん。チェックには、付いている次のポリシーを使います: 管理ポリシー handson-iam-user-polcy",
        "handson: handson-iam-role には、ハンズオンのポリシーのほかに次のポリシーも付いていて、"
        "チェックに入ります: 管理ポリシー handson-iam-user-policy",
    ]
