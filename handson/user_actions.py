"""What the IAM user tries in the console, as the API calls the console makes."""

from __future__ import annotations

from collections.abc import Callable
from enum import Enum
from typing import Protocol

from handson.aws import Principal
from handson.environment import HandsonEnvironment
from handson.names import INSTANCE_TYPE
from handson.probe_calls import api_probe
from handson.probes import Probe, ProbeResult
from handson.verdict import Outcome


def bucket_arn(bucket: str, key: str | None = None) -> str:
    return f"arn:aws:s3:::{bucket}" + (f"/{key}" if key is not None else "")


class BucketOwner(Protocol):
    def users_bucket_coming(self, bucket: str) -> None:
        """Before the user's call: a bucket it may make (its answer lost, a Ctrl-C before the
        answer is read) is removed at the end if it is then as S3 makes one, empty."""
        ...

    def own_users_bucket(self, bucket: str, created: bool) -> None:
        """Make a bucket the user's call created the run's: removed at the end whatever happens."""
        ...

    def users_bucket_removed(self, bucket: str) -> None:
        """The user's own call removed it: nothing of it is left to remove, or to name as left
        (--keep)."""
        ...


def s3_round_trip(
    user: Principal, bucket: str, key: str, provisioner: BucketOwner
) -> list[tuple[Probe, Callable[[ProbeResult], None] | None]]:
    """U2: create a bucket, upload and delete a file, delete the bucket, in that order.

    Each probe comes with what to do once it has run: a bucket the user's call created is the
    run's from that moment (teardown registered, the run's tags put on it), so a failed deletion
    still leaves nothing behind; one the user's call deleted is no longer the teardown's (the
    leak check still looks for it). Before any of them, the bucket the first may make is the
    teardown's while it is as S3 makes one (``users_bucket_coming``).
    """
    provisioner.users_bucket_coming(bucket)
    s3 = user.client("s3")
    create: dict[str, object] = {"Bucket": bucket}
    if user.region != "us-east-1":
        create["CreateBucketConfiguration"] = {"LocationConstraint": user.region}
    return [
        (
            api_probe(
                s3, "create_bucket", create, action="s3:CreateBucket", resource=bucket_arn(bucket)
            ),
            lambda result: provisioner.own_users_bucket(bucket, result.outcome is Outcome.ALLOWED),
        ),
        (
            api_probe(
                s3,
                "put_object",
                {"Bucket": bucket, "Key": key, "Body": b"test\n"},
                action="s3:PutObject",
                resource=bucket_arn(bucket, key),
            ),
            None,
        ),
        (
            api_probe(
                s3,
                "delete_object",
                {"Bucket": bucket, "Key": key},
                action="s3:DeleteObject",
                resource=bucket_arn(bucket, key),
            ),
            None,
        ),
        (
            api_probe(
                s3,
                "delete_bucket",
                {"Bucket": bucket},
                action="s3:DeleteBucket",
                resource=bucket_arn(bucket),
            ),
            lambda result: (
                provisioner.users_bucket_removed(bucket)
                if result.outcome is Outcome.ALLOWED
                else None
            ),
        ),
    ]


def instance_arn(user: Principal, env: HandsonEnvironment) -> str:
    """The ARN IAM decides a call on the instance for: in the user's account and region."""
    account = env.user_arn.split(":")[4]
    return f"arn:aws:ec2:{user.region}:{account}:instance/{env.instance_id}"


def list_instances(user: Principal, env: HandsonEnvironment) -> Probe:
    """U3's first call: the console's instance list, where the learner finds handson-instance to
    start it (``ec2:DescribeInstances``, which acts on no one resource: IAM decides it on ``*``).
    Filtered to the instance rather than naming it: an instance launched moments ago may be
    unknown to EC2 by its ID for a while (``InvalidInstanceID.NotFound``), and is then only
    missing from a filtered list."""
    return api_probe(
        user.client("ec2"),
        "describe_instances",
        {"Filters": [{"Name": "instance-id", "Values": [env.instance_id]}]},
        action="ec2:DescribeInstances",
        resource="*",
    )


def start_instance(user: Principal, env: HandsonEnvironment) -> Probe:
    return api_probe(
        user.client("ec2"),
        "start_instances",
        {"InstanceIds": [env.instance_id], "DryRun": True},
        action="ec2:StartInstances",
        resource=instance_arn(user, env),
    )


class Ec2Operation(Enum):
    """U4's console operations on EC2: (method, IAM action)."""

    RUN = ("run_instances", "ec2:RunInstances")
    STOP = ("stop_instances", "ec2:StopInstances")
    TERMINATE = ("terminate_instances", "ec2:TerminateInstances")


class IamListing(Enum):
    """U5: the IAM console's lists: (method, IAM action)."""

    POLICIES = ("list_policies", "iam:ListPolicies")
    USERS = ("list_users", "iam:ListUsers")


def ec2_operation(user: Principal, env: HandsonEnvironment, operation: Ec2Operation) -> Probe:
    """U4's console operations on EC2, as DryRun calls (verdict rule 6)."""
    method, action = operation.value
    if operation is Ec2Operation.RUN:
        params: dict[str, object] = {
            "ImageId": env.ami_id,
            "InstanceType": INSTANCE_TYPE,
            "MinCount": 1,
            "MaxCount": 1,
            "DryRun": True,
        }
        resource = "*"  # a new instance, of several resources (docs/architecture.md)
    else:
        params = {"InstanceIds": [env.instance_id], "DryRun": True}
        resource = instance_arn(user, env)
    return api_probe(user.client("ec2"), method, params, action=action, resource=resource)


def iam_listing(user: Principal, listing: IamListing) -> Probe:
    """U5: the IAM console's lists."""
    method, action = listing.value
    return api_probe(user.client("iam"), method, {}, action=action, resource="*")
