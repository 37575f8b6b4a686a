"""A deciding statement that lists thousands of actions (an AWS managed policy) is said in a
line a person reads: the entries that decided the call first, and how many more there are."""

from __future__ import annotations

from handson.iam_engine import NamedPolicy, Request, decide
from handson.policy_match import describe
from handson.statement_entries import SHOWN, entries

READ_ONLY = [f"svc{n}:Get*" for n in range(3000)] + ["iam:List*", "iam:Get*"]


def test_a_long_list_says_what_decided_the_call_first_and_counts_the_rest() -> None:
    assert entries(READ_ONLY, "iam:ListPolicies", case_sensitive=False) == (
        '["iam:List*", "svc0:Get*", "svc1:Get*", "svc2:Get*", "svc3:Get*", "svc4:Get*",'
        " … 2,996 more]"
    )
    assert entries(READ_ONLY, None, case_sensitive=False).startswith('["svc0:Get*", "svc1:Get*"')


def test_a_list_a_line_holds_is_as_written() -> None:
    written = [f"s3:{a}Object" for a in ("Get", "Put", "Delete")]
    assert entries(written, "s3:GetObject", case_sensitive=False) == (
        '["s3:GetObject", "s3:PutObject", "s3:DeleteObject"]'
    )
    assert entries("*", "iam:ListUsers", case_sensitive=False) == '"*"'
    assert len(READ_ONLY) > SHOWN


def test_resources_match_with_case_as_iam_matches_them() -> None:
    buckets = [f"arn:aws:s3:::other-{n}" for n in range(10)] + ["arn:aws:s3:::Mine/*"]
    said = entries(buckets, "arn:aws:s3:::mine/open/a.txt", case_sensitive=True)
    assert said.startswith('["arn:aws:s3:::other-0"'), said  # Mine/* is not mine/...


def test_the_deciding_line_of_a_read_only_policy_is_short() -> None:
    """ReadOnlyAccess allowing iam:ListPolicies: its statement was a 51,204-character line."""
    policy = NamedPolicy(
        "ReadOnlyAccess",
        {"Statement": [{"Sid": "Group1", "Effect": "Allow", "Action": READ_ONLY, "Resource": "*"}]},
    )
    request = Request(action="iam:ListPolicies", resource="*")
    decided = decide(request, [policy])
    assert decided.statement is not None
    said = describe(decided.statement, request.action, request.resource)
    assert len(said) < 300 and '["iam:List*", ' in said and "2,996 more" in said, said
