"""Each run has a folder of its own; reports/latest follows the newest finished run."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from handson.run_folder import RunFolder


def test_each_run_has_its_own_folder(tmp_path: Path) -> None:
    one, two = (
        RunFolder(tmp_path, "20261130-010000-aaaaaa"),
        RunFolder(tmp_path, "20261130-010000-bbbbbb"),
    )
    assert one.allure_results != two.allure_results
    assert one.checkpoints != two.checkpoints
    assert one.allure_results.parent == one.path == tmp_path / "runs" / one.run_id


def test_latest_points_at_the_newest_finished_run(tmp_path: Path) -> None:
    one, two = (
        RunFolder(tmp_path, "20261130-010000-aaaaaa"),
        RunFolder(tmp_path, "20261130-010000-bbbbbb"),
    )
    for folder in (one, two):
        folder.checkpoints.parent.mkdir(parents=True)
        folder.checkpoints.write_text(folder.run_id)
    one.point_latest()
    assert (tmp_path / "latest" / "checkpoints.json").read_text() == one.run_id
    two.point_latest()
    assert (tmp_path / "latest" / "checkpoints.json").read_text() == two.run_id
    assert not (tmp_path / "latest").resolve().is_relative_to(tmp_path / "latest")
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".latest")] == []


def test_latest_is_left_alone_by_a_run_that_wrote_nothing(tmp_path: Path) -> None:
    RunFolder(tmp_path, "20261130-010000-aaaaaa").point_latest()
    assert not (tmp_path / "latest").exists()


def test_where_the_system_makes_no_link_a_file_names_the_newest_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Windows refuses links without its Developer Mode (WinError 1314): the run still ends
    well, and reports/latest-run.txt names it for npm run report."""
    one, two = (
        RunFolder(tmp_path, "20261130-010000-aaaaaa"),
        RunFolder(tmp_path, "20261130-010000-bbbbbb"),
    )
    for folder in (one, two):
        folder.path.mkdir(parents=True)
    one.point_latest()
    assert (tmp_path / "latest").is_symlink()

    def refused(*args: object, **kwargs: object) -> None:
        raise OSError(1314, "A required privilege is not held by the client")

    monkeypatch.setattr(os, "symlink", refused)
    two.point_latest()
    assert (tmp_path / "latest-run.txt").read_text("utf-8").strip() == two.run_id
    assert not (tmp_path / "latest").exists()  # never a link to an older run than the file
    assert sorted(p.name for p in tmp_path.iterdir()) == ["latest-run.txt", "runs"]
