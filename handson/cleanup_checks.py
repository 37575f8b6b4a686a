"""C1-C5, the hands-on's 片付け as checks: what of the hands-on an account still holds, read-only,
each with why it matters. ``handson cleanup`` runs them after it deleted; ``pytest features/
--target existing --cleanup`` runs them as the scenarios of features/cleanup.feature."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

from handson.cleanup_plan import (
    ROLE,
    bucket_names,
    hands_on_instances,
    hands_on_policies,
    state_of,
)
from handson.discovery import USER
from handson.discovery_near import in_other_regions
from handson.i18n import t
from handson.snapshot import unless_gone

CHECKPOINTS = ("C1", "C2", "C3", "C4", "C5")


def instance_left(ec2: Any, ec2_in: Callable[[str], Any] | None = None) -> list[str]:
    """C1: every instance tagged handson-instance that is not terminated (stopped still bills),
    in the run's region and, with ``ec2_in`` (an EC2 client in a region), in the account's other
    regions, where an instance built with the console left in another one bills all the same."""
    here, elsewhere = instances_left(ec2, ec2_in)
    return here + instances_in(elsewhere)


def instances_left(
    ec2: Any, ec2_in: Callable[[str], Any] | None
) -> tuple[list[str], dict[str, list[dict[str, Any]]]]:
    """C1's lines of the run's region, and the hands-on's instances in the other regions (with
    ``ec2_in``), by region: a command typed in the run's region does not reach those."""
    here = [
        t("cleanup.left.instance", id=i["InstanceId"], state=state_of(i))
        for i in hands_on_instances(ec2)
    ]
    return here, in_other_regions(ec2, ec2_in, hands_on_instances) if ec2_in else {}


def instances_in(elsewhere: dict[str, list[dict[str, Any]]]) -> list[str]:
    """C1's line for each instance left in another region, by region (in_other_regions')."""
    return [
        t("cleanup.left.instance_in", id=i["InstanceId"], state=state_of(i), region=region)
        for region, instances in elsewhere.items()
        for i in instances
    ]


def buckets_left(s3: Any, name: str | None) -> list[str]:
    """C2: every handson-s3-1-<name> / handson-s3-2-<name> bucket (any name without ``name``)."""
    return [
        t("cleanup.left.bucket", bucket=f"handson-s3-{number}-{suffix}")
        for suffix, numbers in sorted(bucket_names(s3, name).items())
        for number in sorted(numbers)
    ]


def role_left(iam: Any) -> list[str]:
    """C3: the role handson-iam-role, and an instance profile of that name."""
    left = []
    if unless_gone(lambda: iam.get_role(RoleName=ROLE)) is not None:
        left.append(t("cleanup.left.role", role=ROLE))
    if unless_gone(lambda: iam.get_instance_profile(InstanceProfileName=ROLE)) is not None:
        left.append(t("cleanup.left.profile", profile=ROLE))
    return left


def user_left(iam: Any) -> list[str]:
    """C4: the user handson-iam-user."""
    if unless_gone(lambda: iam.get_user(UserName=USER)) is None:
        return []
    return [t("cleanup.left.user", user=USER)]


def policies_left(iam: Any) -> list[str]:
    """C5: handson-iam-user-policy and handson-iam-role-policy, in any version."""
    left = []
    for policy in hands_on_policies(iam):
        answer = unless_gone(partial(iam.list_policy_versions, PolicyArn=policy["Arn"]))
        versions = [] if answer is None else answer["Versions"]
        left.append(t("cleanup.left.policy", policy=policy["PolicyName"], versions=len(versions)))
    return left


def left_over(iam: Any, s3: Any, name: str | None, instances: list[str]) -> dict[str, list[str]]:
    """Each of C1-C5 with what is left of it (C1's, ``instances``, as instance_left says them):
    an empty list is a check that passed."""
    return {
        "C1": instances,
        "C2": buckets_left(s3, name),
        "C3": role_left(iam),
        "C4": user_left(iam),
        "C5": policies_left(iam),
    }
