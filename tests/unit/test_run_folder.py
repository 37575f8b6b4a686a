"""Each run has a folder of its own; reports/latest follows the newest finished run."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from handson.run_folder import REPORTS_VARIABLE, RunFolder, latest_run, reports_dir
from tests.helpers.suite_runner import ROOT


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
        folder.allure_results.mkdir(parents=True)
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


def test_latest_is_left_alone_by_a_run_whose_results_went_elsewhere(tmp_path: Path) -> None:
    """--alluredir elsewhere: the run's folder holds at most what --target existing found
    (discovered/), nothing for npm run report to make a report of; latest still names the
    run before it."""
    before, elsewhere = (
        RunFolder(tmp_path, "20261130-010000-aaaaaa"),
        RunFolder(tmp_path, "20261130-010000-bbbbbb"),
    )
    before.allure_results.mkdir(parents=True)
    before.point_latest()
    (elsewhere.path / "discovered").mkdir(parents=True)
    elsewhere.point_latest()
    assert latest_run(tmp_path) == before.run_id
    assert (tmp_path / "latest").resolve() == before.path.resolve()


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
        folder.allure_results.mkdir(parents=True)
    one.point_latest()
    assert (tmp_path / "latest").is_symlink()

    def refused(*args: object, **kwargs: object) -> None:
        raise OSError(1314, "A required privilege is not held by the client")

    monkeypatch.setattr(os, "symlink", refused)
    two.point_latest()
    assert (tmp_path / "latest-run.txt").read_text("utf-8").strip() == two.run_id
    assert not (tmp_path / "latest").exists()  # never a link to an older run than the file
    assert sorted(p.name for p in tmp_path.iterdir()) == ["latest-run.txt", "runs"]


RUN_FOLDER_OF = """
import { runFolder } from %s;
console.log(runFolder(process.argv[2]));
"""


@pytest.mark.parametrize("chosen", [None, "elsewhere/reports", "ABSOLUTE"])
def test_the_runs_and_npm_run_report_read_one_reports_folder(
    tmp_path: Path, chosen: str | None
) -> None:
    """reports/ unless HANDSON_REPORTS names another folder (relative to the checkout): where a
    run writes (reports_dir) is where ``npm run report --run <ID>`` reads (scripts/report.mjs)."""
    if not shutil.which("node"):
        pytest.skip("Node.js is not installed")
    environ = (
        {} if chosen is None else {REPORTS_VARIABLE: chosen.replace("ABSOLUTE", str(tmp_path))}
    )
    written = RunFolder(reports_dir(ROOT, environ), "20261130-010000-aaaaaa").path
    script = tmp_path / "run_folder.mjs"
    script.write_text(RUN_FOLDER_OF % json.dumps((ROOT / "scripts" / "report.mjs").as_uri()))
    env = {k: v for k, v in os.environ.items() if k != REPORTS_VARIABLE} | environ
    done = subprocess.run(
        ["node", str(script), "20261130-010000-aaaaaa"],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
    )
    assert done.returncode == 0, done.stderr
    assert Path(done.stdout.strip()) == written
    expected = {None: ROOT / "reports", "ABSOLUTE": tmp_path}.get(
        chosen, ROOT / "elsewhere/reports"
    )
    assert written.parents[1] == expected


def test_the_newest_run_is_what_latest_run_txt_names(tmp_path: Path) -> None:
    assert latest_run(tmp_path) is None
    RunFolder(tmp_path, "20261130-010000-aaaaaa").allure_results.mkdir(parents=True)
    RunFolder(tmp_path, "20261130-010000-aaaaaa").point_latest()
    assert latest_run(tmp_path) == "20261130-010000-aaaaaa"


def test_a_run_folder_left_empty_is_removed_and_one_with_a_file_is_kept(tmp_path: Path) -> None:
    empty = RunFolder(tmp_path, "20261206-000000-aaaaaa")
    empty.allure_results.mkdir(parents=True)
    (empty.allure_results / "nested").mkdir()
    written = RunFolder(tmp_path, "20261206-000000-bbbbbb")
    (written.allure_results / "deep").mkdir(parents=True)
    (written.allure_results / "deep" / "x-result.json").write_text("{}", "utf-8")
    empty.remove_if_empty()
    written.remove_if_empty()
    RunFolder(tmp_path, "never-made").remove_if_empty()  # nothing to do
    assert sorted(p.name for p in (tmp_path / "runs").iterdir()) == ["20261206-000000-bbbbbb"]
    assert (written.allure_results / "deep" / "x-result.json").is_file()
