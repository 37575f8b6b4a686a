"""Unit tests of handson.policy_grammar: what IAM would refuse is named, one line per problem,
before anything is created (what IAM accepts passes: test_policy_grammar_accepted.py)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from importlib.resources import files
from pathlib import Path
from typing import Any

import pytest

from handson import i18n, policy_grammar
from handson.errors import SuiteUsageError
from handson.policies import (
    ROLE_POLICY_FILE,
    TRUST_POLICY_FILE,
    USER_POLICY_FILE,
    load_policy_set,
)

FILE = "mine/handson-iam-role-policy.json"
STATEMENT = {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*"}
TRUST_STATEMENT = {
    "Effect": "Allow",
    "Principal": {"Service": "ec2.amazonaws.com"},
    "Action": "sts:AssumeRole",
}


def policy(*statements: dict[str, Any], version: str = "2012-10-17") -> dict[str, Any]:
    return {"Version": version, "Statement": list(statements)}


def changed(base: dict[str, Any] = STATEMENT, **values: Any) -> dict[str, Any]:
    """``base`` with ``values`` set; a value of None leaves the element out."""
    statement = {**base, **values}
    return {k: v for k, v in statement.items() if v is not None}


def lines(document: Any, *, trust: bool = False) -> list[str]:
    return policy_grammar.lines(FILE, policy_grammar.problems(document, trust=trust))


@pytest.fixture
def japanese() -> Iterator[None]:
    i18n.set_language("ja")
    yield
    i18n.set_language("en")


# -- the vendored schemas are cfn-lint's, unchanged --------------------------------------------


@pytest.mark.parametrize("name", policy_grammar.SCHEMA_FILES)
def test_vendored_schemas_equal_the_installed_cfn_lints(name: str) -> None:
    installed = files("cfnlint") / "data" / "schemas" / "other" / "iam" / name
    vendored = policy_grammar.SCHEMA_DIR / name
    assert json.loads(vendored.read_text("utf-8")) == json.loads(installed.read_text("utf-8")), (
        f"cfn-lint's {name} changed: copy it again into {vendored.parent} (README there)"
    )


# -- the eight documents IAM refuses with MalformedPolicyDocument -------------------------------

EIGHT = {
    "lower-case allow": (
        policy(changed(Effect="allow")),
        'statement 1: "Effect" must be "Allow" or "Deny" (capitalised as shown)',
        '1 番目のステートメント: "Effect" は "Allow" か "Deny" にしてください',
    ),
    "no Effect": (
        policy(changed(Effect=None)),
        'statement 1: "Effect" must be "Allow" or "Deny"',
        '1 番目のステートメント: "Effect" は "Allow" か "Deny" にしてください',
    ),
    "no Resource": (
        policy(changed(Resource=None)),
        'statement 1: needs exactly one of "Resource" or "NotResource"',
        '1 番目のステートメント: "Resource" か "NotResource" のどちらか1つが必要です',
    ),
    "wrong Version": (
        policy(STATEMENT, version="2012-10-18"),
        'missing or unknown "Version"; write "2012-10-17"',
        '"Version" がないか、知らない値です。"2012-10-17" と書いてください',
    ),
    "empty Action": (
        policy(changed(Action=[])),
        'statement 1: "Action" is an empty list ([]); give at least one value',
        '1 番目のステートメント: "Action" が空のリスト（[]）です。値を1つ以上書いてください',
    ),
    "empty Resource": (
        policy(changed(Resource=[])),
        'statement 1: "Resource" is an empty list ([]); give at least one value',
        '1 番目のステートメント: "Resource" が空のリスト（[]）です。値を1つ以上書いてください',
    ),
    "no service prefix": (
        policy(changed(Action="s3GetObject")),
        'statement 1: "Action" has "s3GetObject", which must be of the form "service:action"',
        '1 番目のステートメント: "Action" の "s3GetObject" は "サービス名:アクション名" の形に',
    ),
    "unknown operator": (
        policy(changed(Condition={"StringLikes": {"s3:prefix": ["open/*"]}})),
        'statement 1: "Condition" has "StringLikes", which is not a condition operator IAM knows',
        '1 番目のステートメント: "Condition" の "StringLikes" は IAM が知らない条件演算子です',
    ),
}


@pytest.mark.parametrize("case", EIGHT, ids=list(EIGHT))
def test_each_of_the_eight_is_one_line_naming_file_statement_and_field(case: str) -> None:
    document, english, _ = EIGHT[case]
    found = lines(document)
    assert len(found) == 1, found
    assert found[0].startswith(f"{FILE}: {english}"), found[0]


@pytest.mark.parametrize("case", EIGHT, ids=list(EIGHT))
def test_each_of_the_eight_in_japanese(case: str, japanese: None) -> None:
    document, _, words = EIGHT[case]
    found = lines(document)
    assert len(found) == 1, found
    assert found[0].startswith(f"{FILE}: {words}"), found[0]


# -- more that IAM refuses ---------------------------------------------------------------------

REFUSED = {
    "Principal in an identity policy": (
        policy(changed(Principal="*")),
        False,
        'an identity policy cannot have a "Principal"',
    ),
    "Version 2008-10-17 in a managed policy": (
        policy(STATEMENT, version="2008-10-17"),
        False,
        '"Version" "2008-10-17" is the grammar\'s older version, which IAM does not take in a '
        "managed policy (the user's and the role's): write \"2012-10-17\"",
    ),
    "an action with a space": (
        policy(changed(Action=["s3:GetObject "])),
        False,
        '"Action" has "s3:GetObject ", with a space in it: remove it ("s3:GetObject")',
    ),
    "NotPrincipal in an identity policy": (
        policy(changed(NotPrincipal={"AWS": "123456789012"})),
        False,
        'an identity policy cannot have a "NotPrincipal"',
    ),
    "trust policy without Principal": (
        policy(changed(TRUST_STATEMENT, Principal=None)),
        True,
        'a trust policy statement needs a "Principal"',
    ),
    "trust policy with a Resource": (
        policy(changed(TRUST_STATEMENT, Resource="*")),
        True,
        'a trust policy cannot have a "Resource"',
    ),
    "ARN of five parts": (
        policy(changed(Resource="arn:aws:s3::bucket")),
        False,
        '"Resource" has "arn:aws:s3::bucket", which must be an ARN',
    ),
    "bucket name alone": (
        policy(changed(NotResource=["handson-s3-1-taro"], Resource=None)),
        False,
        '"NotResource" has "handson-s3-1-taro", which must be an ARN',
    ),
    "ForAnyValues: typo": (
        policy(changed(Condition={"ForAnyValues:StringLike": {"aws:TagKeys": ["a*"]}})),
        False,
        '"Condition" has "ForAnyValues:StringLike", which is not a condition operator',
    ),
    "Null with IfExists": (
        policy(changed(Condition={"NullIfExists": {"aws:TagKeys": "true"}})),
        False,
        '"Condition" has "NullIfExists", but Null takes no IfExists',
    ),
    "Sid with a hyphen": (
        policy(changed(Sid="read-bucket")),
        False,
        'statement 1 (Sid "read-bucket"): "Sid" "read-bucket" may hold only letters and digits',
    ),
    "Sid twice": (
        policy(changed(Sid="Same"), changed(Sid="Same")),
        False,
        'the Sid "Same" is given to more than one statement',
    ),
    "unknown element": (
        policy(changed(Actions=["s3:GetObject"])),
        False,
        'IAM knows no element "Actions"; did you mean "Action"?',
    ),
    "unknown element in lower case": (
        policy(changed(condition={})),
        False,
        'IAM knows no element "condition"; did you mean "Condition"?',
    ),
    "unknown element like none": (
        policy(changed(Comment="mine")),
        False,
        'IAM knows no element "Comment"; the elements here are Action, Condition, Effect',
    ),
    "unknown top-level element": (
        {**policy(STATEMENT), "Statements": []},
        False,
        'top level: IAM knows no element "Statements"; did you mean "Statement"?',
    ),
    "Action not a string": (
        policy(changed(Action=["s3:GetObject", 5])),
        False,
        '"Action" must be a string or a list of strings',
    ),
    "statement not an object": (
        {"Version": "2012-10-17", "Statement": ["s3:*"]},
        False,
        "statement 1 is not a JSON object",
    ),
    "Principal as a service name": (
        policy(changed(TRUST_STATEMENT, Principal="ec2.amazonaws.com")),
        True,
        '"Principal" as a string can only be "*"',
    ),
    "unknown principal type": (
        policy(changed(TRUST_STATEMENT, Principal={"Services": "ec2.amazonaws.com"})),
        True,
        '"Principal" has "Services", a principal type IAM does not know',
    ),
    "Principal as a list": (
        policy(changed(TRUST_STATEMENT, Principal=["ec2.amazonaws.com"])),
        True,
        '"Principal" must be "*" or an object like {"Service": "ec2.amazonaws.com"}',
    ),
    "an AWS principal IAM does not take": (
        policy(changed(TRUST_STATEMENT, Principal={"AWS": "taro"})),
        True,
        '"Principal/AWS" has "taro", which IAM does not take as a principal; use "*"',
    ),
    "a service that is not a string": (
        policy(changed(TRUST_STATEMENT, Principal={"Service": [1]})),
        True,
        '"Principal/Service" must be a string or a list of strings',
    ),
    "Condition not an object": (
        policy(changed(Condition=["s3:prefix"])),
        False,
        '"Condition" must be a JSON object',
    ),
    "a condition block that is a list": (
        policy(changed(Condition={"StringLike": ["s3:prefix"]})),
        False,
        '"Condition" operator "StringLike" must hold an object of the form {"condition key"',
    ),
    "Null with a value other than true or false": (
        policy(changed(Condition={"Null": {"aws:TokenIssueTime": "yes"}})),
        False,
        '"Condition/Null/aws:TokenIssueTime" must be true or false',
    ),
    "a condition value that is an object": (
        policy(changed(Condition={"StringLike": {"s3:prefix": {"open": 1}}})),
        False,
        '"Condition/StringLike/s3:prefix" must be a string, a number, true or false',
    ),
}


@pytest.mark.parametrize("case", REFUSED, ids=list(REFUSED))
def test_refused_documents_are_named(case: str) -> None:
    document, trust, expected = REFUSED[case]
    found = lines(document, trust=trust)
    assert len(found) == 1, found
    assert found[0].startswith(f"{FILE}: ") and expected in found[0], found[0]


def test_a_space_inside_an_action_is_named_as_well() -> None:
    found = lines(policy(changed(Action="s3: PutObject")))
    assert found == [
        f'{FILE}: statement 1: "Action" has "s3: PutObject", with a space in it: remove it '
        '("s3:PutObject")'
    ]


def test_every_problem_of_a_file_is_a_line_of_its_own() -> None:
    document = policy(
        changed(Effect="allow", Action=[]),
        changed(Sid="Second", Resource="bucket", Condition={"StringLikes": {}}),
        version="2012-10-18",
    )
    found = lines(document)
    assert found == [
        f'{FILE}: missing or unknown "Version"; write "2012-10-17"',
        f'{FILE}: statement 1: "Action" is an empty list ([]); give at least one value',
        f'{FILE}: statement 1: "Effect" must be "Allow" or "Deny" (capitalised as shown)',
        f'{FILE}: statement 2 (Sid "Second"): "Condition" has "StringLikes", which is not a '
        "condition operator IAM knows; use a name such as StringEquals or StringLike (IfExists "
        "may follow it, ForAllValues: or ForAnyValue: precede it)",
        f'{FILE}: statement 2 (Sid "Second"): "Resource" has "bucket", which must be an ARN '
        '(arn:partition:service:region:account:resource, for example "arn:aws:s3:::bucket-name/*")'
        ' or "*"',
    ]


def test_every_problem_of_every_file_is_named_before_anything_is_created(
    tmp_path: Path, japanese: None
) -> None:
    (tmp_path / USER_POLICY_FILE).write_text(
        json.dumps(policy(changed(Action=[]), changed(Resource=[]))), "utf-8"
    )
    (tmp_path / ROLE_POLICY_FILE).write_text(
        json.dumps(policy(changed(Action="s3GetObject"))), "utf-8"
    )
    (tmp_path / TRUST_POLICY_FILE).write_text(
        json.dumps(policy(changed(TRUST_STATEMENT, Principal=None))), "utf-8"
    )
    with pytest.raises(SuiteUsageError) as caught:
        load_policy_set(tmp_path)
    found = str(caught.value).splitlines()
    assert [line.split(": ")[0] for line in found] == [
        str(tmp_path / USER_POLICY_FILE),
        str(tmp_path / USER_POLICY_FILE),
        str(tmp_path / ROLE_POLICY_FILE),
        str(tmp_path / TRUST_POLICY_FILE),
    ]
    assert '1 番目のステートメント: "Action" が空のリスト' in found[0]
    assert '2 番目のステートメント: "Resource" が空のリスト' in found[1]
    assert '"s3GetObject" は "サービス名:アクション名" の形に' in found[2]
    assert '信頼ポリシーのステートメントには "Principal"' in found[3]


def test_a_file_that_is_not_json_does_not_hide_the_others(tmp_path: Path) -> None:
    (tmp_path / USER_POLICY_FILE).write_text('{"Version": ', "utf-8")
    (tmp_path / ROLE_POLICY_FILE).write_text(json.dumps(policy(changed(Effect="allow"))), "utf-8")
    with pytest.raises(SuiteUsageError) as caught:
        load_policy_set(tmp_path)
    found = str(caught.value).splitlines()
    assert len(found) == 2
    assert "not valid JSON" in found[0] and ROLE_POLICY_FILE in found[1]
