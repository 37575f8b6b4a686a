"""Removing the suite's resources: one place for the teardown and the sweeper alike.

Every function treats "already gone" as done, so that it can run again after any failure.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from botocore.exceptions import ClientError

from handson.state import instance_state
from handson.waiting import until

GONE_CODES = frozenset(
    {
        "NoSuchEntity",
        "NoSuchBucket",
        "InvalidInstanceID.NotFound",
        "InvalidGroup.NotFound",
        "NotFound",
        "NoSuchBucketPolicy",  # read by the snapshot of a learner's account (handson/snapshot.py)
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


def ignore_gone(call: Any, *args: Any, **kwargs: Any) -> None:
    """Run a removal call; a resource that is already gone counts as removed."""
    unless_gone(lambda: call(*args, **kwargs))


def terminate_instance(ec2: Any, instance_id: str, *, budget: float) -> None:
    ignore_gone(ec2.terminate_instances, InstanceIds=[instance_id])
    until(
        lambda: instance_state(ec2, instance_id),
        lambda s: s == "terminated",
        budget=budget,
        what=f"{instance_id} to terminate",
        max_interval=10,
    )


def delete_bucket(s3: Any, bucket: str) -> None:
    """Empty the bucket, every object version and delete marker included, then delete it."""

    def empty() -> bool:
        for page in s3.get_paginator("list_object_versions").paginate(Bucket=bucket):
            doomed = [
                {"Key": v["Key"], "VersionId": v["VersionId"]}
                for v in page.get("Versions", []) + page.get("DeleteMarkers", [])
            ]
            if doomed:
                s3.delete_objects(Bucket=bucket, Delete={"Objects": doomed})
        return True

    if unless_gone(empty):
        ignore_gone(s3.delete_bucket, Bucket=bucket)


def delete_policy(iam: Any, arn: str) -> None:
    """Detach a customer managed policy from everything, delete its versions, then it."""
    listed = unless_gone(
        lambda: (
            iam.list_entities_for_policy(PolicyArn=arn),
            iam.list_policy_versions(PolicyArn=arn)["Versions"],
        )
    )
    if listed is None:
        return
    entities, versions = listed
    for user in entities.get("PolicyUsers", []):
        ignore_gone(iam.detach_user_policy, UserName=user["UserName"], PolicyArn=arn)
    for role in entities.get("PolicyRoles", []):
        ignore_gone(iam.detach_role_policy, RoleName=role["RoleName"], PolicyArn=arn)
    for group in entities.get("PolicyGroups", []):
        ignore_gone(iam.detach_group_policy, GroupName=group["GroupName"], PolicyArn=arn)
    for version in versions:
        if not version["IsDefaultVersion"]:
            ignore_gone(iam.delete_policy_version, PolicyArn=arn, VersionId=version["VersionId"])
    ignore_gone(iam.delete_policy, PolicyArn=arn)


def delete_instance_profile(iam: Any, name: str) -> None:
    profile = unless_gone(
        lambda: iam.get_instance_profile(InstanceProfileName=name)["InstanceProfile"]
    )
    if profile is None:
        return
    for role in profile.get("Roles", []):
        ignore_gone(
            iam.remove_role_from_instance_profile,
            InstanceProfileName=name,
            RoleName=role["RoleName"],
        )
    ignore_gone(iam.delete_instance_profile, InstanceProfileName=name)


def delete_role(iam: Any, name: str) -> None:
    listed = unless_gone(
        lambda: (
            iam.list_instance_profiles_for_role(RoleName=name)["InstanceProfiles"],
            iam.list_attached_role_policies(RoleName=name)["AttachedPolicies"],
            iam.list_role_policies(RoleName=name)["PolicyNames"],
        )
    )
    if listed is None:
        return
    profiles, attached, inline = listed
    for profile in profiles:
        ignore_gone(
            iam.remove_role_from_instance_profile,
            InstanceProfileName=profile["InstanceProfileName"],
            RoleName=name,
        )
    for policy in attached:
        ignore_gone(iam.detach_role_policy, RoleName=name, PolicyArn=policy["PolicyArn"])
    for policy_name in inline:
        ignore_gone(iam.delete_role_policy, RoleName=name, PolicyName=policy_name)
    ignore_gone(iam.delete_role, RoleName=name)


def delete_user(iam: Any, name: str) -> None:
    listed = unless_gone(
        lambda: (
            iam.list_access_keys(UserName=name)["AccessKeyMetadata"],
            iam.list_attached_user_policies(UserName=name)["AttachedPolicies"],
            iam.list_user_policies(UserName=name)["PolicyNames"],
        )
    )
    if listed is None:
        return
    keys, attached, inline = listed
    for key in keys:
        ignore_gone(iam.delete_access_key, UserName=name, AccessKeyId=key["AccessKeyId"])
    ignore_gone(iam.delete_login_profile, UserName=name)
    for policy in attached:
        ignore_gone(iam.detach_user_policy, UserName=name, PolicyArn=policy["PolicyArn"])
    for policy_name in inline:
        ignore_gone(iam.delete_user_policy, UserName=name, PolicyName=policy_name)
    ignore_gone(iam.delete_user, UserName=name)
