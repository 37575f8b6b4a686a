"""A long Action list is looked up by its service first (handson.iam_engine._action_matches):
the same answers as ministack's own matching, pattern after pattern."""

from __future__ import annotations

import itertools

import botocore.session
import pytest

from handson import iam_engine
from handson.iam_engine import INDEXED_FROM, MINISTACK_ACTION_MATCHES, NamedPolicy, Request, decide

SERVICES = ("ec2", "iam", "s3", "sts", "ssm")
ACTIONS = [
    f"{service}:{operation}"
    for service in SERVICES
    for operation in botocore.session.get_session().get_service_model(service).operation_names
]
PATTERNS = [
    *ACTIONS[::7],
    "iam:List*",
    "IAM:get*",
    "s3:*Object",
    "ec2:Describe?nstances",
    "s?s:Get*",
    "*:ListTagsForResource",
    "ssm*:Describe*",
    "nothing:At*",
]


@pytest.mark.parametrize("kind", ["Action", "NotAction"])
def test_a_long_list_answers_as_ministack_does(kind: str) -> None:
    assert len(PATTERNS) >= INDEXED_FROM
    actions, not_actions = (PATTERNS, []) if kind == "Action" else ([], PATTERNS)
    asked = [*ACTIONS, *(a.upper() for a in ACTIONS[::11]), "iam:listusers", "sqs:GetQueueUrl"]
    ours = [iam_engine._action_matches(a, actions, not_actions) for a in asked]
    theirs = [MINISTACK_ACTION_MATCHES(a, actions, not_actions) for a in asked]
    assert ours == theirs
    assert any(ours) and not all(ours)


def test_a_wildcard_alone_and_a_short_list_are_as_before() -> None:
    for action, patterns in itertools.product(ACTIONS[:50], (["*"], ["iam:Get*", "s3:*"])):
        assert iam_engine._action_matches(action, patterns, []) == MINISTACK_ACTION_MATCHES(
            action, patterns, []
        )
    many_then_star = [*ACTIONS[1::2][:INDEXED_FROM], "*"]
    assert all(iam_engine._action_matches(a, many_then_star, []) for a in ACTIONS)


def test_the_engine_decides_with_it() -> None:
    policy = NamedPolicy(
        "read-only",
        {"Statement": [{"Effect": "Allow", "Action": PATTERNS, "Resource": "*"}]},
    )
    assert decide(Request(action="iam:ListPolicies", resource="*"), [policy]).allowed
    assert not decide(Request(action="iam:CreateUser", resource="*"), [policy]).allowed
