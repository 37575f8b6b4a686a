"""The README's two commands: scripts/checklist.py (the checklist, from a fresh clone) and
scripts/check.py (everything CI checks; .ci/run is it). Their plan, not a whole run of either."""

from __future__ import annotations

import ast
import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path, PureWindowsPath

import pytest

from scripts import check_steps as check
from scripts import checklist_steps as checklist
from scripts import python_version
from tests.helpers.suite_runner import ROOT


def installed_venv(root: Path) -> Path:
    """A virtual environment the stamp says has the checklist's install (its Python a stand-in)."""
    for name in ("requirements.txt", "requirements-engine.txt", "pyproject.toml"):
        (root / name).write_text(f"# {name}\n", "utf-8")
    venv = root / ".venv"
    python = checklist.venv_python(venv)
    python.parent.mkdir(parents=True)
    python.touch()
    return venv


def test_a_second_call_installs_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    venv = installed_venv(tmp_path)
    calls: list[list[str]] = []

    def pip(command: list[str], *_: object) -> tuple[int, bool]:
        calls.append(command)
        return 0, False

    monkeypatch.setattr(checklist, "finished", pip)
    assert checklist.ensure(checklist.CHECKLIST, venv, tmp_path) == checklist.venv_python(venv)
    assert [c[3:] for c in calls] == [
        ["install", "--disable-pip-version-check", "-r", "requirements.txt"],
        ["install", "--disable-pip-version-check", "--no-deps", "-r", "requirements-engine.txt"],
    ]  # the README's two steps, the engine without its dependencies
    calls.clear()
    checklist.ensure(checklist.CHECKLIST, venv, tmp_path)
    assert calls == []
    (tmp_path / "requirements.txt").write_text("# changed\n", "utf-8")
    checklist.ensure(checklist.CHECKLIST, venv, tmp_path)
    assert len(calls) == 2  # a changed requirement file installs again


def test_a_failed_install_is_not_stamped(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    venv = installed_venv(tmp_path)
    monkeypatch.setattr(checklist, "finished", lambda *_: (1, False))
    with pytest.raises(SystemExit, match=r"requirements\.txt"):
        checklist.ensure(checklist.CHECKLIST, venv, tmp_path)
    assert checklist.installed(venv) == {}


def test_ctrl_c_during_the_install_is_one_line_and_no_stamp(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Ctrl+C reaches pip too, which stops on its own: waited for (not killed half-way), then no
    stamp, so that the next call installs, and one line in the run's language, exit code 130."""
    venv = installed_venv(tmp_path)
    monkeypatch.setattr(checklist, "finished", lambda *_: (1, True))
    with pytest.raises(KeyboardInterrupt):
        checklist.ensure(checklist.CHECKLIST, venv, tmp_path)
    assert checklist.installed(venv) == {}

    def interrupted(installs: object) -> Path:
        raise KeyboardInterrupt

    monkeypatch.setattr(checklist, "ensure", interrupted)
    assert checklist.main(["--lang", "ja"]) == 130
    assert capsys.readouterr().err == (
        "インストールを中断しました（Ctrl-C）。もう一度 python scripts/checklist.py を実行すると、"
        "インストールから続けます\n"
    )


def test_a_venv_half_made_when_ctrl_c_came_goes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Ctrl+C while the virtual environment is made (its Python there, its pip not yet): the
    next call would find a Python and never install pip. The folder this call made goes."""
    import venv as venv_module

    for name in ("requirements.txt", "requirements-engine.txt", "pyproject.toml"):
        (tmp_path / name).write_text(f"# {name}\n", "utf-8")
    folder = tmp_path / ".venv"

    def half(self: object, env_dir: Path) -> None:
        python = checklist.venv_python(Path(env_dir))
        python.parent.mkdir(parents=True)
        python.touch()
        raise KeyboardInterrupt

    monkeypatch.setattr(venv_module.EnvBuilder, "create", half)
    monkeypatch.setattr(checklist, "too_deep", lambda venv_dir: 0)
    with pytest.raises(KeyboardInterrupt):
        checklist.ensure(checklist.CHECKLIST, folder, tmp_path)
    assert not folder.exists()


def test_a_child_interrupted_is_waited_for_not_killed(tmp_path: Path) -> None:
    """A Ctrl+C that reaches this process while its child runs: the child ends on its own (here,
    it was not told), its code is kept, and the interrupt is reported, not raised."""
    import signal
    import threading

    if sys.platform == "win32":
        pytest.skip("a SIGINT to this process alone: what a console's Ctrl+C is on POSIX")
    timer = threading.Timer(0.3, lambda: os.kill(os.getpid(), signal.SIGINT))
    timer.start()
    code, interrupted = checklist.finished(
        [sys.executable, "-c", "import time; time.sleep(1); raise SystemExit(3)"], tmp_path
    )
    assert (code, interrupted) == (3, True)


def test_the_venvs_python_on_each_system(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "platform", "win32")
    assert checklist.venv_python(Path("v")) == Path("v", "Scripts", "python.exe")
    monkeypatch.setattr(sys, "platform", "darwin")
    assert checklist.venv_python(Path("v")) == Path("v", "bin", "python")


def test_the_run_finds_the_venvs_commands_first_as_after_activate(tmp_path: Path) -> None:
    env = checklist.activated(tmp_path / ".venv")
    assert env["PATH"].split(os.pathsep)[0] == str(checklist.venv_python(tmp_path / ".venv").parent)
    assert env["VIRTUAL_ENV"] == str(tmp_path / ".venv")


def test_the_checklist_is_pytest_features_with_the_options_given() -> None:
    python = Path("/venv/bin/python")
    assert checklist.checklist_command(python, ["--lang", "en", "-k", "U1"]) == [
        str(python), "-m", "pytest", "features/", "--lang", "en", "-k", "U1"
    ]  # fmt: skip


def dry_run(*args: str) -> list[str]:
    done = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "check.py"), "--dry-run", *args],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return [line.removeprefix("check: ").replace("'", "") for line in done.stdout.splitlines()]


def test_check_runs_the_checklist_with_the_readmes_install_alone_then_the_tests() -> None:
    lines = dry_run("--fresh", "-k", "unit")
    index = {key: next((i for i, x in enumerate(lines) if key in x), -1) for key in KEYS}
    assert lines[0].startswith("removing ")
    # The README's install, the checklist, and only then the tests' install.
    assert 0 < index["requirements.txt"] < index["requirements-engine.txt"] < index["features/"]
    assert index["features/"] < index["requirements-dev.txt"] < index["platform_check"]
    assert index["platform_check"] < index["ruff check"] < index["tests/"]
    if shutil.which("npm"):
        # The reports take the checklist's run by its ID, after npm ci, beside the tests'
        # install: before the tests, which guard reports/ (the run's folder is there).
        assert 0 < index["npm ci"] < index["features/"] < index["run report "]
        assert index["run report "] < index["requirements-dev.txt"]
        assert "--run" in lines[index["run report:single-file"]]
    else:
        assert any(line.startswith("npm is not installed") for line in lines)
    assert lines[-1].endswith("-m pytest tests/ -n 3 --dist loadfile -k unit")


KEYS = (
    "requirements.txt",
    "requirements-engine.txt",
    "features/",
    "requirements-dev.txt",
    "platform_check",
    "npm ci",
    "run report ",
    "run report:single-file",
    "ruff check",
    "tests/",
)


def test_check_runs_every_linter_and_workflow_check() -> None:
    commands = [
        " ".join(Path(c[0]).name.split(".")[:1] + c[1:]) for c in check.checks(Path(sys.executable))
    ]
    assert commands[0] == "ruff check ."
    assert "cfn-lint ci/sandbox-bootstrap.yaml" in commands
    flows = sorted(p.name for p in (ROOT / ".github" / "workflows").glob("*.yml"))
    assert (
        "check-jsonschema --builtin-schema vendor.github-workflows "
        + " ".join(f".github/workflows/{f}" for f in flows)
        in commands
    )
    assert "zizmor --offline .github/workflows" in commands


def test_the_output_ends_with_the_tests_summary() -> None:
    assert check.SUMMARY.match(b"===== 812 passed, 3 skipped in 540.12s (0:09:00) =====\n")
    assert check.SUMMARY.match(b"==== 1 failed, 2 passed in 3.01s ====")
    assert not check.SUMMARY.match(b"=== FAILURES ===")


@pytest.mark.parametrize(
    ("apt", "root", "expected"),
    [
        (
            True,
            True,
            ["apt-get update -qq", "apt-get install -y -qq chromium fonts-ipafont-gothic"],
        ),
        (True, False, "installing it takes root"),
        (False, True, "no apt-get here (Debian or Ubuntu)"),
    ],
)
def test_chromium_installs_as_root_with_apt_or_one_line_says_why_not(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    apt: bool,
    root: bool,
    expected: list[str] | str,
) -> None:
    monkeypatch.setattr(sys, "platform", "linux")
    monkeypatch.setattr(shutil, "which", lambda name: f"/usr/bin/{name}" if apt else None)
    monkeypatch.setattr(os, "geteuid", lambda: 0 if root else 1000, raising=False)
    monkeypatch.setattr(
        subprocess, "run", lambda command, **_: subprocess.CompletedProcess(command, 1)
    )  # dpkg -s: not installed
    commands, why_not = check.browser_install()
    if isinstance(expected, str):
        assert commands is None and why_not == expected
        monkeypatch.setattr(check, "browser_install", lambda: (commands, why_not))
        monkeypatch.delenv(check.REQUIRED, raising=False)
        check.steps(check.Plan(True, tmp_path), False, [])
        (line,) = [x for x in capsys.readouterr().out.splitlines() if "Chromium" in x]
        assert (
            line
            == f"check: Chromium is not installed and {why_not}: the HTML report's test is skipped"
        )
    else:
        assert [" ".join(c) for c in commands or []] == expected


@pytest.mark.parametrize(
    ("proxies", "named"),
    [
        ({}, None),
        ({"https": "http://proxy.example.ac.jp:8080"}, "http://proxy.example.ac.jp:8080"),
        ({"http": "http://10.0.0.1:3128/"}, "http://10.0.0.1:3128/"),
        ({"https": "http://gakusei:Himitsu-123@proxy:8080"}, "http://***@proxy:8080"),
        ({"https": "user:p@ss@proxy:8080"}, "***@proxy:8080"),  # no scheme, @ in the password
        ({"https": "http://user:p/ss@proxy:8080/"}, "http://***@proxy:8080/"),  # '/' in it
    ],
)
def test_the_proxy_pip_goes_through_is_named_without_its_password(
    monkeypatch: pytest.MonkeyPatch, proxies: dict[str, str], named: str | None
) -> None:
    import urllib.request

    monkeypatch.setattr(urllib.request, "getproxies", lambda: proxies)
    assert checklist.proxy_in_use() == named


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_a_failed_install_behind_a_proxy_names_it_in_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, lang: str
) -> None:
    import urllib.request

    from handson.i18n import set_language

    set_language(lang)  # the tests' own English comes back after each test (tests/conftest.py)
    venv = installed_venv(tmp_path)
    monkeypatch.setattr(checklist, "finished", lambda *_: (1, False))
    monkeypatch.setattr(
        urllib.request, "getproxies", lambda: {"https": "http://taro:Secret9@proxy.school:8080"}
    )
    with pytest.raises(SystemExit) as ended:
        checklist.ensure(checklist.CHECKLIST, venv, tmp_path)
    line = str(ended.value.code)
    assert "\n" not in line and "requirements.txt" in line
    assert "http://***@proxy.school:8080" in line and "ProxyError" in line
    assert "Secret9" not in line and "taro" not in line
    assert ("プロキシ" in line) == (lang == "ja")
    monkeypatch.setattr(urllib.request, "getproxies", dict)
    with pytest.raises(SystemExit) as without:
        checklist.ensure(checklist.CHECKLIST, venv, tmp_path)
    assert "proxy" not in str(without.value.code).lower()
    assert "プロキシ" not in str(without.value.code)


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
    "checklist.py": {"os", "sys", "python_version"},
    "check.py": {"os", "sys", "python_version"},
    "python_version.py": {"importlib", "io", "json", "os", "sys"},
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
    imported |= {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.level == 0}
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
