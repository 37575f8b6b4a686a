"""P2: who besides EC2 the role's trust policy lets assume the role (handson.permissions.trust).

The role's permissions are whoever assumes it: a trust policy that lets every AWS account, or
another account or service, assume it hands them on, and P2 says so, as it says an over-grant.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from handson import i18n
from handson.iam_engine import NamedPolicy
from handson.permissions import Kind, analyse
from handson.permissions.catalogue import EXPOSURE
from handson.permissions.trust import findings
from handson.policies import SEED_DIR, TRUST_POLICY_FILE, load_policy_set
from handson.practices import PracticeOutcome, PracticeResult

EC2 = {"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}


def trust(*statements: dict[str, Any]) -> NamedPolicy:
    return NamedPolicy(TRUST_POLICY_FILE, {"Version": "2012-10-17", "Statement": list(statements)})


def allow(principal: Any, **more: Any) -> dict[str, Any]:
    return {"Effect": "Allow", "Principal": principal, "Action": "sts:AssumeRole", **more}


def test_the_hands_on_s_trust_policy_and_its_equivalents_give_none() -> None:
    seed = json.loads((SEED_DIR / TRUST_POLICY_FILE).read_text("utf-8"))
    assert findings(NamedPolicy(TRUST_POLICY_FILE, seed)) == []
    listed = allow({"Service": ["EC2.amazonaws.com"]}, Action=["sts:AssumeRole"])
    assert findings(trust(listed)) == []
    assert findings(trust(allow({"Service": "ec2.amazonaws.com"}, Action="sts:*"))) == []
    # Who is not allowed to assume the role is no finding: a Deny, another action.
    assert findings(trust(EC2, {**allow("*"), "Effect": "Deny"})) == []
    assert findings(trust(EC2, allow("*", Action="sts:TagSession"))) == []


def test_ec2_written_with_a_space_or_a_full_width_letter_is_no_other_principal() -> None:
    """A slip in EC2's name lets no one in: R1's reason says how to write it. A name that is
    merely near EC2's, a service of its own for all the suite knows, stays a finding."""
    slips = allow({"Service": ["ec2.amazonaws.com ", "ｅｃ２.amazonaws.com"]})
    assert findings(trust(slips)) == []
    (found,) = findings(trust(allow({"Service": "ec2.amazonaws.co"})))
    assert found.fields["principal"] == '"Service": "ec2.amazonaws.co"'


@pytest.mark.parametrize(
    ("everyone", "written"),
    [
        ("*", '"Principal": "*"'),
        ({"AWS": "*"}, '"AWS": "*"'),
        ({"AWS": ["*"]}, '"AWS": "*"'),
    ],
)
def test_every_aws_account_is_an_exposure(everyone: Any, written: str) -> None:
    (found,) = findings(trust(EC2, allow(everyone)))
    assert (found.id, found.kind, found.risk) == ("P2", Kind.TRUST, (EXPOSURE,))
    assert str(found.statement) == f"{TRUST_POLICY_FILE} / #2"
    assert found.text() == (
        f"{TRUST_POLICY_FILE} / #2: the trust policy's {written} lets anyone in any AWS"
        " account assume this role and use its permissions; in the hands-on only EC2"
        " (ec2.amazonaws.com) assumes it"
    )


def test_an_allow_with_not_principal_lets_in_everyone_it_does_not_name() -> None:
    but_ec2 = {"Effect": "Allow", "NotPrincipal": EC2["Principal"], "Action": "sts:AssumeRole"}
    (found,) = findings(trust(EC2, but_ec2))
    assert found.risk == (EXPOSURE,)
    assert found.fields["principal"] == '"NotPrincipal": {"Service": "ec2.amazonaws.com"}'


def test_another_account_user_or_service_is_named() -> None:
    statement = allow(
        {
            "AWS": ["111122223333", "arn:aws:iam::123456789012:user/handson-iam-user"],
            "Service": ["ec2.amazonaws.com", "lambda.amazonaws.com"],
        },
        Sid="Helpers",
    )
    found = findings(trust(statement))
    assert [f.fields["principal"] for f in found] == [
        '"AWS": "111122223333"',
        '"AWS": "arn:aws:iam::123456789012:user/handson-iam-user"',
        '"Service": "lambda.amazonaws.com"',
    ]
    assert all(f.risk == () and str(f.statement).endswith(" / Helpers") for f in found)
    assert (
        found[2]
        .text()
        .startswith(
            f'{TRUST_POLICY_FILE} / Helpers: the trust policy\'s "Service": "lambda.amazonaws.com"'
            " can assume this role too and use its permissions"
        )
    )


def test_a_condition_is_said_and_a_deny_takes_a_principal_back() -> None:
    opened = allow({"AWS": "*"}, Condition={"StringEquals": {"aws:PrincipalOrgID": "o-abc"}})
    (found,) = findings(trust(EC2, opened))
    assert found.conditional and found.condition == opened["Condition"]
    assert "who meets its Condition" in found.text()
    everyone_else = {
        "Effect": "Deny",
        "NotPrincipal": {"Service": "ec2.amazonaws.com"},
        "Action": "sts:AssumeRole",
    }
    assert findings(trust(EC2, allow("*"), everyone_else)) == []
    # {"AWS": "*"} denied takes back the AWS principals; a service, only a bare "*" (AWS does
    # not document that {"AWS": "*"} reaches a service: no finding hidden on that reading).
    lambda_too = allow({"Service": "lambda.amazonaws.com", "AWS": "111122223333"})
    aws_denied = {**allow({"AWS": "*"}), "Effect": "Deny"}
    left = findings(trust(EC2, lambda_too, aws_denied))
    assert [f.fields["principal"] for f in left] == ['"Service": "lambda.amazonaws.com"']
    assert findings(trust(EC2, lambda_too, {**allow("*"), "Effect": "Deny"})) == []
    its_account = {**allow({"AWS": "111122223333"}), "Effect": "Deny"}
    assert findings(trust(EC2, allow({"AWS": "111122223333"}), its_account)) == []
    # A Deny with a Condition takes back only some requests: the finding stays.
    sometimes = {**its_account, "Condition": {"Bool": {"aws:SecureTransport": "false"}}}
    assert len(findings(trust(EC2, allow({"AWS": "111122223333"}), sometimes))) == 1


def test_it_is_a_finding_of_p2_in_a_run_s_policy_files_in_both_languages(
    tmp_path: Path,
) -> None:
    for file in SEED_DIR.glob("*.json"):
        (tmp_path / file.name).write_bytes(file.read_bytes())
    (tmp_path / TRUST_POLICY_FILE).write_text(json.dumps(trust(EC2, allow("*")).document))
    found = analyse(load_policy_set(tmp_path), "tanaka")
    assert [(f.id, f.kind) for f in found] == [("P2", Kind.TRUST)]
    assert PracticeResult.of("P2", found).outcome is PracticeOutcome.FINDINGS
    try:
        i18n.set_language("ja")
        assert found[0].text() == (
            f'{TRUST_POLICY_FILE} / #2: 信頼ポリシーの "Principal": "*" で、どの AWS アカウントの'
            "だれでもこのロールを引き受けて、その権限を使えます。ハンズオンでロールを引き受けるのは"
            " EC2（ec2.amazonaws.com）だけです"
        )
    finally:
        i18n.set_language(i18n.DEFAULT_LANGUAGE)
