"""Issue 18, part 3: the security lessons in a whole run. One run of the measured case (the seed
with seven over-granted actions) with --practices strict: the checkpoints' output and tally are
the seed's, P1 and P2 name each action with its risk in checkpoints.json, and only the lessons
make the exit code 1. The seed's own lessons are read from the shared seed run
(tests/test_mutations.py)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from handson.names import default_name
from handson.permissions.catalogue import ESCALATION, ESCALATION_STEP, EXPOSURE
from handson.permissions.examples import ADDED, measured_documents
from handson.permissions.findings import Principal
from handson.policies import SEED_DIR, TRUST_POLICY_FILE, USER_POLICY_FILE
from handson.report import UNDECIDED_EXIT
from handson.targets.emulator_server import MotoEmulator
from tests.conftest import OTHER_ACCOUNT
from tests.helpers.suite_runner import broken_run, run_suite

pytestmark = pytest.mark.slow

RISKS = {
    "iam:CreateAccessKey": {ESCALATION},
    "iam:AttachUserPolicy": {ESCALATION, EXPOSURE},
    "ec2:ModifyInstanceAttribute": {ESCALATION_STEP},
    "s3:PutBucketPolicy": {EXPOSURE},
    "s3:PutBucketAcl": {EXPOSURE},
    "iam:PassRole": {ESCALATION_STEP},
    "ec2:CreateTags": set(),
}


def _write(directory: Path) -> Path:
    directory.mkdir(parents=True)
    for name, document in measured_documents().items():
        (directory / name).write_text(json.dumps(document, ensure_ascii=False), "utf-8")
    (directory / TRUST_POLICY_FILE).write_text((SEED_DIR / TRUST_POLICY_FILE).read_text("utf-8"))
    return directory


def test_strict_over_grants_fail_only_the_exit_code(
    tmp_path: Path, test_emulator: MotoEmulator
) -> None:
    policies = _write(tmp_path / "policies")
    run = run_suite(
        tmp_path,
        f"--policies={policies}",
        f"--name={default_name()}",
        f"--endpoint-url={test_emulator.endpoint_url}",
        "--practices=strict",
    )
    assert run.exit_code == 1, run.describe()
    assert {e["outcome"] for e in run.checkpoints} == {"passed"}, run.describe()
    assert len({c for e in run.checkpoints for c in e["checkpoints"]}) == 13
    assert "checkpoints: 13 passed, 0 failed, 0 not decided" in run.stdout
    assert "best practices: 2 with findings, 0 clear, 4 not applicable" in run.stdout
    assert (
        "--practices strict: the best practices have findings, so the exit code is 1" in run.stdout
    )
    document = json.loads((tmp_path / "checkpoints.json").read_text("utf-8"))
    found = document["practices"]
    for principal, actions in ADDED.items():
        check = "P1" if principal is Principal.USER else "P2"
        mine = {f["action"]: f for f in found if f["id"] == check}
        assert set(mine) == set(actions), found
        for action in actions:
            assert set(mine[action]["risk"]) == RISKS[action], mine[action]
            assert mine[action]["kind"] == "over-grant" and mine[action]["statement"]
    outcomes = {o["id"]: o["outcome"] for o in document["practice_outcomes"]}
    assert outcomes == {
        "P1": "findings",
        "P2": "findings",
        **dict.fromkeys(("P3", "P4", "P5", "P6"), "not applicable"),
    }
    attachments = list(run.allure_dir.glob("*-attachment.json"))
    assert sum("iam:PassRole" in p.read_text("utf-8") for p in attachments) == 1


def test_a_lesson_that_errors_is_not_checked_and_strict_says_not_decided(
    tmp_path: Path, test_emulator: MotoEmulator
) -> None:
    """An error of the test in a lesson (the analysis crashed) is never a finding, never clear,
    and never the checkpoints' exit code 1: the lessons are not checked, and --practices strict,
    which cannot say they hold, exits 6 (not decided)."""
    crashed = {"HANDSON_FAIL_ANALYSIS": "1"}
    endpoint = test_emulator.endpoint_url
    run = broken_run(tmp_path, endpoint, default_name(), "--practices=strict", env=crashed)
    assert run.exit_code == UNDECIDED_EXIT, run.describe()
    assert {e["outcome"] for e in run.checkpoints} == {"passed"}, run.describe()
    document = json.loads((tmp_path / "checkpoints.json").read_text("utf-8"))
    outcomes = {o["id"]: o for o in document["practice_outcomes"]}
    for lesson in ("P1", "P2"):
        assert outcomes[lesson]["outcome"] == "not checked", outcomes
        assert "injected failure in the least-privilege analysis" in outcomes[lesson]["reason"]
    assert document["practices"] == []
    assert "best practices: 0 with findings, 0 clear, 3 not applicable, 3 not checked" in run.stdout
    assert f"a best practice could not be checked, so the exit code is {UNDECIDED_EXIT}" in (
        run.stdout
    )


def test_one_lesson_alone_prints_its_table(tmp_path: Path) -> None:
    """``-k P1``: no checkpoint ran, so no checkpoint table; the lesson's own table and tally
    still show (the run printed nothing of them before)."""
    run = run_suite(tmp_path, "-k", "P1", f"--name={default_name()}")
    assert run.exit_code == 0, run.describe()
    assert "checkpoints:" not in run.stdout, run.describe()
    assert "P1  the user holds least privilege  clear" in run.stdout, run.stdout
    assert "best practices: 0 with findings, 1 clear, 0 not applicable" in run.stdout


def test_on_a_server_of_another_account_the_lessons_measure_there(
    tmp_path: Path, other_account: MotoEmulator
) -> None:
    """The user's EC2 rights held to the account's own instances, on a server that answers as
    another account than moto's default: U3 passes, and P1 is measured in that account, so the
    grant lacks nothing (measured in 123456789012 it called ec2:StartInstances lost). The
    report's environment names that account too."""
    policies = tmp_path / "policies"
    shutil.copytree(SEED_DIR, policies)
    user = json.loads((policies / USER_POLICY_FILE).read_text("utf-8"))
    for statement in user["Statement"]:
        if statement["Sid"] == "ForEC2":
            statement["Resource"] = f"arn:aws:ec2:ap-northeast-1:{OTHER_ACCOUNT}:instance/*"
            statement["Action"] = ["ec2:StartInstances"]
    user["Statement"].append(
        {"Effect": "Allow", "Action": "ec2:DescribeInstances", "Resource": "*"}
    )
    (policies / USER_POLICY_FILE).write_text(json.dumps(user, ensure_ascii=False), "utf-8")
    run = run_suite(
        tmp_path,
        f"--policies={policies}",
        f"--name={default_name()}",
        f"--endpoint-url={other_account.endpoint_url}",
        "-k",
        "U3 or P1",
    )
    assert run.exit_code == 0 and run.outcomes("passed") == {"U3"}, run.describe()
    document = json.loads((tmp_path / "checkpoints.json").read_text("utf-8"))
    (p1,) = [o for o in document["practice_outcomes"] if o["id"] == "P1"]
    assert p1["outcome"] == "clear", (p1, document["practices"])
    environment = (run.allure_dir / "environment.properties").read_text("utf-8")
    assert f"account=emulator ({OTHER_ACCOUNT})" in environment, environment
