"""Old runs' reports removed after a run (handson.old_runs): the newest kept, and nothing removed
that the suite cannot show is a finished run of its own."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from handson.old_runs import REMOVING, SUITE_WRITES, remove_old_runs
from handson.run_folder import RunFolder

CURRENT = "20261205-120000-now000"


def finished(reports: Path, run_id: str) -> Path:
    """A run's folder as a finished run leaves it."""
    folder = reports / "runs" / run_id
    (folder / "allure-results").mkdir(parents=True)
    (folder / "allure-results" / "result.json").write_text("{}", "utf-8")
    (folder / "checkpoints.json").write_text(json.dumps({"run": run_id}), "utf-8")
    return folder


def old_ids(count: int) -> list[str]:
    return [f"20261101-10{minute:02d}00-old{minute:03d}" for minute in range(count)]


@pytest.fixture
def reports(tmp_path: Path) -> Path:
    """Eight finished older runs, and the run that just finished."""
    reports = tmp_path / "reports"
    for run_id in [*old_ids(8), CURRENT]:
        finished(reports, run_id)
    return reports


def left(reports: Path) -> list[str]:
    return sorted(p.name for p in (reports / "runs").iterdir())


def test_the_newest_are_kept_and_the_oldest_removed(reports: Path) -> None:
    assert remove_old_runs(reports, 3, CURRENT) == 6
    assert left(reports) == [*old_ids(8)[-2:], CURRENT]
    assert remove_old_runs(reports, 3, CURRENT) == 0  # again: nothing more


def test_zero_keeps_all(reports: Path) -> None:
    assert remove_old_runs(reports, 0, CURRENT) == 0
    assert left(reports) == [*old_ids(8), CURRENT]


def test_the_run_itself_and_the_latest_named_are_never_removed(reports: Path) -> None:
    """Even when its ID sorts first (a clock set back), and the run latest-run.txt names (a run
    that finished while this one ran)."""
    early = "20200101-000000-early0"
    finished(reports, early)
    RunFolder(reports, old_ids(8)[0]).point_latest()
    assert remove_old_runs(reports, 1, early) == 7
    assert left(reports) == [early, old_ids(8)[0], CURRENT]


def test_only_the_suites_own_finished_runs_are_removed(tmp_path: Path) -> None:
    reports = tmp_path / "reports"
    ids = old_ids(6)
    for run_id in ids:
        finished(reports, run_id)
    runs = reports / "runs"
    (runs / ids[0] / "notes.txt").write_text("mine", "utf-8")  # the learner's own file
    (runs / ids[1] / "checkpoints.json").unlink()  # still going, or cut off
    (runs / ids[2] / "checkpoints.json").write_text(json.dumps({"run": ids[3]}), "utf-8")
    (runs / ids[3] / "live-record.json").write_text("{}", "utf-8")  # handson sweep --record
    (runs / ids[4] / "checkpoints.json").write_text("not JSON", "utf-8")
    (runs / "my-run").mkdir()  # not a run ID
    (runs / "my-run" / "checkpoints.json").write_text(json.dumps({"run": "my-run"}), "utf-8")
    (runs / "20261101-000000-file00").write_text("a file", "utf-8")
    before = left(reports)
    assert remove_old_runs(reports, 1, ids[5]) == 0
    assert left(reports) == before


def test_a_link_to_a_run_elsewhere_is_left(reports: Path, tmp_path: Path) -> None:
    """A finished run kept elsewhere and linked back in: neither the link nor the run goes."""
    elsewhere = finished(tmp_path / "kept", "20261101-000000-link00")
    link = reports / "runs" / elsewhere.name
    try:
        link.symlink_to(elsewhere, target_is_directory=True)
    except OSError:  # Windows without Developer Mode makes no links
        pytest.skip("this system makes no symbolic links")
    remove_old_runs(reports, 1, CURRENT)
    assert link.is_symlink() and (elsewhere / "checkpoints.json").is_file()


def test_what_npm_run_report_adds_is_the_suites(reports: Path) -> None:
    """A run's folder with its HTML reports, and a --target existing run's replay."""
    for name in SUITE_WRITES - {"allure-results", "checkpoints.json"}:
        (reports / "runs" / old_ids(8)[0] / name / "sub").mkdir(parents=True)
    assert remove_old_runs(reports, 8, CURRENT) == 1
    assert old_ids(8)[0] not in left(reports)


def test_a_folder_that_cannot_be_moved_stays(
    reports: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another run took it first, or a file in it is open (Windows refuses the rename): left as
    it is, and not counted."""
    rename = Path.rename

    def refused(self: Path, target: Path) -> Path:
        if self.name == old_ids(8)[0]:
            raise PermissionError("in use")
        return rename(self, target)

    monkeypatch.setattr(Path, "rename", refused)
    assert remove_old_runs(reports, 7, CURRENT) == 1
    assert old_ids(8)[0] in left(reports) and old_ids(8)[1] not in left(reports)


def test_what_an_interrupted_removal_left_is_removed(reports: Path) -> None:
    stale = reports / "runs" / f"{REMOVING}{old_ids(8)[0]}"
    (reports / "runs" / old_ids(8)[0]).rename(stale)
    remove_old_runs(reports, 20, CURRENT)
    assert not stale.exists()


def test_no_runs_folder(tmp_path: Path) -> None:
    assert remove_old_runs(tmp_path / "reports", 20, CURRENT) == 0
