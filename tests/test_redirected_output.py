"""Japanese output redirected to a file or a pipe in a system encoding without Japanese, as on a
Windows in another language (cp1252: also GitHub's Windows runners): what a learner reads is
UTF-8 Japanese, never a traceback or ``\\u`` escapes; a Japanese Windows's cp932 stays cp932.

Shown here with PYTHONIOENCODING, which gives Python's standard streams the encoding a Windows
redirect gets from the system; Windows itself is not run here."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers.suite_runner import ROOT, suite_command, suite_env

JAPANESE = {"HANDSON_LANG": None}  # the default language
BAD_NAME = "ERROR: --name 'Taro': 英小文字（a〜z）、数字、ハイフン（-）、ピリオド（.）だけを使い"


def run(command: list[str], encoding: str) -> subprocess.CompletedProcess[bytes]:
    env = suite_env({**JAPANESE, "PYTHONIOENCODING": encoding, "PYTHONUTF8": None})
    return subprocess.run(
        command, cwd=ROOT, env=env, capture_output=True, timeout=300, stdin=subprocess.DEVNULL
    )


def test_a_handson_command_writes_utf8_where_the_encoding_has_no_japanese() -> None:
    done = run([sys.executable, "-m", "handson.cli", "--help"], "cp1252")
    assert done.returncode == 0, done.stderr.decode("utf-8", "replace")
    assert done.stdout.decode("utf-8").startswith("使い方: handson <コマンド>")
    assert b"Traceback" not in done.stderr


@pytest.mark.parametrize("encoding", ["cp1252", "cp932"])
def test_a_refusal_is_the_japanese_line_in_the_stream_s_encoding(
    tmp_path: Path, encoding: str
) -> None:
    done = run(suite_command(tmp_path, "--name=Taro"), encoding)
    assert done.returncode == 4
    codec = "utf-8" if encoding == "cp1252" else "cp932"
    said = (done.stdout + done.stderr).decode(codec)
    # As the learner reads it: cp932 writes 〜 (U+301C) as its wave dash, read back as ～.
    assert BAD_NAME.encode(codec).decode(codec) in said and "\\u" not in said, said


def test_a_whole_run_shows_its_table_in_japanese(tmp_path: Path) -> None:
    done = run(suite_command(tmp_path), "cp1252")
    output = done.stdout.decode("utf-8")
    assert done.returncode == 0, output[-3000:]
    assert "チェックポイント: 合格 13 / 不合格 0 / 判定なし 0" in output
    assert "\\u" not in output


def test_the_checklist_says_its_first_line_before_any_install() -> None:
    """The README's first command, on a Python it refuses (as if older than 3.11): its line is
    written before anything is installed, with the standard library alone."""
    refuse = (
        "import sys; sys.path.insert(0, 'scripts'); import checklist, python_version; "
        "python_version.MINIMUM = (99, 0); sys.exit(checklist.main([]))"
    )
    done = run([sys.executable, "-c", refuse], "cp1252")
    assert done.returncode == 1
    assert done.stderr.decode("utf-8").startswith("Python 3.11 以上"), done.stderr
