"""Each run has a folder of its own; reports/latest follows the newest finished run."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from handson import i18n
from handson.console import typed
from handson.run_folder import REPORTS_VARIABLE, RunFolder, latest_run, npm_run, reports_dir
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


def _two_runs(reports: Path) -> tuple[RunFolder, RunFolder]:
    one, two = (
        RunFolder(reports, "20261130-010000-aaaaaa"),
        RunFolder(reports, "20261130-010000-bbbbbb"),
    )
    for folder in (one, two):
        folder.allure_results.mkdir(parents=True)
    return one, two


def test_windows_which_replaces_no_link_to_a_folder_still_gets_the_newest_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With Developer Mode on, Windows makes links but replaces no folder, a link to one
    included (MoveFileEx): every run after the first ended in a traceback, after its checks."""
    one, two = _two_runs(tmp_path)
    assert one.point_latest() is None
    real_replace = os.replace

    def as_windows(source: str | Path, destination: str | Path) -> None:
        if Path(destination).is_dir():
            raise PermissionError(5, "Access is denied")
        real_replace(source, destination)

    monkeypatch.setattr(os, "replace", as_windows)
    assert two.point_latest() is None
    assert (tmp_path / "latest").resolve() == two.path.resolve()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["latest", "latest-run.txt", "runs"]


def test_a_latest_that_no_run_made_is_left_and_the_run_ends_well(tmp_path: Path) -> None:
    """A folder (or a file) named latest that is not a run's link: the run ended in a traceback
    after its checks (IsADirectoryError), leaving a stray link. Now it stays as it is, and the
    run says where its ID is."""
    (tmp_path / "latest").mkdir()
    (tmp_path / "latest" / "notes.txt").write_text("mine", "utf-8")
    one, _ = _two_runs(tmp_path)
    said = one.point_latest()
    assert said == i18n.t(
        "reports.latest_kept", latest=one.latest, named=one.latest_id, npm=npm_run()
    )
    assert latest_run(tmp_path) == one.run_id
    assert [p.name for p in (tmp_path / "latest").iterdir()] == ["notes.txt"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["latest", "latest-run.txt", "runs"]
    shutil.rmtree(tmp_path / "latest")
    (tmp_path / "latest").write_text("mine", "utf-8")
    assert one.point_latest() == said and (tmp_path / "latest").read_text("utf-8") == "mine"


def test_a_newest_run_that_cannot_be_named_is_said_not_raised(tmp_path: Path) -> None:
    one, _ = _two_runs(tmp_path)
    (tmp_path / "latest-run.txt").mkdir()  # cannot be replaced by a file
    said = one.point_latest()
    assert said is not None and said.startswith(str(tmp_path / "latest-run.txt"))
    assert f"npm run report -- --run {one.run_id}" in said


def test_the_html_report_line_names_where_the_runs_results_are(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A run whose results went to --alluredir was told 'npm run report (built from
    runs/<run>/allure-results)': a folder that holds nothing of it, and npm run report alone
    makes the newest run's report of reports/, not this one's."""
    monkeypatch.chdir(ROOT)
    run = RunFolder(tmp_path / "reports", "20261130-010000-aaaaaa")
    line = run.html_line(None)
    assert line == i18n.t("where.html", path=run.allure_results, npm="npm run"), line
    # A run without --alluredir: the root conftest gives it the run folder's own.
    assert run.html_line(str(run.allure_results)) == run.html_line(None)
    line = run.html_line(str(tmp_path / "allure-results"))
    given, beside = tmp_path / "allure-results", tmp_path / "allure-report"
    assert line == i18n.t("where.html_given", results=given, report=beside, npm="npm run"), line
    spaced = tmp_path / "my results"
    line = run.html_line(str(spaced))
    assert f'npm run report -- "{spaced}" "{spaced}-report"' in line, line


def test_typed_outside_the_checkout_npm_is_told_the_checkout(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """pytest started from the folder above the checkout (pytest my-checkout/features/): npm
    finds no project there, and 'npm run report' fails with npm's ENOENT."""
    assert npm_run(ROOT) == npm_run(ROOT / "features") == "npm run"
    checkout = typed(str(ROOT))  # as the line quotes it
    assert npm_run(ROOT.parent) == npm_run(tmp_path) == f"npm --prefix {checkout} run"
    monkeypatch.chdir(tmp_path)
    run = RunFolder(tmp_path / "reports", "20261130-010000-aaaaaa")
    assert f"npm --prefix {checkout} run report" in run.html_line(None)
    # Relative to where the learner is: results given as typed there are made whole.
    line = run.html_line("allure-results")
    assert f"npm --prefix {checkout} run report -- {tmp_path / 'allure-results'} " in line, line


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
