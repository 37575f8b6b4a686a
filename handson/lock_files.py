"""A filelock's file goes with the lock: filelock removes it on Windows and leaves it on macOS
and Linux, where each lock made at a path of its own (a server's port, a run's folder) left one
more in the temporary folder."""

from __future__ import annotations

import contextlib
from pathlib import Path

from filelock import BaseFileLock, FileLock, Timeout


def let_go(lock: BaseFileLock) -> None:
    """Remove the lock's file and let go of the lock. The file is removed while still held, so
    that a process that opened it meanwhile finds it unlinked once it locks it and does not take
    it (filelock looks), and one that comes after makes a new one. On Windows a file open
    cannot be removed: filelock removes it once let go, and what it leaves is removed then."""
    path = Path(lock.lock_file)
    with contextlib.suppress(OSError):
        path.unlink(missing_ok=True)
    lock.release()
    with contextlib.suppress(OSError):
        path.unlink(missing_ok=True)


def taken_if_gone(path: Path, now: float, youngest: float) -> FileLock | None:
    """``path``'s lock, taken, where the process that made it is gone: ``path`` is no link, is
    ``youngest`` seconds old or more (one just made may not be locked yet), and its lock is not
    held (the system lets go of a lock however its process ended). None otherwise."""
    try:
        if path.is_symlink() or now - path.stat().st_mtime < youngest:
            return None
    except OSError:
        return None  # gone meanwhile, or not made as such
    lock = FileLock(path, timeout=0, thread_local=False)
    try:
        lock.acquire()
    except (Timeout, OSError):
        return None  # held: its process lives
    return lock
