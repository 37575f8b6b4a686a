"""``pytest features/ --collect-only`` lists the scenarios and does nothing else: no run folder,
no checkpoints.json, no checkpoint table of "not run" rows, exit code 0."""

from __future__ import annotations

from pathlib import Path

from tests.helpers.suite_runner import run_as_typed


def test_collect_only_lists_the_scenarios_and_writes_nothing(tmp_path: Path) -> None:
    reports = tmp_path / "reports"
    done = run_as_typed(reports, "features/", "--collect-only", "-q", timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "tests collected" in done.stdout
    assert "not run" not in done.stdout and "checkpoints:" not in done.stdout, done.stdout
    assert not reports.exists() or not any(reports.iterdir()), sorted(reports.rglob("*"))
