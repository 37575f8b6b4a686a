"""Bad input gets one clear line and a non-zero exit before anything is created."""

from __future__ import annotations

from pathlib import Path

import pytest

from handson.emulator import MotoEmulator
from tests.suite_runner import run_suite

pytestmark = pytest.mark.slow


def _bad_policies(tmp_path: Path) -> str:
    folder = tmp_path / "mine"
    folder.mkdir()
    (folder / "handson-iam-user-policy.json").write_text('{"Version": "2012-10-17",', "utf-8")
    (folder / "handson-iam-role-policy.json").write_text("{}", "utf-8")
    return str(folder)


CASES = {
    "bad name": (["--name=Bad_Name"], "--name 'Bad_Name'"),
    "name too long": (["--name=" + "a" * 41], "--name"),
    "malformed policy": (["--policies={bad}"], "handson-iam-user-policy.json: not valid JSON"),
    "missing policy dir": (["--policies={tmp}/nowhere"], "not a directory"),
    "unknown target": (["--target=mars"], "--target 'mars'"),
    "bad region": (["--region=tokyo"], "--region 'tokyo'"),
}


@pytest.mark.parametrize("case", CASES, ids=list(CASES))
def test_one_line_error_and_nothing_created(
    case: str, tmp_path: Path, test_emulator: MotoEmulator
) -> None:
    args, expected = CASES[case]
    args = [a.format(bad=_bad_policies(tmp_path), tmp=tmp_path) for a in args]
    iam = test_emulator.admin.client("iam")
    s3 = test_emulator.admin.client("s3")
    users_before = {u["UserName"] for u in iam.list_users()["Users"]}
    buckets_before = s3.list_buckets()["Buckets"]
    run = run_suite(tmp_path, f"--endpoint-url={test_emulator.endpoint_url}", *args)
    assert run.exit_code == 4, run.describe()  # pytest's usage error
    errors = [line for line in run.stderr.splitlines() if line.strip()]
    assert len(errors) == 1, run.stderr
    assert errors[0].startswith("ERROR: ") and expected in errors[0], errors[0]
    assert "Traceback" not in run.stdout + run.stderr
    assert run.checkpoints == []
    assert {u["UserName"] for u in iam.list_users()["Users"]} == users_before
    assert s3.list_buckets()["Buckets"] == buckets_before


def test_environment_variables_are_checked_too(tmp_path: Path) -> None:
    run = run_suite(tmp_path, env={"HANDSON_NAME": "UPPER"})
    assert run.exit_code == 4
    assert run.stderr.strip() == (
        "ERROR: --name 'UPPER': use only lowercase letters, digits and hyphens, starting and "
        "ending with a letter or digit (S3 bucket naming rules)"
    )
