"""Helper processes that end with the run that started them, even when it was killed.

The emulator (a moto server) and the warm AWS CLI are child processes of the run. A run stopped
with SIGKILL (or ended from Windows' Task Manager) cannot stop them, and they would live on. So
each reads its standard input, a pipe whose other end only the run holds: when the run is gone,
however it ended, the system closes that end, the read ends, and the helper exits. This works
alike on Windows, macOS and Linux (a parent process ID that changes does not: Windows never
re-parents a process).
"""

from __future__ import annotations

import os
import signal
import sys
import threading
from pathlib import Path

from handson.signals import ENDING

# Where the handson package lives, for helper processes started with ``python -m handson....``
# from whatever folder the run was started in.
PACKAGE_ROOT = str(Path(__file__).resolve().parents[2])


def python_path(environ: dict[str, str]) -> str:
    """PYTHONPATH for a helper process: the package first, then what the caller had."""
    return os.pathsep.join(p for p in (PACKAGE_ROOT, environ.get("PYTHONPATH", "")) if p)


def leave_interrupts_to_the_run() -> None:
    """Ignore the signals that end a run (handson.signals.ENDING: Ctrl-C, SIGTERM, and Windows'
    Ctrl-Break). A terminal sends Ctrl-C to every process of its foreground group (Windows, to
    every process of the console), and ``timeout``, ``kill -- -PGID`` and job runners send
    SIGTERM to a whole group: the run and its helpers alike. The run ends through its teardown,
    which still needs its helpers; a helper that died of the same signal left that teardown
    retrying a dead emulator for minutes. A helper ends when the run closes its pipe instead
    (or kills it)."""
    for ending in ENDING:
        signal.signal(ending, signal.SIG_IGN)


def exit_with_parent() -> None:
    """Start a daemon thread that ends this process once its parent has gone: its parent
    started it with ``stdin=subprocess.PIPE`` and keeps that pipe open while it lives."""

    def watch() -> None:
        while sys.stdin.buffer.read(4096):
            pass
        os._exit(0)

    threading.Thread(target=watch, name="exit-with-parent", daemon=True).start()
