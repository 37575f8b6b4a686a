"""A failure's hint on a statement of the learner's, and the lint of that statement
(handson/practices/hints.py)."""

from __future__ import annotations

from typing import Any

from handson import i18n
from handson.iam_engine import NamedPolicy
from handson.permissions import lint
from handson.permissions.examples import measured_documents
from handson.permissions.findings import Kind, Principal
from handson.policies import ROLE_POLICY_FILE
from handson.policy_match import ResourceHint, hint
from handson.practices.hints import hint_with_lint, lint_notes


def _role_with(sid: str, **changed: Any) -> dict[str, Any]:
    """The measured case's role policy, the statement ``sid`` with ``changed`` elements."""
    role = measured_documents()[ROLE_POLICY_FILE]
    for statement in role["Statement"]:
        if statement.get("Sid") == sid:
            statement.update(changed)
    return role


def test_a_failures_hint_names_the_lint_of_its_statement() -> None:
    i18n.set_language("ja")
    role = _role_with("ForS32OpenGet", Action=["s3:GetObjects"])
    request = ("s3:GetObject", "arn:aws:s3:::handson-s3-2-x/open/handson-sample.txt", False)
    said = hint_with_lint(hint, ROLE_POLICY_FILE, [role], *request)
    assert "ForS32OpenGet" in said
    assert "s3:GetObjects というアクションはありません。s3:GetObject のことですか？" in said
    # Another action's failure is not told about this statement's typo.
    other = hint_with_lint(hint, ROLE_POLICY_FILE, [role], "s3:PutObject", request[1], False)
    assert "s3:GetObjects" not in other


def test_a_hint_on_a_statements_resource_stays_one_with_the_lints_note() -> None:
    """With the lint's note of its statement, a hint about ForS32OpenGet's Resource still
    names that statement, which handson.intended reads (a hint to widen a statement the hands-on
    keeps from the call is replaced there)."""
    i18n.set_language("en")
    condition = {"StringLike": {"s3:prefix": "open/*"}}  # no key of s3:GetObject
    role = _role_with(
        "ForS32OpenGet", Resource=["arn:aws:s3:::handson-s3-2-x/open"], Condition=condition
    )
    request = ("s3:GetObject", "arn:aws:s3:::handson-s3-2-x/open/handson-sample.txt", False)
    said = hint_with_lint(hint, ROLE_POLICY_FILE, [role], *request)
    assert isinstance(said, ResourceHint) and said.label == "ForS32OpenGet", repr(said)
    assert said.startswith("ForS32OpenGet's Resource does not cover") and "s3:prefix" in said


def test_a_hint_on_a_statements_resource_is_not_said_twice() -> None:
    """ForS31 on the bucket's ARN alone: the hint's /* says it; the lint's "no resource type of
    s3:PutObject" of the same Resource would say it again, with ARN templates."""
    role = _role_with("ForS31", Resource=["arn:aws:s3:::handson-s3-1-x"])
    request = ("s3:PutObject", "arn:aws:s3:::handson-s3-1-x/test.txt", False)
    said = hint_with_lint(hint, ROLE_POLICY_FILE, [role], *request)
    assert said == (
        "ForS31's Resource does not cover arn:aws:s3:::handson-s3-1-x/test.txt (now "
        "arn:aws:s3:::handson-s3-1-x); to take in the objects under it, end it with /*: "
        "arn:aws:s3:::handson-s3-1-x/*"
    )
    # The lessons' lint still says it, of the object type alone, as the ARN is written.
    found = lint.lint(ROLE_POLICY_FILE, role, Principal.ROLE)
    mismatch = next(f for f in found if f.kind is Kind.RESOURCE_MISMATCH)
    assert mismatch.fields["types"] == "object (arn:aws:s3:::${BucketName}/${ObjectName})"


def test_a_failures_hint_is_told_only_the_lint_that_may_explain_it() -> None:
    """A lint note is added to a failure it may be why of: ForS31 on bucket 1's ARN alone
    allows no s3:GetObject, which explains neither R6 (bucket 2's close/ allowed by a
    ForS32OpenGet widened to the bucket) nor R4 (bucket 2's open/ denied); it does explain R2's
    download. A misspelled action in a Deny statement denies less: that explains an allowance."""
    i18n.set_language("en")
    role = _role_with("ForS31", Resource=["arn:aws:s3:::handson-s3-1-x"])
    for statement in role["Statement"]:
        if statement.get("Sid") == "ForS32OpenGet":
            statement["Resource"] = ["arn:aws:s3:::handson-s3-2-x/*"]
    r6 = ("s3:GetObject", "arn:aws:s3:::handson-s3-2-x/close/handson-sample.txt", True)
    said = hint_with_lint(hint, ROLE_POLICY_FILE, [role], *r6)
    assert said.startswith("ForS32OpenGet allows s3:GetObject on arn:aws:s3:::handson-s3-2-x/*")
    assert "ForS31" not in said, said
    r4 = ("s3:GetObject", "arn:aws:s3:::handson-s3-2-x/open/handson-sample.txt", False)
    widened = _role_with("ForS32OpenGet", Resource=["arn:aws:s3:::handson-s3-2-x/close/*"])
    widened["Statement"][0]["Resource"] = ["arn:aws:s3:::handson-s3-1-x"]
    assert "ForS31:" not in hint_with_lint(hint, ROLE_POLICY_FILE, [widened], *r4)
    # R2's download from bucket 1, with the upload's hint on another statement: told.
    r2 = ("s3:GetObject", "arn:aws:s3:::handson-s3-1-x/test.txt", False)
    assert "/${ObjectName}" not in hint_with_lint(hint, ROLE_POLICY_FILE, [role], *r2)
    assert any("ForS31: s3:GetObject" in note for note in lint_notes(ROLE_POLICY_FILE, [role], *r2))
    assert lint_notes(ROLE_POLICY_FILE, [role], *r6) == []
    deny = {
        "Effect": "Deny",
        "Action": ["s3:DeleteBuckett"],
        "Resource": ["arn:aws:s3:::handson-s3-1-x"],
    }
    guarded = _role_with("ForS31")
    guarded["Statement"].append({"Sid": "KeepBucket", **deny})
    r3 = ("s3:DeleteBucket", "arn:aws:s3:::handson-s3-1-x", True)
    assert "KeepBucket: there is no action s3:DeleteBuckett" in hint_with_lint(
        hint, ROLE_POLICY_FILE, [guarded], *r3
    )
    assert lint_notes(ROLE_POLICY_FILE, [guarded], r3[0], r3[1], False) == []


def test_a_policy_found_by_hand_is_named_in_the_hint_and_its_lint() -> None:
    """In an environment built by hand, each policy is given under its own name: the hint and
    the lint name the statement in it (``handson-iam-role-policy / ForS32OpenGet``), and a
    note on a Resource the hint has spoken of is still not said twice."""
    i18n.set_language("en")
    typo = _role_with("ForS32OpenGet", Action=["s3:GetObjects"])
    request = ("s3:GetObject", "arn:aws:s3:::handson-s3-2-x/open/handson-sample.txt", False)
    found = [NamedPolicy("handson-iam-role-policy", typo)]
    said = hint_with_lint(hint, ROLE_POLICY_FILE, found, *request)
    assert said.startswith("handson-iam-role-policy / ForS31's Resource"), said
    assert "handson-iam-role-policy / ForS32OpenGet: there is no action s3:GetObjects" in said
    bucket_only = _role_with("ForS31", Resource=["arn:aws:s3:::handson-s3-1-x"])
    found = [NamedPolicy("extra", {"Statement": []}), NamedPolicy("mine", bucket_only)]
    request = ("s3:PutObject", "arn:aws:s3:::handson-s3-1-x/test.txt", False)
    said = hint_with_lint(hint, ROLE_POLICY_FILE, found, *request)
    assert said.startswith("mine / ForS31's Resource does not cover"), said
    assert "/${ObjectName}" not in said  # the lint's note of the same Resource: not again
