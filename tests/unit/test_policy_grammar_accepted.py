"""handson.policy_grammar: what IAM accepts passes (the seed, every mutation set, the trust policy's
forms), and the AWS CLI's output saved in place of a policy is named in one line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from handson.policies import (
    ROLE_POLICY_FILE,
    SEED_DIR,
    TRUST_POLICY_FILE,
    USER_POLICY_FILE,
    load_policy_set,
)
from tests.helpers.design_edits import Mutation
from tests.helpers.mutations import EQUIVALENTS, MUTATIONS
from tests.helpers.undecided_designs import UNDECIDED
from tests.unit.test_policy_grammar import (
    FILE,
    STATEMENT,
    TRUST_STATEMENT,
    changed,
    lines,
    policy,
)

# -- what IAM accepts passes -------------------------------------------------------------------

ACCEPTED = {
    "unknown but well-formed action": changed(Action="s3:GetObjects"),
    "wildcards in the action": changed(Action=["s3:Get*", "s3:?etObject", "iam:List*", "*"]),
    "lower-case service and action": changed(Action="EC2:describeinstances"),
    "hyphenated service": changed(Action="execute-api:Invoke"),
    "NotAction": changed(Action=None, NotAction=["iam:*", "organizations:*"]),
    "NotResource": changed(Resource=None, NotResource="arn:aws:s3:::handson-s3-1-taro/*"),
    "NotAction with NotResource": changed(
        Action=None,
        Resource=None,
        NotAction="s3:*",
        NotResource=["arn:aws:s3:::b", "arn:aws:s3:::b/*"],
    ),
    "IfExists forms": changed(
        Condition={
            "StringLikeIfExists": {"s3:prefix": ["open/*"]},
            "ForAllValues:StringLikeIfExists": {"aws:TagKeys": ["a*"]},
            "ForAnyValue:StringEqualsIgnoreCaseIfExists": {"aws:TagKeys": ["a"]},
            "ArnLikeIfExists": {"aws:SourceArn": "arn:aws:s3:::b"},
            "BoolIfExists": {"aws:MultiFactorAuthPresent": "true"},
            "NumericLessThanEqualsIfExists": {"s3:max-keys": "10"},
            "DateGreaterThanIfExists": {"aws:CurrentTime": "2026-01-01T00:00:00Z"},
            "NotIpAddressIfExists": {"aws:SourceIp": "192.0.2.0/24"},
            "BinaryEqualsIfExists": {"aws:Key": "QmluYXJ5"},
            "Null": {"aws:TagKeys": "false"},
        }
    ),
    "ARNs with wildcards, accounts and variables": changed(
        Resource=[
            "*",
            "arn:aws:iam::123456789012:role/x",
            "arn:aws:iam::*:role/x",
            "arn:aws:ec2:*:*:instance/*",
            "arn:aws:s3:::b/home/${aws:username}/*",
            "arn:aws:iam::${aws:PrincipalAccount}:role/x",
            "arn:aws-cn:s3:::b",
            "arn:aws:logs:ap-northeast-1:123456789012:log-group:/x:*",
        ]
    ),
    "the placeholder inside a bucket ARN": changed(
        Resource="arn:aws:s3:::handson-s3-1-<自分の名前>/*"
    ),
    "Sid of letters and digits": changed(Sid="ForS32OpenGet"),
}


@pytest.mark.parametrize("case", ACCEPTED, ids=list(ACCEPTED))
def test_what_iam_accepts_passes(case: str) -> None:
    assert lines(policy(ACCEPTED[case])) == []


def test_a_statement_given_as_an_object_not_a_list_is_accepted() -> None:
    assert lines({"Version": "2012-10-17", "Statement": STATEMENT}) == []
    assert lines({"Version": "2008-10-17", "Statement": TRUST_STATEMENT}, trust=True) == []


def test_a_statement_given_as_an_object_is_checked_all_the_same() -> None:
    found = lines({"Version": "2012-10-17", "Statement": changed(Effect="allow")})
    assert found == [
        f'{FILE}: statement 1: "Effect" must be "Allow" or "Deny" (capitalised as shown)'
    ]


def test_trust_policy_forms_iam_accepts() -> None:
    accounts = changed(TRUST_STATEMENT, Principal={"AWS": ["123456789012", "*"]})
    everyone = changed(TRUST_STATEMENT, Principal="*", Sid="any-sid-in-a-trust-policy")
    roles = changed(TRUST_STATEMENT, Principal={"AWS": "arn:aws:iam::123456789012:role/r"})
    assert lines(policy(accounts, everyone, roles), trust=True) == []


def test_the_seed_policies_pass() -> None:
    for name, trust in (
        (USER_POLICY_FILE, False),
        (ROLE_POLICY_FILE, False),
        (TRUST_POLICY_FILE, True),
    ):
        document = json.loads((SEED_DIR / name).read_text("utf-8"))
        assert lines(document, trust=trust) == [], name


@pytest.mark.parametrize("mutation", [*EQUIVALENTS, *MUTATIONS, *UNDECIDED], ids=lambda m: m.name)
def test_the_mutation_sets_are_valid_iam(mutation: Mutation, tmp_path: Path) -> None:
    load_policy_set(mutation.write(tmp_path / mutation.name))


# -- the AWS CLI's output saved in place of the policy ----------------------------------------

CLI_SAVED = {
    "aws iam get-policy-version": (
        {"PolicyVersion": {"Document": policy(STATEMENT), "VersionId": "v1"}},
        '"Document" in it (the { ... } with "Version" and "Statement"; aws iam '
        "get-policy-version with --query PolicyVersion.Document prints only that)",
    ),
    "aws iam get-role": (
        {"Role": {"RoleName": "r", "AssumeRolePolicyDocument": policy(TRUST_STATEMENT)}},
        '"AssumeRolePolicyDocument" in it (the { ... } with "Version" and "Statement"; '
        "aws iam get-role with --query Role.AssumeRolePolicyDocument prints only that)",
    ),
    "aws iam get-role-policy": (
        {"RoleName": "r", "PolicyName": "p", "PolicyDocument": policy(STATEMENT)},
        '"PolicyDocument" in it (the { ... } with "Version" and "Statement"; aws iam '
        "get-role-policy with --query PolicyDocument prints only that)",
    ),
}


@pytest.mark.parametrize("command", list(CLI_SAVED))
def test_the_aws_clis_output_saved_as_it_is_is_named_in_one_line(command: str) -> None:
    document, saying = CLI_SAVED[command]
    assert lines(document) == [
        f"{FILE}: the output of the AWS CLI's {command}, saved as it is: "
        f"save only the value of {saying}"
    ]


def test_a_policys_description_without_its_document_says_where_the_document_is() -> None:
    said = lines({"Policy": {"PolicyName": "p", "Arn": "arn:aws:iam::1:policy/p"}})
    assert len(said) == 1 and "aws iam get-policy," in said[0]
    assert 'save the value of "Document" from aws iam get-policy-version' in said[0]


def test_a_list_of_statements_alone_is_named_as_one(japanese: None) -> None:
    assert lines([STATEMENT]) == [
        f"{FILE}: ステートメントのリスト（[ ... ]）だけが保存されています。"
        '{ "Version": "2012-10-17", "Statement": [ ... ] } のように、全体を { } で囲んでください'
    ]


def test_a_policy_that_names_those_elements_beside_its_statements_is_read_as_a_policy() -> None:
    said = lines({**policy(STATEMENT), "Policy": {"Document": {}}})
    assert len(said) == 1 and "Policy" in said[0] and "AWS CLI" not in said[0]
