"""Build what the hands-on builds, registering each piece's teardown the moment it exists."""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from typing import Any

from handson.aws import Credentials, Principal
from handson.cleanup import Cleanup, Stage
from handson.ec2_setup import Network, choose_instance_type, find_network, launch
from handson.emulator import SSM_CORE_POLICY_ARN
from handson.names import RunNames
from handson.passwords import make_password
from handson.phases import Phases
from handson.policies import PolicySet
from handson.removal import (
    delete_bucket,
    delete_policy,
    ignore_gone,
    terminate_instance,
    unless_gone,
)
from handson.state import instance_state
from handson.waiting import Budgets, until

log = logging.getLogger("handson.provision")

AMI_PARAMETER = "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-6.1-x86_64"
INSTANCE_TYPE = "t2.micro"


@dataclass(frozen=True)
class LoginProfile:
    user_name: str
    password: str = field(repr=False)


@dataclass(frozen=True)
class HandsonEnvironment:
    """What one run built, as the hands-on builds it."""

    names: RunNames
    user_arn: str
    user_credentials: Credentials
    login: LoginProfile
    user_policy_arn: str
    role_arn: str
    role_policy_arn: str
    instance_profile_arn: str
    instance_id: str
    ami_id: str
    security_group_id: str
    objects: dict[str, bytes]  # key in bucket 2 -> content the learner uploaded


class Provisioner:
    def __init__(
        self,
        admin: Principal,
        names: RunNames,
        policies: PolicySet,
        cleanup: Cleanup,
        budgets: Budgets,
        phases: Phases | None = None,
        *,
        instance_type: str = INSTANCE_TYPE,
        subnet_id: str | None = None,
        permissions_boundary: str | None = None,
    ) -> None:
        self.boundary = (
            {"PermissionsBoundary": permissions_boundary} if permissions_boundary else {}
        )
        self.phases = phases or Phases()
        self.instance_type = instance_type
        self.subnet_id = subnet_id
        self.admin = admin
        self.names = names
        self.policies = policies
        self.cleanup = cleanup
        self.budgets = budgets
        self.iam = admin.client("iam")
        self.ec2 = admin.client("ec2")
        self.s3 = admin.client("s3")
        self.ssm = admin.client("ssm")

    def build(self) -> HandsonEnvironment:
        """The slow thing first: the instance is launched as soon as its role exists, and the
        rest is built while it boots."""
        with self.phases.timing("IAM and S3 set-up"):
            role_policy_arn = self.create_policy(self.names.role_policy, self.policies.role.text)
            role_arn = self.create_role(role_policy_arn)
            profile_arn = self.create_instance_profile()
        with self.phases.timing("instance launch"):
            network = find_network(self.ec2, self.subnet_id)
            group_id = self.create_security_group(network)
            ami_id = self.latest_ami()
            instance_id = self.launch_instance(ami_id, network, group_id)
        with self.phases.timing("IAM and S3 set-up"):
            user_policy_arn = self.create_policy(self.names.user_policy, self.policies.user.text)
            user_arn, login, credentials = self.create_user(user_policy_arn)
            objects = self.create_buckets()
        with self.phases.timing("instance running"):
            self.wait_running(instance_id)
        return HandsonEnvironment(
            names=self.names,
            user_arn=user_arn,
            user_credentials=credentials,
            login=login,
            user_policy_arn=user_policy_arn,
            role_arn=role_arn,
            role_policy_arn=role_policy_arn,
            instance_profile_arn=profile_arn,
            instance_id=instance_id,
            ami_id=ami_id,
            security_group_id=group_id,
            objects=objects,
        )

    # -- IAM ---------------------------------------------------------------------------------

    def create_policy(self, name: str, text: str) -> str:
        document = json.dumps(json.loads(self.names.render(text)))
        arn = self.iam.create_policy(
            PolicyName=name, PolicyDocument=document, Tags=self.names.tag_list()
        )["Policy"]["Arn"]
        self.cleanup.register(f"IAM policy {name}", lambda: self.delete_policy(arn), Stage.POLICIES)
        return arn

    def delete_policy(self, arn: str) -> None:
        delete_policy(self.iam, arn)

    def create_user(self, policy_arn: str) -> tuple[str, LoginProfile, Credentials]:
        name = self.names.user
        arn = self.iam.create_user(UserName=name, Tags=self.names.tag_list(), **self.boundary)[
            "User"
        ]["Arn"]
        self.cleanup.register(
            f"IAM user {name}",
            lambda: ignore_gone(self.iam.delete_user, UserName=name),
            Stage.USER,
        )
        self.iam.attach_user_policy(UserName=name, PolicyArn=policy_arn)
        self.cleanup.register(
            f"policy attachment {self.names.user_policy} -> {name}",
            lambda: ignore_gone(self.iam.detach_user_policy, UserName=name, PolicyArn=policy_arn),
            Stage.POLICIES,
        )
        password = make_password()
        self.iam.create_login_profile(UserName=name, Password=password, PasswordResetRequired=False)
        self.cleanup.register(
            f"console login profile of {name}",
            lambda: ignore_gone(self.iam.delete_login_profile, UserName=name),
            Stage.CREDENTIALS,
        )
        key = self.iam.create_access_key(UserName=name)["AccessKey"]
        credentials = Credentials(key["AccessKeyId"], key["SecretAccessKey"])
        self.cleanup.register(
            f"access key {key['AccessKeyId']} of {name}",
            lambda: ignore_gone(
                self.iam.delete_access_key, UserName=name, AccessKeyId=key["AccessKeyId"]
            ),
            Stage.CREDENTIALS,
        )
        return arn, LoginProfile(name, password), credentials

    def create_role(self, policy_arn: str) -> str:
        name = self.names.role
        trust = json.dumps(json.loads(self.names.render(self.policies.trust.text)))
        arn = self.iam.create_role(
            RoleName=name,
            AssumeRolePolicyDocument=trust,
            Tags=self.names.tag_list(),
            Description="handson-iam-acceptance: the hands-on's role for EC2",
            **self.boundary,
        )["Role"]["Arn"]
        self.cleanup.register(
            f"IAM role {name}",
            lambda: ignore_gone(self.iam.delete_role, RoleName=name),
            Stage.ROLE,
        )
        for attached in (policy_arn, SSM_CORE_POLICY_ARN):
            self.iam.attach_role_policy(RoleName=name, PolicyArn=attached)
            self.cleanup.register(
                f"policy attachment {attached.split('/')[-1]} -> {name}",
                lambda attached=attached: ignore_gone(
                    self.iam.detach_role_policy, RoleName=name, PolicyArn=attached
                ),
                Stage.POLICIES,
            )
        return arn

    def create_instance_profile(self) -> str:
        name = self.names.instance_profile
        arn = self.iam.create_instance_profile(
            InstanceProfileName=name, Tags=self.names.tag_list()
        )["InstanceProfile"]["Arn"]
        self.cleanup.register(
            f"instance profile {name}",
            lambda: ignore_gone(self.iam.delete_instance_profile, InstanceProfileName=name),
            Stage.PROFILE,
        )
        self.iam.add_role_to_instance_profile(InstanceProfileName=name, RoleName=self.names.role)
        self.cleanup.register(
            f"role {self.names.role} in instance profile {name}",
            lambda: ignore_gone(
                self.iam.remove_role_from_instance_profile,
                InstanceProfileName=name,
                RoleName=self.names.role,
            ),
            Stage.PROFILE_MEMBERSHIP,
        )
        return arn

    # -- S3 ----------------------------------------------------------------------------------

    def create_bucket(self, bucket: str) -> None:
        params: dict[str, Any] = {"Bucket": bucket}
        if self.admin.region != "us-east-1":
            params["CreateBucketConfiguration"] = {"LocationConstraint": self.admin.region}
        self.s3.create_bucket(**params)
        self.cleanup.register(
            f"S3 bucket {bucket}", lambda: self.delete_bucket(bucket), Stage.BUCKETS
        )
        self.tag_bucket(bucket)

    def tag_bucket(self, bucket: str) -> None:
        ignore_gone(
            self.s3.put_bucket_tagging, Bucket=bucket, Tagging={"TagSet": self.names.tag_list()}
        )

    def delete_bucket(self, bucket: str) -> None:
        delete_bucket(self.s3, bucket)

    def create_buckets(self) -> dict[str, bytes]:
        self.create_bucket(self.names.bucket1)
        self.create_bucket(self.names.bucket2)
        sample = self.names.sample_file
        objects = {
            f"open/{sample}": f"open file of run {self.names.suffix}\n".encode(),
            f"close/{sample}": f"close file of run {self.names.suffix}\n".encode(),
            # Not in the hands-on: R6 also reads at the bucket root, and a denied read must
            # target an object that exists (verdict rule 4).
            sample: f"root file of run {self.names.suffix}\n".encode(),
        }
        for key, body in objects.items():
            self.s3.put_object(Bucket=self.names.bucket2, Key=key, Body=body)
        return objects

    # -- EC2 ---------------------------------------------------------------------------------

    def latest_ami(self) -> str:
        return str(self.ssm.get_parameter(Name=AMI_PARAMETER)["Parameter"]["Value"])

    def create_security_group(self, network: Network) -> str:
        """The run's own group: no inbound rule at all; outbound open, as SSM needs."""
        name = self.names.security_group
        group_id = str(
            self.ec2.create_security_group(
                GroupName=name,
                VpcId=network.vpc_id,
                Description="handson-iam-acceptance: no inbound access",
                TagSpecifications=[
                    {"ResourceType": "security-group", "Tags": self.names.tag_list(Name=name)}
                ],
            )["GroupId"]
        )
        self.cleanup.register(
            f"security group {name} ({group_id})",
            lambda: ignore_gone(self.ec2.delete_security_group, GroupId=group_id),
            Stage.SECURITY_GROUP,
        )
        return group_id

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
        reservation = launch(self.ec2, params, budget=self.budgets.propagation)
        instance_id = str(reservation["Instances"][0]["InstanceId"])
        self.cleanup.register(
            f"EC2 instance {instance_id}", lambda: self.terminate(instance_id), Stage.INSTANCE
        )
        return instance_id

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
        terminate_instance(self.ec2, instance_id, budget=self.budgets.resource_gone)


def leftovers(admin: Principal, names: RunNames) -> list[str]:
    """Everything of this run that still exists, by name and by the run's tag."""
    iam, s3, ec2 = admin.client("iam"), admin.client("s3"), admin.client("ec2")
    found = []
    probes = [
        (f"IAM user {names.user}", lambda: iam.get_user(UserName=names.user)),
        (f"IAM role {names.role}", lambda: iam.get_role(RoleName=names.role)),
        (
            f"instance profile {names.instance_profile}",
            lambda: iam.get_instance_profile(InstanceProfileName=names.instance_profile),
        ),
    ]
    for bucket in (names.bucket1, names.bucket2, names.scratch_bucket):
        probes.append((f"S3 bucket {bucket}", lambda bucket=bucket: s3.head_bucket(Bucket=bucket)))
    found += [label for label, probe in probes if unless_gone(probe) is not None]
    local = iam.get_paginator("list_policies").paginate(Scope="Local")
    mine = {names.user_policy, names.role_policy}
    found += [
        f"IAM policy {p['PolicyName']}"
        for page in local
        for p in page["Policies"]
        if p["PolicyName"] in mine
    ]
    groups = ec2.describe_security_groups(
        Filters=[{"Name": "tag:handson:run", "Values": [names.suffix]}]
    )["SecurityGroups"]
    found += [f"security group {g['GroupName']} ({g['GroupId']})" for g in groups]
    reservations = ec2.describe_instances(
        Filters=[{"Name": "tag:handson:run", "Values": [names.suffix]}]
    )["Reservations"]
    found += [
        f"EC2 instance {i['InstanceId']} ({i['State']['Name']})"
        for r in reservations
        for i in r["Instances"]
        if i["State"]["Name"] != "terminated"
    ]
    return found
