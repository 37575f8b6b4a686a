"""A learner's run after many others: the reports of the oldest finished runs are removed, said in
one line, and nothing else in reports/ is touched (handson.old_runs)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from handson.run_folder import latest_run
from tests.helpers.suite_runner import run_as_typed

pytestmark = pytest.mark.slow


def test_a_run_keeps_the_newest_reports_and_removes_the_oldest(tmp_path: Path) -> None:
    reports = tmp_path / "reports"
    runs = reports / "runs"
    old = [f"20261101-1000{second:02d}-old{second:03d}" for second in range(6)]
    for run_id in old:
        (runs / run_id / "allure-results").mkdir(parents=True)
        (runs / run_id / "checkpoints.json").write_text(json.dumps({"run": run_id}), "utf-8")
    (runs / old[0] / "my-notes.txt").write_text("the learner's own", "utf-8")
    # A folder named latest that no run made (it ended the run in a traceback): left, and said.
    (reports / "latest").mkdir()
    done = run_as_typed(reports, "features/", "-p", "no:cacheprovider", "--keep-reports", "3")
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    this_run = latest_run(reports)
    assert this_run is not None and this_run not in old
    # Kept: the run, the two newest before it, and the folder holding the learner's file.
    assert sorted(p.name for p in runs.iterdir()) == [old[0], old[4], old[5], this_run]
    line = "older runs' reports removed: 3 (the newest 3 are kept; --keep-reports changes"
    assert line in done.stdout, done.stdout[-3000:]
    html = f"HTML report: npm run report (built from {runs / this_run / 'allure-results'})"
    assert html in done.stdout, done.stdout[-3000:]
    kept = "latest is a folder or a file that no run made, so it stays as it is; this run's ID is"
    assert (
        kept in done.stdout
        and (reports / "latest").is_dir()
        and not any(p.name.startswith(".latest") for p in reports.iterdir())
    )
