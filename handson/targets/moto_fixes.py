"""Where moto 5.2.5 deletes, or keeps a console password, otherwise than AWS, made to do as AWS
does.

**A deleted resource's tags go with it.** moto 5.2.5 keeps some tags outside the resource they
belong to, in a store that its delete call leaves alone:

- S3: a bucket's tags live in the backend's ``TaggingService`` (``S3Backend.tagger``), keyed by
  the bucket's ARN, ``arn:aws:s3:::<name>``. ``DeleteBucket`` removes the bucket but not that
  entry, so a new bucket of the same name has the old one's tags at once. A run with the same
  ``--name`` as an earlier one, on the same running emulator (``--endpoint-url``), then finds
  its own new bucket tagged by the earlier run, takes it for a leftover, and stops with exit
  code 4 (issue 24, "The same name again").
- EC2: a security group's tags live in ``TagBackend.tags``, keyed by the group's ID.
  ``DeleteSecurityGroup`` leaves them: ``DescribeTags`` still answers them for the deleted
  group. A new group has a new ID, so nothing reaches it; they go anyway, for the same reason.

As of 5.2.5 the other kinds a run creates by name drop their tags with them: IAM users
(``delete_user`` clears the tagger), roles, customer managed policies and instance profiles
(tags kept on the resource), SSM parameters (``delete_parameter`` pops them), S3 objects
(``PutObject`` replaces a key's tags). tests/test_same_name.py checks every kind.

**DeleteUser refuses a user that still holds something** (AWS's DeleteUser reference: the
password, access keys, signing certificates, SSH public keys, service-specific credentials (Git
for CodeCommit), MFA devices, policies and group memberships go first, else ``DeleteConflict``,
HTTP 409). moto refuses only for policies, and deletes a user with an MFA device, a password or
a group: a clean-up that forgot them would pass here and fail on AWS, where the learner who set
up MFA for the hands-on's user (lesson P6) then keeps the user. The messages are AWS's (as AWS
users have quoted them). So is DeleteVirtualMFADevice's refusal of a device still assigned to a
user ("You must deactivate a user's virtual MFA device before you can delete it"; the message
is ours). Service-specific credentials cannot be made in moto: ListServiceSpecificCredentials
answers none, which is true of every emulated user, instead of moto's "not implemented".

**DeletePolicy refuses a policy still attached, or with versions besides its default** (AWS's
DeletePolicy reference: "you must first detach the policy from all users, groups, and roles
... In addition, you must delete all the policy's versions"). moto deleted it, attachments and
versions and all.

**DeleteSecurityGroup refuses a group an instance still uses** (``DependencyViolation``: AWS
holds it until the instance is terminated). moto deleted it under a running instance, so a
teardown that took the group before the instance would pass here.

**A console password is kept as AWS keeps it.** CreateLoginProfile ignored its
``PasswordResetRequired`` (the user never had to set a new password at the next sign-in), and
UpdateLoginProfile without a ``Password`` dropped the password, so the user had no login profile
at all afterwards (``aws iam update-login-profile --password-reset-required``, as an instructor
asks a learner's user to set a new one). As AWS's references say, each keeps what it is given:
the flag from the call, else as it was (false for a new password); the password unless a new one
is given.

:func:`install` runs in the moto server process, from
:func:`handson.targets.moto_engine.install`.
"""

from __future__ import annotations

from typing import Any

_installed = False


def install() -> None:
    """Every fix of this module, once per process."""
    global _installed
    if _installed:
        return
    _installed = True
    forget_deleted_tags()
    refuse_deleting_what_is_held()
    keep_console_passwords()


def forget_deleted_tags() -> None:
    """Wrap moto's bucket and security group deletes so that the tags go too. A delete that
    fails (a bucket that is not empty, an unknown group) keeps them."""
    from moto.ec2.models.security_groups import SecurityGroupBackend
    from moto.s3.models import S3Backend

    delete_bucket = S3Backend.delete_bucket
    delete_group = SecurityGroupBackend._delete_security_group

    def delete_bucket_and_tags(self: Any, bucket_name: str) -> Any:
        removed = delete_bucket(self, bucket_name)
        if removed is not None:  # None: not empty, not deleted
            self.tagger.delete_all_tags_for_resource(removed.arn)
        return removed

    def delete_group_and_tags(self: Any, vpc_id: str | None, group_id: str) -> None:
        delete_group(self, vpc_id, group_id)
        self.tags.pop(group_id, None)  # the EC2 backend is also its TagBackend

    S3Backend.delete_bucket = delete_bucket_and_tags  # type: ignore[method-assign]
    SecurityGroupBackend._delete_security_group = delete_group_and_tags  # type: ignore[method-assign]


# What DeleteUser refuses to delete a user with, in the order the checks are made, and AWS's words.
HELD = (
    (lambda user, groups: user.password, "must delete login profile first."),
    (lambda user, groups: user.access_keys, "must delete access keys first."),
    (lambda user, groups: user.signing_certificates, "must delete certificates first."),
    (lambda user, groups: user.ssh_public_keys, "must remove referenced objects first."),
    (lambda user, groups: user.mfa_devices, "must delete MFA device first."),
    (lambda user, groups: groups, "must remove users from group first."),
)


def refuse_deleting_what_is_held() -> None:
    """DeleteUser, DeleteVirtualMFADevice, DeletePolicy, DeleteSecurityGroup and
    ListServiceSpecificCredentials as AWS answers them (the module's docstring)."""
    from moto.core.responses import ActionResult
    from moto.ec2.exceptions import DependencyViolationError
    from moto.ec2.models.security_groups import SecurityGroupBackend
    from moto.iam.exceptions import DeleteConflictException
    from moto.iam.models import IAMBackend
    from moto.iam.responses import IamResponse

    delete_user = IAMBackend.delete_user
    delete_device = IAMBackend.delete_virtual_mfa_device
    delete_policy = IAMBackend.delete_policy
    delete_group = SecurityGroupBackend._delete_security_group

    def delete_user_as_aws(self: Any, user_name: str) -> None:
        user = self.get_user(user_name)
        groups = self.get_groups_for_user(user_name)
        for holds, words in HELD:
            if holds(user, groups):
                raise DeleteConflictException(f"Cannot delete entity, {words}")
        delete_user(self, user_name)

    def delete_device_as_aws(self: Any, serial_number: str) -> None:
        device = self.virtual_mfa_devices.get(serial_number)
        if device is not None and device.user is not None:
            raise DeleteConflictException(
                f"MFA device {serial_number} is assigned to user {device.user.name}: deactivate "
                "it first."
            )
        delete_device(self, serial_number)

    def delete_policy_as_aws(self: Any, policy_arn: str) -> None:
        policy = self.get_policy(policy_arn)
        if policy.attachment_count:
            raise DeleteConflictException("Cannot delete a policy attached to entities.")
        if len(policy.versions) > 1:
            raise DeleteConflictException(
                "This policy has more than one version. Before you delete a policy, you must "
                "delete the policy's versions. The default version is deleted with the policy."
            )
        delete_policy(self, policy_arn)

    def delete_group_as_aws(self: Any, vpc_id: str | None, group_id: str) -> None:
        for instance in self.all_instances():
            used = any(group.id == group_id for group in instance.security_groups)
            if used and instance.state != "terminated":
                raise DependencyViolationError(f"resource {group_id} has a dependent object")
        delete_group(self, vpc_id, group_id)

    def list_service_specific_credentials(self: Any) -> Any:
        self.backend.get_user(self._get_param("UserName"))  # NoSuchEntity, as AWS answers
        return ActionResult({"ServiceSpecificCredentials": []})

    IAMBackend.delete_user = delete_user_as_aws  # type: ignore[method-assign]
    IAMBackend.delete_virtual_mfa_device = delete_device_as_aws  # type: ignore[method-assign]
    IAMBackend.delete_policy = delete_policy_as_aws  # type: ignore[method-assign]
    SecurityGroupBackend._delete_security_group = delete_group_as_aws  # type: ignore[method-assign]
    IamResponse.list_service_specific_credentials = list_service_specific_credentials  # type: ignore[attr-defined]


def keep_console_passwords() -> None:
    """CreateLoginProfile and UpdateLoginProfile as AWS answers them (the module's docstring)."""
    from moto.core.responses import ActionResult, EmptyResult
    from moto.iam.responses import IamResponse

    def create_login_profile(self: Any) -> Any:
        user = self.backend.create_login_profile(
            self._get_param("UserName"), self._get_param("Password")
        )
        user.password_reset_required = self._get_bool_param("PasswordResetRequired", False)
        profile = {
            "UserName": user.name,
            "CreateDate": user.create_date,
            "PasswordResetRequired": user.password_reset_required,
        }
        return ActionResult({"LoginProfile": profile})

    def update_login_profile(self: Any) -> Any:
        user_name = self._get_param("UserName")
        user = self.backend.get_login_profile(user_name)  # NoSuchEntity without one, as AWS
        self.backend.update_login_profile(
            user_name,
            self._get_param("Password") or user.password,
            self._get_bool_param("PasswordResetRequired", user.password_reset_required),
        )
        return EmptyResult()

    IamResponse.create_login_profile = create_login_profile  # type: ignore[method-assign]
    IamResponse.update_login_profile = update_login_profile  # type: ignore[method-assign]
