"""``handson grade`` as a command: where it writes (its --out and its tables, never over a file
of somebody else's or one held open), what it grades (--only), and Ctrl-C while it grades."""

from __future__ import annotations

from pathlib import Path

import pytest

from handson import i18n
from handson.class_table import COLUMNS
from handson.errors import SuiteUsageError
from handson.grade import Graded, Learner
from tests.unit.test_grade import HEADER, roster


def test_ctrl_c_while_grading_is_one_line_saying_where_the_results_are(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Ctrl-C reaches the grader and the learners' runs alike: the runs end through their own
    teardown, no learner not started yet is graded, and the grader says in one line where the
    results so far are and how to make their table, exit code 130 as a shell's for SIGINT
    (not Python's trace)."""
    import handson.grade

    spaced = tmp_path / "クラス 1"  # the command said is typed as it is: quoted where needed
    spaced.mkdir()
    path = roster(spaced, HEADER + "a,111122223333,山田\n")

    def interrupted(*args: object, **kwargs: object) -> list[Graded]:
        raise KeyboardInterrupt

    monkeypatch.setattr(handson.grade, "grade_class", interrupted)
    out = spaced / "graded"
    try:
        code = handson.grade.main(["--lang", "ja", "--accounts", str(path), "--out", str(out)])
    finally:
        i18n.set_language("en")
    said = capsys.readouterr()
    assert code == 130 and said.out == "", said
    assert said.err == (
        f"handson grade: 中断しました。採点が終わった受講者の結果は {out} にあります（表にするには"
        f' handson grade --accounts "{path}" --table-from "{out}"）\n'
    )


def test_ctrl_c_grades_no_learner_not_started_yet(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Ctrl-C arrives in the grader's main thread (here, as it hears that the first learner's
    grading ended): the learners still waiting are never graded; the one already started ends."""
    import time

    import handson.grade

    started: list[str] = []

    def graded(learner: Learner, *args: object) -> Graded:
        started.append(learner.label)
        time.sleep(0.2)
        return Graded(learner, 0)

    def hear(line: str) -> None:
        heard.append(line)
        if line.startswith("[1/"):
            raise KeyboardInterrupt

    heard: list[str] = []
    monkeypatch.setattr(handson.grade, "grade_one", graded)
    learners = [Learner(f"p{i}", "111122223333", f"l{i}") for i in range(5)]
    with pytest.raises(KeyboardInterrupt):
        handson.grade.grade_class(learners, tmp_path, 1, None, {}, ambient=True, say=hear)
    assert heard == ["handson grade: 5 to grade, 1 at once at most", "[1/5] l0: graded"]
    assert started in (["l0"], ["l0", "l1"]), started  # l1 may have begun as l0 ended


def test_a_relative_out_folder_is_the_same_for_the_grader_and_the_learners_runs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """--out graded, typed in another folder than the checkout: the learners' runs (whose
    working folder is the checkout) wrote their results under the checkout, the grader looked
    for them where it was typed, and every learner came out as 'decided nothing'. The folder
    the runs are given is the one the instructor named, made absolute."""
    import handson.grade

    path = roster(tmp_path, HEADER + "a,111122223333,山田\n")
    given: list[Path] = []

    def grading(learners: list[Learner], out: Path, *args: object, **kwargs: object) -> list:
        given.append(out)
        return [Graded(learner, 0) for learner in learners]

    monkeypatch.setattr(handson.grade, "grade_class", grading)
    monkeypatch.chdir(tmp_path)
    handson.grade.main(["--accounts", str(path), "--out", "graded"])
    assert given == [tmp_path / "graded"] and given[0].is_absolute()
    assert (tmp_path / "graded" / "class.html").is_file()


ROSTER = "account,account_id,label\nhanako,123456789012,hanako\n"


def test_the_class_list_is_never_written_over_by_the_table(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The class list kept as class.csv where the table goes (--table-from ., --out .): the
    table replaced it. Now one line, exit 4, the list as it was."""
    from handson import grade

    roster = tmp_path / "class.csv"
    roster.write_text(ROSTER, "utf-8")
    for option in ("--table-from", "--out"):
        argv = ["--accounts", str(roster), option, str(tmp_path), "--lang=en"]
        assert grade.main(argv) == 4
        err = capsys.readouterr().err.strip()
        assert "\n" not in err and "Traceback" not in err, err
        assert roster.read_text("utf-8") == ROSTER
    assert err.endswith(i18n.t("class.out_not_ours", path=tmp_path)), err


def test_only_a_label_of_the_class_is_taken_before_anyone_is_graded(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """--only names a label of the list (as read: が typed as か and ゛ is が); any other is one
    line, exit 4, and no folder made."""
    from handson import grade

    roster = tmp_path / "class.csv"
    roster.write_text(HEADER + "a,111122223333,\u304c\n", "utf-8")
    out = tmp_path / "graded"
    argv = ["--accounts", str(roster), "--out", str(out), "--lang=en", "--only"]
    assert grade.main([*argv, "hanako"]) == 4
    err = capsys.readouterr().err.strip()
    assert err.endswith(i18n.t("class.no_label", label="hanako", path=roster)), err
    assert "\n" not in err and not out.exists()
    # The label as macOS may give it: taken (the run then needs the account: not reached here).
    assert grade.main([*argv, "\u304b\u3099", "--table-from", str(out)]) == 4
    assert "no row of" not in capsys.readouterr().err


def test_only_grades_own_folders_and_tables_are_written_again(tmp_path: Path) -> None:
    """A table handson grade wrote (this template's, or an older one's) and a folder an earlier
    grading wrote (its mark) are written again; another CSV or page, or somebody's folder, is
    refused; a new or empty folder is taken."""
    from handson.class_runs import GRADED_MARK
    from handson.class_table import write_csv, write_html
    from handson.grade import check_destination

    graded = [Graded(Learner("hanako", "123456789012", "hanako"), 0)]
    ours = tmp_path / "ours"
    ours.mkdir()
    write_csv(graded, ours / "class.csv")
    write_html(graded, ours / "class.html", "2026-12-06 00:00 UTC")
    check_destination(ours, None)  # its own table: written again
    (ours / "class.html").write_text("<style>td.reason{white-space:normal}</style>", "utf-8")
    check_destination(ours, None)  # a page of the template before it named its generator
    (ours / "class.html").write_text("<html>my notes</html>", "utf-8")
    with pytest.raises(SuiteUsageError) as refused:
        check_destination(ours, None)
    assert str(refused.value) == i18n.t("class.not_a_table", path=ours / "class.html")
    again = tmp_path / "again"
    again.mkdir()
    (again / GRADED_MARK).write_text("", "utf-8")
    (again / "hanako").mkdir()
    check_destination(None, again)  # an earlier grading's: graded into again
    (tmp_path / "empty").mkdir()
    check_destination(None, tmp_path / "empty")
    check_destination(None, tmp_path / "new")
    (tmp_path / "theirs").mkdir()
    (tmp_path / "theirs" / "notes.txt").write_text("mine", "utf-8")
    with pytest.raises(SuiteUsageError):
        check_destination(None, tmp_path / "theirs")


def graded_before(tmp_path: Path) -> tuple[Path, Path]:
    """A class.csv and the --out folder of an earlier grading (its table in it)."""
    from handson.class_runs import GRADED_MARK
    from handson.class_table import write_csv

    path = roster(tmp_path, HEADER + "a,111122223333,山田\n")
    out = tmp_path / "graded"
    out.mkdir()
    (out / GRADED_MARK).write_text("", "utf-8")
    write_csv([], out / "class.csv")
    return path, out


def test_a_table_held_open_is_one_line_before_anyone_is_graded(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Excel holds the class.csv it has open (on Windows, no other program may write it): the
    instructor who grades again with it open learns it before the class is graded, not after."""
    import handson.grade
    from tests.helpers.refusing import refusing_writes

    path, out = graded_before(tmp_path)

    def not_graded(*args: object, **kwargs: object) -> list[Graded]:
        raise AssertionError("graded although the table cannot be written")

    monkeypatch.setattr(handson.grade, "grade_class", not_graded)
    with refusing_writes(out / "class.csv"):
        code = handson.grade.main(["--lang=en", "--accounts", str(path), "--out", str(out)])
    (line,) = capsys.readouterr().err.splitlines()
    assert code == 4 and "class.csv cannot be written: if Excel" in line, line


def test_a_table_that_cannot_be_written_after_grading_keeps_the_results(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Opened while the class was graded: the other table is written, one line says which was
    not and how to make it again from the results, which are kept; the exit code is not 0."""
    import handson.class_table
    import handson.grade

    path, out = graded_before(tmp_path)
    statuses = {column: "passed" for column in COLUMNS}
    done = [Graded(Learner("a", "111122223333", "山田"), 0, statuses, folder=out / "山田")]
    monkeypatch.setattr(handson.grade, "grade_class", lambda *args, **kwargs: done)

    def held(graded: object, table: Path) -> None:
        raise PermissionError(13, "The process cannot access the file", str(table))

    monkeypatch.setattr(handson.grade, "write_csv", held)
    code = handson.grade.main(["--lang=en", "--accounts", str(path), "--out", str(out)])
    said = capsys.readouterr().err.splitlines()
    assert code == 1 and (out / "class.html").is_file()
    assert said[0].startswith(f"{out / 'class.csv'} was not written ("), said
    assert said[1].endswith(
        f"handson grade --accounts {path} --table-from {out} makes the table again"
    )
    assert handson.class_table.write_csv is not held
