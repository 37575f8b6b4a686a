"""What the account holds, read with the provisioning identity, never changed.

Two uses: single reads that prove a check's target exists and stayed as it was (an object's
hash, a bucket's objects, an instance's state, a login profile, the role's policies); and the
snapshot of a hand-built environment (``--target existing``), compared before the first probe
with after the last: nothing the run did not make and undo may differ.

The snapshot holds everything discovery found, with what is inside: the user's policies, groups,
login profile and access keys; every version of each managed policy with the default one's
document; the instance's state and profile; the role's trust and policies; both buckets' objects
with their ETags and the bucket policies. The run's own temporary items (keys that carry
``own_marker``, an access key the run made) are left out: the run makes and removes them itself.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from botocore.exceptions import ClientError

from handson.aws import Principal
from handson.discovery import Discovery
from handson.passwords import DEFAULT_POLICY

# Answers that mean the resource read (or removed) is already gone.
GONE_CODES = frozenset(
    {
        "NoSuchEntity",
        "NoSuchBucket",
        "InvalidInstanceID.NotFound",
        "InvalidGroup.NotFound",
        "NotFound",
        "NoSuchBucketPolicy",
        "404",
    }
)

T = TypeVar("T")


def unless_gone(read: Callable[[], T]) -> T | None:
    """What ``read`` returns; None when the resource it reads is already gone."""
    try:
        return read()
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") not in GONE_CODES:
            raise
        return None


# -- single reads -----------------------------------------------------------------------------

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


# Where EC2 takes an instance on its own, from a state on the way: what a watch compares, so
# that an instance still booting, or stopping on the learner's click, is no change of a probe's.
SETTLES_AS = {"pending": "running", "stopping": "stopped", "shutting-down": "terminated"}


def instance_heading(ec2: Any, instance_id: str) -> str:
    """The state the instance is in or on its way to (pending: running, stopping: stopped,
    shutting-down: terminated). A dry-run probe changes none of them, and a state EC2 moves on
    from by itself (a learner's instance still starting) read as the probe's change: a wrong
    allow (verdict rule 5) where nothing was allowed. A change of destination stays one."""
    state = instance_state(ec2, instance_id)
    return SETTLES_AS.get(state, state)


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


# -- a hand-built environment's snapshot ------------------------------------------------------

Snapshot = dict[str, Any]
_ABSENT = object()  # a path one side does not have at all


def _managed(iam: Any, arn: str) -> dict[str, Any]:
    policy = unless_gone(lambda: iam.get_policy(PolicyArn=arn)["Policy"])
    if policy is None:
        return {"exists": False}
    versions = iam.list_policy_versions(PolicyArn=arn)["Versions"]
    default = policy["DefaultVersionId"]
    document = iam.get_policy_version(PolicyArn=arn, VersionId=default)["PolicyVersion"]
    return {
        "default": default,
        "versions": sorted(str(v["VersionId"]) for v in versions),
        "document": document["Document"],
    }


def _attached(listed: dict[str, Any]) -> list[str]:
    return sorted(str(p["PolicyArn"]) for p in listed["AttachedPolicies"])


def _policies(iam: Any, kind: str, **owner: str) -> dict[str, Any]:
    """A user's, role's or group's policies: the managed ARNs attached and the inline documents."""
    attached = getattr(iam, f"list_attached_{kind}_policies")(**owner)
    names = getattr(iam, f"list_{kind}_policies")(**owner)["PolicyNames"]
    get = getattr(iam, f"get_{kind}_policy")
    return {
        "attached": _attached(attached),
        "inline": {n: get(**owner, PolicyName=n)["PolicyDocument"] for n in names},
    }


def _user(iam: Any, name: str, own_keys: frozenset[str]) -> dict[str, Any]:
    user = unless_gone(lambda: iam.get_user(UserName=name)["User"])
    if user is None:
        return {"exists": False}
    profile = unless_gone(lambda: iam.get_login_profile(UserName=name)["LoginProfile"])
    keys = iam.list_access_keys(UserName=name)["AccessKeyMetadata"]
    groups = {}
    for group in iam.list_groups_for_user(UserName=name)["Groups"]:
        group_name = group["GroupName"]
        groups[group_name] = _policies(iam, "group", GroupName=group_name)
    return {
        "arn": user["Arn"],
        "boundary": user.get("PermissionsBoundary", {}).get("PermissionsBoundaryArn"),
        **_policies(iam, "user", UserName=name),
        "groups": groups,
        "login profile": None
        if profile is None
        else {"created": str(profile["CreateDate"]), "reset": profile.get("PasswordResetRequired")},
        "access keys": sorted(
            (k["AccessKeyId"], k["Status"]) for k in keys if k["AccessKeyId"] not in own_keys
        ),
    }


def _role(iam: Any, name: str) -> dict[str, Any]:
    role = unless_gone(lambda: iam.get_role(RoleName=name)["Role"])
    if role is None:
        return {"exists": False}
    return {
        "arn": role["Arn"],
        "trust": role["AssumeRolePolicyDocument"],
        "boundary": role.get("PermissionsBoundary", {}).get("PermissionsBoundaryArn"),
        **_policies(iam, "role", RoleName=name),
    }


def _instance(ec2: Any, iam: Any, instance_id: str) -> dict[str, Any]:
    reservations = ec2.describe_instances(InstanceIds=[instance_id])["Reservations"]
    (instance,) = [i for r in reservations for i in r["Instances"]]
    profile_arn = instance.get("IamInstanceProfile", {}).get("Arn")
    roles: list[str] = []
    if profile_arn:
        name = profile_arn.rsplit("/", 1)[-1]
        profile = unless_gone(
            lambda: iam.get_instance_profile(InstanceProfileName=name)["InstanceProfile"]
        )
        roles = sorted(r["RoleName"] for r in (profile or {}).get("Roles", []))
    return {
        "state": instance["State"]["Name"],
        "profile": profile_arn,
        "profile roles": roles,
        "tags": sorted((t["Key"], t["Value"]) for t in instance.get("Tags", [])),
    }


def _bucket(s3: Any, name: str, own_marker: str | None) -> dict[str, Any]:
    objects = []
    pages = s3.get_paginator("list_objects_v2").paginate(Bucket=name)
    try:
        for page in pages:
            for found in page.get("Contents", []):
                if own_marker and own_marker in found["Key"]:
                    continue
                objects.append((found["Key"], found["ETag"], found["Size"]))
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") == "NoSuchBucket":
            return {"exists": False}
        raise
    policy = unless_gone(lambda: s3.get_bucket_policy(Bucket=name)["Policy"])
    return {"objects": sorted(objects), "policy": policy}


def take(
    reader: Principal,
    found: Discovery,
    own_marker: str | None = None,
    own_keys: frozenset[str] = frozenset(),
) -> Snapshot:
    """Everything ``found`` names, as it is now (read-only calls only)."""
    iam, ec2, s3 = (reader.client(s) for s in ("iam", "ec2", "s3"))
    shot: Snapshot = {}
    if found.user:
        shot["user " + found.user] = _user(iam, found.user, own_keys)
    if found.role:
        shot["role " + found.role] = _role(iam, found.role)
    if found.instance_id:
        shot["instance " + found.instance_id] = _instance(ec2, iam, found.instance_id)
    arns = {p.arn for p in (*found.user_policies, *found.role_policies) if p.arn}
    for arn in sorted(arns):
        shot["policy " + arn] = _managed(iam, arn)
    for bucket in found.buckets or ():
        shot["bucket " + bucket] = _bucket(s3, bucket, own_marker)
    # One canonical form: documents may come back as dicts or URL-encoded strings alike.
    return dict(json.loads(json.dumps(shot, sort_keys=True, default=str)))


def _flat(value: Any, path: str, into: dict[str, Any]) -> None:
    if isinstance(value, dict) and value:
        for key, inner in value.items():
            _flat(inner, f"{path} / {key}" if path else str(key), into)
    else:
        into[path] = value


def differences(before: Snapshot, after: Snapshot) -> list[str]:
    """One line per difference, naming what changed: ``<where>: <before> -> <after>``."""
    old: dict[str, Any] = {}
    new: dict[str, Any] = {}
    _flat(before, "", old)
    _flat(after, "", new)
    lines = []
    for path in sorted(old.keys() | new.keys()):
        was, now = old.get(path, _ABSENT), new.get(path, _ABSENT)
        if was != now:
            lines.append(f"{path}: {_short(was)} -> {_short(now)}")
    return lines


def _short(value: Any) -> str:
    if value is _ABSENT:
        return "(absent)"
    text = json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)
    return text if len(text) <= 160 else text[:157] + "..."
