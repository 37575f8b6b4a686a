"""The guard of the learner's reports/ (tests/conftest.py): it names what a session changed."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.helpers import reports_guard


def link(target: Path, where: Path) -> None:
    try:
        os.symlink(target, where, target_is_directory=True)
    except OSError:  # Windows without its Developer Mode
        pytest.skip("this system makes no links")


def learners_reports(folder: Path) -> Path:
    run = folder / "runs" / "20261130-010000-aaaaaa"
    run.mkdir(parents=True)
    (run / "checkpoints.json").write_text("{}", "utf-8")
    (folder / "latest-run.txt").write_text(run.name + "\n", "utf-8")
    link(Path("runs") / run.name, folder / "latest")
    return folder


def test_an_untouched_folder_passes(tmp_path: Path) -> None:
    reports = learners_reports(tmp_path / "reports")
    before = reports_guard.snapshot(reports)
    assert reports_guard.verdict(reports, before) is None


def test_a_run_written_into_it_is_named(tmp_path: Path) -> None:
    """As a test's run would write there: a run folder of its own, latest moved to it, and the
    newest run's name rewritten (same size: its time tells)."""
    reports = learners_reports(tmp_path / "reports")
    before = reports_guard.snapshot(reports)
    (reports / "runs" / "20261204-010000-bbbbbb" / "discovered").mkdir(parents=True)
    (reports / "latest").unlink()
    link(Path("runs") / "20261204-010000-bbbbbb", reports / "latest")
    named = reports / "latest-run.txt"
    stat = named.stat()
    named.write_text("20261204-010000-bbbbbb\n"[: stat.st_size], "utf-8")
    os.utime(named, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000))
    assert reports_guard.changes(before, reports_guard.snapshot(reports)) == [
        "changed latest",
        "changed latest-run.txt",
        "added runs/20261204-010000-bbbbbb",
        "added runs/20261204-010000-bbbbbb/discovered",
    ]
    line = reports_guard.verdict(reports, before, shown=2)
    assert line is not None and str(reports) in line
    assert line.endswith("changed latest, changed latest-run.txt and 2 more")


def test_a_removed_run_is_named(tmp_path: Path) -> None:
    reports = learners_reports(tmp_path / "reports")
    before = reports_guard.snapshot(reports)
    (reports / "runs" / "20261130-010000-aaaaaa" / "checkpoints.json").unlink()
    assert reports_guard.changes(before, reports_guard.snapshot(reports)) == [
        "removed runs/20261130-010000-aaaaaa/checkpoints.json"
    ]
