"""The ``handson`` command (handson/cli.py): one word per job, each the module python -m runs."""

from __future__ import annotations

import importlib
import inspect
import os
import subprocess
import sys
import tomllib
from collections.abc import Iterator
from pathlib import Path

import pytest

from handson import cli
from handson.i18n import set_language

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def english(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("HANDSON_LANG", "en")
    yield
    set_language("ja")


def test_the_script_is_declared_and_points_at_main() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))
    assert project["project"]["scripts"] == {"handson": "handson.cli:main"}


def test_every_word_runs_its_module_with_its_own_name(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert set(cli.COMMANDS) == {"discover", "grade", "sweep", "cleanup", "watch", "calls"}
    for word, module in cli.COMMANDS.items():
        main = importlib.import_module(module).main
        assert "prog" in inspect.signature(main).parameters
        with pytest.raises(SystemExit) as done:
            cli.main([word, "--help"])
        assert done.value.code == 0
        assert capsys.readouterr().out.startswith(f"usage: handson {word} ")


def test_help_lists_the_words(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["--help"]) == 0
    out = capsys.readouterr().out
    for word in cli.COMMANDS:
        assert f"handson {word} " in out
    assert "pytest features/" in out


def test_no_word_is_usage_and_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main([]) == 2
    assert "usage: handson <command>" in capsys.readouterr().err


def test_an_unknown_word_is_one_line_in_the_run_language(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("HANDSON_LANG", "ja")
    assert cli.main(["clean"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "handson clean" in err and "discover、grade、sweep" in err
    assert "ありません" in err


def test_the_installed_command_runs() -> None:
    """requirements.txt installs the project (``-e .``): the script sits beside the interpreter."""
    script = Path(sys.executable).parent / ("handson.exe" if sys.platform == "win32" else "handson")
    assert script.exists(), f"{script} missing: pip install -r requirements.txt installs it"
    done = subprocess.run(
        [str(script), "sweep", "--help"],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "HANDSON_LANG": "en"},
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("usage: handson sweep ")


@pytest.mark.parametrize("lang", [["--lang", "ja"], ["--lang=ja"]])
def test_lang_before_the_word_is_the_command_s_language(
    lang: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as done:
        cli.main([*lang, "sweep", "--help"])  # HANDSON_LANG=en: --lang wins
    assert done.value.code == 0
    assert capsys.readouterr().out.startswith("使い方: handson sweep ")
    assert cli.main([*lang, "--help"]) == 0
    assert capsys.readouterr().out.startswith("使い方: handson <コマンド>")


def test_lang_before_the_word_is_checked_first(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["--lang", "fr", "sweep"]) == 2
    assert capsys.readouterr().err.strip() == (
        "--lang 'fr': ja（日本語）か en（英語）を選んでください"
        " / choose one of ja (Japanese), en (English)"
    )


@pytest.mark.parametrize("word", sorted(cli.COMMANDS))
def test_ctrl_c_is_one_line_in_the_run_language_and_exit_130(
    word: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A command stopped by Ctrl-C (on AWS a listing or a deletion takes seconds) says so in one
    line, as handson <word> and as python -m handson.<word> alike, not with Python's trace."""
    module = importlib.import_module(cli.COMMANDS[word])

    def stopped(argv: list[str] | None = None, prog: str = "") -> int:
        raise KeyboardInterrupt

    monkeypatch.setattr(module, "main", stopped)
    assert cli.main(["--lang", "ja", word]) == 130
    said = capsys.readouterr()
    assert said.out == "" and said.err == (
        f"handson {word}: 中断しました（Ctrl-C）。ここまでに済んだことはそのままです。"
        "続けるには、もう一度実行してください\n"
    )
    # python -m handson.<word> runs through the same door.
    main_block = inspect.getsource(module).split('if __name__ == "__main__":', 1)[1]
    assert f'sys.exit(command("{word}"))' in main_block


@pytest.mark.parametrize(
    ("where", "argv", "said"),
    [
        ("the command's module", ["--lang", "ja", "watch"], "handson watch"),
        ("the parser", ["--lang=ja", "sweep"], "handson sweep"),
        ("the parser, before a word", ["--lang=ja"], "handson"),
    ],
)
def test_ctrl_c_while_the_command_is_imported_is_its_one_line(
    where: str,
    argv: list[str],
    said: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """A first run imports for seconds where security software reads each of Python's files; a
    Ctrl-C then gave Python's trace of the import (handson watch: 40 lines of attrs and pytest),
    exit code -2 (seen)."""

    def stopped(*args: object, **kwargs: object) -> object:
        raise KeyboardInterrupt

    if where == "the command's module":
        monkeypatch.setattr(cli.importlib, "import_module", stopped)
    else:
        import handson.cli_parser

        monkeypatch.setattr(handson.cli_parser, "speak_first", stopped)
    try:
        code = cli.main(argv)
    except KeyboardInterrupt:
        pytest.fail("the Ctrl-C left the command: Python's trace, exit code -2")
    assert code == 130
    out, err = capsys.readouterr()
    assert out == "" and err.splitlines() == [
        f"{said}: 中断しました（Ctrl-C）。ここまでに済んだことはそのままです。"
        "続けるには、もう一度実行してください"
    ], err
