"""The README's two commands: scripts/checklist.py (the checklist, from a fresh clone) and
scripts/check.py (everything CI checks; .ci/run is it). Their plan, not a whole run of either."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from scripts import check_steps as check
from scripts import checklist_steps as checklist
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
    # From the person's folder: the checkout's features, ini and root named whole.
    root = Path("/home/山田 の作業/iam")
    assert checklist.checklist_command(python, ["--policies", "my policies"], root) == [
        str(python), "-P", "-m", "pytest", str(root / "features"), f"--rootdir={root}",
        "-c", str(root / "pytest.ini"), "--policies", "my policies",
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
    assert index["features/"] < index["requirements-dev.txt"] < index["-m mypy"]
    assert index["-m mypy"] < index["platform_check"] < index["ruff check"] < index["tests/"]
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
    "-m mypy",
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
    assert commands[:2] == ["ruff check .", "ruff format --check ."]
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
