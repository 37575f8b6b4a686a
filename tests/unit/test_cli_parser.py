"""The handson commands' command lines in the run's language: argparse's own errors, provoked
from this Python's argparse, come out in Japanese with their values, and word for word as
argparse says them in English; every command's help and refusals are in the language asked for
before anything is parsed."""

from __future__ import annotations

import argparse
import importlib
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import NoReturn

import pytest

from handson.cli_parser import (
    ARGPARSE_ERRORS,
    Parser,
    argparse_error,
    refusal,
    refused_by_pytest,
)
from handson.i18n import set_language

COMMANDS = ("cleanup", "discover", "sweep", "grade", "calls", "watch")
ENGLISH = re.compile(r"\b(usage|options|error|argument|arguments|required|invalid|expected|show)\b")


class Said(Exception):
    pass


class Plain(argparse.ArgumentParser):
    """argparse as it is, its error message caught instead of printed."""

    def error(self, message: str) -> NoReturn:
        raise Said(message)


def plain() -> Plain:
    made = Plain(prog="p")
    made.add_argument("--out")
    made.add_argument("--parallel", type=int)
    made.add_argument("--ratio", type=float)
    made.add_argument("--lang", choices=["ja", "en"])
    made.add_argument("--delete", action="store_true")
    made.add_argument("--record")
    made.add_argument("--record-calls")
    both = made.add_mutually_exclusive_group()
    both.add_argument("--run")
    both.add_argument("--older-than")
    return made


def required_out() -> Plain:
    made = Plain(prog="p")
    made.add_argument("--out", required=True)
    return made


def one_of() -> Plain:
    made = Plain(prog="p")
    group = made.add_mutually_exclusive_group(required=True)
    group.add_argument("--run")
    group.add_argument("--record")
    return made


# Each of argparse's errors that ARGPARSE_ERRORS names, provoked, and the values it must carry.
PROVOKED: list[tuple[str, Callable[[], Plain], list[str], list[str]]] = [
    ("required", required_out, [], ["--out"]),
    ("one_of", one_of, [], ["--run", "--record"]),
    ("unrecognized", plain, ["--bogus", "x"], ["--bogus x"]),
    ("not_with", plain, ["--run", "a", "--older-than", "3m"], ["--older-than", "--run"]),
    ("one_value", plain, ["--out"], ["--out"]),
    ("ambiguous", plain, ["--rec", "x"], ["--rec", "--record, --record-calls"]),
    ("invalid_int", plain, ["--parallel", "z"], ["--parallel", "'z'"]),
    ("invalid_value", plain, ["--ratio", "z"], ["--ratio", "'z'", "float"]),
    ("invalid_choice", plain, ["--lang", "fr"], ["--lang", "'fr'", "'ja', 'en'"]),
    ("ignored", plain, ["--delete=yes"], ["--delete", "'yes'"]),
]


@pytest.fixture(autouse=True)
def japanese_afterwards() -> Iterator[None]:
    yield
    set_language("ja")


def provoked(make: Callable[[], Plain], argv: list[str]) -> str:
    with pytest.raises(Said) as said:
        make().parse_args(argv)
    return str(said.value)


@pytest.mark.parametrize(("case", "make", "argv", "values"), PROVOKED, ids=[p[0] for p in PROVOKED])
def test_argparse_s_errors_in_japanese_with_their_values_and_in_english_as_they_were(
    case: str, make: Callable[[], Plain], argv: list[str], values: list[str]
) -> None:
    message = provoked(make, argv)
    set_language("en")
    assert argparse_error(message) == message  # the English templates are argparse's words
    set_language("ja")
    japanese = argparse_error(message)
    assert not ENGLISH.search(japanese), (message, japanese)
    for value in values:
        assert value in japanese, (value, japanese)


def test_every_message_id_is_provoked_above() -> None:
    keys = {key for key, _ in ARGPARSE_ERRORS.values()}
    assert keys | {"invalid_int"} == {case for case, *_ in PROVOKED}


def test_an_error_worded_otherwise_stays_whole_in_english() -> None:
    set_language("ja")
    assert argparse_error("something argparse says one day") == "something argparse says one day"


PYTEST = "python -m pytest"


@pytest.mark.parametrize(
    ("argv", "environ"),
    [([], {}), (["--lang", "ja"], {"HANDSON_LANG": "en"}), ([], {"HANDSON_LANG": "ja"})],
    ids=["by default", "--lang ja over the environment", "HANDSON_LANG=ja"],
)
def test_pytest_s_refusal_is_the_suite_s_one_line_in_japanese(
    argv: list[str], environ: dict[str, str]
) -> None:
    message = provoked(plain, ["--bogus", "x"])
    line = refused_by_pytest(PYTEST, message, [*argv, "--bogus", "x"], environ)
    assert line == (
        "python -m pytest: エラー: 不明な引数です: --bogus x（使い方は python -m pytest --help）"
    )


@pytest.mark.parametrize(
    ("argv", "environ"),
    [(["--lang=en"], {}), ([], {"HANDSON_LANG": "en"}), (["--lang", "fr"], {})],
    ids=["--lang=en", "HANDSON_LANG=en", "a language the suite does not speak"],
)
def test_pytest_s_refusal_stays_pytest_s_own_in_english_or_an_unknown_language(
    argv: list[str], environ: dict[str, str]
) -> None:
    assert refused_by_pytest(PYTEST, "unrecognized arguments: --bogus", argv, environ) is None


@pytest.mark.parametrize("word", COMMANDS)
def test_each_command_s_help_is_in_the_language_asked_for(
    word: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("HANDSON_LANG", raising=False)
    main = importlib.import_module(f"handson.{word}").main
    with pytest.raises(SystemExit) as done:
        main(["--help"], prog=f"handson {word}")
    assert done.value.code == 0
    japanese = capsys.readouterr().out
    assert japanese.startswith(f"使い方: handson {word} ") and "オプション:" in japanese
    assert "この説明を表示して終わります" in japanese
    assert not ENGLISH.search(japanese.split("\n\n", 1)[1]), japanese  # after the usage line
    monkeypatch.setenv("HANDSON_LANG", "en")
    with pytest.raises(SystemExit):
        main(["--help"], prog=f"handson {word}")
    english = capsys.readouterr().out
    assert english.startswith(f"usage: handson {word} ") and "\noptions:\n" in english
    assert "show this help message and exit" in english
    assert not re.search(r"[\u3040-\u30ff]", english.replace("<自分の名前>", "")), english


@pytest.mark.parametrize(
    ("word", "argv", "said"),
    [
        ("cleanup", ["--bogus"], "不明な引数です: --bogus"),
        ("discover", [], "次の引数を指定してください: --out"),
        ("sweep", ["--run", "a", "--older-than", "3m"], "--older-than: --run と同時には指定でき"),
        ("grade", ["--accounts", "x", "--parallel", "z"], "--parallel: 'z' は使えません（整数"),
        ("calls", ["one.jsonl"], "次の引数を指定してください: OFFLINE.jsonl"),
    ],
)
def test_a_wrong_command_line_is_one_line_in_japanese(
    word: str,
    argv: list[str],
    said: str,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("HANDSON_LANG", raising=False)
    main = importlib.import_module(f"handson.{word}").main
    with pytest.raises(SystemExit) as done:
        main(argv, prog=f"handson {word}")
    assert done.value.code == 2
    out = capsys.readouterr()
    assert out.out == "" and len(out.err.strip().splitlines()) == 1, out
    line = out.err.strip()
    assert line.startswith(f"handson {word}: エラー: ") and said in line, line
    assert line.endswith(f"（使い方は handson {word} --help）"), line


@pytest.mark.parametrize("word", ["cleanup", "sweep", "discover", "grade"])
@pytest.mark.parametrize(
    ("region", "said"),
    [
        ("ａｐ－ｎｏｒｔｈｅａｓｔ－１", "全角の文字が入っています。半角の 'ap-northeast-1' に"),
        ("東京", "'東京' なら --region ap-northeast-1 です"),
        ("ap-northeast-9", "そのようなリージョンは AWS にありません"),
    ],
)
def test_a_region_is_checked_as_a_run_checks_it(
    word: str,
    region: str,
    said: str,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Before any account is reached: a mistyped region was an endpoint that could not be found
    ("is this computer online?"), and one typed in full width botocore's English error."""
    monkeypatch.delenv("HANDSON_LANG", raising=False)
    main = importlib.import_module(f"handson.{word}").main
    required = {"discover": ["--out", "x"], "grade": ["--accounts", "x"]}.get(word, [])
    with pytest.raises(SystemExit) as done:
        main([*required, "--region", region], prog=f"handson {word}")
    assert done.value.code == 2
    out = capsys.readouterr()
    (line,) = out.err.strip().splitlines()
    assert line.startswith(f"handson {word}: エラー: --region {region!r}: ") and said in line


@pytest.mark.parametrize("word", [w for w in COMMANDS if w != "watch"])
def test_lang_on_the_command_line_wins_over_the_environment(
    word: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HANDSON_LANG", "ja")
    main = importlib.import_module(f"handson.{word}").main
    with pytest.raises(SystemExit):
        main(["--lang", "en", "--help"], prog=f"handson {word}")
    assert capsys.readouterr().out.startswith(f"usage: handson {word} ")


@pytest.mark.parametrize("word", COMMANDS)
def test_an_unknown_language_is_one_line_in_both_before_anything_else(
    word: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HANDSON_LANG", "fr")
    main = importlib.import_module(f"handson.{word}").main
    code = main(["--help"], prog=f"handson {word}")
    assert code in (2, 4)
    out = capsys.readouterr()
    assert out.out == "" and out.err.strip().splitlines() == [
        "--lang 'fr': ja（日本語）か en（英語）を選んでください"
        " / choose one of ja (Japanese), en (English)"
    ]


@pytest.mark.parametrize(
    ("word", "argv", "who"),
    [
        ("sweep", [], "エラー: "),
        ("cleanup", [], "エラー: handson cleanup: "),
        ("discover", ["--out", "replay"], "エラー: "),
    ],
)
def test_a_missing_aws_profile_is_one_line_not_a_traceback(
    word: str,
    argv: list[str],
    who: str,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    monkeypatch.delenv("HANDSON_LANG", raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "credentials"))
    monkeypatch.setenv("AWS_PROFILE", "handson-no-such-profile")
    monkeypatch.chdir(tmp_path)
    main = importlib.import_module(f"handson.{word}").main
    code = main([*argv, "--allowed-account", "111122223333"], prog=f"handson {word}")
    out = capsys.readouterr()
    assert code == 2 and out.out == "", out
    assert len(out.err.strip().splitlines()) == 1, out.err
    assert out.err == (
        f"{who}AWS_PROFILE のプロファイル handson-no-such-profile がありません。名前を "
        "aws configure list-profiles で確かめるか、aws configure --profile "
        "handson-no-such-profile で作ってください\n"
    ), out.err


def test_a_refusal_that_names_several_problems_marks_each_line(japanese: None) -> None:
    assert refusal("a.csv:2: one\na.csv:4: two") == "エラー: a.csv:2: one\nエラー: a.csv:4: two"
    assert refusal("one") == "エラー: one"


def test_a_value_that_starts_with_a_dash_is_said_to_be_read_as_an_option() -> None:
    """``--name -taro``: argparse takes -taro for an option and says --name has no value; the
    line says why, and, a name never starting with "-", the name to give instead (it said
    ``--name=-taro``, which the name's own check then refused). Another option's value: how
    to give it (``--region=-x``)."""
    argv = ["features/", "--name", "-taro"]
    line = refused_by_pytest(PYTEST, "argument --name: expected one argument", argv, {})
    assert line == (
        "python -m pytest: エラー: --name: 値をひとつ指定してください（-taro は - で始まるので、"
        "オプションとして読まれました。名前は英小文字か数字で始めます。たとえば --name taro）"
        "（使い方は python -m pytest --help）"
    )
    argv = ["features/", "--region", "-x"]
    line = refused_by_pytest(PYTEST, "argument --region: expected one argument", argv, {})
    assert line is not None and "値なら --region=-x のように = でつなぎます" in line, line
    plain_line = refused_by_pytest(PYTEST, "argument --name: expected one argument", ["--name"], {})
    assert plain_line is not None and "値をひとつ指定してください（使い方は" in plain_line


def test_a_handson_command_says_so_too(capsys: pytest.CaptureFixture[str]) -> None:
    parser = Parser("handson grade", "grade")
    parser.add_argument("--accounts")
    with pytest.raises(SystemExit):
        parser.parse_args(["--accounts", "-x"])
    assert capsys.readouterr().err.strip() == (
        "handson grade: error: argument --accounts: expected one argument (-x starts with -, so it "
        "was read as an option; as a value, write --accounts=-x) (usage: handson grade --help)"
    )
