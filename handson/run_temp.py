"""The process's own folder in the system's temporary folder: the emulator's log, the warm AWS
CLI's home and each emulated instance's home are made in it (:func:`run_temp`), and it goes
when the process ends.

A process that is killed (SIGKILL, Windows' Task Manager, a terminal window closed on Windows)
removes nothing, and each of those was left in the temporary folder by every run killed. So
the folder holds a lock for as long as its process lives (filelock's: the system lets go of it
when the process ends, however it ends, on Windows, macOS and Linux alike), and the next
process of the suite that makes a folder removes each folder of this kind whose lock it can
take: its process is gone. A folder whose lock is held, one just made (its lock not taken yet),
and anything not made so are never touched.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import shutil
import tempfile
import threading
import time
from pathlib import Path

from filelock import FileLock

from handson.lock_files import let_go, taken_if_gone

PREFIX = "handson-run-"
OWNER = "owner.lock"  # the lock its process holds while it lives
# A folder is made and its lock taken in a few milliseconds: one younger than this may be a
# process's that has not taken its lock yet.
YOUNGEST_SWEPT = 60.0

_guard = threading.Lock()
_made: tuple[Path, FileLock] | None = None


def run_temp() -> Path:
    """This process's folder, made (and the folders of processes gone removed) at the first
    call."""
    global _made
    with _guard:
        if _made is None:
            sweep_gone()
            folder = Path(tempfile.mkdtemp(prefix=PREFIX))
            lock = FileLock(folder / OWNER, timeout=0, thread_local=False)
            lock.acquire()
            _made = (folder, lock)
            atexit.register(_remove_own)
        return _made[0]


def _remove_own() -> None:
    global _made
    with _guard:
        made, _made = _made, None
    if made is not None:
        _empty(*made)


def sweep_gone(base: Path | None = None, youngest: float = YOUNGEST_SWEPT) -> list[Path]:
    """Remove the folders of this kind in ``base`` (the system's temporary folder) whose
    process has gone; those removed whole."""
    base = base or Path(tempfile.gettempdir())
    removed = []
    now = time.time()
    for folder in base.glob(f"{PREFIX}*"):
        # No lock in it: not a folder of this kind as it makes them. A held one: its process lives.
        lock = None if folder.is_symlink() else taken_if_gone(folder / OWNER, now, youngest)
        if lock is None:
            continue
        if _empty(folder, lock):
            removed.append(folder)
    return removed


def _empty(folder: Path, lock: FileLock) -> bool:
    """Remove what is in a folder whose lock this process holds, then the lock and the folder;
    whether it is gone. The lock goes last, and only with everything else: a file that cannot be
    removed yet (one still open on Windows) leaves the folder to the next sweep."""
    for entry in folder.iterdir():
        if entry.name == OWNER:
            continue
        if entry.is_dir() and not entry.is_symlink():
            shutil.rmtree(entry, ignore_errors=True)
        else:
            with contextlib.suppress(OSError):
                entry.unlink()
    if any(entry.name != OWNER for entry in folder.iterdir()):
        lock.release()  # the lock stays, unheld, for the next sweep
        return False
    let_go(lock)
    with contextlib.suppress(OSError):
        os.rmdir(folder)
    return not folder.exists()
