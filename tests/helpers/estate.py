"""What a run left on an emulator, found by the tests themselves, without the suite's own code.

The suite counts as its own only what carries its run's tag; a test that gave a run a fresh
name counts everything with that name, tagged or not, and every run's admin user of that name,
so that a leak the suite's own leak check would miss still fails the test.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

from botocore.exceptions import ClientError

from handson.aws import Principal

ABSENT = {"NoSuchEntity", "NoSuchBucket", "404", "ParameterNotFound"}


def _exists(read: Callable[[], Any]) -> bool:
    try:
        read()
    except ClientError as exc:
        if exc.response["Error"]["Code"] in ABSENT:
            return False
        raise
    return True


def _tags(pairs: list[dict[str, str]] | None) -> dict[str, str]:
    return {t["Key"]: t["Value"] for t in pairs or []}


def devices_named(iam: Any, device: str) -> list[str]:
    """The serial numbers of the virtual MFA devices of that name (made with or without a user)."""
    listed = iam.list_virtual_mfa_devices()["VirtualMFADevices"]
    return [d["SerialNumber"] for d in listed if d["SerialNumber"].endswith(f"/{device}")]


def left_behind(admin: Principal, name: str) -> list[str]:
    """Everything on the emulator named with ``name`` (the run's <自分の名前>), or tagged with
    it, whatever its tags say about which run made it."""
    iam, s3, ec2, ssm = (admin.client(s) for s in ("iam", "s3", "ec2", "ssm"))
    account = admin.client("sts").get_caller_identity()["Account"]
    found = []
    named: list[tuple[str, Callable[[], Any]]] = [
        (
            f"IAM user handson-iam-user-{name}",
            lambda: iam.get_user(UserName=f"handson-iam-user-{name}"),
        ),
        (
            f"IAM role handson-iam-role-{name}",
            lambda: iam.get_role(RoleName=f"handson-iam-role-{name}"),
        ),
        (
            f"instance profile handson-iam-role-{name}",
            lambda: iam.get_instance_profile(InstanceProfileName=f"handson-iam-role-{name}"),
        ),
        (
            f"run record /handson-iam-acceptance/runs/{name}",
            lambda: ssm.get_parameter(Name=f"/handson-iam-acceptance/runs/{name}"),
        ),
    ]
    for policy in (f"handson-iam-user-policy-{name}", f"handson-iam-role-policy-{name}"):
        arn = f"arn:aws:iam::{account}:policy/{policy}"
        named.append((f"IAM policy {policy}", partial(iam.get_policy, PolicyArn=arn)))
    for bucket in (f"handson-s3-1-{name}", f"handson-s3-2-{name}", f"handson-s3-u-{name}"):
        named.append((f"S3 bucket {bucket}", partial(s3.head_bucket, Bucket=bucket)))
    found += [label for label, read in named if _exists(read)]
    for page in iam.get_paginator("list_users").paginate():
        for user in page["Users"]:
            if user["UserName"].startswith("handson-admin-"):
                tags = _tags(iam.list_user_tags(UserName=user["UserName"])["Tags"])
                if tags.get("handson:name") == name:
                    found.append(f"IAM user {user['UserName']}")
    found += [  # the run's for its user held to MFA (handson/mfa_session.py)
        f"virtual MFA device {serial}" for serial in devices_named(iam, f"handson-iam-user-{name}")
    ]
    groups = ec2.describe_security_groups(
        Filters=[{"Name": "group-name", "Values": [f"handson-sg-{name}"]}]
    )["SecurityGroups"]
    found += [f"security group {g['GroupName']} ({g['GroupId']})" for g in groups]
    reservations = ec2.describe_instances(Filters=[{"Name": "tag:handson:name", "Values": [name]}])[
        "Reservations"
    ]
    found += [
        f"EC2 instance {i['InstanceId']} ({i['State']['Name']})"
        for r in reservations
        for i in r["Instances"]
        if i["State"]["Name"] != "terminated"
    ]
    return found


def snapshot(admin: Principal) -> dict[str, object]:
    """Everything on the emulator a run could touch, with what is inside it: to compare a run's
    before with its after."""
    iam, s3, ec2, ssm = (admin.client(s) for s in ("iam", "s3", "ec2", "ssm"))

    def every(operation: str, key: str, **kwargs: Any) -> list[dict[str, Any]]:
        pages = iam.get_paginator(operation).paginate(**kwargs)
        return [item for page in pages for item in page[key]]

    users = {}
    for user in every("list_users", "Users"):
        name = user["UserName"]
        users[name] = (
            _tags(iam.list_user_tags(UserName=name)["Tags"]),
            sorted(
                k["AccessKeyId"] for k in iam.list_access_keys(UserName=name)["AccessKeyMetadata"]
            ),
            sorted(
                p["PolicyArn"]
                for p in iam.list_attached_user_policies(UserName=name)["AttachedPolicies"]
            ),
        )
    roles = {
        r["RoleName"]: sorted(
            p["PolicyArn"]
            for p in iam.list_attached_role_policies(RoleName=r["RoleName"])["AttachedPolicies"]
        )
        for r in every("list_roles", "Roles")
    }
    profiles = {
        p["InstanceProfileName"]: sorted(r["RoleName"] for r in p["Roles"])
        for p in every("list_instance_profiles", "InstanceProfiles")
    }
    policies = sorted(p["Arn"] for p in every("list_policies", "Policies", Scope="Local"))
    buckets = {}
    for bucket in s3.list_buckets()["Buckets"]:
        name = bucket["Name"]
        versions = s3.list_object_versions(Bucket=name)
        try:
            tags = _tags(s3.get_bucket_tagging(Bucket=name)["TagSet"])
        except ClientError:
            tags = {}
        buckets[name] = (
            tags,
            sorted((v["Key"], v["VersionId"], v["ETag"]) for v in versions.get("Versions", [])),
            sorted((m["Key"], m["VersionId"]) for m in versions.get("DeleteMarkers", [])),
        )
    groups = sorted(g["GroupId"] for g in ec2.describe_security_groups()["SecurityGroups"])
    instances = sorted(
        i["InstanceId"]
        for r in ec2.describe_instances()["Reservations"]
        for i in r["Instances"]
        if i["State"]["Name"] != "terminated"
    )
    parameters = sorted(
        p["Name"]
        for p in ssm.get_parameters_by_path(Path="/handson-iam-acceptance/", Recursive=True)[
            "Parameters"
        ]
    )
    return {
        "users": users,
        "roles": roles,
        "profiles": profiles,
        "policies": policies,
        "buckets": buckets,
        "groups": groups,
        "instances": instances,
        "parameters": parameters,
    }
