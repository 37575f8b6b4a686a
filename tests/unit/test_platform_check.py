"""scripts/platform_check.py: it names what Windows or macOS lacks, and nothing else."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "platform_check.py"

SAMPLE = """\
import fcntl
import os
import select
import signal
import socket
import sys


def lock(handle: int) -> None:
    fcntl.flock(handle, fcntl.LOCK_EX)


def spawn():  # unannotated: checked all the same
    return os.fork()


def end_group(pid: int) -> None:
    os.killpg(pid, signal.SIGKILL)


def unix_socket(s: socket.socket) -> None:
    socket.socket(socket.AF_UNIX).close()
    socket.send_fds(s, [b"x"], [0])


def poll() -> object:
    return select.epoll()


def guarded() -> object:
    if sys.platform == "win32":
        import msvcrt

        return msvcrt.getwch()
    return fcntl.LOCK_UN


def everywhere(x: int) -> str:
    return x.upper()
"""


def findings(tmp_path: Path, name: str, text: str) -> str:
    """What the check prints for one file that it finds something in."""
    sample = tmp_path / name
    sample.write_text(text, "utf-8")
    done = check(sample)
    assert done.returncode == 1, done.stdout + done.stderr
    return done.stdout


def check(*paths: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(SCRIPT), *map(str, paths)],
        cwd=ROOT, capture_output=True, text=True, timeout=600,
    )  # fmt: skip


def test_names_each_missing_module_attribute_per_system(tmp_path: Path) -> None:
    stdout = findings(tmp_path, "sample.py", SAMPLE)
    windows, _, macos = stdout.partition("macOS does not have")
    macos, _, newest = macos.partition("Python 3.15 does not have")
    assert newest == ""  # nothing of the sample was removed by a newer Python
    for name in ("flock", "LOCK_EX", "fork", "killpg", "SIGKILL", "AF_UNIX", "send_fds", "epoll"):
        assert f'has no attribute "{name}"' in windows, (name, stdout)
    assert 'has no attribute "epoll"' in macos and macos.count(": error: ") == 1, stdout
    assert "msvcrt" not in stdout and "LOCK_UN" not in stdout  # guarded by sys.platform
    assert "upper" not in stdout  # a type error on every system is not the platform's
    assert stdout.splitlines()[-1] == (
        "platform check: 8 on Windows, 1 on macOS, 0 on Python 3.15"
        " (not counted, as Linux has them too: 1)"
    )


def test_passes_code_that_every_system_has(tmp_path: Path) -> None:
    sample = tmp_path / "fine.py"
    sample.write_text("import os\n\n\ndef pid() -> int:\n    return os.getpid()\n", "utf-8")
    done = check(sample)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "0 on Windows, 0 on macOS, 0 on Python 3.15" in done.stdout


REMOVED = """\
import ast
import pkgutil
import sys
import urllib.request


def old(node: object) -> object:
    loader = pkgutil.find_loader("json")
    opener = urllib.request.URLopener()
    if sys.version_info < (3, 12):
        import imp  # guarded: only where it exists

        return imp
    return ast.Num, loader, opener
"""


def test_names_what_the_newest_python_removed(tmp_path: Path) -> None:
    stdout = findings(tmp_path, "removed.py", REMOVED)
    _, _, newest = stdout.partition("Python 3.15 does not have")
    for name in ("find_loader", "URLopener", "Num"):
        assert f'no attribute "{name}"' in newest, (name, stdout)
    assert "imp" not in newest.replace("import", "")  # guarded by sys.version_info
    assert stdout.splitlines()[-1] == (
        "platform check: 0 on Windows, 0 on macOS, 3 on Python 3.15"
        " (not counted, as Linux has them too: 0)"
    )


def test_covers_the_learners_path() -> None:
    """The platform check reads the learner's path with the type check's settings, and the
    type check reads all of it too (every error code on)."""
    from scripts.platform_check import LEARNERS_PATH, NOT_PLATFORM_CODES

    assert LEARNERS_PATH == (
        "handson", "fixtures", "steps", "conftest.py",
        "scripts/checklist.py", "scripts/checklist_steps.py", "scripts/check.py",
        "scripts/check_steps.py", "scripts/python_version.py", "scripts/own_window.py",
    )  # fmt: skip
    assert all((ROOT / path).exists() for path in LEARNERS_PATH)
    config = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["tool"]["mypy"]
    assert config["check_untyped_defs"] is True
    assert "disable_error_code" not in config
    typed = {ROOT / path for path in config["files"]}
    assert all(any(ROOT / p == t or t in (ROOT / p).parents for t in typed) for p in LEARNERS_PATH)
    # What a system lacks shows as these: never turned off.
    assert not {"attr-defined", "name-defined", "import-not-found"} & set(NOT_PLATFORM_CODES)
