"""A run of a few scenarios (``-k``, ``-m``, a test ID) is never taken for the whole checklist:
a checkpoint run in part is not decided (exit 6), and the checkpoints left out are named below
the tally, never counted; what cannot be collected, and a selection of nothing, is one line
with what to type instead (fixtures/selection.py)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from handson.catalogue import TALLIED
from handson.console import CHILD_OUTPUT
from handson.run_folder import REPORTS_VARIABLE
from tests.helpers.suite_runner import ROOT, run_as_typed, run_suite, suite_env


def test_a_run_of_one_checkpoint_says_which_it_left_out(tmp_path: Path) -> None:
    run = run_suite(tmp_path, "-k", "U4")
    assert run.exit_code == 0, run.describe()
    assert "checkpoints: 1 passed, 0 failed, 0 not decided" in run.stdout
    assert "checkpoints not run: U1-U3 U5 R1-R8 (only what was chosen ran;" in run.stdout
    by_outcome: dict[str, list[str]] = {}
    for entry in run.checkpoints:
        by_outcome.setdefault(entry["outcome"], []).extend(entry["checkpoints"])
    assert by_outcome["passed"] == ["U4"] * 3
    # Every other scenario of the checklist is in checkpoints.json, as not selected.
    assert set(by_outcome["not selected"]) == set(TALLIED) - {"U4"}
    assert set(by_outcome) == {"passed", "not selected"}


def test_one_scenario_of_three_leaves_its_checkpoint_not_decided(tmp_path: Path) -> None:
    listed = run_as_typed(tmp_path / "reports", "features/", "--collect-only", "-q", "-k", "U4")
    stop = next(line for line in listed.stdout.splitlines() if line.endswith("[停止]"))
    done = run_as_typed(tmp_path / "reports", stop, "--lang=en")
    assert done.returncode == 6, done.stdout + done.stderr
    row = next(line for line in done.stdout.splitlines() if line.startswith("U4 "))
    assert "partly decided" in row, done.stdout
    assert "2 of its 3 scenarios were not selected, so it is not decided" in done.stdout
    assert "checkpoints: 0 passed, 0 failed, 1 not decided" in done.stdout
    assert "checkpoints not run: U1-U3 U5 R1-R8" in done.stdout
    written = next((tmp_path / "reports").rglob("checkpoints.json"))
    entries = json.loads(written.read_text("utf-8"))["checkpoints"]
    u4 = sorted(
        (e["nodeid"].rsplit("[", 1)[1], e["outcome"]) for e in entries if e["checkpoints"] == ["U4"]
    )
    assert u4 == [("停止]", "passed"), ("新規作成]", "not selected"), ("終了]", "not selected")]
    # The HTML report's U4 is not decided either: allure has the two rows left out, skipped
    # (scripts/report.mjs takes a checkpoint's worst row), not only the one that passed.
    results = written.parent / "allure-results"
    statuses = sorted(
        found["status"]
        for path in results.glob("*-result.json")
        for found in [json.loads(path.read_text("utf-8"))]
        if {"name": "checkpoint", "value": "U4"} in found.get("labels", [])
    )
    assert statuses == ["passed", "skipped", "skipped"], statuses


def test_what_cannot_be_collected_is_one_line_saying_what_to_type(tmp_path: Path) -> None:
    reports = tmp_path / "reports"
    feature = run_as_typed(reports, "features/iam_user.feature")
    assert feature.returncode == 4, feature.stdout + feature.stderr
    assert (
        "ERROR: features/iam_user.feature: a .feature file does not run by itself; to run only "
        "its scenarios: pytest features/ -m user"
    ) in feature.stderr
    nothing = run_as_typed(reports, "features/", "-k", "U9")
    assert nothing.returncode == 4, nothing.stdout + nothing.stderr
    assert "ERROR: no scenario matches -k 'U9', so nothing runs;" in nothing.stderr
    # Refused once the run's folder was made: the folder goes with it.
    assert not any((reports / "runs").iterdir()), sorted(reports.rglob("*"))


def test_a_checkpoint_typed_as_a_path_is_told_in_the_run_s_language(tmp_path: Path) -> None:
    """pytest reads the conftest files of the folders named test* for a path that is not there
    (``pytest U4``): the suite's own tests' one (tests/conftest.py) leaves such a run alone."""
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "U4"],
        cwd=ROOT,
        env=suite_env({"HANDSON_LANG": None, REPORTS_VARIABLE: str(tmp_path / "reports")}),
        capture_output=True,
        encoding=CHILD_OUTPUT,
        timeout=120,
        stdin=subprocess.DEVNULL,
    )
    assert done.returncode == 4, done.stdout + done.stderr
    said = done.stdout + done.stderr
    assert "ERROR: U4: そのファイルもフォルダもありません。チェックポイント U4 だけを" in said
    assert "the tests' runs wrote under" not in said
