"""The principals and buckets of the emulator-engine tests, made on the tests' own emulator
and removed after each test."""

from __future__ import annotations

import contextlib
import json
import uuid
from collections.abc import Callable, Iterator

import pytest
from botocore.exceptions import ClientError

from handson.aws import Credentials, Principal
from handson.lifecycle.removal import delete_user
from handson.targets.emulator_ec2 import _unknown_to_trust_check
from handson.targets.emulator_server import MotoEmulator
from tests.helpers.engine_cases import EC2_TRUST


@pytest.fixture
def unique() -> str:
    return uuid.uuid4().hex[:10]


@pytest.fixture
def make_user(test_emulator: MotoEmulator, unique: str) -> Iterator[Callable[..., Principal]]:
    """An IAM user with the given inline policy and its own access key; removed afterwards."""
    iam = test_emulator.admin.client("iam")
    made: list[str] = []

    def make(document: str) -> Principal:
        name = f"engine-{unique}-{len(made)}"
        iam.create_user(UserName=name)
        made.append(name)
        iam.put_user_policy(UserName=name, PolicyName="p", PolicyDocument=document)
        key = iam.create_access_key(UserName=name)["AccessKey"]
        credentials = Credentials(key["AccessKeyId"], key["SecretAccessKey"])
        return Principal(name, credentials, test_emulator.region, test_emulator.endpoint_url)

    yield make
    for name in made:
        delete_user(iam, name)


@pytest.fixture
def buckets(test_emulator: MotoEmulator, unique: str) -> Iterator[tuple[str, str]]:
    """Two buckets: the first holds open/a.txt and close/b.txt."""
    s3 = test_emulator.admin.client("s3")
    names = (f"engine-{unique}-one", f"engine-{unique}-two")
    for name in names:
        s3.create_bucket(
            Bucket=name, CreateBucketConfiguration={"LocationConstraint": test_emulator.region}
        )
    for key in ("open/a.txt", "close/b.txt"):
        s3.put_object(Bucket=names[0], Key=key, Body=b"x")
    yield names
    for name in names:
        for listed in s3.list_objects_v2(Bucket=name).get("Contents", []):
            s3.delete_object(Bucket=name, Key=listed["Key"])
        s3.delete_bucket(Bucket=name)


@pytest.fixture
def make_role(test_emulator: MotoEmulator, unique: str) -> Iterator[Callable[..., Credentials]]:
    """A role trusting EC2 with the given inline policy (and managed ones); a session of it as
    the emulated EC2 hands it to an instance. Removed afterwards."""
    iam = test_emulator.admin.client("iam")
    made: list[tuple[str, list[str]]] = []

    def make(document: str | None, *managed: str, boundary: str | None = None) -> Credentials:
        name = f"engine-role-{unique}-{len(made)}"
        extra = {"PermissionsBoundary": boundary} if boundary else {}
        arn = iam.create_role(
            RoleName=name, AssumeRolePolicyDocument=json.dumps(EC2_TRUST), **extra
        )["Role"]["Arn"]
        made.append((name, list(managed)))
        if document:
            iam.put_role_policy(RoleName=name, PolicyName="p", PolicyDocument=document)
        for attached in managed:
            iam.attach_role_policy(RoleName=name, PolicyArn=attached)
        issued = test_emulator.admin.client("sts").assume_role(
            RoleArn=_unknown_to_trust_check(arn), RoleSessionName=f"i-{unique}{len(made)}"
        )["Credentials"]
        return Credentials(issued["AccessKeyId"], issued["SecretAccessKey"], issued["SessionToken"])

    yield make
    for name, managed in made:
        with contextlib.suppress(ClientError):
            iam.delete_role_policy(RoleName=name, PolicyName="p")
        for attached in managed:
            iam.detach_role_policy(RoleName=name, PolicyArn=attached)
        iam.delete_role(RoleName=name)
