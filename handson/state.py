"""Snapshots taken with the provisioning identity, to prove a target exists and stayed as it was."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import ClientError

from handson.passwords import DEFAULT_POLICY

# Every state of an instance that is not gone for good.
LIVE_INSTANCE_STATES = ("pending", "running", "stopping", "stopped", "shutting-down")


@dataclass(frozen=True)
class ObjectState:
    exists: bool
    sha256: str | None = None


@dataclass(frozen=True)
class BucketState:
    exists: bool
    objects: tuple[tuple[str, str], ...] = ()  # (key, ETag)


def object_state(s3: Any, bucket: str, key: str) -> ObjectState:
    try:
        body = s3.get_object(Bucket=bucket, Key=key)["Body"].read()
    except ClientError as exc:
        if exc.response["Error"]["Code"] in ("NoSuchKey", "404", "NoSuchBucket"):
            return ObjectState(False)
        raise
    return ObjectState(True, hashlib.sha256(body).hexdigest())


def bucket_state(s3: Any, bucket: str) -> BucketState:
    try:
        pages = s3.get_paginator("list_objects_v2").paginate(Bucket=bucket)
        objects = tuple(
            sorted((o["Key"], o["ETag"]) for page in pages for o in page.get("Contents", []))
        )
    except ClientError as exc:
        if exc.response["Error"]["Code"] == "NoSuchBucket":
            return BucketState(False)
        raise
    return BucketState(True, objects)


def instance_state(ec2: Any, instance_id: str) -> str:
    """The instance's state name; an instance AWS no longer knows counts as terminated."""
    try:
        found = ec2.describe_instances(InstanceIds=[instance_id])["Reservations"]
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") == "InvalidInstanceID.NotFound":
            return "terminated"
        raise
    return str(found[0]["Instances"][0]["State"]["Name"]) if found else "terminated"


@dataclass(frozen=True)
class LoginProfileState:
    user_name: str
    created: str
    reset_required: bool | None


def login_profile(iam: Any, user_name: str) -> LoginProfileState:
    found = iam.get_login_profile(UserName=user_name)["LoginProfile"]
    return LoginProfileState(
        str(found["UserName"]), str(found["CreateDate"]), found.get("PasswordResetRequired")
    )


def password_policy(iam: Any) -> dict[str, Any]:
    """The account's password policy; AWS's default where the account has none of its own."""
    try:
        return dict(iam.get_account_password_policy()["PasswordPolicy"])
    except ClientError as exc:
        if exc.response["Error"]["Code"] != "NoSuchEntity":
            raise
        return dict(DEFAULT_POLICY)


def attached_role_policies(iam: Any, role: str) -> list[str]:
    attached = iam.list_attached_role_policies(RoleName=role)["AttachedPolicies"]
    return [str(p["PolicyArn"]) for p in attached]


@dataclass(frozen=True)
class ProfileState:
    """The instance profile an instance carries, and the roles in that profile."""

    arn: str | None
    roles: tuple[str, ...]


def instance_profile(ec2: Any, iam: Any, instance_id: str) -> ProfileState:
    found = ec2.describe_instances(InstanceIds=[instance_id])
    arn = found["Reservations"][0]["Instances"][0].get("IamInstanceProfile", {}).get("Arn")
    if not arn:
        return ProfileState(None, ())
    profile = iam.get_instance_profile(InstanceProfileName=str(arn).split("/")[-1])
    return ProfileState(str(arn), tuple(r["RoleName"] for r in profile["InstanceProfile"]["Roles"]))
