"""The sweeper finds what expired runs left, lists it in a dry run, deletes it only when asked,
and never touches an untagged resource, an unexpired run or a resource without an expiry."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from handson.cleanup import Cleanup
from handson.emulator import MotoEmulator
from handson.names import RunNames, default_name, expiry
from handson.policies import load_policy_set
from handson.provision import HandsonEnvironment, Provisioner
from handson.sweeper import Sweeper
from handson.waiting import EMULATOR_BUDGETS
from tests.estate import left_behind
from tests.suite_runner import ROOT

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


def test_dry_run_lists_and_deletes_nothing(
    test_emulator: MotoEmulator, estate: dict[str, RunNames]
) -> None:
    lines: list[str] = []
    before = left_behind(test_emulator.admin, estate["expired"].suffix)
    assert Sweeper(test_emulator.admin).sweep(NOW, say=lines.append) == []
    expired = [line for line in lines if "(expired)" in line]
    assert len(expired) == 10  # user, role, 2 policies, profile, 2 buckets, instance, group, record
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
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "HANDSON_"))}
    env.update(
        {
            "AWS_ACCESS_KEY_ID": credentials.access_key_id,
            "AWS_SECRET_ACCESS_KEY": credentials.secret_access_key,
            "AWS_EC2_METADATA_DISABLED": "true",
        }
    )
    return subprocess.run(
        [sys.executable, "-m", "handson.sweep", f"--endpoint-url={emulator.endpoint_url}", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_command_dry_run_then_delete(
    test_emulator: MotoEmulator, estate: dict[str, RunNames]
) -> None:
    listed = sweep_command(test_emulator, "--allowed-account=123456789012")
    assert listed.returncode == 0, listed.stderr
    assert "dry run" in listed.stdout
    assert listed.stdout.count("(expired)") == 10
    assert left_behind(test_emulator.admin, estate["expired"].suffix) != []
    deleted = sweep_command(test_emulator, "--allowed-account=123456789012", "--delete")
    assert deleted.returncode == 0, deleted.stderr
    assert deleted.stdout.count("  deleted ") == 10
    assert left_behind(test_emulator.admin, estate["expired"].suffix) == []
    assert left_behind(test_emulator.admin, estate["live"].suffix) != []


def test_command_refuses_an_account_not_allowed(test_emulator: MotoEmulator) -> None:
    refused = sweep_command(test_emulator, "--allowed-account=444455556666", "--delete")
    assert refused.returncode == 2
    assert refused.stderr.strip().startswith("error: refusing account 123456789012")
    assert len(refused.stderr.strip().splitlines()) == 1
