"""Unit tests of handson.policy_match and the emulator's condition gaps."""

from __future__ import annotations

from typing import Any

import pytest

from handson.names import RunNames
from handson.policies import PolicyDocument, load_policy_set
from handson.policy_match import (
    MatchedStatement,
    action_matches,
    matching_statements,
    resource_matches,
    trust_allows_service,
)
from handson.targets.emulator import Gaps, condition_gap

EC2 = "ec2.amazonaws.com"
BUCKET2 = "arn:aws:s3:::handson-s3-2-abc"


def seed_role_policy() -> PolicyDocument:
    return load_policy_set().role.document(RunNames("abc").render)


def trust(*statements: dict[str, Any]) -> PolicyDocument:
    return {"Version": "2012-10-17", "Statement": list(statements)}


def allow_service(service: Any, **extra: Any) -> dict[str, Any]:
    return {
        "Effect": "Allow",
        "Principal": {"Service": service},
        "Action": "sts:AssumeRole",
        **extra,
    }


def matched(effect: str, *, condition: bool, sid: str = "S") -> MatchedStatement:
    return MatchedStatement(sid=sid, effect=effect, has_condition=condition, statement={})


# -- action and resource matching --------------------------------------------------------------


@pytest.mark.parametrize(
    ("pattern", "action", "expected"),
    [
        ("s3:Get*", "S3:getobject", True),
        ("s3:GetObject", "s3:getobject", True),
        ("s3:Get*", "s3:PutObject", False),
        ("s3:*", "s3:ListBucket", True),
        ("*", "ec2:StartInstances", True),
        ("s3:GetObjec?", "s3:GetObject", True),
        ("s3:GetObjec?", "s3:GetObjects", False),
        ("s3:Get.bject", "s3:GetObject", False),  # a dot is literal, not a regex wildcard
    ],
)
def test_action_matching(pattern: str, action: str, expected: bool) -> None:
    assert action_matches({"Action": pattern}, action) is expected


def test_action_as_string_or_list() -> None:
    assert action_matches({"Action": "s3:GetObject"}, "s3:GetObject")
    assert action_matches({"Action": ["s3:PutObject", "s3:GetObject"]}, "s3:GetObject")
    assert not action_matches({"Action": ["s3:PutObject", "s3:DeleteObject"]}, "s3:GetObject")


def test_not_action_matches_everything_else() -> None:
    statement = {"NotAction": ["iam:*", "s3:Delete*"]}
    assert action_matches(statement, "s3:GetObject")
    assert not action_matches(statement, "IAM:ListUsers")
    assert not action_matches(statement, "s3:DeleteObject")


@pytest.mark.parametrize(
    ("pattern", "resource", "expected"),
    [
        ("arn:aws:s3:::bucket/*", "arn:aws:s3:::bucket/open/x", True),
        ("arn:aws:s3:::bucket/*", "arn:aws:s3:::Bucket/open/x", False),
        ("arn:aws:s3:::bucket/open/*", "arn:aws:s3:::bucket/OPEN/x", False),
        ("arn:aws:s3:::bucket", "arn:aws:s3:::bucket/x", False),
        ("arn:aws:s3:::bucket-?", "arn:aws:s3:::bucket-1", True),
        ("arn:aws:s3:::bucket-?", "arn:aws:s3:::bucket-12", False),
        ("*", "arn:aws:s3:::anything", True),
    ],
)
def test_resource_matching_is_case_sensitive(pattern: str, resource: str, expected: bool) -> None:
    assert resource_matches({"Resource": pattern}, resource) is expected
    assert resource_matches({"Resource": [pattern]}, resource) is expected


def test_not_resource_matches_everything_else() -> None:
    statement = {"NotResource": "arn:aws:s3:::secret/*"}
    assert resource_matches(statement, "arn:aws:s3:::public/x")
    assert not resource_matches(statement, "arn:aws:s3:::secret/x")


def test_statement_without_action_or_resource_matches_nothing() -> None:
    assert not action_matches({}, "s3:GetObject")
    assert not resource_matches({}, "arn:aws:s3:::b")


# -- matching statements of the seed role policy -----------------------------------------------


def test_seed_list_bucket2_matches_only_the_conditional_statement() -> None:
    found = matching_statements([seed_role_policy()], "s3:ListBucket", BUCKET2)
    assert [m.sid for m in found] == ["ForS32OpenList"]
    assert found[0].effect == "Allow"
    assert found[0].has_condition is True


def test_seed_get_object_on_bucket1_matches_unconditionally() -> None:
    found = matching_statements(
        [seed_role_policy()], "s3:GetObject", "arn:aws:s3:::handson-s3-1-abc/f.txt"
    )
    assert [(m.sid, m.has_condition) for m in found] == [("ForS31", False)]


def test_statement_without_sid_is_named_by_position() -> None:
    document = {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Action": "ec2:*", "Resource": "*"},
            {"Effect": "Deny", "Action": "s3:*", "Resource": "*"},
        ],
    }
    found = matching_statements([document], "s3:GetObject", "arn:aws:s3:::b/k")
    assert [(m.sid, m.effect) for m in found] == [("#2", "Deny")]


def test_matching_spans_several_documents() -> None:
    one = {"Statement": {"Sid": "A", "Effect": "Allow", "Action": "s3:*", "Resource": "*"}}
    two = {"Statement": [{"Sid": "B", "Effect": "Deny", "Action": "s3:Get*", "Resource": "*"}]}
    found = matching_statements([one, two], "s3:GetObject", "arn:aws:s3:::b/k")
    assert [m.sid for m in found] == ["A", "B"]


# -- condition gaps ----------------------------------------------------------------------------


def test_unconditional_deny_decides() -> None:
    statements = [
        matched("Deny", condition=False),
        matched("Deny", condition=True),
        matched("Allow", condition=True),
    ]
    assert condition_gap(statements) == []


def test_conditional_deny_is_a_gap() -> None:
    deny = matched("Deny", condition=True, sid="D")
    statements = [matched("Allow", condition=False), deny, matched("Allow", condition=True)]
    assert condition_gap(statements) == [deny]


def test_unconditional_allow_decides() -> None:
    statements = [matched("Allow", condition=True), matched("Allow", condition=False)]
    assert condition_gap(statements) == []


def test_conditional_allow_alone_is_a_gap() -> None:
    allow = matched("Allow", condition=True, sid="A")
    assert condition_gap([allow]) == [allow]


def test_nothing_matching_needs_no_condition() -> None:
    assert condition_gap([]) == []


def test_undecidable_names_the_conditional_statement() -> None:
    reason = Gaps.undecidable([seed_role_policy()], "s3:ListBucket", BUCKET2)
    assert reason is not None
    assert "ForS32OpenList" in reason
    assert "s3:ListBucket" in reason


def test_unconditional_get_is_decidable() -> None:
    resource = "arn:aws:s3:::handson-s3-2-abc/open/x"
    assert Gaps.undecidable([seed_role_policy()], "s3:GetObject", resource) is None


# -- trust policies ----------------------------------------------------------------------------


def test_seed_trust_allows_ec2() -> None:
    allowed, why = trust_allows_service(load_policy_set().trust.document(), EC2)
    assert allowed is True
    assert EC2 in why


def test_trust_for_another_service_does_not_allow_ec2() -> None:
    allowed, why = trust_allows_service(trust(allow_service("lambda.amazonaws.com")), EC2)
    assert allowed is False
    assert EC2 in why


def test_trust_with_service_list() -> None:
    document = trust(allow_service(["lambda.amazonaws.com", EC2]))
    assert trust_allows_service(document, EC2)[0] is True


def test_trust_for_another_action_does_not_allow() -> None:
    document = trust(allow_service(EC2, Action="sts:TagSession"))
    assert trust_allows_service(document, EC2)[0] is False


@pytest.mark.parametrize("deny_first", [True, False])
def test_explicit_deny_wins(deny_first: bool) -> None:
    deny = {**allow_service(EC2), "Effect": "Deny", "Sid": "NoEc2"}
    statements = [deny, allow_service(EC2)] if deny_first else [allow_service(EC2), deny]
    allowed, why = trust_allows_service(trust(*statements), EC2)
    assert allowed is False
    assert "NoEc2" in why


def test_condition_on_a_matching_statement_raises() -> None:
    condition = {"StringEquals": {"aws:SourceAccount": "123456789012"}}
    with pytest.raises(ValueError, match="Condition"):
        trust_allows_service(trust(allow_service(EC2, Condition=condition)), EC2)


def test_condition_on_an_unrelated_statement_is_ignored() -> None:
    condition = {"StringEquals": {"aws:SourceAccount": "123456789012"}}
    document = trust(allow_service("lambda.amazonaws.com", Condition=condition), allow_service(EC2))
    assert trust_allows_service(document, EC2)[0] is True


def test_principal_star_allows() -> None:
    document = trust({"Effect": "Allow", "Principal": "*", "Action": "sts:AssumeRole"})
    assert trust_allows_service(document, EC2)[0] is True


def test_aws_principal_does_not_allow_a_service() -> None:
    document = trust(
        {
            "Effect": "Allow",
            "Principal": {"AWS": "arn:aws:iam::123456789012:root"},
            "Action": "sts:AssumeRole",
        }
    )
    assert trust_allows_service(document, EC2)[0] is False
