"""S3 as the hands-on builds it: both buckets, tagged as the run's, and the files in bucket 2."""

from __future__ import annotations

from typing import Any

from handson.i18n import t
from handson.lifecycle import labels
from handson.lifecycle.order import Stage
from handson.lifecycle.ownership import (
    ALREADY_EXISTS,
    BUCKET,
    Collision,
    Existing,
    Named,
    error_code,
    retried,
)
from handson.lifecycle.provision_base import Provisioning, log
from handson.lifecycle.removal import delete_bucket, ignore_gone
from handson.transient import NOT_NOW_CODES
from handson.waiting import retrying_on


class NameStillHeld(Exception):
    """S3 still holds a bucket name that was deleted moments ago."""


class S3Provisioning(Provisioning):
    def create_bucket(self, bucket: str) -> None:
        params: dict[str, Any] = {"Bucket": bucket}
        if self.admin.region != "us-east-1":
            params["CreateBucketConfiguration"] = {"LocationConstraint": self.admin.region}
        try:
            self._create(params)
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

    def _create(self, params: dict[str, Any]) -> None:
        def attempt() -> None:
            try:
                self.s3.create_bucket(**params)
            except Exception as exc:
                # S3's 409 OperationAborted to a name deleted moments ago (a learner's run
                # again with the same --name): it comes free again; sent again meanwhile.
                if error_code(exc) in NOT_NOW_CODES:
                    raise NameStillHeld(str(exc)) from exc
                raise

        what = f"the bucket name {params['Bucket']} to be free again (S3 OperationAborted)"
        retrying_on(attempt, (NameStillHeld,), budget=self.budgets.resource_gone, what=what)

    def _bucket_collision(self, bucket: str) -> Collision:
        """A bucket name taken since the look-up: its tags say whether an earlier run of the
        suite left it, and which; a bucket of another account says so."""
        try:
            found = self.ownership.bucket(bucket)
        except Collision as foreign:
            return foreign
        except Exception as exc:  # noqa: BLE001 - the create's own answer is the one to report
            log.warning(t("provision.not_looked_up", label=labels.named(BUCKET, bucket), error=exc))
            found = None
        return self._taken(bucket, found)

    def _taken(self, bucket: str, found: Named | None) -> Collision:
        """The bucket name is another's: by its tags, an earlier run's or not the suite's."""
        existing = Existing(BUCKET, bucket, found[1] if found else {})
        return Collision(existing.line(self.ownership.place))

    def _fresh_bucket_after_failure(self, bucket: str) -> bool:
        try:
            return self.ownership.fresh_bucket(bucket)
        except Exception as exc:  # noqa: BLE001 - the create's own error is the one to report
            log.warning(t("provision.not_looked_up", label=labels.named(BUCKET, bucket), error=exc))
            return False

    def own_bucket(self, bucket: str, *, just_created: bool = False) -> None:
        """Make a bucket this run's: its removal registered, the run's tags on it.

        In us-east-1, S3 answers 200 to re-creating a bucket one already owns, so a bucket is
        taken as new only as S3 makes one: empty and untagged (the name was free before the run
        started). A bucket that is not so was somebody's: a collision, never adopted.
        """
        if just_created:
            try:
                fresh = self.ownership.fresh_bucket(bucket)
            except BaseException:
                # The create answered, the look at what it made did not (an error, Ctrl-C): the
                # teardown removes it if it is then as S3 makes a bucket, else it never was the
                # run's. It was left, unsaid, by the run and its leak check.
                self.cleanup.register(
                    labels.named(BUCKET, bucket),
                    lambda: self._delete_if_fresh(bucket),
                    Stage.BUCKETS,
                )
                raise
            if not fresh:
                found = self.ownership.bucket(bucket)
                raise self._taken(bucket, found)
        self.cleanup.register(
            labels.named(BUCKET, bucket), lambda: self.delete_bucket(bucket), Stage.BUCKETS
        )
        self.ledger.created(bucket)  # until the tags are on, the record says the bucket is ours
        self.tag_bucket(bucket)

    def users_bucket_coming(self, bucket: str) -> None:
        """U2's bucket, before the user's call: removed at the end if it is then as S3 makes a
        bucket (its name was free when the run started), whatever the call's answer was."""
        self.cleanup.register(
            labels.named(BUCKET, bucket), lambda: self._delete_if_fresh(bucket), Stage.BUCKETS
        )

    def own_users_bucket(self, bucket: str, created: bool) -> None:
        """U2's bucket, which the IAM user creates: the run's only if the user's call made it.
        One the call did not make (refused, or BucketAlreadyOwnedByYou) is never the run's; nor
        is one that was there before the call, which S3 in us-east-1 answers with 200 too."""
        if created:
            self.cleanup.withdraw(labels.named(BUCKET, bucket))  # its own removal now
            self.own_bucket(bucket, just_created=True)

    def users_bucket_removed(self, bucket: str) -> None:
        self.cleanup.withdraw(labels.named(BUCKET, bucket))

    def tag_bucket(self, bucket: str) -> None:
        ignore_gone(
            self.s3.put_bucket_tagging, Bucket=bucket, Tagging={"TagSet": self.names.tag_list()}
        )

    def delete_bucket(self, bucket: str) -> None:
        delete_bucket(self.s3, bucket)

    def _delete_if_fresh(self, bucket: str) -> None:
        if self.ownership.fresh_bucket(bucket):
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
