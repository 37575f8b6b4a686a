"""The hands-on built as a person builds it in the console, with the console's fixed names
(issue 12): for discovery and for ``--target existing`` to find, grade and leave as it was."""

from __future__ import annotations

import contextlib
import json
import time
from collections.abc import Callable
from functools import partial
from typing import Any

from botocore.exceptions import ClientError

from handson.aws import Principal
from handson.discovery import INSTANCE_TAG, USER
from handson.lifecycle.removal import delete_bucket, delete_user
from handson.mfa_session import codes
from handson.names import AMI_PARAMETER, INSTANCE_TYPE, PLACEHOLDER, SSM_CORE_POLICY_ARN
from handson.policies import ROLE_POLICY_FILE, SEED_DIR, TRUST_POLICY_FILE, USER_POLICY_FILE
from handson.targets import ssm_agent
from handson.targets.emulator_ec2 import instance_credentials

NAME = "taro-byhand"
# The deny of AWS's sample policy that holds a user to MFA (IAM User Guide, "Allows
# MFA-authenticated IAM users to manage their own MFA device"): without MFA, everything but
# managing one's own device is denied.
DENY_WITHOUT_MFA = {
    "Sid": "DenyAllExceptListedIfNoMFA",
    "Effect": "Deny",
    "NotAction": [
        "iam:CreateVirtualMFADevice",
        "iam:EnableMFADevice",
        "iam:GetUser",
        "iam:ListMFADevices",
        "iam:ListVirtualMFADevices",
        "iam:ResyncMFADevice",
        "sts:GetSessionToken",
    ],
    "Resource": "*",
    "Condition": {"BoolIfExists": {"aws:MultiFactorAuthPresent": "false"}},
}
SSH_KEY = "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQC7 taro@laptop"  # a key's body, as uploaded
ROLE = "handson-iam-role"


def seed(file: str, name: str = NAME) -> str:
    return (SEED_DIR / file).read_text("utf-8").replace(PLACEHOLDER, name)


def assign_mfa_device(iam: Any, user: str) -> str:
    """A virtual MFA device assigned to ``user``, as the console's "Assign MFA device" makes it
    (named after the user); its serial number."""
    made = iam.create_virtual_mfa_device(VirtualMFADeviceName=user)["VirtualMFADevice"]
    serial = str(made["SerialNumber"])
    # Two consecutive codes of the device's authenticator, as the console asks for them (the
    # emulator checks them as IAM does: handson/targets/moto_sessions.py).
    first, second, _ = codes(made["Base32StringSeed"].decode("ascii"), time.time())
    iam.enable_mfa_device(
        UserName=user,
        SerialNumber=serial,
        AuthenticationCode1=first,
        AuthenticationCode2=second,
    )
    return serial


class HandBuilt:
    """The hands-on built as a person builds it in the console; removed afterwards."""

    def __init__(self, admin: Principal, name: str = NAME) -> None:
        self.admin = admin
        self.name = name  # the learner's <自分の名前>, in their buckets and policies
        self.iam, self.ec2, self.s3 = (admin.client(s) for s in ("iam", "ec2", "s3"))
        self.ssm = admin.client("ssm")
        self.region = admin.region
        self.undo: list[Callable[[], Any]] = []
        self.ssh_key: str | None = None  # the learner's user's, in build_with_extras

    def build(
        self,
        *,
        instances: int = 1,
        extra_pair: str | None = None,
        role_policy: str | None = None,
        login_profile: bool = True,
        ssm_core: bool = True,
        profile: bool = True,
        instance_region: str | None = None,
        instance_type: str = INSTANCE_TYPE,
        agent: bool = True,
        subnet: str | None = None,
    ) -> None:
        iam = self.iam
        user_policy = iam.create_policy(
            PolicyName="handson-iam-user-policy", PolicyDocument=seed(USER_POLICY_FILE, self.name)
        )["Policy"]["Arn"]
        self.undo.append(lambda: iam.delete_policy(PolicyArn=user_policy))
        iam.create_user(UserName=USER)
        self.undo.append(lambda: delete_user(iam, USER))
        iam.attach_user_policy(UserName=USER, PolicyArn=user_policy)
        if login_profile:
            iam.create_login_profile(UserName=USER, Password="Handson-by-hand-1!")
        role_arn = iam.create_policy(
            PolicyName="handson-iam-role-policy",
            PolicyDocument=role_policy or seed(ROLE_POLICY_FILE, self.name),
        )["Policy"]["Arn"]
        self.undo.append(lambda: iam.delete_policy(PolicyArn=role_arn))
        trust = seed(TRUST_POLICY_FILE, self.name)
        iam.create_role(RoleName=ROLE, AssumeRolePolicyDocument=trust)
        self.undo.append(lambda: iam.delete_role(RoleName=ROLE))
        for arn in (role_arn, *([SSM_CORE_POLICY_ARN] if ssm_core else [])):
            iam.attach_role_policy(RoleName=ROLE, PolicyArn=arn)
            self.undo.append(partial(iam.detach_role_policy, RoleName=ROLE, PolicyArn=arn))
        iam.create_instance_profile(InstanceProfileName=ROLE)
        self.undo.append(lambda: iam.delete_instance_profile(InstanceProfileName=ROLE))
        iam.add_role_to_instance_profile(InstanceProfileName=ROLE, RoleName=ROLE)
        self.undo.append(
            lambda: iam.remove_role_from_instance_profile(InstanceProfileName=ROLE, RoleName=ROLE)
        )
        if instances:
            self.instances(
                instances,
                profile=profile,
                region=instance_region,
                kind=instance_type,
                agent=agent,
                subnet=subnet,
            )
        for name in (self.name, *([extra_pair] if extra_pair else [])):
            for number in (1, 2):
                self.bucket(f"handson-s3-{number}-{name}")
        for key in ("open/memo.txt", "close/secret.txt"):
            self.s3.put_object(Bucket=f"handson-s3-2-{self.name}", Key=key, Body=b"by hand")

    def instances(
        self,
        count: int,
        *,
        profile: bool = True,
        region: str | None = None,
        kind: str = INSTANCE_TYPE,
        agent: bool = True,
        subnet: str | None = None,
    ) -> None:
        """``count`` instances tagged as the hands-on's; ``profile``: with the role attached
        (the hands-on's step 10, which a learner may skip); ``region``: another region than the
        admin's (a console left in the region it was last in); ``kind``: their type (a region
        without the hands-on's t2.micro has a learner choose another); ``agent``: their SSM
        agent registers as it does at boot with the role's credentials (SSM then lists each
        Online where the role allows its calls; without it, as one that never reaches SSM);
        ``subnet``: launched there (else in the default VPC's, as the console does)."""
        where = self.admin.in_region(region) if region else self.admin
        ec2 = where.client("ec2")
        image = where.client("ssm").get_parameter(Name=AMI_PARAMETER)["Parameter"]["Value"]
        made = ec2.run_instances(
            ImageId=image,
            InstanceType=kind,
            MinCount=count,
            MaxCount=count,
            **({"IamInstanceProfile": {"Name": ROLE}} if profile else {}),
            **({"SubnetId": subnet} if subnet else {}),
            TagSpecifications=[
                {"ResourceType": "instance", "Tags": [{"Key": "Name", "Value": INSTANCE_TAG}]}
            ],
        )
        ids = [i["InstanceId"] for i in made["Instances"]]
        self.undo.append(lambda: ec2.terminate_instances(InstanceIds=ids))
        for instance_id in ids if profile and agent else []:
            issued = instance_credentials(where, instance_id)
            if issued.credentials is not None and where.endpoint_url:
                ssm_agent.start(where.endpoint_url, where.region, issued.credentials, instance_id)

    def private_subnet(self) -> tuple[str, str]:
        """A subnet of the default VPC whose route table of its own leads nowhere out of the VPC
        (a learner's "private subnet"), removed afterwards: its ID and its route table's."""
        ec2 = self.ec2
        default = [{"Name": "is-default", "Values": ["true"]}]
        vpc = ec2.describe_vpcs(Filters=default)["Vpcs"][0]["VpcId"]
        subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="172.31.200.0/24")["Subnet"]["SubnetId"]
        self.undo.append(lambda: ec2.delete_subnet(SubnetId=subnet))
        table = ec2.create_route_table(VpcId=vpc)["RouteTable"]["RouteTableId"]
        self.undo.append(lambda: ec2.delete_route_table(RouteTableId=table))
        joined = ec2.associate_route_table(RouteTableId=table, SubnetId=subnet)["AssociationId"]
        self.undo.append(lambda: ec2.disassociate_route_table(AssociationId=joined))
        return subnet, table

    def build_with_mistakes(self) -> set[str]:
        """Four mistakes a learner makes, each in one checkpoint; the checkpoints they break.

        No console password (U1); a group of the user's own allowing iam:ListUsers (U5); the
        role without AmazonSSMManagedInstanceCore (R1); ``open/`` without ``/*`` (R4)."""
        document = json.loads(seed(ROLE_POLICY_FILE, self.name))
        for statement in document["Statement"]:
            if statement["Sid"] == "ForS32OpenGet":
                statement["Resource"] = [r.removesuffix("/*") for r in statement["Resource"]]
        self.build(role_policy=json.dumps(document), login_profile=False, ssm_core=False)
        iam = self.iam
        iam.create_group(GroupName="handson-team")
        self.undo.append(lambda: iam.delete_group(GroupName="handson-team"))
        iam.add_user_to_group(GroupName="handson-team", UserName=USER)
        self.undo.append(
            lambda: iam.remove_user_from_group(GroupName="handson-team", UserName=USER)
        )
        listing = {
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": "iam:ListUsers", "Resource": "*"}],
        }
        iam.put_group_policy(
            GroupName="handson-team", PolicyName="see-users", PolicyDocument=json.dumps(listing)
        )
        self.undo.append(
            lambda: iam.delete_group_policy(GroupName="handson-team", PolicyName="see-users")
        )
        return {"U1", "U5", "R1", "R4"}

    def build_with_extras(self) -> None:
        """The hands-on as it should be, in an account that holds other people's things too:
        an admin user, a role, an instance, a bucket of the same prefix and more files."""
        self.build()
        iam, s3 = self.iam, self.s3
        iam.create_user(UserName="someone-else")
        self.undo.append(lambda: delete_user(iam, "someone-else"))
        iam.attach_user_policy(
            UserName="someone-else", PolicyArn="arn:aws:iam::aws:policy/AdministratorAccess"
        )
        iam.create_role(RoleName="lambda-role", AssumeRolePolicyDocument=seed(TRUST_POLICY_FILE))
        self.undo.append(lambda: iam.delete_role(RoleName="lambda-role"))
        image = self.ssm.get_parameter(Name=AMI_PARAMETER)["Parameter"]["Value"]
        made = self.ec2.run_instances(
            ImageId=image,
            InstanceType=INSTANCE_TYPE,
            MinCount=1,
            MaxCount=1,
            TagSpecifications=[
                {"ResourceType": "instance", "Tags": [{"Key": "Name", "Value": "web-server"}]}
            ],
        )
        other = made["Instances"][0]["InstanceId"]
        self.undo.append(lambda: self.ec2.terminate_instances(InstanceIds=[other]))
        self.bucket("handson-s3-1-jiro-byhand")  # half a pair: not a candidate
        for key in ("open/notes.md", "close/keys.txt", "readme.txt"):
            s3.put_object(Bucket=f"handson-s3-2-{self.name}", Key=key, Body=b"mine")
        # The learner set up MFA for the user's console sign-in (lesson P6), gave the user an
        # SSH key and put it in a group of their own; someone else has an MFA device too.
        for user in (USER, "someone-else"):
            self.mfa_device(user)
        key = iam.upload_ssh_public_key(UserName=USER, SSHPublicKeyBody=SSH_KEY)["SSHPublicKey"]
        self.ssh_key = ssh_key = str(key["SSHPublicKeyId"])  # for CodeCommit, say
        self.undo.append(lambda: iam.delete_ssh_public_key(UserName=USER, SSHPublicKeyId=ssh_key))
        iam.create_group(GroupName="class-2026")
        self.undo.append(lambda: iam.delete_group(GroupName="class-2026"))
        iam.add_user_to_group(GroupName="class-2026", UserName=USER)
        self.undo.append(lambda: iam.remove_user_from_group(GroupName="class-2026", UserName=USER))

    def hold_user_to_mfa(self) -> None:
        """The learner's user held to an MFA sign-in with AWS's sample policy ("Allows
        MFA-authenticated IAM users to manage their own MFA device"): without MFA, everything
        but managing one's own device is denied. Put inline, as a learner pastes it."""
        iam = self.iam
        sample = json.dumps({"Version": "2012-10-17", "Statement": [DENY_WITHOUT_MFA]})
        iam.put_user_policy(UserName=USER, PolicyName="Force_MFA", PolicyDocument=sample)
        self.undo.append(lambda: iam.delete_user_policy(UserName=USER, PolicyName="Force_MFA"))

    def mfa_device(self, user: str) -> str:
        """A virtual MFA device assigned to ``user`` (assign_mfa_device), removed afterwards."""
        iam = self.iam
        serial = assign_mfa_device(iam, user)
        self.undo.append(lambda: iam.delete_virtual_mfa_device(SerialNumber=serial))
        self.undo.append(lambda: iam.deactivate_mfa_device(UserName=user, SerialNumber=serial))
        return serial

    def bucket(self, name: str) -> None:
        s3 = self.s3
        s3.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": self.region})

        # Every object, version and delete marker first: a test may turn versioning on.
        self.undo.append(partial(delete_bucket, s3, name))

    def remove(self) -> None:
        for step in reversed(self.undo):
            with contextlib.suppress(ClientError):
                step()
