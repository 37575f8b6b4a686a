"""EC2 as the hands-on builds it, the way AWS wants it: a network for the instance (the given
subnet or the default VPC), an instance type the account may use, the run's security group with
no inbound rule, and a launch that waits out IAM's propagation of a new instance profile."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from botocore.exceptions import ClientError

from handson.errors import SuiteUsageError
from handson.i18n import t
from handson.lifecycle import labels
from handson.lifecycle.order import Kind, Stage
from handson.lifecycle.ownership import GROUP
from handson.lifecycle.provision_base import Provisioning, log
from handson.lifecycle.removal import delete_security_group, terminate_instance
from handson.names import AMI_PARAMETER, AUTO_TYPE, INSTANCE_TYPE, TAG_RUN
from handson.snapshot import LIVE_INSTANCE_STATES, instance_state
from handson.waiting import retrying_on, until

# t2.micro is the hands-on's choice; accounts made after 2025-07-15 get t3.micro free instead.
PREFERRED_TYPES = (INSTANCE_TYPE, "t3.micro")


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
    if requested != AUTO_TYPE:
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


class Ec2Provisioning(Provisioning):
    def latest_ami(self) -> str:
        return str(self.ssm.get_parameter(Name=AMI_PARAMETER)["Parameter"]["Value"])

    def create_security_group(self, network: Network) -> str:
        """The run's own group: no inbound rule at all; outbound open, as SSM needs."""
        name = self.names.security_group
        return self.create_owned(
            GROUP,
            name,
            lambda: str(
                self.ec2.create_security_group(
                    GroupName=name,
                    VpcId=network.vpc_id,
                    Description="handson-iam-acceptance: no inbound access",
                    TagSpecifications=[
                        {"ResourceType": "security-group", "Tags": self.names.tag_list(Name=name)}
                    ],
                )["GroupId"]
            ),
            lambda n: self.ownership.security_group(n, network.vpc_id),
            lambda group_id: delete_security_group(
                self.ec2, group_id, budget=self.budgets.transient
            ),
            Stage.SECURITY_GROUP,
        )

    def launch_instance(self, ami_id: str, network: Network, group_id: str) -> str:
        tags = self.names.tag_list(Name=self.names.instance_name)
        params: dict[str, Any] = {
            "ImageId": ami_id,
            "InstanceType": choose_instance_type(self.ec2, self.instance_type),
            "MinCount": 1,
            "MaxCount": 1,
            "IamInstanceProfile": {"Name": self.names.instance_profile},
            "MetadataOptions": {"HttpTokens": "required", "HttpEndpoint": "enabled"},
            "SecurityGroupIds": [group_id],
            "TagSpecifications": [
                {"ResourceType": "instance", "Tags": tags},
                {"ResourceType": "volume", "Tags": tags},
            ],
        }
        if network.subnet_id:
            params["SubnetId"] = network.subnet_id
        try:
            reservation = launch(self.ec2, params, budget=self.budgets.propagation)
        except BaseException:
            # An instance launched by a call whose answer never came carries the run's tag.
            for found in self._run_instances_after_failure():
                self._own_instance(found)
            raise
        instance_id = str(reservation["Instances"][0]["InstanceId"])
        self._own_instance(instance_id)
        return instance_id

    def _own_instance(self, instance_id: str) -> None:
        self.cleanup.register(
            labels.named(Kind.INSTANCE, instance_id),
            lambda: self.terminate(instance_id),
            Stage.INSTANCE,
        )

    def _run_instances_after_failure(self) -> list[str]:
        try:
            return run_instances(self.ec2, self.names.run_id)
        except Exception as exc:  # noqa: BLE001 - the launch's own error is the one to report
            log.warning(t("provision.instances_not_looked_up", error=exc))
            return []

    def wait_running(self, instance_id: str) -> None:
        until(
            lambda: self.instance_state(instance_id),
            lambda s: s == "running",
            budget=self.budgets.instance_ready,
            what=f"{instance_id} to be running",
            max_interval=5,
        )

    def instance_state(self, instance_id: str) -> str:
        return instance_state(self.ec2, instance_id)

    def terminate(self, instance_id: str) -> None:
        """This instance, and any other the run's tag marks as this run's (a launch whose answer
        was lost and that botocore sent again)."""
        for found in {instance_id, *run_instances(self.ec2, self.names.run_id)}:
            terminate_instance(
                self.ec2,
                found,
                budget=self.budgets.resource_gone,
                resend_budget=self.budgets.transient,
            )


def run_instances(ec2: Any, run_id: str) -> list[str]:
    """Instances that carry the run's tag and are not terminated."""
    reservations = ec2.describe_instances(
        Filters=[
            {"Name": f"tag:{TAG_RUN}", "Values": [run_id]},
            {"Name": "instance-state-name", "Values": list(LIVE_INSTANCE_STATES)},
        ]
    )["Reservations"]
    return [str(i["InstanceId"]) for r in reservations for i in r["Instances"]]
