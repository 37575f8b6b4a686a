"""The engine reads a policy once per NamedPolicy (handson/iam_engine.py), as the P1/P2 measure
decides tens of thousands of requests under one policy: the reading is the object's own, so a
policy of the same name with another document is read anew, and every answer stays the same."""

from __future__ import annotations

from handson.iam_engine import ALLOW, DENY, IMPLICIT_DENY, NamedPolicy, Request, decide

GET = Request(action="s3:GetObject", resource="arn:aws:s3:::handson-s3-1-taro/memo.txt")


def allow(action: str) -> dict[str, object]:
    return {"Effect": "Allow", "Action": action, "Resource": "*"}


def test_a_policy_is_read_once_and_its_statements_made_once() -> None:
    policy = NamedPolicy("p", {"Statement": [allow("s3:*")]})
    assert policy.parsed is policy.parsed
    assert policy.statements is policy.statements
    assert decide(GET, [policy]).decision == ALLOW
    assert decide(GET, [policy]).statement is policy.statements[0]  # the same statement each time


def test_the_same_name_with_another_document_is_read_anew() -> None:
    allowing = NamedPolicy("handson-iam-user-policy.json", {"Statement": [allow("s3:*")]})
    denying = NamedPolicy(
        "handson-iam-user-policy.json",
        {"Statement": [allow("s3:*"), {**allow("s3:GetObject"), "Effect": "Deny", "Sid": "No"}]},
    )
    other = NamedPolicy("handson-iam-user-policy.json", {"Statement": [allow("ec2:*")]})
    assert decide(GET, [allowing]).decision == ALLOW
    denied = decide(GET, [denying])
    assert (denied.decision, denied.statement and denied.statement.sid) == (DENY, "No")
    assert decide(GET, [other]).decision == IMPLICIT_DENY
    assert decide(GET, [allowing]).decision == ALLOW  # the first one's reading is its own still
