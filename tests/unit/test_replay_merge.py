"""The replay's one policy per principal (handson.discover.merged): the statements of every
policy found, each named as the learner can find it in their console."""

from __future__ import annotations

from typing import Any

from handson.discover import merged
from handson.discovery import FoundPolicy
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
