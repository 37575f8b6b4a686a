"""Removing the suite's resources: one place for the teardown and the sweeper alike.

Every function treats "already gone" as done, so that it can run again after any failure. For
the resources AWS may not know yet right after their create (eventual consistency: an instance,
a security group, an instance profile), a NotFound answer to the removal is no proof: the removal
is sent again until a read confirms it (``confirm_removal``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, TypeVar

from botocore.exceptions import ClientError

from handson.i18n import t
from handson.snapshot import GONE_CODES, instance_state, unless_gone
from handson.waiting import AWS_BUDGETS, poll

T = TypeVar("T")


def ignore_gone(call: Any, *args: Any, **kwargs: Any) -> None:
    """Run a removal call; a resource that is already gone counts as removed."""
    unless_gone(lambda: call(*args, **kwargs))


class NotRemoved(Exception):
    """A removal that no read confirmed within its budget."""


def _code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code"))


def _waited(
    fetch: Callable[[], T], done: Callable[[T], bool], *, budget: float, max_interval: float
) -> tuple[T, bool]:
    last, _ = poll(fetch, done, budget=budget, interval=lambda n: min(0.1 * 2**n, max_interval))
    return last, done(last)


def confirm_removal(
    remove: Callable[[], object],
    read: Callable[[], str | None],
    gone: Callable[[str | None], bool],
    *,
    budget: float,
    what: str,
) -> None:
    """Send ``remove`` until ``read`` (None: not found) shows ``gone``, within ``budget`` s.

    For a resource that exists (the run made it, or a sweep has just listed it): right after a
    create, AWS may answer NotFound about it (EC2's and IAM's eventual consistency), which is no
    proof that it is gone. So a NotFound answer is taken as "not yet", and the removal is sent
    again until a read confirms it. Any other error is raised as it came (the teardown retries
    throttling and conflicts). One never confirmed is named with the last answer and read.
    """
    answered = "none"

    def once() -> str | None:
        nonlocal answered
        try:
            remove()
            answered = "accepted"
        except ClientError as exc:
            if _code(exc) not in GONE_CODES:
                raise
            answered = _code(exc)
        return read()

    last, confirmed = _waited(once, gone, budget=budget, max_interval=2.0)
    if not confirmed:
        raise NotRemoved(
            f"{what}: no read confirmed it within {budget:g} s (the removal's last answer: "
            f"{answered}; the last read: {last or 'not found'})"
        )


# The states of an instance whose termination EC2 has taken.
ENDING_STATES = frozenset({"shutting-down", "terminated"})


def seen_state(ec2: Any, instance_id: str) -> str | None:
    """The instance's state as EC2 reads it now; None when EC2 does not know it (yet)."""
    found = unless_gone(lambda: ec2.describe_instances(InstanceIds=[instance_id])["Reservations"])
    return str(found[0]["Instances"][0]["State"]["Name"]) if found else None


def terminate_instance(
    ec2: Any, instance_id: str, *, budget: float, resend_budget: float = AWS_BUDGETS.transient
) -> None:
    """Terminate an instance that exists and wait until it is terminated (``budget`` s).

    TerminateInstances is sent again, for up to ``resend_budget`` s, until EC2 reads the instance
    as shutting-down or terminated: EC2 may answer InvalidInstanceID.NotFound about an instance
    launched moments ago, and the instance then runs on.
    """
    confirm_removal(
        lambda: ec2.terminate_instances(InstanceIds=[instance_id]),
        lambda: seen_state(ec2, instance_id),
        lambda state: state in ENDING_STATES,
        budget=resend_budget,
        what=f"the termination of {instance_id}",
    )
    last, terminated = _waited(
        lambda: instance_state(ec2, instance_id),
        lambda state: state == "terminated",
        budget=budget,
        max_interval=10,
    )
    if not terminated:
        raise NotRemoved(f"{instance_id} not terminated within {budget:g} s (state: {last})")


def delete_security_group(
    ec2: Any, group_id: str, *, budget: float = AWS_BUDGETS.transient
) -> None:
    """Delete a security group that exists; sent again while no read says it is gone."""
    confirm_removal(
        lambda: ec2.delete_security_group(GroupId=group_id),
        lambda: (
            None
            if unless_gone(lambda: ec2.describe_security_groups(GroupIds=[group_id])) is None
            else "still there"
        ),
        lambda seen: seen is None,
        budget=budget,
        what=f"the deletion of security group {group_id}",
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


def versions_of(s3: Any, bucket: str, key: str) -> list[str]:
    """The version IDs of ``key`` and of its delete markers (that exact key: the listing is by
    prefix); none once it is gone for good, or in a bucket without versioning once deleted."""
    found: list[str] = []
    for page in s3.get_paginator("list_object_versions").paginate(Bucket=bucket, Prefix=key):
        found += [
            v["VersionId"]
            for v in page.get("Versions", []) + page.get("DeleteMarkers", [])
            if v["Key"] == key
        ]
    return found


def delete_key_for_good(s3: Any, bucket: str, key: str) -> None:
    """Delete ``key``; in a bucket with versioning, every version of it and every delete marker
    too: a delete without a version only adds a marker there, and the file stays as a version.
    In a bucket without, the one delete is all (no version is left to list)."""
    ignore_gone(s3.delete_object, Bucket=bucket, Key=key)
    for version in unless_gone(lambda: versions_of(s3, bucket, key)) or []:
        ignore_gone(s3.delete_object, Bucket=bucket, Key=key, VersionId=version)


class HeldByOthers(Exception):
    """The run's policy is attached to something the run did not make: it is left, with that
    attachment, and said."""


def delete_policy(iam: Any, arn: str, ours: tuple[str, ...] | None = None) -> None:
    """Detach a customer managed policy from everything, delete its versions, then it.

    ``ours``: the users and roles the run made (the teardown's). An attachment to anything else
    is not the run's to undo: nothing is detached or deleted, and ``HeldByOthers`` names them."""
    listed = unless_gone(
        lambda: (
            iam.list_entities_for_policy(PolicyArn=arn),
            iam.list_policy_versions(PolicyArn=arn)["Versions"],
        )
    )
    if listed is None:
        return
    entities, versions = listed
    if ours is not None:
        users = [u["UserName"] for u in entities.get("PolicyUsers", [])]
        roles = [r["RoleName"] for r in entities.get("PolicyRoles", [])]
        others = [
            *(f"IAM user {name}" for name in users if name not in ours),
            *(f"IAM role {name}" for name in roles if name not in ours),
            *(f"IAM group {g['GroupName']}" for g in entities.get("PolicyGroups", [])),
        ]
        if others:
            raise HeldByOthers(t("teardown.policy_held", policy=arn, others=", ".join(others)))
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


def delete_instance_profile(iam: Any, name: str, *, budget: float = AWS_BUDGETS.transient) -> None:
    """Take its roles out, then delete it; sent again while a read still finds it."""

    def profile() -> dict[str, Any] | None:
        return unless_gone(
            lambda: iam.get_instance_profile(InstanceProfileName=name)["InstanceProfile"]
        )

    found = profile()
    if found is None:
        return
    for role in found.get("Roles", []):
        ignore_gone(
            iam.remove_role_from_instance_profile,
            InstanceProfileName=name,
            RoleName=role["RoleName"],
        )
    confirm_removal(
        lambda: iam.delete_instance_profile(InstanceProfileName=name),
        lambda: None if profile() is None else "still there",
        lambda seen: seen is None,
        budget=budget,
        what=f"the deletion of instance profile {name}",
    )


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


def delete_own_role(iam: Any, name: str, attached: Iterable[str]) -> None:
    """Delete a role the run made. Refused while policies are attached (DeleteConflict), it
    detaches those the run attached itself (``attached``, read at removal: an attachment whose
    answer was lost, or one cut off before its removal was registered) and deletes it again. A
    policy anyone else attached stays attached, and the role with it: not the run's to undo."""
    try:
        ignore_gone(iam.delete_role, RoleName=name)
    except ClientError as exc:
        if _code(exc) != "DeleteConflict":
            raise
        # The conflict may be the instance profile's (a role just taken out of it still counts
        # as in it for a moment): only what is still attached is detached.
        listed = unless_gone(
            lambda: iam.list_attached_role_policies(RoleName=name)["AttachedPolicies"]
        )
        held = {policy["PolicyArn"] for policy in listed or []}
        for arn in attached:
            if arn in held:
                ignore_gone(iam.detach_role_policy, RoleName=name, PolicyArn=arn)
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
    try:
        ignore_gone(iam.delete_user, UserName=name)
    except ClientError as exc:
        if _code(exc) != "DeleteConflict":
            raise
        release_user(iam, name)
        ignore_gone(iam.delete_user, UserName=name)


@dataclass(frozen=True)
class Held:
    """What a user holds that DeleteUser refuses to delete it with, beyond its keys, password
    and policies: a learner's MFA device (lesson P6) and more. By ID each (an MFA device's serial
    number, a group's name)."""

    mfa_devices: tuple[str, ...]
    certificates: tuple[str, ...]
    ssh_keys: tuple[str, ...]
    service_credentials: tuple[str, ...]
    groups: tuple[str, ...]

    @property
    def credentials(self) -> tuple[str, ...]:
        """Its credentials besides its keys, password and MFA devices."""
        return self.certificates + self.ssh_keys + self.service_credentials


def held_by(iam: Any, name: str) -> Held:
    """What user ``name`` holds, read (all pages; nothing when the user is gone)."""
    service = unless_gone(lambda: iam.list_service_specific_credentials(UserName=name)) or {}
    return Held(
        _listed(iam, "list_mfa_devices", "MFADevices", "SerialNumber", name),
        _listed(iam, "list_signing_certificates", "Certificates", "CertificateId", name),
        _listed(iam, "list_ssh_public_keys", "SSHPublicKeys", "SSHPublicKeyId", name),
        tuple(
            c["ServiceSpecificCredentialId"] for c in service.get("ServiceSpecificCredentials", [])
        ),
        _listed(iam, "list_groups_for_user", "Groups", "GroupName", name),
    )


def release_device(iam: Any, user: str, serial: str) -> None:
    """An MFA device of the user's deactivated, and deleted where it is a virtual one."""
    ignore_gone(iam.deactivate_mfa_device, UserName=user, SerialNumber=serial)
    if ":mfa/" in serial:  # a virtual device's ARN (a security key's is :u2f/)
        ignore_gone(iam.delete_virtual_mfa_device, SerialNumber=serial)


def release_user(iam: Any, name: str) -> None:
    """Let go of what the user holds (held_by), which the suite's own user never holds but a
    user may have been given since: its MFA devices deactivated (a virtual one deleted too: it
    is of use to no one else), its other credentials deleted, and the user taken out of its
    groups (the groups stay). Read only when DeleteUser refused: a run's teardown makes no call
    more."""
    held = held_by(iam, name)
    for serial in held.mfa_devices:
        release_device(iam, name, serial)
    for certificate in held.certificates:
        ignore_gone(iam.delete_signing_certificate, UserName=name, CertificateId=certificate)
    for key in held.ssh_keys:
        ignore_gone(iam.delete_ssh_public_key, UserName=name, SSHPublicKeyId=key)
    for credential in held.service_credentials:
        ignore_gone(
            iam.delete_service_specific_credential,
            UserName=name,
            ServiceSpecificCredentialId=credential,
        )
    for group in held.groups:
        ignore_gone(iam.remove_user_from_group, GroupName=group, UserName=name)


def _listed(iam: Any, operation: str, key: str, field: str, name: str) -> tuple[str, ...]:
    """``field`` of every item of every page of a user's list (none when the user is gone)."""
    pages = unless_gone(lambda: list(iam.get_paginator(operation).paginate(UserName=name)))
    return tuple(item[field] for page in pages or [] for item in page[key])
