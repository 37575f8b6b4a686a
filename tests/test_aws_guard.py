"""`pytest features/ --target aws` refuses, in one line and within 30 seconds, to act without
credentials or in an account that is not allowed, and creates nothing. The endpoint here is the
tests' emulator, standing in for AWS (--endpoint-url points the aws target at any endpoint)."""

from __future__ import annotations

from pathlib import Path

import pytest

from handson.targets.emulator_server import MotoEmulator
from tests.helpers.suite_runner import SuiteRun, run_suite

pytestmark = pytest.mark.slow
MOTO_ACCOUNT = "123456789012"


def no_credentials(tmp_path: Path) -> dict[str, str | None]:
    return {
        "AWS_ACCESS_KEY_ID": None,
        "AWS_SECRET_ACCESS_KEY": None,
        "AWS_SESSION_TOKEN": None,
        "AWS_PROFILE": None,
        "AWS_WEB_IDENTITY_TOKEN_FILE": None,
        "AWS_ROLE_ARN": None,
        "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI": None,
        "AWS_CONTAINER_CREDENTIALS_FULL_URI": None,
        "HOME": str(tmp_path),
        "AWS_CONFIG_FILE": str(tmp_path / "none"),
        "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "none"),
    }


def as_admin(emulator: MotoEmulator, tmp_path: Path) -> dict[str, str | None]:
    credentials = emulator.admin.credentials
    return {
        **no_credentials(tmp_path),
        "AWS_ACCESS_KEY_ID": credentials.access_key_id,
        "AWS_SECRET_ACCESS_KEY": credentials.secret_access_key,
    }


def refused(run: SuiteRun) -> str:
    assert run.exit_code == 4, run.describe()
    assert "Traceback" not in run.stdout + run.stderr
    errors = [line for line in run.stderr.splitlines() if line.startswith("ERROR")]
    assert len(errors) == 1, run.stderr
    return errors[0]


def state(emulator: MotoEmulator) -> tuple[list[str], list[str]]:
    users = emulator.admin.client("iam").list_users()["Users"]
    buckets = emulator.admin.client("s3").list_buckets()["Buckets"]
    return sorted(u["UserName"] for u in users), sorted(b["Name"] for b in buckets)


def test_no_credentials(tmp_path: Path, test_emulator: MotoEmulator) -> None:
    before = state(test_emulator)
    run = run_suite(
        tmp_path,
        "--target=aws",
        f"--endpoint-url={test_emulator.endpoint_url}",
        env=no_credentials(tmp_path),
        timeout=30,
    )
    assert "no AWS credentials found" in refused(run)
    assert state(test_emulator) == before  # nothing created


def test_account_not_on_the_allowlist(tmp_path: Path, test_emulator: MotoEmulator) -> None:
    before = state(test_emulator)
    run = run_suite(
        tmp_path,
        "--target=aws",
        f"--endpoint-url={test_emulator.endpoint_url}",
        "--allowed-account=444455556666",
        env=as_admin(test_emulator, tmp_path),
        timeout=30,
    )
    line = refused(run)
    assert f"refusing account {MOTO_ACCOUNT}" in line and "not on the allowlist" in line
    assert (
        f"account {MOTO_ACCOUNT} (no alias) as arn:aws:iam::{MOTO_ACCOUNT}:user/tests-admin"
        in run.stderr
    )  # it said whom it would have acted as, before refusing
    assert state(test_emulator) == before  # nothing created


def test_no_allowlist_at_all(tmp_path: Path, test_emulator: MotoEmulator) -> None:
    before = state(test_emulator)
    run = run_suite(
        tmp_path,
        "--target=aws",
        f"--endpoint-url={test_emulator.endpoint_url}",
        env=as_admin(test_emulator, tmp_path),
        timeout=30,
    )
    assert "no account is allowed" in refused(run)
    assert state(test_emulator) == before  # nothing created


def test_unknown_profile(tmp_path: Path, test_emulator: MotoEmulator) -> None:
    run = run_suite(
        tmp_path,
        "--target=aws",
        f"--endpoint-url={test_emulator.endpoint_url}",
        env={**no_credentials(tmp_path), "AWS_PROFILE": "no-such-profile"},
        timeout=30,
    )
    assert "no-such-profile" in refused(run)
