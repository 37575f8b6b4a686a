"""The class CSV is checked row by row before anyone is graded; a learner's statuses come from
their checkpoints.json, never from a run that decided nothing."""

from __future__ import annotations

import json
import re
from pathlib import Path

import botocore.session
import pytest

from handson import i18n
from handson.catalogue import TALLIED
from handson.class_table import COLUMNS, table_lines
from handson.errors import SuiteUsageError
from handson.grade import Graded, Learner, exit_code, learner_env, read_class, read_graded
from handson.practices import ADVISORY

HEADER = "account,account_id,label,name\n"


def roster(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "class.csv"
    path.write_text(text, "utf-8")
    return path


def test_profiles_and_roles_are_read_with_their_labels(tmp_path: Path) -> None:
    learners = read_class(
        roster(
            tmp_path,
            HEADER + "hanako-sandbox,111122223333,hanako,hanako\n"
            "arn:aws:iam::444455556666:role/grader,444455556666,,\n",
        )
    )
    assert learners == [
        Learner("hanako-sandbox", "111122223333", "hanako", "hanako"),
        Learner("arn:aws:iam::444455556666:role/grader", "444455556666", "grader"),
    ]
    assert learners[1].role_arn and learners[0].role_arn is None


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("account,label\nx,y\n", "account_id"),
        ("account,account_id,colour\nx,111122223333,red\n", "colour"),
        (HEADER, "no learner"),
        (HEADER + "x,1111-2222-333\n", "12 digits"),
        (HEADER + "has space,111122223333\n", "neither a profile name nor a role ARN"),
        (HEADER + "arn:aws:iam::444455556666:role/r,111122223333\n", "another account"),
        (HEADER + "a,111122223333,same\nb,111122223333,same\n", "same label on two rows"),
        # One folder on Windows and macOS: their results would be mixed in it.
        (HEADER + "a,111122223333,Taro\nb,111122223333,taro\n", "labels Taro, taro differ only"),
        # が, and か with ゛ as macOS's editors may write it: one label.
        (HEADER + "a,111122223333,\u304c\nb,111122223333,\u304b\u3099\n", "same label on two"),
        (HEADER + "a,111122223333,x,Bad_Name\n", "class.csv:2 name 'Bad_Name'"),
        (
            "account,account_id,endpoint_url\na,111122223333,localhost:5000\n",
            "(http://localhost:5000)",
        ),
    ],
)
def test_a_bad_row_is_one_line_before_anyone_is_graded(
    tmp_path: Path, text: str, words: str
) -> None:
    with pytest.raises(SuiteUsageError) as refused:
        read_class(roster(tmp_path, text))
    assert words in str(refused.value) and "\n" not in str(refused.value)


# What Excel does to a class's CSV, and what the instructor reads of it.
EXCEL = {
    "a 12-digit ID saved in exponent form": (
        "a,1.23457E+11,x\n",
        "account_id 1.23457E+11: Excel saved the 12-digit number in exponent form",
    ),
    "an ID whose leading zero Excel dropped": (
        "a,12345678901,x\n",
        "account_id 12345678901 has 11 digits; an AWS account ID has 12 and may start with 0",
    ),
    "a value beyond the columns": ("a,111122223333,x,,more\n", "(extra: more)"),
}


@pytest.mark.parametrize("case", list(EXCEL))
def test_what_excel_does_to_a_roster_is_named(tmp_path: Path, case: str) -> None:
    row, words = EXCEL[case]
    with pytest.raises(SuiteUsageError) as refused:
        read_class(roster(tmp_path, HEADER + row))
    assert str(refused.value).startswith(f"{tmp_path / 'class.csv'}:2: ")
    assert words in str(refused.value)


def test_an_account_id_copied_from_the_consoles_menu_is_taken(tmp_path: Path) -> None:
    assert read_class(roster(tmp_path, HEADER + "a,1111-2222-3333,x\n"))[0].account_id == (
        "111122223333"
    )


def test_excels_empty_rows_and_trailing_commas_are_passed_over(tmp_path: Path) -> None:
    text = HEADER + "a,012345678901,x,,\n,,,\n,,,,,\nb,111122223333,y\n,,,\n"
    assert [x.label for x in read_class(roster(tmp_path, text))] == ["x", "y"]


def test_every_bad_row_is_a_line_of_its_own(tmp_path: Path) -> None:
    text = HEADER + "a,1111,x\nb,111122223333,y\nc,2222,z\n"
    with pytest.raises(SuiteUsageError) as refused:
        read_class(roster(tmp_path, text))
    said = str(refused.value).splitlines()
    assert [line.split(": ")[0] for line in said] == [
        f"{tmp_path / 'class.csv'}:{n}" for n in (2, 4)
    ]


@pytest.mark.parametrize("label", ["山田 太郎", "hanako.s", "田中-2"])
def test_a_label_in_japanese_or_with_a_space_between_words_is_taken(
    tmp_path: Path, label: str
) -> None:
    assert read_class(roster(tmp_path, HEADER + f"a,111122223333,{label}\n"))[0].label == label


@pytest.mark.parametrize("label", ["taro.", "a  b", "a/b", "x" * 65])
def test_a_label_that_cannot_name_a_folder_everywhere_is_refused(
    tmp_path: Path, label: str
) -> None:
    with pytest.raises(SuiteUsageError) as refused:
        read_class(roster(tmp_path, HEADER + f"a,111122223333,{label}\n"))
    assert "label" in str(refused.value) and "not ending with '.'" in str(refused.value)


@pytest.mark.parametrize(("label", "session"), [("g", "handson-grade-g"), ("山田 太郎", None)])
def test_the_role_session_is_named_as_sts_takes_it(label: str, session: str | None) -> None:
    pattern = (
        botocore.session.get_session()
        .get_service_model("sts")
        .operation_model("AssumeRole")
        .input_shape.members["RoleSessionName"]
        .metadata
    )
    arn = "arn:aws:iam::444455556666:role/grader"
    named = Learner(arn, "444455556666", label).session_name
    # STS's pattern is Java's, whose \w is ASCII's.
    assert re.fullmatch(pattern["pattern"], named, re.ASCII)
    assert pattern["min"] <= len(named) <= pattern["max"]
    assert named == (session or "handson-grade-444455556666")


def test_a_profile_row_never_carries_the_graders_keys() -> None:
    base = {"AWS_ACCESS_KEY_ID": "AKIA", "AWS_SECRET_ACCESS_KEY": "s", "HANDSON_TARGET": "aws"}

    def never(**_: str) -> None:
        raise AssertionError("a profile row assumes nothing")

    env = learner_env(Learner("p", "111122223333", "p"), base, never)
    assert env["AWS_PROFILE"] == "p" and "AWS_ACCESS_KEY_ID" not in env
    assert "HANDSON_TARGET" not in env
    # A job that already assumed the learner's role (grade-class.yml, --only): as it is.
    assert learner_env(Learner("p", "111122223333", "p"), base, None) == {
        k: v for k, v in base.items() if k != "HANDSON_TARGET"
    }


def test_a_role_row_gets_the_roles_temporary_keys() -> None:
    calls = []

    def assume(**kwargs: str) -> dict[str, dict[str, str]]:
        calls.append(kwargs)
        return {"Credentials": {"AccessKeyId": "ASIA", "SecretAccessKey": "x", "SessionToken": "t"}}

    arn = "arn:aws:iam::444455556666:role/grader"
    env = learner_env(Learner(arn, "444455556666", "g"), {"AWS_PROFILE": "mine"}, assume)
    assert calls == [{"RoleArn": arn, "RoleSessionName": "handson-grade-g"}]
    assert env["AWS_ACCESS_KEY_ID"] == "ASIA" and "AWS_PROFILE" not in env


def test_statuses_come_from_the_runs_checkpoints(tmp_path: Path) -> None:
    entries = [
        {"checkpoints": ["U1"], "outcome": "passed"},
        {"checkpoints": ["U5"], "outcome": "passed"},
        {"checkpoints": ["U5"], "outcome": "failed"},
        {"checkpoints": ["R1"], "outcome": "skipped"},
    ]
    (tmp_path / "checkpoints.json").write_text(json.dumps({"checkpoints": entries}))
    learner = Learner("p", "111122223333", "p")
    graded = read_graded(learner, tmp_path, 1)
    assert graded.statuses == {"U1": "passed", "U5": "failed", "R1": "not decided"}
    assert exit_code([graded]) == 1


def test_an_error_of_a_learners_run_is_not_decided_never_failed(tmp_path: Path) -> None:
    entries = [
        {"checkpoints": ["U1"], "outcome": "passed"},
        {"checkpoints": ["R2"], "outcome": "error"},  # e.g. the instance's CLI could not run
        {"checkpoints": ["R3"], "outcome": "precondition not met"},
    ]
    (tmp_path / "checkpoints.json").write_text(json.dumps({"checkpoints": entries}))
    learner = Learner("p", "111122223333", "p")
    graded = read_graded(learner, tmp_path, 6)
    assert graded.statuses == {"U1": "passed", "R2": "not decided", "R3": "not decided"}
    assert exit_code([graded]) == 6


def test_a_run_that_decided_nothing_says_why_and_counts_as_not_decided(tmp_path: Path) -> None:
    learner = Learner("p", "111122223333", "p")
    stderr = "ERROR: no bucket pair handson-s3-1-<自分の名前> and handson-s3-2-<自分の名前>\n"
    graded = read_graded(learner, tmp_path, 4, stderr)
    assert graded.statuses == {} and graded.reason.startswith("no bucket pair")
    assert exit_code([graded]) == 6
    assert exit_code([Graded(learner, 0, dict.fromkeys(["U1"], "passed"))]) == 6


def test_the_class_table_in_the_terminal_fits_80_columns_and_says_what_to_look_at() -> None:
    """One row per learner: how many checkpoints passed, which failed, which were not decided,
    which lessons have findings; three or more IDs in a row of one family as a range (R2〜R8:
    the role's checks not decided, say). A class with every kind of row stays within 80 columns
    (the cell-per-checkpoint table, about 150 columns in Japanese, is the CSV's and the
    HTML's); a row is wider only with failures scattered over many checkpoints apart."""

    def graded(label: str, failed: set[str], findings: set[str], **more: object) -> Graded:
        statuses = {i: "failed" if i in failed else "passed" for i in TALLIED}
        statuses |= {p: "findings" if p in findings else "clear" for p in ADVISORY}
        return Graded(Learner(label, "111122223333", label), 1 if failed else 0, statuses, **more)

    many = TALLIED[:5]
    nothing = Graded(Learner("鈴木一郎", "111122223333", "鈴木一郎"), 4, {}, reason="理由の一文")
    half = graded("田中", set(), set())
    del half.statuses["R1"], half.statuses["R2"]  # not decided: missing from the results
    cut_short = graded("伊藤", {"U2", "U3", "R1"}, {"P2"})  # R2-R8 not decided
    for i in TALLIED[6:]:
        del cut_short.statuses[i]
    i18n.set_language("ja")
    try:
        lines = table_lines(
            [
                graded("山田太郎", {"U1", "U5", "R1", "R4"}, {"P1", "P2", "P3", "P5"}),
                graded("佐藤花子", set(), set()),
                graded("taro.yamada", set(many), set(ADVISORY)),
                nothing,
                half,
                cut_short,
            ]
        )
    finally:
        i18n.set_language("en")
    assert [line.split() for line in lines[:3]] == [
        ["受講者", "合格", "不合格", "判定なし", "ベストプラクティスの指摘"],
        ["山田太郎", "9", "/", "13", "U1", "U5", "R1", "R4", "-", "P1〜P3", "P5"],
        ["佐藤花子", "13", "/", "13", "-", "-", "-"],
    ]
    assert lines[3].split() == ["taro.yamada", "8", "/", "13", "U1〜U5", "-", "P1〜P6"]
    assert lines[4].split() == ["鈴木一郎", "0", "/", "13", "-", "すべて", "-"]
    assert lines[5] == "    理由の一文"
    assert lines[6].split() == ["田中", "11", "/", "13", "-", "R1", "R2", "-"]
    assert lines[7].split() == ["伊藤", "3", "/", "13", "U2", "U3", "R1", "R2〜R8", "P2"]
    assert lines[8].startswith("受講者 6 人: 全チェックポイント合格 1 人")
    assert max(i18n.display_width(line) for line in lines) <= 80, lines


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
