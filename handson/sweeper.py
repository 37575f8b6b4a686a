"""Find, and on request remove, what earlier runs left behind once their expiry has passed.

Only resources that carry the suite's tag are considered; a resource whose expiry has not passed
(a run that may still be in progress) or that has no readable expiry is left alone.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime

from botocore.exceptions import ClientError

from handson import SUITE
from handson.aws import Principal
from handson.names import TAG_EXPIRES, TAG_RUN, TAG_SUITE, parse_expiry
from handson.removal import (
    delete_bucket,
    delete_instance_profile,
    delete_policy,
    delete_role,
    delete_user,
    ignore_gone,
    terminate_instance,
)

# Deletion order: what depends on something is removed before it.
KINDS = (
    "EC2 instance",
    "security group",
    "instance profile",
    "IAM role",
    "IAM user",
    "IAM policy",
    "S3 bucket",
)


@dataclass(frozen=True)
class Found:
    kind: str
    name: str
    run: str
    expires_at: str | None
    delete: Callable[[], None] = field(repr=False, compare=False)

    def expired(self, now: datetime) -> bool:
        moment = parse_expiry(self.expires_at or "")
        return moment is not None and moment <= now

    def line(self, now: datetime) -> str:
        state = (
            "expired"
            if self.expired(now)
            else "no expiry tag: left alone"
            if parse_expiry(self.expires_at or "") is None
            else "not expired: left alone"
        )
        return f"{self.kind:16} {self.name}  run {self.run}  expires {self.expires_at}  ({state})"


def _tags(pairs: list[dict[str, str]] | None) -> dict[str, str]:
    return {t["Key"]: t["Value"] for t in pairs or []}


class Sweeper:
    def __init__(self, admin: Principal, *, gone_budget: float = 600) -> None:
        self.admin = admin
        self.iam, self.ec2, self.s3 = (admin.client(s) for s in ("iam", "ec2", "s3"))
        self.gone_budget = gone_budget

    def find(self) -> list[Found]:
        found = [*self._instances(), *self._security_groups(), *self._iam(), *self._buckets()]
        return sorted(found, key=lambda f: (KINDS.index(f.kind), f.name))

    def sweep(
        self,
        now: datetime | None = None,
        *,
        delete: bool = False,
        say: Callable[[str], None] = print,
    ) -> list[str]:
        """List every suite resource; delete the expired ones when asked. Returns failures."""
        now = now or datetime.now(UTC)
        failures = []
        for item in self.find():
            say(item.line(now))
            if delete and item.expired(now):
                try:
                    item.delete()
                    say(f"  deleted {item.kind} {item.name}")
                except Exception as exc:  # noqa: BLE001 - sweep the rest, report this one
                    failures.append(f"{item.kind} {item.name}: {type(exc).__name__}: {exc}")
                    say(f"  could not delete {item.kind} {item.name}: {exc}")
        return failures

    # -- finding -----------------------------------------------------------------------------

    def _ours(self, tags: dict[str, str]) -> bool:
        return tags.get(TAG_SUITE) == SUITE

    def _found(
        self, kind: str, name: str, tags: dict[str, str], delete: Callable[[], None]
    ) -> Found:
        return Found(kind, name, tags.get(TAG_RUN, "?"), tags.get(TAG_EXPIRES), delete)

    def _instances(self) -> Iterator[Found]:
        pages = self.ec2.get_paginator("describe_instances").paginate(
            Filters=[
                {"Name": f"tag:{TAG_SUITE}", "Values": [SUITE]},
                {
                    "Name": "instance-state-name",
                    "Values": ["pending", "running", "stopping", "stopped"],
                },
            ]
        )
        for page in pages:
            for reservation in page["Reservations"]:
                for instance in reservation["Instances"]:
                    instance_id = instance["InstanceId"]
                    yield self._found(
                        "EC2 instance",
                        instance_id,
                        _tags(instance.get("Tags")),
                        lambda i=instance_id: terminate_instance(
                            self.ec2, i, budget=self.gone_budget
                        ),
                    )

    def _security_groups(self) -> Iterator[Found]:
        groups = self.ec2.describe_security_groups(
            Filters=[{"Name": f"tag:{TAG_SUITE}", "Values": [SUITE]}]
        )["SecurityGroups"]
        for group in groups:
            group_id = group["GroupId"]
            yield self._found(
                "security group",
                group_id,
                _tags(group.get("Tags")),
                lambda g=group_id: ignore_gone(self.ec2.delete_security_group, GroupId=g),
            )

    def _iam(self) -> Iterator[Found]:
        iam = self.iam
        for page in iam.get_paginator("list_instance_profiles").paginate():
            for profile in page["InstanceProfiles"]:
                name = profile["InstanceProfileName"]
                if name.startswith("handson-iam-role-"):
                    tags = _tags(
                        iam.get_instance_profile(InstanceProfileName=name)["InstanceProfile"].get(
                            "Tags"
                        )
                    )
                    if self._ours(tags):
                        yield self._found(
                            "instance profile",
                            name,
                            tags,
                            lambda n=name: delete_instance_profile(iam, n),
                        )
        for page in iam.get_paginator("list_roles").paginate():
            for role in page["Roles"]:
                name = role["RoleName"]
                if name.startswith("handson-iam-role-"):
                    tags = _tags(iam.list_role_tags(RoleName=name)["Tags"])
                    if self._ours(tags):
                        yield self._found(
                            "IAM role", name, tags, lambda n=name: delete_role(iam, n)
                        )
        for page in iam.get_paginator("list_users").paginate():
            for user in page["Users"]:
                name = user["UserName"]
                if name.startswith("handson-iam-user-"):
                    tags = _tags(iam.list_user_tags(UserName=name)["Tags"])
                    if self._ours(tags):
                        yield self._found(
                            "IAM user", name, tags, lambda n=name: delete_user(iam, n)
                        )
        for page in iam.get_paginator("list_policies").paginate(Scope="Local"):
            for policy in page["Policies"]:
                if policy["PolicyName"].startswith("handson-iam-"):
                    arn = policy["Arn"]
                    tags = _tags(iam.list_policy_tags(PolicyArn=arn)["Tags"])
                    if self._ours(tags):
                        yield self._found(
                            "IAM policy",
                            policy["PolicyName"],
                            tags,
                            lambda a=arn: delete_policy(iam, a),
                        )

    def _buckets(self) -> Iterator[Found]:
        for bucket in self.s3.list_buckets().get("Buckets", []):
            name = bucket["Name"]
            if not name.startswith("handson-s3-"):
                continue
            try:
                tags = _tags(self.s3.get_bucket_tagging(Bucket=name)["TagSet"])
            except ClientError as exc:
                if exc.response["Error"]["Code"] in ("NoSuchTagSet", "NoSuchBucket"):
                    continue
                raise
            if self._ours(tags):
                yield self._found("S3 bucket", name, tags, lambda n=name: delete_bucket(self.s3, n))
