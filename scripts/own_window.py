# -*- coding: utf-8 -*-
"""A window opened for the checklist alone stays open until Enter (Windows).

A learner who double-clicks ``scripts/checklist.py`` in Explorer gets a console window made for
it, which Windows closes the moment the script ends: the results, or the one line that says
what to fix, are gone before they can be read. Such a window is told by the processes attached
to its console (``GetConsoleProcessList``): this one alone (``.py`` opened with python.exe), or
this one and its parent, the Python launcher (``py.exe``, the usual opener of a ``.py`` file).
Run from a terminal, the terminal's shell is attached too (cmd.exe, PowerShell), and nothing
waits; nor does anything wait where the input is not a console (a pipe, CI), or on Linux and
macOS, whose terminals stay open.

Read by any Python, 2.7 on (scripts/python_version.py): an old Python's one line is held too.
"""

import ntpath
import os
import sys

from python_version import say, words

# A .py file's openers that make no window of their own, as their executables are named.
LAUNCHERS = ("py.exe", "pyw.exe", "python.exe", "pythonw.exe")
# PROCESS_QUERY_LIMITED_INFORMATION: enough to read a process's executable, asked of the parent.
QUERY_LIMITED = 0x1000


def window_is_ours(kernel32=None, image_of=None, me=None, parent=None):
    # type: (object, object, int | None, int | None) -> bool
    """Whether this process's console was made for it (see the module's docstring).
    ``kernel32``, ``image_of`` (a process ID's executable path), ``me`` and ``parent`` stand in
    for Windows' own in the tests."""
    if sys.platform != "win32" and kernel32 is None:
        return False
    try:
        import ctypes

        kernel32 = kernel32 or ctypes.windll.kernel32  # type: ignore[attr-defined]
        attached = (ctypes.c_uint32 * 4)()
        count = int(kernel32.GetConsoleProcessList(attached, 4))  # type: ignore[attr-defined,union-attr]
    except (ImportError, AttributeError, OSError):
        return False
    me = os.getpid() if me is None else me
    parent = getattr(os, "getppid", lambda: 0)() if parent is None else parent
    others = sorted({attached[i] for i in range(min(count, 4))} - {me})
    if count == 1:
        return others == []
    if count != 2 or others != [parent]:
        return False
    image = (image_of or executable_of)(parent)  # type: ignore[operator]
    return ntpath.basename(str(image)).lower() in LAUNCHERS  # a Windows path, on any system


def executable_of(pid):  # type: (int) -> str
    """The path of process ``pid``'s executable ('' when it cannot be read)."""
    import ctypes
    from ctypes import wintypes

    kernel32 = ctypes.windll.kernel32  # type: ignore[attr-defined]
    handle = kernel32.OpenProcess(QUERY_LIMITED, False, pid)
    if not handle:
        return ""
    try:
        size = wintypes.DWORD(1024)
        path = ctypes.create_unicode_buffer(1024)
        if not kernel32.QueryFullProcessImageNameW(handle, 0, path, ctypes.byref(size)):
            return ""
        return str(path.value)
    finally:
        kernel32.CloseHandle(handle)


def hold(argv, ours=window_is_ours):  # type: (list[str], object) -> bool
    """Wait for Enter, in the run's language, when the window is the checklist's own and its
    input a console; whether it waited. (``sys.stdin.readline``, not ``input``: 2.7's input
    would read Enter alone as a syntax error.)"""
    stdin = sys.stdin
    if stdin is None or not stdin.isatty() or not ours():  # type: ignore[operator]
        return False
    say(words("bootstrap.press_enter", argv, dict(os.environ)))
    try:
        stdin.readline()
    except KeyboardInterrupt:
        pass
    return True
