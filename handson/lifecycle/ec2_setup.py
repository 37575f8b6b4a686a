"""EC2 the way AWS wants it: a network for the instance, an instance type the account may use,
and a launch that waits out IAM's propagation of a new instance profile."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from botocore.exceptions import ClientError

from handson.errors import SuiteUsageError
from handson.i18n import t
from handson.waiting import retrying_on

# t2.micro is the hands-on's choice; accounts made after 2025-07-15 get t3.micro free instead.
PREFERRED_TYPES = ("t2.micro", "t3.micro")


@dataclass(frozen=True)
class Network:
    vpc_id: str
    subnet_id: str | None  # None: the default VPC's default subnet for the AZ AWS picks


def find_network(ec2: Any, subnet_id: str | None) -> Network:
    """The given subnet's VPC, or the default VPC; a clear error when there is neither."""
    if subnet_id:
        try:
            subnets = ec2.describe_subnets(SubnetIds=[subnet_id])["Subnets"]
        except ClientError as exc:
            code = exc.response["Error"]["Code"]
            raise SuiteUsageError(t("ec2.subnet", subnet=subnet_id, code=code)) from None
        return Network(str(subnets[0]["VpcId"]), subnet_id)
    vpcs = ec2.describe_vpcs(Filters=[{"Name": "isDefault", "Values": ["true"]}])["Vpcs"]
    if not vpcs:
        raise SuiteUsageError(t("ec2.no_default_vpc"))
    return Network(str(vpcs[0]["VpcId"]), None)


def choose_instance_type(ec2: Any, requested: str) -> str:
    """``auto``: t2.micro where it is offered and free-tier eligible, else t3.micro."""
    if requested != "auto":
        return requested
    eligible: set[str] = set()
    pages = ec2.get_paginator("describe_instance_types").paginate(
        Filters=[{"Name": "free-tier-eligible", "Values": ["true"]}]
    )
    for page in pages:
        eligible.update(t["InstanceType"] for t in page["InstanceTypes"])
    offered = {
        o["InstanceType"]
        for o in ec2.describe_instance_type_offerings(
            LocationType="region",
            Filters=[{"Name": "instance-type", "Values": list(PREFERRED_TYPES)}],
        )["InstanceTypeOfferings"]
    }
    for candidate in PREFERRED_TYPES:
        if candidate in eligible and candidate in offered:
            return candidate
    raise SuiteUsageError(t("ec2.no_free_type"))


class ProfileNotYetUsable(Exception):
    """EC2 does not know the new instance profile yet (IAM propagation)."""


def is_profile_propagation(exc: ClientError) -> bool:
    error = exc.response.get("Error", {})
    # This one is told apart by its message: the code is shared by every bad parameter.
    return (
        error.get("Code") == "InvalidParameterValue"
        and "iam instance profile" in str(error.get("Message", "")).lower()
    )


def launch(ec2: Any, params: dict[str, Any], *, budget: float) -> dict[str, Any]:
    """RunInstances, retried while EC2 answers "Invalid IAM Instance Profile"."""

    def attempt() -> dict[str, Any]:
        try:
            return dict(ec2.run_instances(**params))
        except ClientError as exc:
            if is_profile_propagation(exc):
                raise ProfileNotYetUsable(str(exc)) from exc
            raise

    return retrying_on(
        attempt, (ProfileNotYetUsable,), budget=budget, what="the new instance profile to reach EC2"
    )
