"""A Ctrl-C while the suite is still being imported (handson/early_ctrl_c.py): one line in the
run's language instead of Python's trace, until the run's own handling takes over."""

from __future__ import annotations

import ast
import configparser
import subprocess
import sys

import pytest

from handson.i18n import catalogue
from tests.helpers.suite_runner import ROOT, suite_env

IMPORTING = """
import sys
sys.argv = ["pytest", "features/", *{args!r}]
import handson.early_ctrl_c
{then}
raise KeyboardInterrupt  # where an import of the suite is when the Ctrl-C comes
"""


def interrupted(
    *args: str, then: str = "", lang: str | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", IMPORTING.format(args=list(args), then=then)],
        cwd=ROOT,
        env=suite_env({"HANDSON_LANG": lang}),
        capture_output=True,
        encoding="utf-8",
        timeout=60,
    )


@pytest.mark.parametrize(
    ("args", "lang", "language"),
    [
        ((), None, "ja"),
        (("--lang", "en"), None, "en"),
        (("--lang=EN",), None, "en"),
        ((), "en", "en"),
    ],
)
def test_a_ctrl_c_while_importing_is_one_line_in_the_runs_language(
    args: tuple[str, ...], lang: str | None, language: str
) -> None:
    done = interrupted(*args, lang=lang)
    assert done.stderr.splitlines() == [catalogue(language)["run.interrupted_before"]], done.stderr
    assert done.returncode != 0  # Python's own end for a Ctrl-C (-2 on POSIX)


def test_once_the_run_handles_it_pythons_own_hook_is_back() -> None:
    done = interrupted(then="handson.early_ctrl_c.handled_by_the_run()")
    assert "Traceback" in done.stderr and "KeyboardInterrupt" in done.stderr, done.stderr


def test_another_error_is_pythons_own_trace() -> None:
    done = subprocess.run(
        [sys.executable, "-c", "import handson.early_ctrl_c; raise ValueError('kept')"],
        cwd=ROOT,
        env=suite_env(),
        capture_output=True,
        encoding="utf-8",
        timeout=60,
    )
    assert "ValueError: kept" in done.stderr, done.stderr


def test_it_is_imported_right_after_the_install_check_and_let_go_at_the_configure() -> None:
    """pytest.ini's second plugin (the first says what is not installed, before anything imports
    it), and the root conftest's configure gives the Ctrl-C back to the run first of all."""
    ini = configparser.ConfigParser()
    ini.read(ROOT / "pytest.ini", encoding="utf-8")
    words = ini["pytest"]["addopts"].split()
    plugins = [words[i + 1] for i, word in enumerate(words) if word == "-p"]
    assert plugins[:2] == ["handson.install_check", "handson.early_ctrl_c"], plugins
    tree = ast.parse((ROOT / "conftest.py").read_text("utf-8"))
    (configure,) = [
        n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == "pytest_configure"
    ]
    assert ast.unparse(configure.body[0]) == "early_ctrl_c.handled_by_the_run()"
