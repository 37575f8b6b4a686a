"""Find, and on request remove, what earlier runs left behind (a run killed before its teardown).

Only what a run marked as its own is considered: resources that carry the suite's tag (and, where
the suite names them with a prefix, have that prefix too), the runs' records (SSM parameters
under ``/handson-iam-acceptance/runs/``), and the buckets a record names that carry no tag yet,
because the run was killed between S3's CreateBucket and the call that tags the bucket. An
untagged bucket counts as a run's only while it is still as S3 makes a bucket (empty and
untagged, created after the run started) and its record says the run's call made it (then no
later than the record's last write) or that the run meant to (its name was free at the start).
Everything is read again right before its deletion (handson/lifecycle/still_ours.py); what is
not provably the run's (a bucket made by hand with a name a record lists, one a file was put
in, a resource without the run's tag) is left, and said in one line.

Which runs go: by default those whose expiry has passed; ``run`` picks one run at once,
expired or not; ``older_than`` picks the runs that started longer ago than that.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any

from handson import SUITE
from handson.aws import Principal
from handson.errors import SuiteUsageError
from handson.i18n import display_width, pad, t
from handson.lifecycle import labels
from handson.lifecycle.cleanup import riding_out
from handson.lifecycle.ledger import Record, records
from handson.lifecycle.order import Kind, sweep_key
from handson.lifecycle.ownership import tag_dict
from handson.lifecycle.removal import (
    delete_bucket,
    delete_instance_profile,
    delete_policy,
    delete_role,
    delete_security_group,
    delete_user,
    ignore_gone,
    terminate_instance,
)
from handson.lifecycle.still_ours import (
    NotTheRuns,
    bucket_tags,
    creation_dates,
    delete_new_bucket,
    guarded,
    iam_tags,
    made_by_the_run,
    profile_tags,
    run_tagged,
    still_made_by_the_run,
)
from handson.names import (
    LEDGER_PATH,
    TAG_EXPIRES,
    TAG_NAME,
    TAG_RUN,
    TAG_STARTED,
    TAG_SUITE,
    RunNames,
    parse_timestamp,
)
from handson.snapshot import LIVE_INSTANCE_STATES

USER_PREFIXES = ("handson-iam-user-", "handson-admin-")
_DURATION_RE = re.compile(r"^(\d+)\s*([smhd])$")
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days"}


def parse_duration(text: str) -> timedelta:
    """``90s``, ``30m``, ``4h``, ``2d``."""
    match = _DURATION_RE.fullmatch(text.strip().lower())
    if not match:
        raise SuiteUsageError(t("sweep.older_than", value=repr(text)))
    return timedelta(**{_UNITS[match[2]]: int(match[1])})


@dataclass(frozen=True)
class Choice:
    """Which runs a sweep removes."""

    now: datetime
    run: str | None = None
    older_than: timedelta | None = None

    def picks(self, found: Found) -> tuple[bool, str]:
        """Whether ``found`` goes, and the state shown beside it (sweep.state.*)."""
        if self.run is not None:
            if found.run == self.run:
                return True, "asked"
            return False, "other_run"
        if self.older_than is not None:
            started = parse_timestamp(found.started_at or "")
            if started is None:
                return False, "no_start"
            if started <= self.now - self.older_than:
                return True, "older"
            return False, "newer"
        expires = parse_timestamp(found.expires_at or "")
        if expires is None:
            return False, "no_expiry"
        if expires <= self.now:
            return True, "expired"
        return False, "not_expired"


@dataclass(frozen=True)
class Found:
    kind: Kind
    name: str
    run: str
    started_at: str | None
    expires_at: str | None
    delete: Callable[[], None] = field(repr=False, compare=False)
    # What marks it as the run's (sweep.why.*): its tag, or the run's record (created, intended).
    why: str = "tag"
    # False for a bucket the run's record names that is not provably the run's: named, left.
    proven: bool = True

    def line(self, state: str) -> str:
        """One line of the listing, in the run's language; ``state`` as Choice.picks says it."""
        return t(
            "sweep.item",
            kind=pad(self.kind.in_words(), max(display_width(k.in_words()) for k in Kind)),
            name=self.name,
            run=self.run,
            expires=self.expires_at,
            why=t(f"sweep.why.{self.why}"),
            state=t(f"sweep.state.{state}"),
        )

    def label(self) -> str:
        return labels.named(self.kind, self.name)


class Sweeper:
    def __init__(
        self, admin: Principal, *, gone_budget: float = 600, retry_budget: float = 60
    ) -> None:
        """``retry_budget``: how long a deletion is sent again while AWS answers that it cannot
        do it yet (the teardown's Cleanup.retry_budget)."""
        self.admin = admin
        self.retry_budget = retry_budget
        self.iam, self.ec2, self.s3, self.ssm = (
            admin.client(s) for s in ("iam", "ec2", "s3", "ssm")
        )
        self.gone_budget = gone_budget

    def find(self) -> list[Found]:
        found = [
            *self._instances(),
            *self._security_groups(),
            *self._iam(),
            *self._buckets(),
            *self._records(),
        ]
        return sorted(found, key=lambda f: sweep_key(f.kind, f.name))

    def sweep(
        self,
        now: datetime | None = None,
        *,
        delete: bool = False,
        say: Callable[[str], None] = print,
        run: str | None = None,
        older_than: timedelta | None = None,
    ) -> list[str]:
        """List every suite resource; delete the chosen ones when asked. Returns failures.

        A run's record is kept while anything else of that run could not be deleted, so that
        a later sweep still knows its untagged buckets.
        """
        choice = Choice(now or datetime.now(UTC), run, older_than)
        failures: list[str] = []
        failed_runs: set[str] = set()
        found = self.find()
        picked = 0
        for item in found:
            if not item.proven:
                say(t("sweep.not_the_runs", label=item.label(), run=item.run))
                continue
            chosen, state = choice.picks(item)
            picked += chosen
            say(item.line(state))
            if not (delete and chosen):
                continue
            if item.kind == Kind.RECORD and item.run in failed_runs:
                say(t("sweep.kept", label=item.label()))
                continue
            try:
                riding_out(item.delete, budget=self.retry_budget, what=f"deleting {item.name}")
                say(t("sweep.deleted", label=item.label()))
            except NotTheRuns:  # read again right before the deletion: left, and said
                say(t("sweep.not_the_runs", label=item.label(), run=item.run))
            except Exception as exc:  # noqa: BLE001 - sweep the rest, report this one
                failed_runs.add(item.run)
                failures.append(f"{item.label()}: {type(exc).__name__}: {exc}")
                say(t("sweep.not_deleted", label=item.label(), error=exc))
        if not found:
            say(t("sweep.none"))
        elif not delete:  # what --delete would do, and how to choose the rest
            say(t("sweep.would_delete", count=picked) if picked else t("sweep.none_chosen"))
        return failures

    # -- finding -----------------------------------------------------------------------------

    @staticmethod
    def _ours(tags: dict[str, str]) -> bool:
        return tags.get(TAG_SUITE) == SUITE

    @staticmethod
    def _found(
        kind: Kind,
        name: str,
        tags: dict[str, str],
        delete: Callable[[], None],
        why: str = "tag",
        proven: bool = True,
        *,
        read: Callable[[], dict[str, str] | None] | None = None,
    ) -> Found:
        """``read``: its tags, read again right before ``delete``, which goes only while they
        are the run's still (a name someone gave something else since is not the run's)."""
        if read is not None:
            delete = guarded(run_tagged(read, tags), delete)
        return Found(
            kind,
            name,
            tags.get(TAG_RUN, "?"),
            tags.get(TAG_STARTED),
            tags.get(TAG_EXPIRES),
            delete,
            why,
            proven,
        )

    def _instances(self) -> Iterator[Found]:
        pages = self.ec2.get_paginator("describe_instances").paginate(
            Filters=[
                {"Name": f"tag:{TAG_SUITE}", "Values": [SUITE]},
                {"Name": "instance-state-name", "Values": list(LIVE_INSTANCE_STATES)},
            ]
        )
        for page in pages:
            for reservation in page["Reservations"]:
                for instance in reservation["Instances"]:
                    instance_id = instance["InstanceId"]
                    yield self._found(
                        Kind.INSTANCE,
                        instance_id,
                        tag_dict(instance.get("Tags")),
                        partial(terminate_instance, self.ec2, instance_id, budget=self.gone_budget),
                    )

    def _security_groups(self) -> Iterator[Found]:
        groups = self.ec2.describe_security_groups(
            Filters=[{"Name": f"tag:{TAG_SUITE}", "Values": [SUITE]}]
        )["SecurityGroups"]
        for group in groups:
            group_id = group["GroupId"]
            yield self._found(
                Kind.GROUP,
                group_id,
                tag_dict(group.get("Tags")),
                partial(delete_security_group, self.ec2, group_id),
            )

    def _iam(self) -> Iterator[Found]:
        iam = self.iam
        for page in iam.get_paginator("list_instance_profiles").paginate():
            for profile in page["InstanceProfiles"]:
                name = profile["InstanceProfileName"]
                if name.startswith("handson-iam-role-"):
                    read: Callable[[], dict[str, str] | None] = partial(profile_tags, iam, name)
                    tags = read() or {}
                    if self._ours(tags):
                        remove = partial(delete_instance_profile, iam, name)
                        yield self._found(Kind.PROFILE, name, tags, remove, read=read)
        for page in iam.get_paginator("list_roles").paginate():
            for role in page["Roles"]:
                name = role["RoleName"]
                if name.startswith("handson-iam-role-"):
                    read = iam_tags(iam, "list_role_tags", RoleName=name)
                    tags = read() or {}
                    if self._ours(tags):
                        remove = partial(delete_role, iam, name)
                        yield self._found(Kind.ROLE, name, tags, remove, read=read)
        for page in iam.get_paginator("list_users").paginate():
            for user in page["Users"]:
                name = user["UserName"]
                if name.startswith(USER_PREFIXES):
                    read = iam_tags(iam, "list_user_tags", UserName=name)
                    tags = read() or {}
                    if self._ours(tags):
                        remove = partial(delete_user, iam, name)
                        yield self._found(Kind.USER, name, tags, remove, read=read)
        for page in iam.get_paginator("list_policies").paginate(Scope="Local"):
            for policy in page["Policies"]:
                if policy["PolicyName"].startswith("handson-iam-"):
                    arn = policy["Arn"]
                    read = iam_tags(iam, "list_policy_tags", PolicyArn=arn)
                    tags = read() or {}
                    if self._ours(tags):
                        # Detached only from its run's user and role: another's attachment stays.
                        run = RunNames(tags[TAG_NAME]) if tags.get(TAG_NAME) else None
                        ours = (run.user, run.role) if run is not None else ()
                        remove = partial(delete_policy, iam, arn, ours=ours)
                        yield self._found(
                            Kind.POLICY, policy["PolicyName"], tags, remove, read=read
                        )

    def _buckets(self) -> Iterator[Found]:
        for bucket in self.s3.list_buckets().get("Buckets", []):
            name = bucket["Name"]
            if not name.startswith("handson-s3-"):
                continue
            tags = bucket_tags(self.s3, name)
            if tags and self._ours(tags):
                read = partial(bucket_tags, self.s3, name)
                remove = partial(delete_bucket, self.s3, name)
                yield self._found(Kind.BUCKET, name, tags, remove, read=read)

    def _records(self) -> Iterator[Found]:
        created_at = creation_dates(self.s3)
        for record, parameter, tags in records(self.ssm, LEDGER_PATH):
            if not self._ours(tags):
                continue
            if record is not None:
                yield from self._untagged_buckets(record, tags, created_at)
            yield self._found(
                Kind.RECORD,
                parameter,
                tags,
                partial(ignore_gone, self.ssm.delete_parameter, Name=parameter),
            )

    def _untagged_buckets(
        self, record: Record, tags: dict[str, str], created_at: dict[str, Any]
    ) -> Iterator[Found]:
        """The buckets a record names that do not carry its run's tag: the run's while they are
        as its call left them (still_ours.made_by_the_run); any other is named, and left."""
        for name in dict.fromkeys((*record.created, *record.intended)):
            found = bucket_tags(self.s3, name) if name in created_at else None
            if found is None or (self._ours(found) and found.get(TAG_RUN) == tags.get(TAG_RUN)):
                continue  # gone, or found by the run's tag on it (_buckets)
            why = "created" if name in record.created else "intended"
            proven = found == {} and made_by_the_run(self.s3, name, record, created_at[name])
            check = still_made_by_the_run(self.s3, name, record)
            remove = guarded(check, partial(delete_new_bucket, self.s3, name))
            yield self._found(Kind.BUCKET, name, tags, remove, why, proven)
