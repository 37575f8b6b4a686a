"""The README's two commands where a learner's machine stops them: a Windows folder too deep for
the install is one line before anything is made, and an older Python is told in one line, in
the run's language, by every script a learner may run."""

from __future__ import annotations

import ast
import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path, PureWindowsPath

import pytest

from scripts import checklist_steps as checklist
from scripts import python_version
from tests.helpers.suite_runner import ROOT

# -- a folder too deep for Windows: one line before anything is made ------------------------------

DEEP = PureWindowsPath("C:/Users/Taro Yamada/OneDrive - 〇〇大学/ドキュメント/30日間AWSハンズオン")


def test_the_longest_installed_path_is_measured_in_this_install() -> None:
    """LONGEST_INSTALLED holds every file of this environment below site-packages, and the
    bytecode pip writes beside each module (pip compiles at install time): a pin that makes a
    longer one fails here. The longest is the checklist's own (moto), not a test tool's."""
    site = Path(sysconfig.get_paths()["purelib"])
    tag = sys.implementation.cache_tag
    lengths: dict[str, int] = {}
    for path in site.rglob("*"):
        if not path.is_file() or "__pycache__" in path.parts:
            continue
        relative = path.relative_to(site).as_posix()
        if path.suffix == ".py":
            relative = (
                f"{path.parent.relative_to(site).as_posix()}/__pycache__/{path.stem}.{tag}.pyc"
            )
        top = relative.split("/", 1)[0]
        lengths[top] = max(lengths.get(top, 0), len(relative))
    longest = max(lengths, key=lengths.__getitem__)
    assert (longest, lengths[longest]) == ("moto", checklist.LONGEST_INSTALLED)


@pytest.mark.parametrize(
    ("platform", "venv", "long_paths", "expected"),
    [
        ("linux", DEEP / "handson-iam-acceptance-with-a-long-name" / ".venv", False, 0),
        ("win32", PureWindowsPath("C:/handson/.venv"), False, 0),
        ("win32", DEEP / "handson-iam-acceptance-with-a-long-name" / ".venv", True, 0),
        ("win32", DEEP / "handson-iam-acceptance-with-a-long-name" / ".venv", False, 274),
    ],
)
def test_only_a_windows_folder_too_deep_without_long_paths_is_refused(
    platform: str, venv: PureWindowsPath, long_paths: bool, expected: int
) -> None:
    if expected:  # the site-packages folder, a separator, then the longest path below it
        assert expected == len(str(venv)) + len("\\Lib\\site-packages\\") + 153 > 259
    assert checklist.too_deep(venv, platform, long_paths) == expected  # type: ignore[arg-type]


def test_a_folder_too_deep_stops_before_the_venv_in_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("requirements.txt", "requirements-engine.txt", "pyproject.toml"):
        (tmp_path / name).write_text(f"# {name}\n", "utf-8")
    venv = tmp_path / ".venv"
    monkeypatch.setattr(checklist, "too_deep", lambda venv_dir: 267)
    monkeypatch.setattr(checklist, "finished", lambda *a, **k: pytest.fail("pip was run"))
    with pytest.raises(SystemExit) as stopped:
        checklist.ensure(checklist.CHECKLIST, venv, tmp_path)
    said = str(stopped.value.code)
    assert "267" in said and "259" in said and "C:\\handson" in said and "\n" not in said
    assert not venv.exists()


# -- a folder synced to the cloud: said once, before the first install --------------------------


def test_a_folder_inside_onedrive_or_icloud_drive_is_found(tmp_path: Path) -> None:
    onedrive = tmp_path / "OneDrive - 〇〇大学"
    root = onedrive / "デスクトップ" / "handson-iam-acceptance"
    env = {"OneDriveCommercial": str(onedrive), "OneDrive": ""}
    assert checklist.synced_folder(root, env, tmp_path / "home") == onedrive
    assert checklist.synced_folder(tmp_path / "handson", env, tmp_path / "home") is None
    home = tmp_path / "home"
    icloud = home / "Library" / "Mobile Documents"
    assert checklist.synced_folder(icloud / "com~apple~CloudDocs" / "h", {}, home) == icloud


def test_the_first_install_in_a_synced_folder_says_so_and_goes_on(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    for name in ("requirements.txt", "requirements-engine.txt", "pyproject.toml"):
        (tmp_path / name).write_text(f"# {name}\n", "utf-8")
    venv = tmp_path / ".venv"
    monkeypatch.setattr(checklist, "synced_folder", lambda root: tmp_path)
    monkeypatch.setattr(checklist, "too_deep", lambda venv_dir: 0)

    def made(self: object, where: Path) -> None:  # a stand-in for the venv's own Python
        python = checklist.venv_python(Path(where))
        python.parent.mkdir(parents=True)
        python.touch()

    monkeypatch.setattr(checklist.venv.EnvBuilder, "create", made)
    monkeypatch.setattr(checklist, "finished", lambda *_: (0, False))
    checklist.ensure(checklist.CHECKLIST, venv, tmp_path)
    said = capsys.readouterr().out.splitlines()
    notes = [line for line in said if str(tmp_path) in line and "(.venv)" in line]
    assert len(notes) == 1 and said.index(notes[0]) == 0, said  # first, before the install
    checklist.ensure(checklist.CHECKLIST, venv, tmp_path)
    assert not capsys.readouterr().out  # once: nothing more to install, nothing said


OLD_PYTHONS = ("python2.7", "python3.6", "python3.7", "python3.8", "python3.9", "python3.10")


def _runnable(python: str) -> str | None:
    """``python`` on PATH, or as pyenv keeps it (its shims run only the versions chosen)."""
    pyenv = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv"), "versions")
    candidates = [shutil.which(python), *map(str, sorted(pyenv.glob(f"*/bin/{python}")))]
    for candidate in filter(None, candidates):
        if subprocess.run([candidate, "-V"], capture_output=True).returncode == 0:
            return candidate
    return None


@pytest.mark.parametrize("python", OLD_PYTHONS)
def test_an_older_python_is_told_in_one_line_that_it_is_too_old(python: str) -> None:
    """The README's two commands run by a Python older than 3.11 (Ubuntu 20.04 and 18.04
    still answer python3 with 3.8 and 3.6): 3.8 and 3.7 stopped with an ImportError, 3.6 and
    2.7 with a SyntaxError. Run here with each such Python this machine has."""
    found = _runnable(python)
    if found is None:
        pytest.skip(f"{python} is not on this machine")
    for command, lang, words in (
        ("checklist.py", "ja", "Python 3.11 以上が必要です（これは Python "),
        ("checklist.py", "en", "Python 3.11 or"),
        ("check.py", "ja", "Python 3.11 以上が必要です（これは Python "),
    ):
        done = subprocess.run(
            [found, str(ROOT / "scripts" / command), f"--lang={lang}"],
            capture_output=True,
            env={**os.environ, "PYTHONIOENCODING": "utf-8"},
            timeout=60,
        )
        said = done.stderr.decode("utf-8")
        assert (done.returncode, done.stdout) == (1, b""), said
        assert said.startswith(words) and said.count("\n") == 1, said


# What every Python reads of the README's two commands before its version is checked.
FIRST_READ = {
    "checklist.py": {"os", "sys", "python_version", "own_window"},
    "check.py": {"os", "sys", "python_version"},
    "python_version.py": {"importlib", "io", "json", "os", "sys"},
    "own_window.py": {"ntpath", "os", "sys", "python_version", "ctypes"},
}


@pytest.mark.parametrize("name", FIRST_READ)
def test_the_commands_read_in_every_python_that_may_run_them(name: str) -> None:
    """Whatever runs them must get as far as the version check: Python 3's grammar from 3.4 on
    (the oldest ast checks), no f-string, no annotation, nothing from __future__, and nothing
    imported but these (a module of the suite's needs Python 3.9 or newer)."""
    source = (ROOT / "scripts" / name).read_text("utf-8")
    tree = ast.parse(source, feature_version=(3, 4))
    kinds = {type(node).__name__ for node in ast.walk(tree)}
    assert not kinds & {"JoinedStr", "AnnAssign", "NamedExpr"}, kinds
    assert all(node.returns is None for node in ast.walk(tree) if isinstance(node, ast.FunctionDef))
    imported = {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
    imported |= {
        n.module
        for n in ast.walk(tree)
        if isinstance(n, ast.ImportFrom) and n.module and not n.level
    }
    assert imported <= FIRST_READ[name], imported


def test_too_old_is_said_in_the_runs_language() -> None:
    assert python_version.too_old((3, 11, 0), [], {}) is None
    assert python_version.too_old((3, 8, 18), ["--lang", "en"], {}) == (
        "Python 3.11 or newer is needed; this is Python 3.8.18"
    )
    english = python_version.too_old((3, 8, 18), [], {"HANDSON_LANG": "en"})
    assert english is not None and english.startswith("Python 3.11 or")
    japanese = python_version.too_old((2, 7, 18), ["--lang=ja"], {"HANDSON_LANG": "en"})
    assert japanese == "Python 3.11 以上が必要です（これは Python 2.7.18）"
