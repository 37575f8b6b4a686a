"""A file a learner or an instructor gave that cannot be read says why in the run's language and
what to do: a Shift_JIS or UTF-16 file (a Japanese Windows's editors, Excel's CSV, PowerShell's
``>``) is named as one, never a traceback nor ``'utf-8' codec can't decode byte 0x8e``."""

from __future__ import annotations

import json
import os
import re
import shutil
from pathlib import Path

import pytest

from handson import i18n
from handson.call_record import a_call_record
from handson.class_roster import read_class
from handson.errors import SuiteUsageError
from handson.file_words import not_ours, text_of, unreadable, unwritable_file, unwritable_folder
from handson.policies import (
    DISCOVERED_MANIFEST,
    ROLE_POLICY_FILE,
    SEED_DIR,
    USER_POLICY_FILE,
    load_policy_set,
)
from handson.run_folder import a_runs_checkpoints
from tests.helpers.english_words import english_words
from tests.helpers.refusing import refusing_writes

SEED_ROLE = (SEED_DIR / ROLE_POLICY_FILE).read_text("utf-8")  # holds <自分の名前>


def refusal(folder: Path, role_policy: bytes) -> str:
    (folder / ROLE_POLICY_FILE).write_bytes(role_policy)
    (folder / USER_POLICY_FILE).write_text((SEED_DIR / USER_POLICY_FILE).read_text("utf-8"))
    with pytest.raises(SuiteUsageError) as caught:
        load_policy_set(folder)
    return str(caught.value)


# A Sid with an é, as Latin-1 writes it (the user's policy holds no Japanese).
USER_SEED = (SEED_DIR / USER_POLICY_FILE).read_text("utf-8")
CAFE = re.sub(r'("Sid": "\w+)"', '\\1\u00e9"', USER_SEED, count=1)


@pytest.mark.parametrize(
    ("data", "said"),
    [
        (
            SEED_ROLE.encode("cp932"),
            "Shift_JIS で保存されているようです。エディタで UTF-8 を選んで",
        ),
        (SEED_ROLE.encode("utf-16"), "UTF-16 で保存されています（PowerShell の > や Out-File"),
        (CAFE.encode("latin-1"), "UTF-8 で保存されていません。エディタで UTF-8 を選んで"),
    ],
    ids=["shift_jis", "utf-16", "latin-1"],
)
def test_a_policy_saved_in_another_encoding_is_named_as_such(
    tmp_path: Path, japanese: None, data: bytes, said: str
) -> None:
    why = refusal(tmp_path, data)
    assert why.startswith(f"{tmp_path / ROLE_POLICY_FILE}: ポリシーファイルを読めません（")
    assert said in why and "codec" not in why and "\n" not in why, why


def test_a_utf8_policy_with_a_bom_and_windows_line_ends_reads_as_utf8() -> None:
    data = b"\xef\xbb\xbf" + SEED_ROLE.replace("\n", "\r\n").encode("utf-8")
    assert text_of(data) == SEED_ROLE


@pytest.mark.parametrize(
    ("error", "ja"),
    [
        (FileNotFoundError(2, "No such file or directory"), "ファイルがありません"),
        (PermissionError(13, "Permission denied"), "読む権限がありません"),
        (IsADirectoryError(21, "Is a directory"), "ファイルではなくフォルダです"),
    ],
)
def test_what_the_system_says_in_english_is_said_in_japanese(
    japanese: None, error: OSError, ja: str
) -> None:
    assert unreadable(error) == ja


def test_another_system_error_keeps_the_systems_words() -> None:
    assert unreadable(OSError(28, "No space left on device")) == "No space left on device"


def test_a_class_list_saved_by_excel_on_a_japanese_windows_is_one_line(
    tmp_path: Path, japanese: None
) -> None:
    """Excel's 「CSV（コンマ区切り）」 is Shift_JIS: a label 太郎 made the grading stop with a
    traceback (UnicodeDecodeError) before."""
    roster = tmp_path / "class.csv"
    roster.write_bytes("account,account_id,label\nhandson-taro,111122223333,太郎\n".encode("cp932"))
    with pytest.raises(SuiteUsageError) as caught:
        read_class(roster)
    said = str(caught.value)
    assert "Shift_JIS で保存されているようです" in said and "\n" not in said, said
    assert english_words(said.replace(str(roster), "")) == [], said


def test_a_class_list_that_is_not_there(tmp_path: Path, japanese: None) -> None:
    with pytest.raises(SuiteUsageError) as caught:
        read_class(tmp_path / "none.csv")
    assert "ファイルがありません" in str(caught.value)


def test_every_file_message_has_words_in_both_languages() -> None:
    keys = [k for k in i18n.catalogue("en") if k.startswith("file.")]
    assert keys and all(i18n.catalogue("ja")[k].strip() for k in keys)


def test_a_folder_for_results_that_cannot_be_made_is_said_why(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Checked before anything is made, and by looking only: nothing is created to find out."""
    taken = tmp_path / "results.txt"
    taken.write_text("mine", "utf-8")
    assert unwritable_folder(taken) == i18n.t("folder.is_file")
    assert unwritable_folder(taken / "a" / "b") == i18n.t("folder.under_file", file=taken)
    assert unwritable_folder(tmp_path) is None
    assert unwritable_folder(tmp_path / "new" / "deeper") is None
    assert not (tmp_path / "new").exists()
    # A file the run writes: a folder of its name, a file on its path.
    assert unwritable_file(tmp_path) == i18n.t("file.a_folder")
    assert unwritable_file(taken / "x.json") == i18n.t("folder.under_file", file=taken)
    assert unwritable_file(tmp_path / "new" / "x.json") is None
    assert unwritable_file(taken) is None  # written anew


def test_a_folder_or_file_that_refuses_writes_is_found_as_windows_needs(tmp_path: Path) -> None:
    """os.access answering yes, as it does on Windows for a folder its permissions or Controlled
    folder access refuse: the refusal is still found, by trying, and nothing is left of trying."""
    locked = tmp_path / "locked"
    locked.mkdir()
    table = tmp_path / "class.csv"
    table.write_text("mine", "utf-8")
    said = i18n.t("folder.not_writable", folder=locked)
    with refusing_writes(locked):
        assert os.access(locked, os.W_OK)  # what Windows says of such a folder
        assert unwritable_folder(locked) == said
        assert unwritable_folder(locked / "new" / "deeper") == said
        assert unwritable_file(locked / "checkpoints.json") == said
    with refusing_writes(table):
        assert unwritable_file(table) == i18n.t("folder.not_writable", folder=table)
    assert unwritable_folder(locked) is None and unwritable_file(table) is None
    assert sorted(p.name for p in tmp_path.iterdir()) == ["class.csv", "locked"]
    assert not any(locked.iterdir()) and table.read_text("utf-8") == "mine"


@pytest.fixture
def roster(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A class of one, and no AWS credentials anywhere: a command that reached for the account
    would say so instead of what the test expects."""
    for variable in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_PROFILE"):
        monkeypatch.delenv(variable, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    written = tmp_path / "class.csv"
    written.write_text("account,account_id\nhanako,123456789012\n", "utf-8")
    return written


def test_grade_and_discover_refuse_a_file_for_out_before_any_call(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], roster: Path
) -> None:
    """A file given as --out was a traceback (FileExistsError) after the class was read; now
    one line, and for discover before the account is reached (no credentials here)."""
    from handson import discover, grade

    out = tmp_path / "results.html"
    out.write_text("mine", "utf-8")
    assert grade.main(["--accounts", str(roster), "--out", str(out), "--lang=en"]) == 4
    assert capsys.readouterr().err.strip().endswith(f"--out {out}: {i18n.t('folder.is_file')}")
    assert discover.main(["--out", str(out), "--lang=en"]) == 2
    assert capsys.readouterr().err.strip().endswith(f"--out {out}: {i18n.t('folder.is_file')}")
    assert out.read_text("utf-8") == "mine"


def test_the_commands_file_options_are_one_line_before_any_call(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], roster: Path
) -> None:
    """grade --table-from, sweep --record-calls and sweep --record were tracebacks, or a line in
    the system's English after the account was reached; no credentials here, so a line about
    them would mean the option was looked at too late."""
    from handson import grade, sweep

    taken = tmp_path / "results.txt"
    taken.write_text("mine", "utf-8")

    def said(code: int, expected: int) -> str:
        err = capsys.readouterr().err.strip()
        assert code == expected and "\n" not in err and "Traceback" not in err, err
        return err

    for missing in (tmp_path / "nosuch", taken):
        argv = ["--accounts", str(roster), "--table-from", str(missing), "--lang=en"]
        assert said(grade.main(argv), 4).endswith(i18n.t("class.table_from", path=missing))
    argv = ["--record-calls", str(taken / "calls.jsonl"), "--lang=en"]
    assert said(sweep.main(argv), 2).endswith(
        f"--record-calls {taken / 'calls.jsonl'}: {i18n.t('folder.under_file', file=taken)}"
    )
    assert said(sweep.main(["--record", str(tmp_path), "--lang=en"]), 2).endswith(
        i18n.t("live.record_cannot_read", path=tmp_path, error=i18n.t("file.a_folder"))
    )
    # The sweep adds its calls to a record: never to a file no record is in.
    argv = ["--record-calls", str(taken), "--lang=en"]
    assert said(sweep.main(argv), 2).endswith(f"--record-calls {taken}: {i18n.t('file.not_ours')}")
    assert taken.read_text("utf-8") == "mine"


def test_discover_never_writes_over_policy_files_it_did_not_write(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], roster: Path
) -> None:
    """'handson discover --out policies' (the hands-on's own files, in the checkout) or --out the
    learner's own folder of policies replaced them with what it found. Now one line, before the
    account is reached; a folder discover wrote (its discovered.json) is written again."""
    from handson import discover

    seed_before = {p.name: p.read_bytes() for p in SEED_DIR.glob("*.json")}
    assert discover.main(["--out", str(SEED_DIR), "--lang=en"]) == 2
    said = capsys.readouterr().err.strip()
    assert said.endswith(i18n.t("discover.not_ours", out=SEED_DIR)), said
    assert {p.name: p.read_bytes() for p in SEED_DIR.glob("*.json")} == seed_before
    own = tmp_path / "mine"
    own.mkdir()
    (own / USER_POLICY_FILE).write_text("{}", "utf-8")
    assert discover.written_over(own)
    (own / DISCOVERED_MANIFEST).write_text("{}", "utf-8")  # an earlier discovery's folder
    assert not discover.written_over(own)
    assert not discover.written_over(tmp_path / "new")


def test_a_file_the_run_writes_is_never_one_it_did_not_write(tmp_path: Path) -> None:
    """--checkpoints-json or --record-calls given a learner's own file (a policy file, by a slip
    of the tab key): it was written over at the run's end. A new file, an empty one, and one a
    run wrote before are written; anything else is one line, and the file is as it was."""
    mine = tmp_path / "handson-iam-user-policy.json"
    shutil.copy(SEED_DIR / USER_POLICY_FILE, mine)
    said = i18n.t("file.not_ours")
    assert not_ours(mine, a_runs_checkpoints) == said
    assert not_ours(mine, a_call_record) == said
    earlier = tmp_path / "checkpoints.json"
    earlier.write_text(json.dumps({"run": "r", "checkpoints": []}), "utf-8")
    record = tmp_path / "calls.jsonl"
    record.write_text(json.dumps({"who": "user", "service": "s3", "operation": "X"}) + "\n")
    assert not_ours(earlier, a_runs_checkpoints) is None
    assert not_ours(record, a_call_record) is None
    assert not_ours(record, a_runs_checkpoints) == said  # a record is not a checkpoints.json
    assert not_ours(earlier, a_call_record) == said
    (tmp_path / "empty.json").touch()
    for fresh in (tmp_path / "empty.json", tmp_path / "new.json", tmp_path):
        assert not_ours(fresh, a_runs_checkpoints) is None  # a folder: unwritable_file says it
    assert mine.read_bytes() == (SEED_DIR / USER_POLICY_FILE).read_bytes()
