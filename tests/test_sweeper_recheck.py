"""The sweeper reads each resource again right before its deletion, and leaves what is not
provably the run's by then: a bucket made by hand under a name the run's record lists, one a
file was put in, a role made again without the run's tag, a policy someone attached to a user
of theirs (handson/lifecycle/still_ours.py, removal.delete_policy)."""

from __future__ import annotations

import time

from handson.lifecycle.ledger import Ledger
from handson.lifecycle.removal import delete_bucket, delete_role
from handson.lifecycle.sweeper import Sweeper
from handson.names import RunNames, default_name
from handson.targets.emulator_server import MotoEmulator
from tests.helpers.estate import left_behind
from tests.test_sweeper import WHERE, build


def not_deleting(lines: list[str], label: str) -> list[str]:
    return [line for line in lines if line.startswith(f"  not deleting {label}: ")]


def test_a_bucket_made_by_hand_with_a_name_the_record_lists_is_left_and_said(
    test_emulator: MotoEmulator,
) -> None:
    """The run's teardown removed its buckets and then failed: its record, kept, still lists
    them as made by the run. The learner then made buckets with those names by hand, one with a
    file in it: the sweep of that run leaves both, says so, and removes the run's record."""
    names = RunNames(default_name())
    s3 = test_emulator.admin.client("s3")
    ledger = Ledger(test_emulator.admin.client("ssm"), names)
    ledger.claim()
    for bucket in (names.bucket1, names.bucket2):
        s3.create_bucket(Bucket=bucket, **WHERE)
        ledger.created(bucket)
        s3.put_bucket_tagging(Bucket=bucket, Tagging={"TagSet": names.tag_list()})
    for bucket in (names.bucket1, names.bucket2):
        delete_bucket(s3, bucket)  # the run's teardown, which then failed at the user
    time.sleep(2.1)  # S3 counts a bucket's creation in whole seconds
    for bucket in (names.bucket1, names.bucket2):
        s3.create_bucket(Bucket=bucket, **WHERE)  # by hand, with the run's names
    s3.put_object(Bucket=names.bucket1, Key="report.txt", Body=b"the learner's")
    lines: list[str] = []
    try:
        failures = Sweeper(test_emulator.admin).sweep(
            delete=True, run=names.run_id, say=lines.append
        )
        assert failures == [], lines
        for bucket in (names.bucket1, names.bucket2):
            said = not_deleting(lines, f"S3 bucket {bucket}")
            assert len(said) == 1 and names.run_id in said[0], lines
            s3.head_bucket(Bucket=bucket)
        assert s3.get_object(Bucket=names.bucket1, Key="report.txt")["Body"].read() == (
            b"the learner's"
        )
        assert not any(line.startswith("  deleted S3 bucket") for line in lines), lines
        assert f"  deleted run record {names.ledger}" in lines
    finally:
        for bucket in (names.bucket1, names.bucket2):
            delete_bucket(s3, bucket)
        ledger.release()


def test_a_killed_runs_bucket_given_a_file_before_its_deletion_is_left(
    test_emulator: MotoEmulator,
) -> None:
    """Listed as the run's (untagged, empty, noted by its record), the bucket got a file while
    the sweep was deleting what comes before it: read again right before its deletion, it is
    no longer as the run made it, and stays with the file."""
    names = RunNames(default_name())
    s3 = test_emulator.admin.client("s3")
    ledger = Ledger(test_emulator.admin.client("ssm"), names)
    ledger.claim()
    s3.create_bucket(Bucket=names.bucket1, **WHERE)
    ledger.created(names.bucket1)  # killed before it was tagged
    lines: list[str] = []

    def say(line: str) -> None:
        lines.append(line)
        if line.startswith("S3 bucket") and names.bucket1 in line:  # listed, about to go
            s3.put_object(Bucket=names.bucket1, Key="mine.txt", Body=b"someone's")

    try:
        failures = Sweeper(test_emulator.admin).sweep(delete=True, run=names.run_id, say=say)
        assert failures == [], lines
        assert len(not_deleting(lines, f"S3 bucket {names.bucket1}")) == 1, lines
        assert s3.get_object(Bucket=names.bucket1, Key="mine.txt")["Body"].read() == b"someone's"
    finally:
        delete_bucket(s3, names.bucket1)
        ledger.release()


def test_a_role_made_again_without_the_runs_tag_before_its_deletion_is_left(
    test_emulator: MotoEmulator,
) -> None:
    """Listed by the run's tag, the role was deleted and made again by someone, untagged, before
    the sweep reached it: read again right before its deletion, it is not the run's, and stays."""
    names = RunNames(default_name())
    iam = test_emulator.admin.client("iam")
    iam.create_role(RoleName=names.role, AssumeRolePolicyDocument="{}", Tags=names.tag_list())
    lines: list[str] = []

    def say(line: str) -> None:
        lines.append(line)
        if line.startswith("IAM role") and names.role in line:
            iam.delete_role(RoleName=names.role)
            iam.create_role(RoleName=names.role, AssumeRolePolicyDocument="{}")

    try:
        failures = Sweeper(test_emulator.admin).sweep(delete=True, run=names.run_id, say=say)
        assert failures == [], lines
        assert len(not_deleting(lines, f"IAM role {names.role}")) == 1, lines
        iam.get_role(RoleName=names.role)
    finally:
        delete_role(iam, names.role)


def test_a_killed_runs_policy_someone_attached_to_their_user_stays_with_it(
    test_emulator: MotoEmulator,
) -> None:
    """A killed run's policy, attached meanwhile by someone to a user of theirs: the sweep
    detached it from that user to delete it. Now the attachment and the policy stay, and the
    sweep says so; the rest of the run goes, and its record stays for a later sweep."""
    names = RunNames(default_name())
    built = build(test_emulator, names)
    iam = test_emulator.admin.client("iam")
    theirs = f"learner-bob-{names.suffix}"
    iam.create_user(UserName=theirs)
    iam.attach_user_policy(UserName=theirs, PolicyArn=built.user_policy_arn)
    lines: list[str] = []
    try:
        failures = Sweeper(test_emulator.admin).sweep(
            delete=True, run=names.run_id, say=lines.append
        )
        assert len(failures) == 1 and f"IAM user {theirs}" in failures[0], failures
        attached = iam.list_attached_user_policies(UserName=theirs)["AttachedPolicies"]
        assert [a["PolicyArn"] for a in attached] == [built.user_policy_arn]
        iam.get_policy(PolicyArn=built.user_policy_arn)
    finally:
        iam.detach_user_policy(UserName=theirs, PolicyArn=built.user_policy_arn)
        iam.delete_user(UserName=theirs)
        Sweeper(test_emulator.admin).sweep(delete=True, run=names.run_id, say=lambda _: None)
    assert left_behind(test_emulator.admin, names.suffix) == []
