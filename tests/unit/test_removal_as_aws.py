"""Removing as AWS allows it (handson/lifecycle/removal.py) on an emulator that refuses as AWS
does (handson/targets/moto_fixes.py): a learner's user given an MFA device (lesson P6), an SSH
key, a signing certificate or a group goes all the same, someone else's device is left; a policy
goes after its attachments and versions, a security group after its instance."""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws

from handson.lifecycle.removal import (
    delete_policy,
    delete_security_group,
    delete_user,
    terminate_instance,
)
from handson.policies import SEED_DIR, USER_POLICY_FILE
from handson.targets import moto_fixes
from scripts.hand_built import SSH_KEY, assign_mfa_device
from tests.helpers.fakes import self_signed

USER = "handson-iam-user"


@pytest.fixture
def iam() -> Iterator[Any]:
    moto_fixes.install()
    with mock_aws():
        client = boto3.client("iam", region_name="us-east-1")
        client.create_user(UserName=USER)
        yield client


def certificate() -> str:
    """A self-signed certificate's PEM, as a signing certificate is uploaded."""
    with tempfile.TemporaryDirectory() as folder:
        made, _ = self_signed(Path(folder))
        return made.read_text("utf-8")


def group(iam: Any) -> None:
    iam.create_group(GroupName="students")
    iam.add_user_to_group(GroupName="students", UserName=USER)


HELD: dict[str, tuple[Callable[[Any], object], str]] = {
    "console password": (
        lambda iam: iam.create_login_profile(UserName=USER, Password="Handson-1!"),
        "must delete login profile first.",
    ),
    "access key": (
        lambda iam: iam.create_access_key(UserName=USER),
        "must delete access keys first.",
    ),
    "signing certificate": (
        lambda iam: iam.upload_signing_certificate(UserName=USER, CertificateBody=certificate()),
        "must delete certificates first.",
    ),
    "SSH public key": (
        lambda iam: iam.upload_ssh_public_key(UserName=USER, SSHPublicKeyBody=SSH_KEY),
        "must remove referenced objects first.",
    ),
    "MFA device": (lambda iam: assign_mfa_device(iam, USER), "must delete MFA device first."),
    "group": (group, "must remove users from group first."),
}


@pytest.mark.parametrize("held", list(HELD))
def test_what_a_user_holds_is_removed_before_it(iam: Any, held: str) -> None:
    give, words = HELD[held]
    give(iam)
    with pytest.raises(ClientError) as refused:  # as AWS answers DeleteUser
        iam.delete_user(UserName=USER)
    error = refused.value.response
    assert (error["Error"]["Code"], error["ResponseMetadata"]["HTTPStatusCode"]) == (
        "DeleteConflict",
        409,
    )
    assert error["Error"]["Message"] == f"Cannot delete entity, {words}"
    delete_user(iam, USER)
    assert iam.list_users()["Users"] == []


def test_a_learner_s_mfa_device_goes_and_someone_else_s_stays(iam: Any) -> None:
    mine = assign_mfa_device(iam, USER)
    iam.create_user(UserName="someone-else")
    theirs = assign_mfa_device(iam, "someone-else")
    with pytest.raises(ClientError, match="DeleteConflict"):  # assigned: deactivate it first
        iam.delete_virtual_mfa_device(SerialNumber=mine)
    group(iam)
    delete_user(iam, USER)
    devices = iam.list_virtual_mfa_devices()["VirtualMFADevices"]
    assert [(d["SerialNumber"], d["User"]["UserName"]) for d in devices] == [
        (theirs, "someone-else")
    ]
    assert iam.get_group(GroupName="students")["Users"] == []  # the group stays, without the user


def test_a_user_holding_nothing_more_costs_no_call_more(iam: Any) -> None:
    """A run's teardown deletes the run's own user, which holds keys and a password only: the
    lists of MFA devices, certificates and groups are read only when DeleteUser refuses."""
    iam.create_access_key(UserName=USER)
    iam.create_login_profile(UserName=USER, Password="Handson-1!")
    called: list[str] = []
    iam.meta.events.register("before-call.iam", lambda model, **_: called.append(model.name))
    delete_user(iam, USER)
    assert called == [
        "ListAccessKeys",
        "ListAttachedUserPolicies",
        "ListUserPolicies",
        "DeleteAccessKey",
        "DeleteLoginProfile",
        "DeleteUser",
    ]
    assert iam.list_users()["Users"] == []


def test_a_policy_attached_or_with_versions_is_refused_then_removed_in_order(iam: Any) -> None:
    """DeletePolicy as AWS answers it: refused while the policy is attached to anyone, or has
    a version besides its default; removal.delete_policy detaches it and deletes those first."""
    document = (SEED_DIR / USER_POLICY_FILE).read_text("utf-8")
    arn = iam.create_policy(PolicyName="handson-iam-user-policy", PolicyDocument=document)[
        "Policy"
    ]["Arn"]
    iam.create_policy_version(PolicyArn=arn, PolicyDocument=document, SetAsDefault=True)
    iam.attach_user_policy(UserName=USER, PolicyArn=arn)
    iam.create_group(GroupName="class-2026")
    iam.attach_group_policy(GroupName="class-2026", PolicyArn=arn)
    assert refusal(iam, arn) == "Cannot delete a policy attached to entities."
    iam.detach_user_policy(UserName=USER, PolicyArn=arn)
    iam.detach_group_policy(GroupName="class-2026", PolicyArn=arn)
    assert refusal(iam, arn) == (
        "This policy has more than one version. Before you delete a policy, you must delete the "
        "policy's versions. The default version is deleted with the policy."
    )
    iam.attach_user_policy(UserName=USER, PolicyArn=arn)  # attached again, two versions still
    delete_policy(iam, arn)
    assert iam.list_policies(Scope="Local")["Policies"] == []
    assert iam.list_attached_user_policies(UserName=USER)["AttachedPolicies"] == []


def refusal(iam: Any, arn: str) -> str:
    """DeletePolicy's DeleteConflict message (it must be refused)."""
    with pytest.raises(ClientError) as refused:
        iam.delete_policy(PolicyArn=arn)
    error = refused.value.response["Error"]
    assert error["Code"] == "DeleteConflict", error
    return str(error["Message"])


def test_a_security_group_goes_after_its_instance_only() -> None:
    """DeleteSecurityGroup as AWS answers it while an instance uses the group: DependencyViolation,
    which the teardown's order (the instance first, handson/lifecycle/order.py) never meets."""
    moto_fixes.install()
    with mock_aws():
        ec2 = boto3.client("ec2", region_name="us-east-1")
        group = ec2.create_security_group(GroupName="handson-sg-taro", Description="hands-on")
        image = ec2.describe_images(Owners=["amazon"])["Images"][0]["ImageId"]
        (instance,) = ec2.run_instances(
            ImageId=image, MinCount=1, MaxCount=1, SecurityGroupIds=[group["GroupId"]]
        )["Instances"]
        with pytest.raises(ClientError) as refused:
            ec2.delete_security_group(GroupId=group["GroupId"])
        assert refused.value.response["Error"]["Code"] == "DependencyViolation"
        assert refused.value.response["Error"]["Message"] == (
            f"resource {group['GroupId']} has a dependent object"
        )
        terminate_instance(ec2, instance["InstanceId"], budget=5)
        delete_security_group(ec2, group["GroupId"], budget=5)
        with pytest.raises(ClientError, match=r"InvalidGroup\.NotFound"):
            ec2.describe_security_groups(GroupIds=[group["GroupId"]])


def test_a_console_password_is_kept_as_aws_keeps_it(iam: Any) -> None:
    """CreateLoginProfile keeps its PasswordResetRequired; UpdateLoginProfile without a password
    keeps the password (moto dropped the whole login profile) and, without the flag, the flag."""
    iam.create_login_profile(UserName=USER, Password="Handson-1!", PasswordResetRequired=True)
    assert iam.get_login_profile(UserName=USER)["LoginProfile"]["PasswordResetRequired"]
    iam.update_login_profile(UserName=USER, PasswordResetRequired=False)
    assert not iam.get_login_profile(UserName=USER)["LoginProfile"]["PasswordResetRequired"]
    iam.update_login_profile(UserName=USER, Password="Handson-2!")
    assert not iam.get_login_profile(UserName=USER)["LoginProfile"]["PasswordResetRequired"]
    iam.delete_login_profile(UserName=USER)
    with pytest.raises(ClientError, match="NoSuchEntity"):
        iam.update_login_profile(UserName=USER, PasswordResetRequired=True)
