"""What this run owns, told apart from same-named things by the run's own tag.

A learner who did the hands-on by hand owns resources with the very names the suite would use.
The suite never adopts, changes or removes them: before it creates anything it looks up every
name it would create (a name that exists stops the run), and afterwards a resource is this run's
only if it carries this run's ``handson:run`` tag (or, for a bucket, which S3 creates without tags,
if this run's create call made it and it is still as a new bucket is: empty and untagged).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import ClientError

from handson.errors import SuiteUsageError
from handson.i18n import t
from handson.lifecycle.order import Kind
from handson.names import TAG_NAME, TAG_RUN, TAG_SUITE, RunNames
from handson.next_command import Place, sweep_run

# Answers to a create call that mean the name is taken. Which of them is this run's own earlier
# attempt (a retry after a lost answer) is decided by the run's tag, never by the name.
ALREADY_EXISTS = frozenset(
    {
        "EntityAlreadyExists",
        "BucketAlreadyExists",
        "BucketAlreadyOwnedByYou",
        "InvalidGroup.Duplicate",
        "ParameterAlreadyExists",
    }
)
_ABSENT = frozenset(
    {"NoSuchEntity", "NoSuchBucket", "404", "NotFound", "ParameterNotFound", "NoSuchTagSet"}
)

Named = tuple[str, dict[str, str]]  # what a name is found to be: its ID or ARN, and its tags

POLICY, USER, ROLE, PROFILE, GROUP, BUCKET, LEDGER = (
    Kind.POLICY,
    Kind.USER,
    Kind.ROLE,
    Kind.PROFILE,
    Kind.GROUP,
    Kind.BUCKET,
    Kind.RECORD,
)


class Collision(SuiteUsageError):
    """A name the run would create is taken by something this run did not create."""


def error_code(exc: BaseException) -> str | None:
    if isinstance(exc, ClientError):
        return str(exc.response.get("Error", {}).get("Code"))
    return None


def retried(exc: BaseException) -> bool:
    """Whether botocore had sent the call more than once before this answer."""
    if not isinstance(exc, ClientError):
        return False
    return int(exc.response.get("ResponseMetadata", {}).get("RetryAttempts", 0) or 0) > 0


def tag_dict(pairs: list[dict[str, str]] | None) -> dict[str, str]:
    return {t["Key"]: t["Value"] for t in pairs or []}


@dataclass(frozen=True)
class Leftover:
    """A thing of the run's that still exists: its kind, and its name as a person reads it."""

    kind: Kind
    name: str

    def __str__(self) -> str:
        return f"{self.kind} {self.name}"

    def in_words(self) -> str:
        """With its kind in the run's language."""
        return f"{self.kind.in_words()} {self.name}"


@dataclass(frozen=True)
class Existing:
    """A resource with one of the run's names, found before the run created anything."""

    kind: str
    name: str
    tags: dict[str, str]
    foreign_account: bool = False

    @property
    def left_by(self) -> str | None:
        """The suite run that made it, if its tags say so."""
        return self.tags.get(TAG_RUN) if self.tags.get(TAG_SUITE) else None

    def line(self, place: Place | None = None) -> str:
        """One line in the run's language; a command that removes what an earlier run left
        acts in ``place`` (handson.next_command), or says only its shared part."""
        step = t("collision.next")
        # The kind in the run's language (Kind's values are English); another kind as it is.
        known = self.kind in Kind.__members__.values()
        kind = Kind(self.kind).in_words() if known else self.kind
        if self.foreign_account:
            return t("collision.foreign", kind=kind, name=self.name, next=step)
        if self.left_by:
            said = {"run": self.left_by, "next": step, "command": sweep_run(self.left_by, place)}
            if self.kind == LEDGER:
                held = self.tags.get(TAG_NAME, self.name)
                return t("collision.held", name=held, record=self.name, **said)
            return t("collision.left", kind=kind, name=self.name, **said)
        return t("collision.taken", kind=kind, name=self.name, next=step)


def _absent(exc: ClientError) -> bool:
    return str(exc.response.get("Error", {}).get("Code")) in _ABSENT


class Ownership:
    """Looks up, with the provisioning identity, whether a name exists and whose it is."""

    def __init__(
        self, admin: Any, names: RunNames, account_id: str, partition: str = "aws"
    ) -> None:
        self.names = names
        self.account_id = account_id
        self.partition = partition
        # Where a command that removes an earlier run's leftovers must act (next_command).
        self.place = Place(account_id, admin.region, admin.endpoint_url)
        self.iam, self.s3, self.ec2, self.ssm = (
            admin.client(s) for s in ("iam", "s3", "ec2", "ssm")
        )

    def policy_arn(self, name: str) -> str:
        return f"arn:{self.partition}:iam::{self.account_id}:policy/{name}"

    # -- look-ups: (identifier, tags) of what exists under a name, or None ------------------

    def _read(self, read: Callable[[], Named]) -> Named | None:
        try:
            return read()
        except ClientError as exc:
            if _absent(exc):
                return None
            raise

    def _iam_entity(self, operation: str, key: str, **params: str) -> Named | None:
        def read() -> Named:
            found = getattr(self.iam, operation)(**params)[key]
            return str(found["Arn"]), tag_dict(found.get("Tags"))

        return self._read(read)

    def policy(self, name: str) -> Named | None:
        return self._iam_entity("get_policy", "Policy", PolicyArn=self.policy_arn(name))

    def user(self, name: str) -> Named | None:
        return self._iam_entity("get_user", "User", UserName=name)

    def role(self, name: str) -> Named | None:
        return self._iam_entity("get_role", "Role", RoleName=name)

    def instance_profile(self, name: str) -> Named | None:
        return self._iam_entity("get_instance_profile", "InstanceProfile", InstanceProfileName=name)

    def security_group(self, name: str, vpc_id: str | None = None) -> Named | None:
        filters = [{"Name": "group-name", "Values": [name]}]
        if vpc_id:
            filters.append({"Name": "vpc-id", "Values": [vpc_id]})
        groups = self.ec2.describe_security_groups(Filters=filters)["SecurityGroups"]
        if not groups:
            return None
        return str(groups[0]["GroupId"]), tag_dict(groups[0].get("Tags"))

    def bucket(self, name: str) -> Named | None:
        """The bucket's tags; raises :class:`Collision` for a bucket of another account."""
        try:
            self.s3.head_bucket(Bucket=name)
        except ClientError as exc:
            if _absent(exc):
                return None
            if error_code(exc) in ("403", "AccessDenied"):
                raise Collision(Existing(BUCKET, name, {}, foreign_account=True).line()) from None
            raise
        try:
            tags = tag_dict(self.s3.get_bucket_tagging(Bucket=name)["TagSet"])
        except ClientError as exc:
            if not _absent(exc):
                raise
            tags = {}
        return name, tags

    def ledger(self, name: str) -> Named | None:
        def read() -> Named:
            self.ssm.get_parameter(Name=name)
            found = self.ssm.list_tags_for_resource(ResourceType="Parameter", ResourceId=name)
            return name, tag_dict(found.get("TagList"))

        return self._read(read)

    # -- the run's questions ----------------------------------------------------------------

    def is_ours(self, tags: dict[str, str]) -> bool:
        return tags.get(TAG_RUN) == self.names.run_id

    def taken(self) -> list[Existing]:
        """Every name this run would create that exists already, whoever made it."""
        n = self.names
        looks: list[tuple[str, str, Callable[[str], Named | None]]] = [
            (LEDGER, n.ledger, self.ledger),
            (POLICY, n.user_policy, self.policy),
            (POLICY, n.role_policy, self.policy),
            (USER, n.user, self.user),
            (ROLE, n.role, self.role),
            (PROFILE, n.instance_profile, self.instance_profile),
            (GROUP, n.security_group, self.security_group),
            (BUCKET, n.bucket1, self.bucket),
            (BUCKET, n.bucket2, self.bucket),
            (BUCKET, n.scratch_bucket, self.bucket),
        ]
        found = []
        for kind, name, look in looks:
            try:
                existing = look(name)
            except Collision:  # a bucket of another account
                found.append(Existing(kind, name, {}, foreign_account=True))
                continue
            if existing is not None:
                found.append(Existing(kind, name, existing[1]))
        return found

    def fresh_bucket(self, name: str) -> bool:
        """As S3 makes a new bucket: no tags, no object or object version, no delete marker."""
        found = self.bucket(name)
        if found is None or found[1]:
            return False
        versions = self.s3.list_object_versions(Bucket=name, MaxKeys=1)
        return not versions.get("Versions") and not versions.get("DeleteMarkers")

    def remaining(
        self, created_buckets: tuple[str, ...] | None = None, *, with_admin: bool = False
    ) -> list[Leftover]:
        """What of this run still exists. ``created_buckets``: the buckets the run's calls made
        (read from the run's record when not given). The emulator's admin of the run is the
        target's to remove, when the run leaves the emulator: counted only ``with_admin``."""
        n = self.names
        found: list[Leftover] = []
        if created_buckets is None:
            record = self.ledger(n.ledger)
            created_buckets = ()
            if record is not None and self.is_ours(record[1]):
                found.append(Leftover(LEDGER, n.ledger))
                value = self.ssm.get_parameter(Name=n.ledger)["Parameter"]["Value"]
                created_buckets = tuple(json.loads(value).get("created", []))
        named: list[tuple[Kind, str, Callable[[str], Named | None]]] = [
            (POLICY, n.user_policy, self.policy),
            (POLICY, n.role_policy, self.policy),
            (USER, n.user, self.user),
            *([(USER, n.admin_user, self.user)] if with_admin else []),
            (ROLE, n.role, self.role),
            (PROFILE, n.instance_profile, self.instance_profile),
        ]
        for kind, name, look in named:
            existing = look(name)
            if existing is not None and self.is_ours(existing[1]):
                found.append(Leftover(kind, name))
        for bucket in (n.bucket1, n.bucket2, n.scratch_bucket):
            try:
                existing = self.bucket(bucket)
            except Collision:
                continue
            if existing is not None and (self.is_ours(existing[1]) or bucket in created_buckets):
                found.append(Leftover(BUCKET, bucket))
        by_tag = [{"Name": f"tag:{TAG_RUN}", "Values": [n.run_id]}]
        for group in self.ec2.describe_security_groups(Filters=by_tag)["SecurityGroups"]:
            found.append(Leftover(GROUP, f"{group['GroupName']} ({group['GroupId']})"))
        reservations = self.ec2.describe_instances(Filters=by_tag)["Reservations"]
        found += [
            Leftover(Kind.INSTANCE, f"{i['InstanceId']} ({i['State']['Name']})")
            for r in reservations
            for i in r["Instances"]
            if i["State"]["Name"] != "terminated"
        ]
        return found


def of_account(admin: Any, names: RunNames) -> Ownership:
    """Ownership look-ups in the account (and partition) the provisioning identity is in."""
    caller = admin.client("sts").get_caller_identity()
    return Ownership(admin, names, str(caller["Account"]), str(caller["Arn"]).split(":")[1])


def collisions(admin: Any, names: RunNames) -> list[str]:
    """One line for each name the run would create that exists already."""
    account = of_account(admin, names)
    return [existing.line(account.place) for existing in account.taken()]
