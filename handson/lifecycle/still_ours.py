"""Whether what the sweeper found as a run's still is, read again right before its deletion.

A resource found by the run's tag is the run's while it carries that tag. A bucket found by the
run's record alone (S3 creates a bucket without tags) is the run's only while it is as the run's
call left it: untagged and empty, made after the run started and, where the record says the
run's call made it, no later than the record's last write (which notes each bucket right after
its create). A bucket made by hand with that name after the run removed its own, or one a file
was put in, is not provably the run's: it is left, and said (``NotTheRuns``).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from botocore.exceptions import ClientError

from handson import SUITE
from handson.lifecycle.ledger import Record
from handson.lifecycle.ownership import error_code, tag_dict
from handson.lifecycle.removal import ignore_gone
from handson.names import TAG_RUN, TAG_SUITE
from handson.snapshot import unless_gone

# S3 gives a bucket's creation in whole seconds; SSM a record's last write to the millisecond.
CLOCK_SLACK = timedelta(seconds=1)

Tags = dict[str, str]


class NotTheRuns(Exception):
    """Read right before its deletion, a resource is not provably the run's: it is left."""


def guarded(still_ours: Callable[[], bool], remove: Callable[[], None]) -> Callable[[], None]:
    """``remove``, only once ``still_ours`` has read that it is still the run's."""

    def delete() -> None:
        if not still_ours():
            raise NotTheRuns
        remove()

    return delete


def run_tagged(read: Callable[[], Tags | None], listed: Tags) -> Callable[[], bool]:
    """Whether the resource still carries the suite's tag and the run's, as when it was listed
    (``read``: its tags now, None when it is gone, which its removal takes as done)."""

    def check() -> bool:
        now = read()
        return now is None or (
            now.get(TAG_SUITE) == SUITE and now.get(TAG_RUN) == listed.get(TAG_RUN)
        )

    return check


def iam_tags(iam: Any, operation: str, **params: str) -> Callable[[], Tags | None]:
    """An IAM entity's tags as ``operation`` (list_role_tags, ...) reads them; None when gone."""
    return lambda: unless_gone(lambda: tag_dict(getattr(iam, operation)(**params)["Tags"]))


def profile_tags(iam: Any, name: str) -> Tags | None:
    """An instance profile's tags as GetInstanceProfile reads them; None when it is gone."""
    found = unless_gone(lambda: iam.get_instance_profile(InstanceProfileName=name))
    return None if found is None else tag_dict(found["InstanceProfile"].get("Tags"))


def bucket_tags(s3: Any, name: str) -> Tags | None:
    """The bucket's tags ({} for none); None when it is gone."""
    try:
        return tag_dict(s3.get_bucket_tagging(Bucket=name)["TagSet"])
    except ClientError as exc:
        code = error_code(exc)
        if code == "NoSuchTagSet":
            return {}
        if code == "NoSuchBucket":
            return None
        raise


def creation_dates(s3: Any) -> dict[str, Any]:
    return {b["Name"]: b.get("CreationDate") for b in s3.list_buckets().get("Buckets", [])}


def made_by_the_run(s3: Any, name: str, record: Record, created: Any) -> bool:
    """Whether untagged bucket ``name``, which ``record`` names, is as the run's call left it:
    made after the run started (and, when the record says the run's call made it, before the
    record's last write), and empty: no object, object version or delete marker."""
    started = record.started
    if started is None or not isinstance(created, datetime) or created < started:
        return False
    written = record.written
    if name in record.created and (written is None or created > written + CLOCK_SLACK):
        return False  # made after the run noted its own: somebody's, made by hand since
    versions = s3.list_object_versions(Bucket=name, MaxKeys=1)
    return not versions.get("Versions") and not versions.get("DeleteMarkers")


def still_made_by_the_run(s3: Any, name: str, record: Record) -> Callable[[], bool]:
    """made_by_the_run, read again (a bucket gone since counts: its removal takes it as done)."""

    def check() -> bool:
        tags = bucket_tags(s3, name)
        if tags is None:
            return True
        return tags == {} and made_by_the_run(s3, name, record, creation_dates(s3).get(name))

    return check


def delete_new_bucket(s3: Any, name: str) -> None:
    """Delete a bucket as S3 made it, without emptying it: one a file was put in since the check
    is refused by S3 itself (BucketNotEmpty), and left."""
    try:
        ignore_gone(s3.delete_bucket, Bucket=name)
    except ClientError as exc:
        if error_code(exc) == "BucketNotEmpty":
            raise NotTheRuns from exc
        raise
