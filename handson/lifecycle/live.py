"""``--target existing --live``: the learner's own environment as the checks' environment.

Nothing of the learner's is created, changed or deleted. The run writes only things of its own,
each with a name that carries the run's ID, and removes each at the end whatever happens:

- three files in bucket 2 (``open/``, ``close/``, the root) for R4-R6 to read, overwrite and
  delete, in place of the learner's files;
- R2's ``test.txt`` and U2's bucket under names of the run (the user or the role makes them);
- with ``--temporary-user-key`` only, an access key for ``handson-iam-user``.

The user's credentials come from ``--user-profile`` (checked to be ``handson-iam-user``'s) or
from that temporary key.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from botocore.exceptions import ClientError

from handson.aws import Credentials, Principal
from handson.discovery import Discovery
from handson.environment import HandsonEnvironment, LoginProfile
from handson.errors import SuiteUsageError
from handson.i18n import t
from handson.lifecycle.cleanup import Cleanup, Stage
from handson.lifecycle.removal import delete_bucket, ignore_gone
from handson.names import RunNames

log = logging.getLogger("handson.lifecycle.live")
# The user's key when --live has none: the user's checks are then replayed, never run live.
NO_USER_KEY = Credentials("", "")


def user_from_profile(profile: str, region: str, endpoint_url: str | None) -> Credentials:
    """``handson-iam-user``'s own key, from a named profile; refused unless it is that user's."""
    import boto3
    from botocore.exceptions import BotoCoreError, ProfileNotFound

    try:
        session = boto3.session.Session(profile_name=profile, region_name=region)
        frozen = session.get_credentials()
        if frozen is None:
            raise SuiteUsageError(t("live.profile_empty", profile=profile))
        arn = session.client("sts", endpoint_url=endpoint_url).get_caller_identity()["Arn"]
    except ProfileNotFound:
        raise SuiteUsageError(t("live.profile_missing", profile=profile)) from None
    except (ClientError, BotoCoreError) as exc:
        raise SuiteUsageError(
            t("live.profile_refused", profile=profile, error=type(exc).__name__)
        ) from None
    if not str(arn).endswith(":user/handson-iam-user"):
        raise SuiteUsageError(t("live.profile_not_user", profile=profile, arn=arn))
    keys = frozen.get_frozen_credentials()
    return Credentials(keys.access_key, keys.secret_key, keys.token)


class LiveBuilder:
    """Gives the checks the learner's environment; makes and removes only what is the run's."""

    def __init__(
        self,
        admin: Principal,
        names: RunNames,
        found: Discovery,
        cleanup: Cleanup,
        user_credentials: Callable[[], Credentials],
        on_own_key: Callable[[str], None],
        simulating: bool = False,
    ) -> None:
        self.simulating = simulating  # the user's calls are asked of the simulator, not sent
        self.admin = admin
        self.names = names
        self.found = found
        self.cleanup = cleanup
        self._user_credentials = user_credentials
        self._on_own_key = on_own_key
        self.s3 = admin.client("s3")

    @property
    def own(self) -> str:
        """What every name the run writes carries: its ID, unique to this run."""
        return f"handson-acceptance-{self.names.run_id}"

    def build(self) -> HandsonEnvironment:
        found, iam = self.found, self.admin.client("iam")
        assert found.user and found.role and found.instance_id and found.buckets
        user_arn = iam.get_user(UserName=found.user)["User"]["Arn"]
        role_arn = iam.get_role(RoleName=found.role)["Role"]["Arn"]
        instance = self.admin.client("ec2").describe_instances(InstanceIds=[found.instance_id])
        described = instance["Reservations"][0]["Instances"][0]
        sample = f"{self.own}.txt"
        objects = {
            f"open/{sample}": f"open file of run {self.names.run_id}\n".encode(),
            f"close/{sample}": f"close file of run {self.names.run_id}\n".encode(),
            sample: f"root file of run {self.names.run_id}\n".encode(),
        }
        bucket2 = found.buckets[1]
        for key, body in objects.items():
            self._own_object(bucket2, key)
            self.s3.put_object(Bucket=bucket2, Key=key, Body=body)
        # R2's file: the role makes it; removed here too should the role fail to.
        test_file = f"test-{self.own}.txt"
        self._own_object(found.buckets[0], test_file)
        credentials = self._user_credentials()
        return HandsonEnvironment(
            names=self.names,
            user_arn=user_arn,
            user_credentials=credentials,
            login=LoginProfile(found.user, None) if found.login_profile else None,
            user_policy_arn="",
            role_arn=role_arn,
            role_policy_arn="",
            instance_profile_arn=str(described.get("IamInstanceProfile", {}).get("Arn", "")),
            instance_id=found.instance_id,
            ami_id=str(described.get("ImageId", "")),
            security_group_id="",
            objects=objects,
            role_name=found.role,
            sample_file=sample,
            test_file=test_file,
            scratch_bucket=f"handson-s3-u-{self.names.run_id}",
        )

    def temporary_key(self) -> Credentials:
        """An access key for the learner's user, for this run only (``--temporary-user-key``)."""
        iam, user = self.admin.client("iam"), self.found.user
        try:
            key = iam.create_access_key(UserName=user)["AccessKey"]
        except ClientError as exc:
            code = exc.response.get("Error", {}).get("Code", "")
            raise SuiteUsageError(t("live.key_refused", user=user, code=code)) from None
        key_id = key["AccessKeyId"]
        self._on_own_key(key_id)
        self.cleanup.register(
            f"temporary access key {key_id} of {user}",
            lambda: ignore_gone(iam.delete_access_key, UserName=user, AccessKeyId=key_id),
            Stage.CREDENTIALS,
        )
        return Credentials(key_id, key["SecretAccessKey"])

    def _own_object(self, bucket: str, key: str) -> None:
        self.cleanup.register(
            f"the run's object s3://{bucket}/{key}",
            lambda: ignore_gone(self.s3.delete_object, Bucket=bucket, Key=key),
            Stage.BUCKETS,
        )

    def own_users_bucket(self, bucket: str, created: bool) -> None:
        """U2's bucket, named after the run: the run's if the user's call made it."""
        if created and not self.simulating:
            self.cleanup.register(
                f"S3 bucket {bucket}", lambda: delete_bucket(self.s3, bucket), Stage.BUCKETS
            )
