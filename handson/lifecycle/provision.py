"""Build what the hands-on builds, registering each piece's teardown the moment it exists."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from typing import Any

from handson.aws import Credentials, Principal
from handson.environment import AS_THE_HANDS_ON, Built, HandsonEnvironment, LoginProfile
from handson.lifecycle.cleanup import Cleanup, Stage
from handson.lifecycle.ec2_setup import Network, choose_instance_type, find_network, launch
from handson.lifecycle.ledger import Ledger
from handson.lifecycle.ownership import (
    ALREADY_EXISTS,
    BUCKET,
    GROUP,
    POLICY,
    PROFILE,
    ROLE,
    USER,
    Collision,
    Existing,
    Named,
    Ownership,
    error_code,
    of_account,
    retried,
)
from handson.lifecycle.removal import (
    delete_bucket,
    delete_instance_profile,
    delete_policy,
    delete_security_group,
    delete_user,
    ignore_gone,
    terminate_instance,
)
from handson.names import AMI_PARAMETER, SSM_CORE_POLICY_ARN, TAG_RUN, RunNames
from handson.passwords import make_password
from handson.phases import Phases
from handson.policies import PolicySet
from handson.state import LIVE_INSTANCE_STATES, instance_state
from handson.waiting import Budgets, until

log = logging.getLogger("handson.lifecycle.provision")

INSTANCE_TYPE = "t2.micro"


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
        built: Built = AS_THE_HANDS_ON,
    ) -> None:
        self.built = built
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
        self.ledger = Ledger(self.ssm, names)
        self._ownership: Ownership | None = None

    @property
    def ownership(self) -> Ownership:
        if self._ownership is None:
            self._ownership = of_account(self.admin, self.names)
        return self._ownership

    def build(self) -> HandsonEnvironment:
        """The run's claim on its name first, then the slow thing: the instance is launched as
        soon as its role exists, and the rest is built while it boots."""
        with self.phases.timing("IAM and S3 set-up"):
            self.claim_name()
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
            role_name=self.names.role,
            sample_file=self.names.sample_file,
            test_file="test.txt",
            scratch_bucket=self.names.scratch_bucket,
        )

    # -- what this run owns ------------------------------------------------------------------

    def claim_name(self) -> None:
        """The run's record in the account: another run with this name stops here, before it
        creates anything; it is removed last, and only when nothing of the run is left."""
        self.ledger.claim()
        self.cleanup.register(
            f"run record {self.ledger.record.parameter}", self.ledger.release, Stage.RECORD
        )

    def create_owned(
        self,
        kind: str,
        name: str,
        create: Callable[[], str],
        look_up: Callable[[str], Named | None],
        remove: Callable[[str], None],
        stage: Stage,
    ) -> str:
        """Create one named resource and register its removal the moment it exists.

        A call that failed may still have created it: an answer lost on the way, a timeout, or
        botocore's retry of such a call answering "already exists". The name is then looked
        up, and what it finds is this run's only if it carries this run's tag: that is kept
        (and the run goes on with it). Anything else with the name is never adopted.
        """
        try:
            made = create()
        except BaseException as exc:
            found = self._look_up_after_failure(look_up, name)
            if found is not None and self.ownership.is_ours(found[1]):
                self._own(kind, name, found[0], remove, stage)
                if isinstance(exc, Exception):
                    log.warning("%s %s: %s, but this run's call had made it", kind, name, exc)
                    return found[0]
                raise
            if error_code(exc) in ALREADY_EXISTS:
                tags = found[1] if found is not None else {}
                raise Collision(Existing(kind, name, tags).line()) from None
            raise
        self._own(kind, name, made, remove, stage)
        return made

    def _own(
        self, kind: str, name: str, made: str, remove: Callable[[str], None], stage: Stage
    ) -> None:
        shown = name if made == name or made.endswith(f"/{name}") else f"{name} ({made})"
        self.cleanup.register(f"{kind} {shown}", lambda: remove(made), stage)

    @staticmethod
    def _look_up_after_failure(look_up: Callable[[str], Named | None], name: str) -> Named | None:
        try:
            return look_up(name)
        except Exception as exc:  # noqa: BLE001 - the create's own error is the one to report
            log.warning("could not look up %s after its create call failed: %s", name, exc)
            return None

    # -- IAM ---------------------------------------------------------------------------------

    def create_policy(self, name: str, text: str) -> str:
        document = json.dumps(json.loads(self.names.render(text)))
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
        delete_policy(self.iam, arn)

    def create_user(self, policy_arn: str) -> tuple[str, LoginProfile | None, Credentials]:
        name = self.names.user
        # The user is this run's, so whatever hangs on it is too: a key made by a call whose
        # answer was lost goes with it.
        arn = self.create_owned(
            USER,
            name,
            lambda: str(
                self.iam.create_user(UserName=name, Tags=self.names.tag_list(), **self.boundary)[
                    "User"
                ]["Arn"]
            ),
            self.ownership.user,
            lambda _arn: delete_user(self.iam, name),
            Stage.USER,
        )
        self.iam.attach_user_policy(UserName=name, PolicyArn=policy_arn)
        self.cleanup.register(
            f"policy attachment {self.names.user_policy} -> {name}",
            lambda: ignore_gone(self.iam.detach_user_policy, UserName=name, PolicyArn=policy_arn),
            Stage.POLICIES,
        )
        login = self.create_login_profile(name) if self.built.login_profile else None
        key = self.iam.create_access_key(UserName=name)["AccessKey"]
        credentials = Credentials(key["AccessKeyId"], key["SecretAccessKey"])
        self.cleanup.register(
            f"access key {key['AccessKeyId']} of {name}",
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
            f"console login profile of {name}",
            lambda: ignore_gone(self.iam.delete_login_profile, UserName=name),
            Stage.CREDENTIALS,
        )
        return LoginProfile(name, password if self.built.password_known else None)

    def create_role(self, policy_arn: str) -> str:
        name = self.names.role
        trust = json.dumps(json.loads(self.names.render(self.policies.trust.text)))
        arn = self.create_owned(
            ROLE,
            name,
            lambda: str(
                self.iam.create_role(
                    RoleName=name,
                    AssumeRolePolicyDocument=trust,
                    Tags=self.names.tag_list(),
                    Description="handson-iam-acceptance: the hands-on's role for EC2",
                    **self.boundary,
                )["Role"]["Arn"]
            ),
            self.ownership.role,
            lambda _arn: ignore_gone(self.iam.delete_role, RoleName=name),
            Stage.ROLE,
        )
        for attached in (policy_arn, *([SSM_CORE_POLICY_ARN] if self.built.ssm_core else [])):
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
            f"role {self.names.role} in instance profile {name}",
            lambda: ignore_gone(
                self.iam.remove_role_from_instance_profile,
                InstanceProfileName=name,
                RoleName=self.names.role,
            ),
            Stage.PROFILE_MEMBERSHIP,
        )
        return arn

    @staticmethod
    def _on_own_resource(call: Callable[[], object], done_already: str) -> None:
        """A call on one of this run's own resources that a lost answer may have made already:
        ``done_already`` then means this run's earlier attempt did it."""
        try:
            call()
        except Exception as exc:
            if error_code(exc) != done_already:
                raise

    # -- S3 ----------------------------------------------------------------------------------

    def create_bucket(self, bucket: str) -> None:
        params: dict[str, Any] = {"Bucket": bucket}
        if self.admin.region != "us-east-1":
            params["CreateBucketConfiguration"] = {"LocationConstraint": self.admin.region}
        try:
            self.s3.create_bucket(**params)
        except BaseException as exc:
            # BucketAlreadyOwnedByYou after botocore's own retry, or a lost answer: this run's
            # call may have made it.
            made_by_this_call = retried(exc) or error_code(exc) not in ALREADY_EXISTS
            if made_by_this_call and self._fresh_bucket_after_failure(bucket):
                self.own_bucket(bucket)
                if isinstance(exc, Exception):
                    return
                raise
            if error_code(exc) in ALREADY_EXISTS:
                raise self._bucket_collision(bucket) from None
            raise
        self.own_bucket(bucket, just_created=True)

    def _bucket_collision(self, bucket: str) -> Collision:
        """A bucket name taken since the look-up: its tags say whether an earlier run of the
        suite left it, and which; a bucket of another account says so."""
        try:
            found = self.ownership.bucket(bucket)
        except Collision as foreign:
            return foreign
        except Exception as exc:  # noqa: BLE001 - the create's own answer is the one to report
            log.warning("could not look up bucket %s after its create call failed: %s", bucket, exc)
            found = None
        return Collision(Existing(BUCKET, bucket, found[1] if found else {}).line())

    def _fresh_bucket_after_failure(self, bucket: str) -> bool:
        try:
            return self.ownership.fresh_bucket(bucket)
        except Exception as exc:  # noqa: BLE001 - the create's own error is the one to report
            log.warning("could not look up bucket %s after its create call failed: %s", bucket, exc)
            return False

    def own_bucket(self, bucket: str, *, just_created: bool = False) -> None:
        """Make a bucket this run's: its removal registered, the run's tags on it.

        In us-east-1, S3 answers 200 to re-creating a bucket one already owns, so a bucket is
        taken as new only as S3 makes one: empty and untagged (the name was free before the run
        started). A bucket that is not so was somebody's: a collision, never adopted.
        """
        if just_created and not self.ownership.fresh_bucket(bucket):
            found = self.ownership.bucket(bucket)
            raise Collision(Existing(BUCKET, bucket, found[1] if found else {}).line())
        self.cleanup.register(
            f"S3 bucket {bucket}", lambda: self.delete_bucket(bucket), Stage.BUCKETS
        )
        self.ledger.created(bucket)  # until the tags are on, the record says the bucket is ours
        self.tag_bucket(bucket)

    def own_users_bucket(self, bucket: str, created: bool) -> None:
        """U2's bucket, which the IAM user creates: the run's only if the user's call made it.
        One the call did not make (refused, or BucketAlreadyOwnedByYou) is never the run's; nor
        is one that was there before the call, which S3 in us-east-1 answers with 200 too."""
        if created:
            self.own_bucket(bucket, just_created=True)

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
            f"EC2 instance {instance_id}", lambda: self.terminate(instance_id), Stage.INSTANCE
        )

    def _run_instances_after_failure(self) -> list[str]:
        try:
            return run_instances(self.ec2, self.names.run_id)
        except Exception as exc:  # noqa: BLE001 - the launch's own error is the one to report
            log.warning("could not look up this run's instances after a failed launch: %s", exc)
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


def leftovers(
    admin: Principal, names: RunNames, created_buckets: tuple[str, ...] | None = None
) -> list[str]:
    """Everything of this run that still exists: what carries this run's tag, the buckets its
    record says it created, and the record itself. A same-named resource without the run's tag
    is not the run's and is never reported as left behind."""
    return of_account(admin, names).remaining(created_buckets)
