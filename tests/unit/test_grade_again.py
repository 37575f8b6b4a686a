"""Grading again into a folder an earlier grading wrote (grade's --out may be used again): a
learner's row shows only what this grading's run of theirs wrote. A run refused this time (the
learner already cleaned up, their role's trust revoked: exit 4, no checkpoints.json) showed the
earlier grading's statuses, 13 / 13 passed, and grade exited 0."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

import handson.class_runs
import handson.grade
from handson import i18n
from handson.catalogue import TALLIED
from handson.class_roster import Learner
from handson.class_runs import CALLS_FILE, GRADED_MARK, OUTPUT
from tests.unit.test_grade import HEADER, roster

REFUSAL = "ERROR: no bucket pair handson-s3-1-<自分の名前> and handson-s3-2-<自分の名前>"
REFUSED_RUN = f"import sys\nsys.stderr.write({REFUSAL!a} + '\\n')\nraise SystemExit(4)\n"


def earlier_grading(out: Path, label: str) -> Path:
    """``out`` as an earlier grading left it: the learner passed every checkpoint then."""
    folder = out / label
    (folder / "allure-results").mkdir(parents=True)
    (out / GRADED_MARK).write_text("handson grade wrote this folder\n", "utf-8")
    entries = [{"checkpoints": [i], "outcome": "passed"} for i in TALLIED]
    (folder / "checkpoints.json").write_text(json.dumps({"checkpoints": entries}), "utf-8")
    (folder / "exit_code").write_text("0\n", "utf-8")
    (folder / OUTPUT).write_text("チェックポイント: 合格 13 / 不合格 0 / 判定なし 0\n", "utf-8")
    (folder / CALLS_FILE).write_text('{"earlier": true}\n', "utf-8")
    (folder / "allure-results" / "earlier-result.json").write_text("{}", "utf-8")
    return folder


@pytest.fixture
def refused(monkeypatch: pytest.MonkeyPatch, bare: Path) -> None:
    """Every learner's run is refused before it checks anything, as the suite refuses one."""
    monkeypatch.setenv("AWS_DEFAULT_REGION", "ap-northeast-1")
    command = [sys.executable, "-c", REFUSED_RUN]
    monkeypatch.setattr(handson.class_runs, "suite_command", lambda *args: command)


@pytest.mark.usefixtures("refused")
def test_a_refused_run_never_shows_the_earlier_gradings_passes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "graded"
    folder = earlier_grading(out, "hanako")
    path = roster(tmp_path, HEADER + "hanako-sandbox,111122223333,hanako,hanako\n")
    argv = ["--lang", "en", "--accounts", str(path), "--out", str(out), "--only", "hanako"]
    try:
        code = handson.grade.main(argv)
    finally:
        i18n.set_language("en")
    said = capsys.readouterr()
    assert code == 6, said  # not decided: never 0
    row = next(line for line in said.out.splitlines() if line.startswith("hanako"))
    assert "13 / 13" not in row and "0 / 13" in row, row
    assert "no bucket pair" in said.out, said.out  # the reason, said below the table
    graded = handson.grade.read_graded(Learner("p", "111122223333", "hanako"), folder, 4)
    assert graded.statuses == {}  # what --table-from would read: nothing of the earlier run
    assert not (folder / "checkpoints.json").exists()
    assert not (folder / CALLS_FILE).exists()
    assert not any((folder / "allure-results").glob("*"))
    assert (folder / "exit_code").read_text("utf-8") == "4\n"


@pytest.mark.usefixtures("refused")
def test_the_table_made_again_says_why_the_refused_run_decided_nothing(tmp_path: Path) -> None:
    """--table-from on the folder: the reason of the refused run, not 'the job did not finish'."""
    out = tmp_path / "graded"
    earlier_grading(out, "hanako")
    learner = Learner("hanako-sandbox", "111122223333", "hanako")
    graded = handson.class_runs.grade_one(learner, out, {}, None)
    assert graded.statuses == {} and graded.exit_code == 4
    assert graded.reason.startswith("no bucket pair"), graded.reason
    again = handson.grade._read_folder(learner, out / "hanako")
    assert again.statuses == {} and again.reason == graded.reason
    assert handson.grade.exit_code([again]) == 6


def test_an_earlier_result_that_cannot_be_removed_is_the_rows_reason(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Windows refuses to remove a file another program holds open: the learner is not graded
    (their run could not replace it either), and their row says why, with none of its statuses."""
    folder = earlier_grading(tmp_path, "hanako")
    held = folder / "checkpoints.json"
    unlink = Path.unlink

    def refusing(path: Path, missing_ok: bool = False) -> None:
        if path == held:
            raise PermissionError(13, "The process cannot access the file", str(path))
        unlink(path, missing_ok=missing_ok)

    def never(*args: object, **kwargs: object) -> None:
        raise AssertionError("the learner's run was started")

    monkeypatch.setattr(Path, "unlink", refusing)
    monkeypatch.setattr(handson.class_runs.subprocess, "run", never)
    learner = Learner("hanako-sandbox", "111122223333", "hanako")
    graded = handson.class_runs.grade_one(learner, tmp_path, {}, None)
    assert graded.statuses == {} and graded.exit_code == 4
    assert str(held) in graded.reason and "PermissionError" in graded.reason, graded.reason
    assert handson.grade.exit_code([graded]) == 6
