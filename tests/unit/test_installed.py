"""What the suite needs, looked at before anything imports it (handson/installed.py): one line in
the run's language for a requirement missing or of another version, saying how to mend it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from handson import i18n
from handson.console import CHILD_OUTPUT
from handson.installed import (
    Gap,
    activate_command,
    another_python,
    asked_language,
    gaps,
    read_files,
    refusal,
    requirements,
)
from tests.helpers.suite_runner import ROOT, suite_command, suite_env

INSTALLED = {"moto": "5.2.5", "pydantic": "2.14.4", "ministack": "1.5.33"}


def test_the_requirement_files_are_read_as_pip_reads_their_names_and_pins() -> None:
    files = read_files()
    assert set(files) == {"requirements.txt", "requirements-engine.txt"}
    read = {name: spec for text in files.values() for name, spec, _ in requirements(text)}
    assert read["moto"].startswith("=="), read  # moto[server]: the extra is not a version
    assert read["ministack"].startswith("==") and read["pydantic"] == ">=2.13"
    assert "-e" not in " ".join(read) and "." not in read
    # Everything this test process runs with is installed as the files say.
    assert gaps(files) == []


def test_a_missing_or_other_version_is_a_gap_and_a_marker_elsewhere_is_not() -> None:
    files = {
        "requirements.txt": "moto[server]==5.2.5  # the emulator\npydantic>=2.15\n-e .\n",
        "requirements-engine.txt": 'ministack==1.5.33\npywin32==306; sys_platform == "nonesuch"\n',
    }
    found = gaps(files, {**INSTALLED, "ministack": None}.get)
    assert found == [
        Gap("pydantic", "requirements.txt", "2.14.4", ">=2.15"),
        Gap("ministack", "requirements-engine.txt", None, "==1.5.33"),
    ]


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_the_line_says_what_to_run(lang: str) -> None:
    engine = Gap("ministack", "requirements-engine.txt", None, "==1.5.33")
    older = Gap("moto", "requirements.txt", "5.2.4", "==5.2.5")
    i18n.set_language(lang)
    try:
        only_engine = refusal([engine], other_python=False)
        both = refusal([older, engine], other_python=False)
        elsewhere = refusal([older, engine], other_python=True, platform="win32")
    finally:
        i18n.set_language("en")
    engine_command = "pip install --no-deps -r requirements-engine.txt"
    assert engine_command in only_engine and "-r requirements.txt" not in only_engine
    # Both commands, the suite's first, in words: Windows PowerShell 5 has no &&.
    assert "&&" not in both
    assert both.index("pip install -r requirements.txt") < both.index(engine_command), both
    assert "5.2.4" in both and "==5.2.5" in both and "ministack" in both
    # Another Python than this folder's .venv: activating it, not installing into that Python.
    assert r".venv\Scripts\Activate.ps1" in elsewhere and "pip install" not in elsewhere
    assert all("\n" not in line for line in (only_engine, both, elsewhere))


def test_another_python_is_one_that_is_not_this_folders_venv(tmp_path: Path) -> None:
    assert not another_python(str(tmp_path), tmp_path)  # no .venv here: nothing to say of it
    (tmp_path / ".venv").mkdir()
    assert another_python(sys.base_prefix, tmp_path)
    assert not another_python(str(tmp_path / ".venv"), tmp_path)
    assert activate_command("linux") == ". .venv/bin/activate"


def test_the_language_is_the_command_lines_then_the_environments() -> None:
    assert asked_language(["features/", "--lang", "en"], {}) == "en"
    assert asked_language(["--lang=EN"], {"HANDSON_LANG": "ja"}) == "en"
    assert asked_language([], {"HANDSON_LANG": "en"}) == "en"
    assert asked_language([], {}) == "ja"
    assert asked_language(["--lang=fr"], {}) == "ja"  # refused later, by the run


# A Python whose metadata says the IAM engine is not installed, as after the README's first
# install command alone.
WITHOUT_ENGINE = """
import importlib.metadata as metadata
found = metadata.version
def version(name):
    if name == "ministack":
        raise metadata.PackageNotFoundError(name)
    return found(name)
metadata.version = version
"""


def test_a_run_without_the_engine_is_one_line_before_anything(tmp_path: Path) -> None:
    """pytest.ini's first plugin refuses the run: pytest's 'ImportError while loading conftest'
    and a traceback before."""
    (tmp_path / "sitecustomize.py").write_text(WITHOUT_ENGINE, "utf-8")
    env = suite_env({"PYTHONPATH": str(tmp_path), "HANDSON_LANG": None})
    done = subprocess.run(
        suite_command(tmp_path),
        cwd=ROOT,
        env=env,
        capture_output=True,
        encoding=CHILD_OUTPUT,
        timeout=120,
        stdin=subprocess.DEVNULL,
    )
    said = (done.stdout + done.stderr).strip()
    assert done.returncode == 4, said
    assert said.splitlines() == [
        "ERROR: 必要なパッケージが requirements ファイルのとおりに入っていません。"
        "入っていないもの: ministack。pip install --no-deps -r requirements-engine.txt"
        " を実行してから、もう一度実行してください"
    ], said
    assert not (tmp_path / "reports").exists()
