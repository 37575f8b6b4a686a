"""A bucket policy on the hands-on's buckets, found in a learner's account: a check whose call
one of its statements may decide is not decided by the replay, which has no resource-based
policies; one that cannot decide it (another account's principal, a service's, the usual "deny
without TLS") leaves the replay's verdict standing. A policy that could not be read leaves the
bucket's checks undecided."""

from __future__ import annotations

from typing import Any

import pytest

from handson.bucket_policies import bucket_of, may_decide, undecided_by

ACCOUNT = "111122223333"
BUCKET = "handson-s3-2-taro"
CLOSE = f"arn:aws:s3:::{BUCKET}/close/handson-sample.txt"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/handson-iam-role"


def policy(**statement: Any) -> dict[str, Any]:
    body = {"Effect": "Allow", "Action": "s3:*", "Resource": f"arn:aws:s3:::{BUCKET}/*"}
    return {"Version": "2012-10-17", "Statement": [{**body, **statement}]}


def test_the_bucket_of_an_s3_arn() -> None:
    assert bucket_of(CLOSE) == BUCKET
    assert bucket_of(f"arn:aws:s3:::{BUCKET}") == BUCKET
    assert bucket_of("*") is None
    assert bucket_of("arn:aws:iam::111122223333:user/x") is None


@pytest.mark.parametrize(
    ("principal", "decides"),
    [
        ({"Principal": "*"}, True),
        ({"Principal": {"AWS": "*"}}, True),
        ({"Principal": {"AWS": ROLE}}, True),
        ({"Principal": {"AWS": [f"arn:aws:iam::{ACCOUNT}:root"]}}, True),
        ({"Principal": {"AWS": ACCOUNT}}, True),
        ({"Principal": {"CanonicalUser": "79a59df9" * 8}}, True),
        ({"NotPrincipal": {"AWS": "arn:aws:iam::444455556666:root"}}, True),
        ({"Principal": {"AWS": "arn:aws:iam::444455556666:root"}}, False),
        ({"Principal": {"Service": "cloudfront.amazonaws.com"}}, False),
    ],
)
def test_a_statement_decides_where_its_principal_may_be_the_caller(
    principal: dict[str, Any], decides: bool
) -> None:
    found = may_decide(policy(**principal), ACCOUNT, "s3:GetObject", CLOSE)
    assert found == (["#1"] if decides else [])


def test_the_action_and_the_resource_must_be_the_statements() -> None:
    only_bucket_1 = policy(Principal="*", Resource="arn:aws:s3:::handson-s3-1-taro/*")
    assert may_decide(only_bucket_1, ACCOUNT, "s3:GetObject", CLOSE) == []
    reads = policy(Principal="*", Action="s3:GetObject", Sid="PublicRead")
    assert may_decide(reads, ACCOUNT, "s3:GetObject", CLOSE) == ["PublicRead"]
    assert may_decide(reads, ACCOUNT, "s3:PutObject", CLOSE) == []


def test_a_deny_without_tls_decides_none_of_the_hands_on_s_calls() -> None:
    """Every call of the hands-on is HTTPS: the usual statement (AWS Security Hub's S3.5)
    leaves the replay's verdict standing. A Condition on anything else counts as met."""
    tls = {"Bool": {"aws:SecureTransport": "false"}}
    deny = policy(Principal="*", Effect="Deny", Condition=tls)
    assert may_decide(deny, ACCOUNT, "s3:PutObject", CLOSE) == []
    endpoint = {"StringNotEquals": {"aws:SourceVpce": "vpce-1a2b3c4d"}}
    only_from = policy(Principal="*", Effect="Deny", Condition=endpoint)
    assert may_decide(only_from, ACCOUNT, "s3:PutObject", CLOSE) == ["#1"]


def test_an_answer_is_undecided_where_a_statement_of_the_other_effect_may_apply() -> None:
    """An Allow may turn the replay's denial into AWS's allow, a Deny its allow into a denial;
    one of the answer's own effect changes nothing (the replay's verdict stands)."""
    grants = policy(Principal={"AWS": ROLE}, Sid="RoleAll")
    found = {BUCKET: grants, "handson-s3-1-taro": None}
    said = undecided_by(found, ACCOUNT, "s3:PutObject", CLOSE, allowed=False)
    assert said == (
        f"the bucket policy of {BUCKET} (RoleAll) may allow s3:PutObject, which the replay"
        " denied: the replay does not read bucket policies (AWS does), so this is not decided"
    )
    assert undecided_by(found, ACCOUNT, "s3:GetObject", CLOSE, allowed=True) is None
    protects = {
        BUCKET: policy(
            Principal="*",
            Effect="Deny",
            Action="s3:DeleteBucket",
            Resource=f"arn:aws:s3:::{BUCKET}",
            Sid="Keep",
        )
    }
    bucket = f"arn:aws:s3:::{BUCKET}"
    assert undecided_by(protects, ACCOUNT, "s3:DeleteBucket", bucket, allowed=False) is None
    assert "(Keep)" in str(undecided_by(protects, ACCOUNT, "s3:DeleteBucket", bucket, allowed=True))
    bucket_1 = "arn:aws:s3:::handson-s3-1-taro"
    for allowed in (True, False):
        unread = undecided_by(found, ACCOUNT, "s3:DeleteBucket", bucket_1, allowed=allowed)
        assert unread == (
            "the bucket policy of handson-s3-1-taro could not be read, and it may decide the"
            " call: not decided"
        )
    assert undecided_by(found, ACCOUNT, "s3:ListAllMyBuckets", "*", allowed=False) is None
    assert undecided_by({}, ACCOUNT, "s3:PutObject", CLOSE, allowed=False) is None
