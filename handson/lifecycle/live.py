"""``--target existing --live``: the learner's own environment as the checks' environment.

Nothing of the learner's is created, changed or deleted. The run writes only things of its own,
each with a name that carries the run's ID, and removes each at the end whatever happens:

- three files in bucket 2 (``open/``, ``close/``, the root) for R4-R6 to read, overwrite and
  delete, in place of the learner's files;
- R2's ``test.txt`` and U2's bucket under names of the run (the user or the role makes them);
- with ``--temporary-user-key`` only, an access key for ``handson-iam-user``.

Each is written into the run's record (``live-record.json`` in the run's folder) before it is made
(the key: the moment it exists), so that after a run killed before its teardown,
``python -m handson.sweep --record <file> --delete`` removes exactly those.

The user's credentials come from ``--user-profile`` (checked to be ``handson-iam-user``'s) or
from that temporary key.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from botocore.exceptions import ClientError

from handson.aws import Credentials, Principal
from handson.discovery import Discovery
from handson.environment import HandsonEnvironment, LoginProfile
from handson.errors import SuiteUsageError
from handson.file_words import Unreadable, read_given
from handson.i18n import t
from handson.lifecycle import labels
from handson.lifecycle.cleanup import Cleanup
from handson.lifecycle.order import Kind, Stage
from handson.lifecycle.removal import (
    delete_bucket,
    delete_key_for_good,
    ignore_gone,
    versions_of,
)
from handson.names import RunNames
from handson.snapshot import unless_gone
from handson.transient import retry_answers_not_aws
from handson.whole_file import write_whole

# The run's record of what it writes, in the run's folder (handson sweep --record reads it).
LIVE_RECORD = "live-record.json"
# The user's key when --live has none: the user's checks are then replayed, never run live.
NO_USER_KEY = Credentials("", "")


def user_from_profile(profile: str, region: str, endpoint_url: str | None) -> Credentials:
    """``handson-iam-user``'s own key, from a named profile; refused unless it is that user's."""
    import boto3
    from botocore.exceptions import BotoCoreError, ConfigParseError, ProfileNotFound

    try:
        session = boto3.session.Session(profile_name=profile, region_name=region)
        frozen = session.get_credentials()
        if frozen is None:
            raise SuiteUsageError(t("live.profile_empty", profile=profile))
        sts = retry_answers_not_aws(session.client("sts", endpoint_url=endpoint_url))
        arn = sts.get_caller_identity()["Arn"]
    except ProfileNotFound:
        raise SuiteUsageError(t("live.profile_missing", profile=profile)) from None
    except ConfigParseError as exc:
        said = t("aws.config_unreadable", path=exc.kwargs.get("path", "?"))
        raise SuiteUsageError(f"--user-profile {profile}: {said}") from None
    except (ClientError, BotoCoreError) as exc:
        # AWS's code (InvalidClientTokenId: a key deleted or mistyped) says more than a class.
        code = exc.response.get("Error", {}).get("Code") if isinstance(exc, ClientError) else None
        raise SuiteUsageError(
            t("live.profile_refused", profile=profile, error=code or type(exc).__name__)
        ) from None
    if not str(arn).endswith(":user/handson-iam-user"):
        raise SuiteUsageError(t("live.profile_not_user", profile=profile, arn=arn))
    keys = frozen.get_frozen_credentials()
    return Credentials(keys.access_key, keys.secret_key, keys.token)


@dataclass
class LiveRecord:
    """What a live run writes in a learner's account, recorded before it is written."""

    path: Path
    account: str
    items: list[dict[str, str]] = field(default_factory=list)

    def add(self, kind: str, **where: str) -> None:
        self.items.append({"kind": kind, **where})
        self.path.parent.mkdir(parents=True, exist_ok=True)
        document = {"account": self.account, "items": self.items}
        write_whole(self.path, json.dumps(document, indent=2))  # never half a record

    @classmethod
    def read(cls, path: Path) -> LiveRecord:
        try:
            text = read_given(path)  # a file not there, or a folder: said in the run's words
        except Unreadable as why:
            raise SuiteUsageError(t("live.record_cannot_read", path=path, error=why)) from None
        try:
            document = json.loads(text)
            return cls(path, str(document["account"]), list(document["items"]))
        except (ValueError, KeyError, TypeError) as exc:
            raise SuiteUsageError(t("live.record_unreadable", path=path, error=exc)) from None


def sweep_record(
    admin: Principal, record: LiveRecord, *, delete: bool, say: Callable[[str], None] = print
) -> list[str]:
    """List what a live run recorded that is still there; delete it when asked. Every name
    carries the run's ID, or the key was made by the run: nothing else is touched."""
    s3, iam = admin.client("s3"), admin.client("iam")
    failures = []
    for item in record.items:
        there, remove, label = _recorded(s3, iam, item)
        say(t("sweep.recorded", label=label, state=t("sweep.there" if there else "sweep.gone")))
        if not (delete and there):
            continue
        try:
            remove()
            say(t("sweep.deleted", label=label))
        except Exception as exc:  # noqa: BLE001 - sweep the rest, report this one
            failures.append(f"{label}: {type(exc).__name__}: {exc}")
    return failures


def _recorded(s3: Any, iam: Any, item: dict[str, str]) -> tuple[bool, Callable[[], None], str]:
    def exists(call: Callable[[], Any]) -> bool:
        return unless_gone(call) is not None

    kind = item["kind"]
    if kind == "object":
        bucket, key = item["bucket"], item["key"]
        return (
            bool(unless_gone(lambda: versions_of(s3, bucket, key))),
            lambda: delete_key_for_good(s3, bucket, key),
            labels.recorded_object(bucket, key),
        )
    if kind == "bucket":
        bucket = item["bucket"]
        return (
            exists(lambda: s3.head_bucket(Bucket=bucket)),
            lambda: delete_bucket(s3, bucket),
            labels.named(Kind.BUCKET, bucket),
        )
    user, key_id = item["user"], item["key_id"]
    listed = iam.list_access_keys(UserName=user)["AccessKeyMetadata"]
    return (
        any(k["AccessKeyId"] == key_id for k in listed),
        lambda: iam.delete_access_key(UserName=user, AccessKeyId=key_id),
        labels.access_key(key_id, user),
    )


class LiveBuilder:
    """Gives the checks the learner's environment; makes and removes only what is the run's."""

    def __init__(
        self,
        admin: Principal,
        names: RunNames,
        found: Discovery,
        cleanup: Cleanup,
        user_credentials: Credentials | None,
        on_own_key: Callable[[str], None],
        *,
        temporary_key: bool = False,
        simulating: bool = False,
        record: LiveRecord | None = None,
    ) -> None:
        self.temporary = temporary_key  # make a key for the user, and delete it at the end
        self.record = record
        self.simulating = simulating  # the user's calls are asked of the simulator, not sent
        self.admin = admin
        self.names = names
        self.found = found
        self.cleanup = cleanup
        self._user_credentials = user_credentials
        self._on_own_key = on_own_key
        self.s3 = admin.client("s3")

    def build(self) -> HandsonEnvironment:
        found, iam = self.found, self.admin.client("iam")
        assert found.user and found.role and found.instance_id and found.buckets
        user_arn = iam.get_user(UserName=found.user)["User"]["Arn"]
        role_arn = iam.get_role(RoleName=found.role)["Role"]["Arn"]
        instance = self.admin.client("ec2").describe_instances(InstanceIds=[found.instance_id])
        described = instance["Reservations"][0]["Instances"][0]
        sample = f"{self.names.own_mark}.txt"
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
        test_file = f"test-{self.names.own_mark}.txt"
        self._own_object(found.buckets[0], test_file)
        scratch = f"handson-s3-u-{self.names.run_id}"
        if self.record is not None and not self.simulating:
            self.record.add("bucket", bucket=scratch)  # the user may make it (U2)
        credentials = self._user_credentials
        if credentials is None:
            credentials = self.temporary_key() if self.temporary else NO_USER_KEY
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
            scratch_bucket=scratch,
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
        # Its removal first, the moment the key exists: a record that could not be written (or
        # a Ctrl-C while it was) left a key nothing removed, and no record to sweep it by.
        self.cleanup.register(
            labels.temporary_key(key_id, str(user)),
            lambda: ignore_gone(iam.delete_access_key, UserName=user, AccessKeyId=key_id),
            Stage.CREDENTIALS,
        )
        if self.record is not None:
            self.record.add("access key", user=str(user), key_id=key_id)
        self._on_own_key(key_id)
        return Credentials(key_id, key["SecretAccessKey"])

    def _own_object(self, bucket: str, key: str) -> None:
        if self.record is not None:
            self.record.add("object", bucket=bucket, key=key)
        self.cleanup.register(
            labels.runs_object(bucket, key),
            lambda: delete_key_for_good(self.s3, bucket, key),
            Stage.BUCKETS,
        )

    def users_bucket_coming(self, bucket: str) -> None:
        """U2's bucket, named after the run (its name was free): before the user's call, removed
        at the end if it is there and empty, whatever the call's answer was (its answer lost, a
        Ctrl-C before it was read); one holding a file is not deleted (S3 refuses)."""
        if not self.simulating:
            self.cleanup.register(
                labels.named(Kind.BUCKET, bucket),
                lambda: ignore_gone(self.s3.delete_bucket, Bucket=bucket),
                Stage.BUCKETS,
            )

    def own_users_bucket(self, bucket: str, created: bool) -> None:
        """U2's bucket, named after the run: the run's if the user's call made it."""
        if created and not self.simulating:
            self.cleanup.withdraw(labels.named(Kind.BUCKET, bucket))  # its own removal now
            self.cleanup.register(
                labels.named(Kind.BUCKET, bucket),
                lambda: delete_bucket(self.s3, bucket),
                Stage.BUCKETS,
            )

    def users_bucket_removed(self, bucket: str) -> None:
        self.cleanup.withdraw(labels.named(Kind.BUCKET, bucket))
