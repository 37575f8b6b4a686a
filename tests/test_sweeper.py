"""The sweeper finds what expired runs left, lists it in a dry run, deletes it only when asked,
and never touches an untagged resource, an unexpired run or a resource without an expiry."""

from __future__ import annotations

import dataclasses
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from botocore.exceptions import ClientError

import handson.lifecycle.sweeper as sweeper_module
from handson.call_record import read_calls
from handson.console import CHILD_OUTPUT
from handson.environment import HandsonEnvironment
from handson.errors import SuiteUsageError
from handson.lifecycle.cleanup import Cleanup
from handson.lifecycle.ledger import Ledger
from handson.lifecycle.order import STAGE_OF, Kind
from handson.lifecycle.provision import Provisioner
from handson.lifecycle.removal import delete_bucket, delete_role, delete_user
from handson.lifecycle.sweeper import Sweeper, parse_duration
from handson.names import RunNames, default_name, expiry, timestamp
from handson.policies import load_policy_set
from handson.targets.emulator_server import MotoEmulator
from handson.waiting import EMULATOR_BUDGETS
from tests.helpers.estate import left_behind
from tests.helpers.sandbox_role import assert_the_nightly_role_allows
from tests.helpers.suite_runner import ROOT, admin_cli_env

NOW = datetime.now(UTC)


def build(emulator: MotoEmulator, names: RunNames) -> HandsonEnvironment:
    """A run killed before its teardown: everything stays."""
    return Provisioner(
        emulator.admin, names, load_policy_set(), Cleanup(), EMULATOR_BUDGETS
    ).build()


@pytest.fixture
def estate(test_emulator: MotoEmulator) -> Iterator[dict[str, RunNames]]:
    expired = RunNames(default_name(), expires_at=expiry(NOW - timedelta(hours=5)))
    live = RunNames(default_name(), expires_at=expiry(NOW))
    build(test_emulator, expired)
    build(test_emulator, live)
    iam, s3 = test_emulator.admin.client("iam"), test_emulator.admin.client("s3")
    foreign = default_name()
    iam.create_user(UserName=f"handson-iam-user-{foreign}")  # same prefix, not ours: no tag
    s3.create_bucket(
        Bucket=f"handson-s3-1-{foreign}",
        CreateBucketConfiguration={"LocationConstraint": "ap-northeast-1"},
    )
    iam.create_role(
        RoleName=f"handson-iam-role-{foreign}",
        AssumeRolePolicyDocument="{}",
        Tags=[{"Key": "handson:suite", "Value": "handson-iam-acceptance"}],
    )
    yield {"expired": expired, "live": live, "foreign": RunNames(foreign)}
    Sweeper(test_emulator.admin).sweep(NOW + timedelta(days=30), delete=True, say=lambda _: None)
    delete_user(iam, f"handson-iam-user-{foreign}")
    delete_bucket(s3, f"handson-s3-1-{foreign}")
    delete_role(iam, f"handson-iam-role-{foreign}")


def test_dry_run_lists_and_deletes_nothing(
    test_emulator: MotoEmulator, estate: dict[str, RunNames]
) -> None:
    lines: list[str] = []
    before = left_behind(test_emulator.admin, estate["expired"].suffix)
    assert Sweeper(test_emulator.admin).sweep(NOW, say=lines.append) == []
    expired = [line for line in lines if "(expired)" in line]
    assert len(expired) == 10  # user, role, 2 policies, profile, 2 buckets, instance, group, record
    # Listed, and deleted, in the teardown's order (handson/lifecycle/order.py).
    stages = [STAGE_OF[Kind(line[:16].strip())] for line in expired]
    assert stages == sorted(stages)
    assert all(estate["expired"].run_id in line for line in expired)
    assert any(
        "not expired: left alone" in line and estate["live"].run_id in line for line in lines
    )
    assert any("no expiry tag: left alone" in line for line in lines)
    assert not any(f"handson-iam-user-{estate['foreign'].suffix}" in line for line in lines)
    assert left_behind(test_emulator.admin, estate["expired"].suffix) == before


def test_delete_removes_only_expired_runs(
    test_emulator: MotoEmulator, estate: dict[str, RunNames]
) -> None:
    live_before = left_behind(test_emulator.admin, estate["live"].suffix)
    assert Sweeper(test_emulator.admin).sweep(NOW, delete=True, say=lambda _: None) == []
    assert left_behind(test_emulator.admin, estate["expired"].suffix) == []
    assert left_behind(test_emulator.admin, estate["live"].suffix) == live_before
    iam = test_emulator.admin.client("iam")
    foreign = estate["foreign"].suffix
    iam.get_user(UserName=f"handson-iam-user-{foreign}")  # still there
    iam.get_role(RoleName=f"handson-iam-role-{foreign}")  # tagged, but no expiry: left alone
    test_emulator.admin.client("s3").head_bucket(Bucket=f"handson-s3-1-{foreign}")


def sweep_command(emulator: MotoEmulator, *args: str) -> subprocess.CompletedProcess[str]:
    credentials = emulator.admin.credentials
    env = admin_cli_env(credentials.access_key_id, credentials.secret_access_key)
    return subprocess.run(
        [sys.executable, "-m", "handson.sweep", f"--endpoint-url={emulator.endpoint_url}", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        encoding=CHILD_OUTPUT,
        timeout=120,
    )


def test_command_dry_run_then_delete(
    test_emulator: MotoEmulator, estate: dict[str, RunNames], tmp_path: Path
) -> None:
    record = f"--record-calls={tmp_path / 'calls.jsonl'}"  # the second run adds to the first's
    listed = sweep_command(test_emulator, "--allowed-account=123456789012", record)
    assert listed.returncode == 0, listed.stderr
    assert "dry run" in listed.stdout
    assert listed.stdout.count("(expired)") == 10
    assert left_behind(test_emulator.admin, estate["expired"].suffix) != []
    deleted = sweep_command(test_emulator, "--allowed-account=123456789012", "--delete", record)
    assert deleted.returncode == 0, deleted.stderr
    assert deleted.stdout.count("  deleted ") == 10
    assert left_behind(test_emulator.admin, estate["expired"].suffix) == []
    assert left_behind(test_emulator.admin, estate["live"].suffix) != []
    # The nightly job sweeps with its role (ci/sandbox-bootstrap.yaml): every call allowed, and
    # in the record from which tests/unit/test_sandbox_role.py shrinks the role to fit.
    calls = read_calls(tmp_path / "calls.jsonl")
    assert {c["who"] for c in calls} == {"provisioning"}
    assert {"ListAccountAliases", "TerminateInstances", "DeleteUser"} <= {
        c["operation"] for c in calls
    }
    assert_the_nightly_role_allows(calls)


def test_command_refuses_an_account_not_allowed(test_emulator: MotoEmulator) -> None:
    refused = sweep_command(test_emulator, "--allowed-account=444455556666", "--delete")
    assert refused.returncode == 2
    assert refused.stderr.strip().startswith("error: refusing account 123456789012")
    assert len(refused.stderr.strip().splitlines()) == 1


def test_older_than_picks_runs_by_their_start(test_emulator: MotoEmulator) -> None:
    old = RunNames(default_name(), started_at="2026-01-01T00:00:00Z", expires_at=expiry(NOW))
    new = RunNames(default_name(), expires_at=expiry(NOW))
    build(test_emulator, old)
    build(test_emulator, new)
    try:
        lines: list[str] = []
        sweeper = Sweeper(test_emulator.admin)
        assert sweeper.sweep(delete=True, older_than=parse_duration("1h"), say=lines.append) == []
        assert left_behind(test_emulator.admin, old.suffix) == []
        assert left_behind(test_emulator.admin, new.suffix) != []  # started just now
        assert any("newer: left alone" in line and new.run_id in line for line in lines)
    finally:
        Sweeper(test_emulator.admin).sweep(delete=True, run=new.run_id, say=lambda _: None)
    assert left_behind(test_emulator.admin, new.suffix) == []


@pytest.mark.parametrize("text", ["", "30", "1y", "-5m", "h"])
def test_a_duration_is_a_number_and_a_unit(text: str) -> None:
    with pytest.raises(SuiteUsageError, match="--older-than"):
        parse_duration(text)


def test_durations() -> None:
    assert parse_duration("90s") == timedelta(seconds=90)
    assert parse_duration("30m") == timedelta(minutes=30)
    assert parse_duration("4h") == timedelta(hours=4)
    assert parse_duration("2d") == timedelta(days=2)


def test_a_killed_runs_untagged_buckets_are_found_by_its_record(
    test_emulator: MotoEmulator,
) -> None:
    """Killed between S3's CreateBucket and the call that tags the bucket: the record says."""
    names = RunNames(default_name())
    s3 = test_emulator.admin.client("s3")
    ledger = Ledger(test_emulator.admin.client("ssm"), names)
    ledger.claim()
    where = {"CreateBucketConfiguration": {"LocationConstraint": "ap-northeast-1"}}
    # bucket 1: the run's call made it and the record says so; bucket 2: the run meant to make
    # it, and it is new and empty; the scratch bucket: somebody's, with a file, made before the
    # run started (the record only says the run meant to make one with that name).
    s3.create_bucket(Bucket=names.scratch_bucket, **where)
    s3.put_object(Bucket=names.scratch_bucket, Key="mine.txt", Body=b"somebody's")
    # The run starts after that bucket was made (S3 counts creation in whole seconds).
    later = timestamp(datetime.now(UTC) + timedelta(seconds=1))
    ledger.record = dataclasses.replace(ledger.record, started_at=later)
    time.sleep(1.1)
    s3.create_bucket(Bucket=names.bucket1, **where)
    ledger.created(names.bucket1)  # writes the record anew, with the later start
    s3.create_bucket(Bucket=names.bucket2, **where)
    lines: list[str] = []
    try:
        failures = Sweeper(test_emulator.admin).sweep(
            delete=True, run=names.run_id, say=lines.append
        )
        assert failures == [], lines
        deleted = [line for line in lines if line.startswith("  deleted ")]
        assert f"  deleted S3 bucket {names.bucket1}" in deleted
        assert f"  deleted S3 bucket {names.bucket2}" in deleted
        assert f"  deleted run record {names.ledger}" in deleted
        assert not any(names.scratch_bucket in line for line in deleted)
        assert s3.get_object(Bucket=names.scratch_bucket, Key="mine.txt")["Body"].read() == (
            b"somebody's"
        )
        assert left_behind(test_emulator.admin, names.suffix) == [
            f"S3 bucket {names.scratch_bucket}"
        ]
    finally:
        delete_bucket(s3, names.scratch_bucket)
        for bucket in (names.bucket1, names.bucket2):
            delete_bucket(s3, bucket)
        ledger.release()


def test_a_killed_runs_emulator_admin_is_swept(test_emulator: MotoEmulator) -> None:
    names = RunNames(default_name())
    iam = test_emulator.admin.client("iam")
    iam.create_user(UserName=names.admin_user, Tags=names.tag_list())
    iam.attach_user_policy(
        UserName=names.admin_user, PolicyArn="arn:aws:iam::aws:policy/AdministratorAccess"
    )
    iam.create_access_key(UserName=names.admin_user)
    untagged = f"handson-admin-{default_name()}"
    iam.create_user(UserName=untagged)
    try:
        assert (
            Sweeper(test_emulator.admin).sweep(delete=True, run=names.run_id, say=lambda _: None)
            == []
        )
        users = [u["UserName"] for u in iam.list_users()["Users"]]
        assert names.admin_user not in users and untagged in users
    finally:
        delete_user(iam, untagged)


@pytest.mark.parametrize(
    "args",
    [
        ["--run=not-a-run"],
        ["--older-than=soon"],
        ["--run=20261130-011500-k3x9qa", "--older-than=1h"],
    ],
)
def test_command_refuses_bad_choices_in_one_line(
    test_emulator: MotoEmulator, args: list[str]
) -> None:
    refused = sweep_command(test_emulator, "--allowed-account=123456789012", *args)
    assert refused.returncode == 2, refused.stdout + refused.stderr
    assert len(refused.stderr.strip().splitlines()) == 1 or "usage:" in refused.stderr


def test_a_run_record_stays_while_something_of_its_run_could_not_be_deleted(
    test_emulator: MotoEmulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A killed run's untagged bucket is known by its record alone. When that bucket cannot be
    deleted (AWS refused), the record is kept, so that the next sweep still finds the bucket;
    that sweep removes both."""
    names = RunNames(default_name())
    s3 = test_emulator.admin.client("s3")
    ledger = Ledger(test_emulator.admin.client("ssm"), names)
    ledger.claim()
    s3.create_bucket(
        Bucket=names.bucket1,
        CreateBucketConfiguration={"LocationConstraint": "ap-northeast-1"},
    )
    ledger.created(names.bucket1)  # killed before it was tagged
    real = sweeper_module.delete_new_bucket

    def refused(client: object, bucket: str) -> None:
        raise ClientError(
            {"Error": {"Code": "AccessDenied", "Message": "Access Denied"}}, "DeleteBucket"
        )

    lines: list[str] = []
    try:
        monkeypatch.setattr(sweeper_module, "delete_new_bucket", refused)
        failures = Sweeper(test_emulator.admin).sweep(
            delete=True, run=names.run_id, say=lines.append
        )
        assert [f.split(":")[0] for f in failures] == [f"S3 bucket {names.bucket1}"], lines
        assert f"  kept run record {names.ledger}: something else of its run is still there" in (
            lines
        )
        assert sorted(left_behind(test_emulator.admin, names.suffix)) == sorted(
            [f"S3 bucket {names.bucket1}", f"run record {names.ledger}"]
        )
        monkeypatch.setattr(sweeper_module, "delete_new_bucket", real)
        lines.clear()
        assert (
            Sweeper(test_emulator.admin).sweep(delete=True, run=names.run_id, say=lines.append)
            == []
        ), lines
        assert f"  deleted S3 bucket {names.bucket1}" in lines
        assert left_behind(test_emulator.admin, names.suffix) == []
    finally:
        delete_bucket(s3, names.bucket1)
        ledger.release()


WHERE = {"CreateBucketConfiguration": {"LocationConstraint": "ap-northeast-1"}}
