"""Issue 17, targets by registry: a target is one module. tests/plugins/other_target.py registers
``--target other`` (the embedded emulator answering as another account) and nothing else is
changed; the features run on it whole. One run: an emulator of the other account is started here
and attached, so that what the run left behind can be looked for after it."""

from __future__ import annotations

from pathlib import Path

import pytest

from handson.names import RunNames, default_name
from handson.targets.emulator_server import MotoEmulator
from tests.helpers.estate import left_behind
from tests.helpers.suite_runner import run_suite
from tests.plugins.other_target import OTHER_ACCOUNT_ID

pytestmark = pytest.mark.slow


def test_the_features_run_whole_on_a_target_registered_from_tests(tmp_path: Path) -> None:
    names = RunNames(default_name())
    emulator = MotoEmulator.start(
        "ap-northeast-1", "tests-admin-other", account_id=OTHER_ACCOUNT_ID
    )
    try:
        run = run_suite(
            tmp_path,
            "-p",
            "tests.plugins.other_target",
            "--target=other",
            f"--endpoint-url={emulator.endpoint_url}",
            f"--name={names.suffix}",
        )
        left = left_behind(emulator.admin, names.suffix)
    finally:
        emulator.close()
    assert run.exit_code == 0, run.describe()
    passed = run.outcomes("passed")
    assert len(passed) == 13 and run.outcomes(("failed", "error", "skipped")) == set(), (
        run.describe()
    )
    assert "target other (ap-northeast-1)" in run.stdout
    environment = (run.allure_dir / "environment.properties").read_text("utf-8")
    assert "target=other\n" in environment
    assert f"account=emulator ({OTHER_ACCOUNT_ID})\n" in environment
    # R1: the instance runs as the role, in the other account.
    role_session = f"arn:aws:sts::{OTHER_ACCOUNT_ID}:assumed-role/{names.role}/"
    attachments = [p.read_text("utf-8") for p in run.allure_dir.glob("*-attachment.txt")]
    assert any(role_session in text for text in attachments)
    assert left == []
