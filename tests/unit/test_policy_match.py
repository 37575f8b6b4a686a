"""Unit tests of the engine's matching helpers (handson.iam_engine), the emulator's remaining gaps
and trust policies (handson.policy_match)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from handson.iam_engine import NamedPolicy, Request, applying, wildcard_match
from handson.names import RunNames
from handson.policies import PolicyDocument, load_policy_set
from handson.targets.emulator_gaps import Gaps
from handson.trust_policy import trust_allows_service
from tests.helpers.undecided_designs import school_policy

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


def sids(documents: list[PolicyDocument], action: str, resource: str, **context: str) -> list[str]:
    policies = [NamedPolicy(f"p{n}", d) for n, d in enumerate(documents)]
    request = Request(action=action, resource=resource, context=context)
    return [s.sid for s in applying(policies, request)]


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
    assert wildcard_match(pattern, action, case_sensitive=False) is expected


def test_action_as_string_or_list() -> None:
    one = {
        "Statement": {"Sid": "One", "Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}
    }
    two = {
        "Statement": {
            "Sid": "Two",
            "Effect": "Allow",
            "Action": ["s3:PutObject", "s3:GetObject"],
            "Resource": "*",
        }
    }
    assert sids([one, two], "s3:GetObject", "arn:aws:s3:::b/k") == ["One", "Two"]
    assert sids([one, two], "s3:DeleteObject", "arn:aws:s3:::b/k") == []


def test_not_action_matches_everything_else() -> None:
    doc = {
        "Statement": {
            "Sid": "N",
            "Effect": "Deny",
            "NotAction": ["iam:*", "s3:Delete*"],
            "Resource": "*",
        }
    }
    assert sids([doc], "s3:GetObject", "*") == ["N"]
    assert sids([doc], "IAM:ListUsers", "*") == []
    assert sids([doc], "s3:DeleteObject", "*") == []


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
    assert wildcard_match(pattern, resource, case_sensitive=True) is expected
    for value in (pattern, [pattern]):
        doc = {"Statement": {"Sid": "R", "Effect": "Allow", "Action": "s3:*", "Resource": value}}
        assert (sids([doc], "s3:GetObject", resource) == ["R"]) is expected


def test_not_resource_matches_everything_else() -> None:
    doc = {
        "Statement": {
            "Sid": "N",
            "Effect": "Deny",
            "Action": "s3:*",
            "NotResource": "arn:aws:s3:::secret/*",
        }
    }
    assert sids([doc], "s3:GetObject", "arn:aws:s3:::public/x") == ["N"]
    assert sids([doc], "s3:GetObject", "arn:aws:s3:::secret/x") == []


def test_statement_without_action_or_resource_matches_nothing() -> None:
    no_action = {"Statement": {"Sid": "A", "Effect": "Allow", "Resource": "*"}}
    no_resource = {"Statement": {"Sid": "R", "Effect": "Allow", "Action": "s3:*"}}
    assert sids([no_action, no_resource], "s3:GetObject", "arn:aws:s3:::b") == []


# -- matching statements of the seed role policy -----------------------------------------------


def test_seed_list_bucket2_applies_only_under_open() -> None:
    policy = [seed_role_policy()]
    assert sids(policy, "s3:ListBucket", BUCKET2, **{"s3:prefix": "open/"}) == ["ForS32OpenList"]
    assert sids(policy, "s3:ListBucket", BUCKET2, **{"s3:prefix": "close/"}) == []
    assert sids(policy, "s3:ListBucket", BUCKET2) == []


def test_seed_get_object_on_bucket1_matches_unconditionally() -> None:
    found = sids([seed_role_policy()], "s3:GetObject", "arn:aws:s3:::handson-s3-1-abc/f.txt")
    assert found == ["ForS31"]


def test_statement_without_sid_is_named_by_position() -> None:
    document = {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Action": "ec2:*", "Resource": "*"},
            {"Effect": "Deny", "Action": "s3:*", "Resource": "*"},
        ],
    }
    assert sids([document], "s3:GetObject", "arn:aws:s3:::b/k") == ["#2"]


def test_matching_spans_several_documents() -> None:
    one = {"Statement": {"Sid": "A", "Effect": "Allow", "Action": "s3:*", "Resource": "*"}}
    two = {"Statement": [{"Sid": "B", "Effect": "Deny", "Action": "s3:Get*", "Resource": "*"}]}
    assert sids([one, two], "s3:GetObject", "arn:aws:s3:::b/k") == ["A", "B"]


# -- what the emulator still cannot decide ----------------------------------------------------


def test_the_seed_policies_leave_nothing_undecided() -> None:
    for action, resource in [
        ("s3:ListBucket", BUCKET2),
        ("s3:GetObject", f"{BUCKET2}/open/x"),
        ("s3:DeleteBucket", BUCKET2),
    ]:
        assert Gaps.undecidable([seed_role_policy()], action, resource) is None


def test_the_readme_lists_every_declared_gap_in_order() -> None:
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text("utf-8")
    table = readme[readme.index("| not modelled |") :].split("\n\n", 1)[0]
    rows = [line.split("|")[1].strip() for line in table.splitlines()[2:]]
    declared = [what for what, _ in Gaps.NOT_MODELLED]
    assert len(rows) == len(declared)
    for row, what in zip(rows, declared, strict=True):
        assert row.startswith(what), (row, what)


def test_a_policy_variable_is_a_named_gap() -> None:
    home = {
        "Statement": [
            {
                "Sid": "Home",
                "Effect": "Allow",
                "Action": "s3:GetObject",
                "Resource": "arn:aws:s3:::b/home/${aws:username}/*",
            }
        ]
    }
    reason = Gaps.undecidable([home], "s3:GetObject", "arn:aws:s3:::b/home/alice/x")
    assert reason is not None and "Home" in reason and "policy variables" in reason
    assert "policy 1" not in reason  # the suite's own name for the document, not the learner's
    assert Gaps.undecidable([home], "s3:PutObject", "arn:aws:s3:::b/home/alice/x") is None


@pytest.mark.parametrize("key", ["aws:SourceIp", "aws:sourceip", "aws:SourceVpce"])
def test_a_condition_on_where_the_request_comes_from_is_a_named_gap(key: str) -> None:
    school = school_policy("FromSchool", "s3:*", key)
    anywhere = {"Sid": "Anywhere", "Effect": "Allow", "Action": "ec2:StartInstances"}
    school["Statement"].append({**anywhere, "Resource": "*"})
    reason = Gaps.undecidable([school], "s3:ListBucket", "arn:aws:s3:::b")
    assert reason is not None and "FromSchool" in reason and key in reason, reason
    assert "policy 1" not in reason
    assert Gaps.undecidable([school], "ec2:StartInstances", "*") is None


def test_a_condition_on_mfa_cannot_be_decided_with_the_users_key() -> None:
    """On every target: the checks sign with the user's access key, which carries no MFA."""
    from handson.policy_match import console_gap

    mfa = {"Bool": {"aws:MultiFactorAuthPresent": "true"}}
    policy = {
        "Statement": [
            {
                "Sid": "WithMfa",
                "Effect": "Allow",
                "Action": "s3:*",
                "Resource": "*",
                "Condition": mfa,
            },
            {"Sid": "Start", "Effect": "Allow", "Action": "ec2:StartInstances", "Resource": "*"},
        ]
    }
    reason = console_gap([policy], "s3:CreateBucket", "arn:aws:s3:::b")
    assert reason is not None and "WithMfa" in reason and "aws:MultiFactorAuthPresent" in reason
    assert "policy 1" not in reason
    assert console_gap([policy], "ec2:StartInstances", "*") is None
    assert (
        Gaps.undecidable([policy], "s3:CreateBucket", "arn:aws:s3:::b") is None
    )  # not the emulator's


# -- trust policies ----------------------------------------------------------------------------


def test_seed_trust_allows_ec2() -> None:
    allowed, why = trust_allows_service(load_policy_set().trust.document(), EC2)
    assert allowed is True
    assert EC2 in why


def test_trust_for_another_service_does_not_allow_ec2() -> None:
    allowed, why = trust_allows_service(trust(allow_service("lambda.amazonaws.com")), EC2)
    assert allowed is False
    assert EC2 in why


def test_a_mistyped_service_is_shown_beside_the_one_needed() -> None:
    """'ec2.amazonaws.co' is easily read as the right one: the reason names what is written,
    as close to it, and what to write."""
    typo = trust(allow_service(["ec2.amazonaws.co", "lambda.amazonaws.com"]))
    assert trust_allows_service(typo, EC2) == (
        False,
        f'"Service": "ec2.amazonaws.co" is not {EC2}, though close to it: if EC2 is meant, '
        f'write "{EC2}"',
    )
    no_service = trust(
        {
            "Effect": "Allow",
            "Principal": {"AWS": "arn:aws:iam::123456789012:root"},
            "Action": "sts:AssumeRole",
        }
    )
    assert (
        trust_allows_service(no_service, EC2)[1]
        == f"no trust statement allows {EC2} to call sts:AssumeRole"
    )


@pytest.mark.parametrize(
    "written",
    [
        "ec2.amazonaws.com ",
        " ec2.amazonaws.com",
        "ec2. amazonaws.com",
        "ｅｃ２.amazonaws.com",
        "ec2.amazonaws.com\u3000",
    ],
)
def test_a_service_that_differs_by_what_the_eye_misses_is_said_so(written: str) -> None:
    """A space at the end of "ec2.amazonaws.com " does not show when the name is printed: the
    reason says which slip it is and how the name is written, in the JSON's quotes."""
    allowed, why = trust_allows_service(
        trust(allow_service(["lambda.amazonaws.com", written])), EC2
    )
    assert allowed is False
    quoted = json.dumps(written, ensure_ascii=False)
    assert why == (
        f'"Service": {quoted} has a space or a full-width character in it and is not {EC2}. '
        f'Write it as "{EC2}"'
    )


@pytest.mark.parametrize("written", ["ec2.amazonaw.com", "ecs.amazonaws.com", "ec2.amazon.com"])
def test_a_service_a_letter_or_two_from_ec2_is_said_to_be_close(written: str) -> None:
    """A typo made the role EC2's no more: the reason names the name written as close to
    EC2's, and what to write, where it listed it among the services named."""
    allowed, why = trust_allows_service(trust(allow_service([written])), EC2)
    assert allowed is False
    quoted = json.dumps(written)
    assert (
        why
        == f'"Service": {quoted} is not {EC2}, though close to it: if EC2 is meant, write "{EC2}"'
    )


def test_another_service_is_only_listed() -> None:
    allowed, why = trust_allows_service(trust(allow_service(["ssm.amazonaws.com"])), EC2)
    assert allowed is False and "close to it" not in why and "ssm.amazonaws.com" in why


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
    with pytest.raises(ValueError, match=r"^Conditional$"):  # names the statement
        trust_allows_service(trust(allow_service(EC2, Condition=condition, Sid="Conditional")), EC2)


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
