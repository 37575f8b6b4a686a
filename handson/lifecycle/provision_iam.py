"""IAM as the hands-on builds it: both policies, the user (login profile, access key), the role
(its policy, AmazonSSMManagedInstanceCore) and the instance profile holding the role."""

from __future__ import annotations

import json
from functools import partial

from handson.aws import Credentials
from handson.environment import LoginProfile
from handson.lifecycle import labels
from handson.lifecycle.order import Stage
from handson.lifecycle.ownership import POLICY, PROFILE, ROLE, USER
from handson.lifecycle.provision_base import Provisioning
from handson.lifecycle.removal import (
    delete_instance_profile,
    delete_own_role,
    delete_policy,
    delete_user,
    ignore_gone,
)
from handson.names import SSM_CORE_POLICY_ARN
from handson.passwords import make_password
from handson.policies import PolicyFile


class IamProvisioning(Provisioning):
    def create_policy(self, name: str, file: PolicyFile) -> str:
        """The run's policy ``name`` of ``file``'s document, with the run's name in it."""
        document = json.dumps(file.document(self.names.render))
        return self.create_owned(
            POLICY,
            name,
            lambda: str(
                self.iam.create_policy(
                    PolicyName=name, PolicyDocument=document, Tags=self.names.tag_list()
                )["Policy"]["Arn"]
            ),
            self.ownership.policy,
            self.delete_policy,
            Stage.POLICIES,
        )

    def delete_policy(self, arn: str) -> None:
        """The run's policy, detached only from the run's own user and role: one someone
        attached to anything else stays, with that attachment, and the teardown says so."""
        delete_policy(self.iam, arn, ours=(self.names.user, self.names.role))

    def boundary_of(self, side: str) -> dict[str, str]:
        """The PermissionsBoundary the run's user or role (``side``) is made with: the run's
        --permissions-boundary, or the boundary file of its policy folder (a replay's: the
        learner's own), made here as the run's policy (on the embedded emulator only: deleted
        with the run's policies, before the user and the role, which moto allows and AWS does
        not; handson/settings.py refuses the files on other targets)."""
        file = self.policies.boundary(side)
        if file is None:
            return self.boundary
        return {"PermissionsBoundary": self.create_policy(self.names.boundary(side), file)}

    def create_user(self, policy_arn: str) -> tuple[str, LoginProfile | None, Credentials]:
        name = self.names.user
        boundary = self.boundary_of("user")
        # The user is this run's, so whatever hangs on it is too: a key made by a call whose
        # answer was lost goes with it.
        arn = self.create_owned(
            USER,
            name,
            lambda: str(
                self.iam.create_user(UserName=name, Tags=self.names.tag_list(), **boundary)["User"][
                    "Arn"
                ]
            ),
            self.ownership.user,
            lambda _arn: delete_user(self.iam, name),
            Stage.USER,
        )
        self.iam.attach_user_policy(UserName=name, PolicyArn=policy_arn)
        self.cleanup.register(
            labels.attachment(self.names.user_policy, name),
            lambda: ignore_gone(self.iam.detach_user_policy, UserName=name, PolicyArn=policy_arn),
            Stage.ATTACHMENTS,
        )
        login = self.create_login_profile(name) if self.built.login_profile else None
        key = self.iam.create_access_key(UserName=name)["AccessKey"]
        credentials = Credentials(key["AccessKeyId"], key["SecretAccessKey"])
        self.cleanup.register(
            labels.access_key(key["AccessKeyId"], name),
            lambda: ignore_gone(
                self.iam.delete_access_key, UserName=name, AccessKeyId=key["AccessKeyId"]
            ),
            Stage.CREDENTIALS,
        )
        return arn, login, credentials

    def create_login_profile(self, name: str) -> LoginProfile:
        password = make_password()
        reset = self.built.reset_required
        self._on_own_resource(
            lambda: self.iam.create_login_profile(
                UserName=name, Password=password, PasswordResetRequired=reset
            ),
            "EntityAlreadyExists",
        )
        self.cleanup.register(
            labels.login_profile(name),
            lambda: ignore_gone(self.iam.delete_login_profile, UserName=name),
            Stage.CREDENTIALS,
        )
        return LoginProfile(name, password if self.built.password_known else None)

    def create_role(self, policy_arn: str) -> str:
        name = self.names.role
        trust = json.dumps(self.policies.trust.document(self.names.render))
        boundary = self.boundary_of("role")
        # What the run attaches to its role, noted before each call: its removal detaches them
        # even when an attachment's answer was lost or its own removal was never registered.
        attached: list[str] = []
        arn = self.create_owned(
            ROLE,
            name,
            lambda: str(
                self.iam.create_role(
                    RoleName=name,
                    AssumeRolePolicyDocument=trust,
                    Tags=self.names.tag_list(),
                    Description="handson-iam-acceptance: the hands-on's role for EC2",
                    **boundary,
                )["Role"]["Arn"]
            ),
            self.ownership.role,
            lambda _arn: delete_own_role(self.iam, name, attached),
            Stage.ROLE,
        )
        for policy in (policy_arn, *([SSM_CORE_POLICY_ARN] if self.built.ssm_core else [])):
            attached.append(policy)
            self.iam.attach_role_policy(RoleName=name, PolicyArn=policy)
            self.cleanup.register(
                labels.attachment(policy.split("/")[-1], name),
                partial(ignore_gone, self.iam.detach_role_policy, RoleName=name, PolicyArn=policy),
                Stage.ATTACHMENTS,
            )
        return arn

    def create_instance_profile(self) -> str:
        name = self.names.instance_profile
        arn = self.create_owned(
            PROFILE,
            name,
            lambda: str(
                self.iam.create_instance_profile(
                    InstanceProfileName=name, Tags=self.names.tag_list()
                )["InstanceProfile"]["Arn"]
            ),
            self.ownership.instance_profile,
            lambda _arn: delete_instance_profile(self.iam, name, budget=self.budgets.transient),
            Stage.PROFILE,
        )
        # LimitExceeded: the profile has its one role already, put there by this very call.
        self._on_own_resource(
            lambda: self.iam.add_role_to_instance_profile(
                InstanceProfileName=name, RoleName=self.names.role
            ),
            "LimitExceeded",
        )
        self.cleanup.register(
            labels.role_in_profile(self.names.role, name),
            lambda: ignore_gone(
                self.iam.remove_role_from_instance_profile,
                InstanceProfileName=name,
                RoleName=self.names.role,
            ),
            Stage.PROFILE_MEMBERSHIP,
        )
        return arn
