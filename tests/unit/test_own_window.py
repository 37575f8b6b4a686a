"""A window opened for the checklist alone (a double-click in Explorer) waits for Enter before it
closes (scripts/own_window.py). Windows' console and process calls are stood in for: this
machine has neither, and no Windows has run it."""

from __future__ import annotations

import io
import sys
from collections.abc import Sequence
from typing import Any

import pytest

from tests.helpers.suite_runner import ROOT

sys.path.insert(0, str(ROOT / "scripts"))  # as scripts/checklist.py puts its own folder
import own_window

ME, PARENT, SHELL = 4100, 4000, 3000


class Console:
    """GetConsoleProcessList as Windows answers it: the IDs of the processes attached to this
    process's console, and how many there are."""

    def __init__(self, *attached: int) -> None:
        self.attached = attached

    def GetConsoleProcessList(self, ids: Any, size: int) -> int:
        for index, pid in enumerate(self.attached[:size]):
            ids[index] = pid
        return len(self.attached)


def ours(attached: Sequence[int], parent_image: str = r"C:\Windows\py.exe") -> bool:
    return own_window.window_is_ours(
        Console(*attached), lambda pid: parent_image if pid == PARENT else "", ME, PARENT
    )


@pytest.mark.parametrize(
    ("attached", "parent_image", "expected"),
    [
        ((ME,), "", True),  # .py opened with python.exe: a console of its own
        ((ME, PARENT), r"C:\Windows\py.exe", True),  # opened with the Python launcher
        ((PARENT, ME), r"C:\Users\taro\AppData\Local\Programs\Python\Launcher\PY.EXE", True),
        ((ME, PARENT), r"C:\Windows\System32\cmd.exe", False),  # cmd> python checklist.py
        ((ME, PARENT), r"C:\Program Files\PowerShell\7\pwsh.exe", False),
        ((ME, SHELL), r"C:\Windows\py.exe", False),  # the other one is not the parent
        ((SHELL, PARENT, ME), r"C:\Windows\py.exe", False),  # cmd> py checklist.py
        ((ME, PARENT), "", False),  # the parent's executable could not be read
    ],
)
def test_a_window_is_ours_only_when_no_shell_shares_it(
    attached: Sequence[int], parent_image: str, expected: bool
) -> None:
    assert ours(attached, parent_image) is expected


def test_nothing_is_asked_of_windows_elsewhere(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "platform", "linux")
    assert own_window.window_is_ours() is False


class Typed(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.mark.parametrize(("lang", "line"), [
    ("ja", "Enter キーを押すと、このウィンドウを閉じます。"),
    ("en", "Press Enter to close this window."),
])  # fmt: skip
def test_its_own_window_waits_for_enter_in_the_runs_language(
    lang: str, line: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    typed = Typed("\n")
    monkeypatch.setattr(sys, "stdin", typed)
    assert own_window.hold([f"--lang={lang}"], ours=lambda: True) is True
    assert capsys.readouterr().err == line + "\n"
    assert typed.tell() == 1  # the Enter was read


def test_a_terminal_or_a_pipe_is_not_held(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(sys, "stdin", Typed("\n"))
    assert own_window.hold([], ours=lambda: False) is False
    monkeypatch.setattr(sys, "stdin", io.StringIO("\n"))  # not a console: CI, a pipe
    assert own_window.hold([], ours=lambda: True) is False
    monkeypatch.setattr(sys, "stdin", None)  # pythonw: no console at all
    assert own_window.hold([], ours=lambda: True) is False
    assert capsys.readouterr().err == ""
