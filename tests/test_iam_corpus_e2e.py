"""The decision corpus's S3 cases, end to end: each as a real boto3 call, signed by an IAM user
that holds the case's policies, through the emulator's request path (handson.targets.moto_engine).

On the wire an explicit and an implicit deny are the same ``AccessDenied``: both count as denied
here, and tests/unit/test_iam_decision_corpus.py tells them apart on the engine itself.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from botocore.exceptions import ClientError

from handson.aws import Credentials, Principal
from handson.lifecycle.removal import delete_user
from handson.targets.emulator_server import MotoEmulator
from tests.unit.test_iam_decision_corpus import CASES

USER = "corpus-user"
BUCKETS = ("corpus-bucket-a", "corpus-bucket-b")
E2E = [c for c in CASES if c.get("e2e")]


@pytest.fixture(scope="module")
def corpus_user(test_emulator: MotoEmulator) -> Iterator[Principal]:
    iam = test_emulator.admin.client("iam")
    iam.create_user(UserName=USER)
    key = iam.create_access_key(UserName=USER)["AccessKey"]
    principal = Principal(
        USER,
        Credentials(key["AccessKeyId"], key["SecretAccessKey"]),
        test_emulator.region,
        test_emulator.endpoint_url,
    )
    yield principal
    delete_user(iam, USER)


@pytest.fixture
def corpus_buckets(test_emulator: MotoEmulator) -> Iterator[Any]:
    s3 = test_emulator.admin.client("s3")
    location = {"LocationConstraint": test_emulator.region}

    def make_all() -> None:
        have = {b["Name"] for b in s3.list_buckets()["Buckets"]}
        for name in BUCKETS:
            if name not in have:
                s3.create_bucket(Bucket=name, CreateBucketConfiguration=location)

    make_all()
    yield s3
    for name in BUCKETS:
        try:
            listed = s3.list_objects_v2(Bucket=name).get("Contents", [])
        except ClientError:
            continue  # the case deleted it
        for found in listed:
            s3.delete_object(Bucket=name, Key=found["Key"])
        s3.delete_bucket(Bucket=name)


def give_policies(iam: Any, case: dict[str, Any]) -> None:
    for name in iam.list_user_policies(UserName=USER)["PolicyNames"]:
        iam.delete_user_policy(UserName=USER, PolicyName=name)
    for policy in case["identity"]:
        iam.put_user_policy(
            UserName=USER, PolicyName=policy["name"], PolicyDocument=json.dumps(policy["document"])
        )


def the_call(case: dict[str, Any], s3: Any, admin_s3: Any) -> Callable[[], Any]:
    """The boto3 call that asks exactly the case's question."""
    action, context = case["action"], case["context"]
    path = case["resource"].split(":::", 1)[1]
    bucket, _, key = path.partition("/")
    if action == "s3:ListAllMyBuckets":
        return s3.list_buckets
    if action == "s3:ListBucket":
        params: dict[str, Any] = {"Bucket": bucket}
        for context_key, param in (
            ("s3:prefix", "Prefix"),
            ("s3:delimiter", "Delimiter"),
            ("s3:max-keys", "MaxKeys"),
        ):
            if context_key in context:
                value = context[context_key]
                params[param] = int(value) if param == "MaxKeys" else value
        return lambda: s3.list_objects_v2(**params)
    if action == "s3:DeleteBucket":
        return lambda: s3.delete_bucket(Bucket=bucket)
    # Object calls act on an object that exists (a missing key would be a 403 of its own).
    admin_s3.put_object(Bucket=bucket, Key=key, Body=b"corpus")
    if action == "s3:GetObject":
        return lambda: s3.get_object(Bucket=bucket, Key=key)
    if action == "s3:PutObject":
        return lambda: s3.put_object(Bucket=bucket, Key=key, Body=b"new")
    if action == "s3:DeleteObject":
        return lambda: s3.delete_object(Bucket=bucket, Key=key)
    raise AssertionError(f"no call for {action}")


def test_the_corpus_has_a_representative_e2e_subset() -> None:
    actions = {c["action"] for c in E2E}
    assert len(E2E) >= 12
    assert {"s3:ListBucket", "s3:GetObject", "s3:DeleteBucket"} <= actions
    assert {c["expected"] for c in E2E} == {"Allow", "Deny", "ImplicitDeny"}


@pytest.mark.parametrize("case", E2E, ids=[c["id"] for c in E2E])
def test_the_emulator_decides_as_aws_documents(
    case: dict[str, Any],
    corpus_user: Principal,
    corpus_buckets: Any,
    test_emulator: MotoEmulator,
) -> None:
    give_policies(test_emulator.admin.client("iam"), case)
    call = the_call(case, corpus_user.client("s3"), corpus_buckets)
    try:
        call()
        observed = "allowed"
    except ClientError as error:
        code = error.response["Error"]["Code"]
        assert code == "AccessDenied", f"{case['id']}: not an authorization answer: {code}"
        observed = "denied"
    expected = "allowed" if case["expected"] == "Allow" else "denied"
    assert observed == expected, f"{case['id']}: {case['why']}"
