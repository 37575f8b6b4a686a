"""The class CSV is checked row by row before anyone is graded; a learner's statuses come from
their checkpoints.json, never from a run that decided nothing."""

from __future__ import annotations

import codecs
import csv
import json
import re
from pathlib import Path
from typing import Any

import botocore.session
import pytest

from handson import i18n
from handson.catalogue import TALLIED
from handson.class_table import Cause, causes, not_a_table, table_lines, write_csv
from handson.errors import SuiteUsageError
from handson.grade import Graded, Learner, exit_code, learner_env, read_class, read_graded
from handson.names import PLACEHOLDER
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
    assert graded.hints == {}  # a failure without a hint has none to show


def test_a_failed_checkpoint_keeps_the_hint_of_its_first_failed_check(tmp_path: Path) -> None:
    """What class.html shows on a failed cell. Only a failed check's: an error's cause is no
    advice on the policies (verdict rule 7), and a passed check has none."""
    entries = [
        {"checkpoints": ["U4"], "outcome": "passed", "hint": "not this"},
        {"checkpoints": ["U4"], "outcome": "failed"},
        {"checkpoints": ["U4"], "outcome": "failed", "hint": "ForEC2's Action ec2:* ..."},
        {"checkpoints": ["U4"], "outcome": "failed", "hint": "a later one"},
        {"checkpoints": ["R2"], "outcome": "error", "hint": "never an error's"},
    ]
    document = {"name": "taro.yamada", "checkpoints": entries}
    (tmp_path / "checkpoints.json").write_text(json.dumps(document))
    graded = read_graded(Learner("p", "111122223333", "p"), tmp_path, 1)
    assert graded.hints == {"U4": "ForEC2's Action ec2:* ..."}
    assert graded.name == "taro.yamada"  # in the hint's bucket names, said alike in causes()


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

    def graded(label: str, failed: set[str], findings: set[str], **more: Any) -> Graded:
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
    # What to go over again: the most failed first, three of them.
    assert lines[9] == "不合格の多いチェックポイント: U1（2 人）、U2（2 人）、U3（2 人） など"
    assert max(i18n.display_width(line) for line in lines) <= 80, lines


def test_the_class_s_failures_are_grouped_by_their_cause_whatever_each_learner_s_names() -> None:
    """What to go over again, and with whom: learners who made the same mistake have the same
    hint but for their own names (their buckets', their account's, their instance's); they are
    one group. The commonest cause first; failures without a hint last of as many."""

    def failed(label: str, name: str, **hints: str) -> Graded:
        statuses = {i: "failed" if i in hints else "passed" for i in TALLIED}
        learner = Learner(label, "111122223333", label)
        return Graded(learner, 1, statuses, hints={i: h for i, h in hints.items() if h}, name=name)

    def r6(name: str) -> str:
        return f"ForS32OpenGet allows s3:GetObject on arn:aws:s3:::handson-s3-2-{name}/*"

    def u3(account: str, instance: str) -> str:
        arn = f"arn:aws:ec2:ap-northeast-1:{account}:instance/{instance}"
        return f"no statement allows ec2:StartInstances on {arn}"

    graded = [
        failed("山田", "taro", R6=r6("taro"), U3=u3("111122223333", "i-0123456789abcdef0")),
        failed("佐藤", "hanako.s", R6=r6("hanako.s"), U3=u3("444455556666", "i-0fedcba987654321f")),
        failed("鈴木", "ichiro", R6="ForS32OpenGet's Resource does not cover ..."),
        failed("田中", "jiro", R6=r6("jiro")),
        failed("伊藤", "saburo", R6=""),  # a failure without a hint
        failed("高橋", "shiro", U1=""),
        Graded(Learner("渡辺", "111122223333", "渡辺"), 0, dict.fromkeys(TALLIED, "passed")),
    ]
    found = causes(graded)
    assert [(checkpoint, count) for checkpoint, count, _ in found] == [
        ("R6", 5),
        ("U3", 2),
        ("U1", 1),
    ]
    assert found[0][2] == [
        Cause(r6(PLACEHOLDER), ("山田", "佐藤", "田中")),
        Cause("ForS32OpenGet's Resource does not cover ...", ("鈴木",)),
        Cause("", ("伊藤",)),
    ]
    alike = "no statement allows ec2:StartInstances on arn:aws:ec2:ap-northeast-1:"
    assert found[1][2] == [Cause(f"{alike}<account ID>:instance/<instance ID>", ("山田", "佐藤"))]
    assert found[2][2] == [Cause("", ("高橋",))]
    # A name inside another word is not the learner's: handson-s3-2-taro is, taroko is not.
    assert causes([failed("x", "taro", R6="taroko's handson-s3-2-taro")])[0][2] == [
        Cause(f"taroko's handson-s3-2-{PLACEHOLDER}", ("x",))
    ]


def test_the_tables_csv_opens_in_excel_as_written_and_is_written_over_next_time(
    tmp_path: Path,
) -> None:
    """class.csv begins with UTF-8's byte order mark, which Excel needs to read a CSV it opens by
    double-click as UTF-8 (else Shift_JIS on a Japanese Windows: a label and a reason in
    Japanese came out garbled); grading into the folder again still knows the table for its own
    (else it would refuse to write over it), and a table written before it had the mark too."""
    graded = [
        Graded(Learner("p", "111122223333", "山田 太郎"), 6, reason="判定なし: 引き受けられません")
    ]
    table = tmp_path / "class.csv"
    write_csv(graded, table)
    written = table.read_bytes()
    assert written.startswith(codecs.BOM_UTF8), written[:8]
    with table.open(encoding="utf-8-sig", newline="") as handle:
        (row,) = csv.DictReader(handle)
    assert row["learner"] == "山田 太郎" and row["reason"] == "判定なし: 引き受けられません"
    assert not_a_table(tmp_path) is None
    table.write_bytes(written.removeprefix(codecs.BOM_UTF8))
    assert not_a_table(tmp_path) is None
