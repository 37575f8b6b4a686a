"""``pytest features/ --collect-only`` lists the scenarios and does nothing else: no run folder,
no checkpoints.json, no checkpoint table of "not run" rows, exit code 0."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from handson.run_folder import REPORTS_VARIABLE
from tests.helpers.suite_runner import ROOT, suite_env


def test_collect_only_lists_the_scenarios_and_writes_nothing(tmp_path: Path) -> None:
    reports = tmp_path / "reports"
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "features/", "--collect-only", "-q"],
        cwd=ROOT,
        env=suite_env({REPORTS_VARIABLE: str(reports)}),
        capture_output=True,
        text=True,
        timeout=120,
        stdin=subprocess.DEVNULL,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "tests collected" in done.stdout
    assert "not run" not in done.stdout and "checkpoints:" not in done.stdout, done.stdout
    assert not reports.exists() or not any(reports.iterdir()), sorted(reports.rglob("*"))
