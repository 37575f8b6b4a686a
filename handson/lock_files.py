"""A filelock's file goes with the lock: filelock removes it on Windows and leaves it on macOS
and Linux, where each lock made at a path of its own (a server's port, a run's folder) left one
more in the temporary folder."""

from __future__ import annotations

import contextlib
from pathlib import Path

from filelock import BaseFileLock


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
