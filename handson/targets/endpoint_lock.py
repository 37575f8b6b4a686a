"""One run at a time on an emulator the suite did not start (``--endpoint-url``).

moto's IAM checks are one switch for the whole server, and a run turns it off while it makes and
removes its admin: a second run on the same server at that moment would have its checks opened,
its verdicts made wrong and its objects deleted. So a run takes this lock before it touches the
server and keeps it until it has left; a second run stops at once with one line naming the run
that holds it. The lock is ``filelock``'s: an advisory lock that the system releases even when a
run is killed, with the same behaviour on Windows (``msvcrt``), macOS and Linux (``fcntl``), where
a lock of our own would be two. Who holds it is written beside it, for the second run's line.

Both files go when the run lets go (handson/lock_files.py): every run attached to a server (a
port of its own each time) left one more lock file in the temporary folder on macOS and Linux.
A killed run cannot let go; the next run attached to any server removes each such pair whose
lock it can take (its run is gone, whatever its server), as handson/run_temp.py does with a
killed run's folder.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import tempfile
import time
from pathlib import Path

from filelock import FileLock, Timeout

from handson.errors import SuiteUsageError
from handson.i18n import t
from handson.lock_files import let_go, taken_if_gone

PREFIX = "handson-emulator-"
# A lock file is made and locked in the same moment: one younger than this may be a run's that
# has not locked it yet.
YOUNGEST_SWEPT = 60.0


class EndpointLock:
    def __init__(self, endpoint_url: str, run_id: str, folder: Path | None = None) -> None:
        self.endpoint_url = endpoint_url.rstrip("/")
        self.run_id = run_id
        digest = hashlib.sha256(self.endpoint_url.encode()).hexdigest()[:16]
        self.folder = folder or Path(tempfile.gettempdir())
        self.path = self.folder / f"{PREFIX}{digest}.lock"
        self.holder = self.path.with_name(self.path.name + ".holder")
        self._lock = FileLock(self.path, timeout=0, thread_local=False)

    def acquire(self) -> None:
        try:
            self._lock.acquire()
        except Timeout:
            try:
                holder = self.holder.read_text("utf-8").strip()
            except OSError:
                holder = ""
            raise SuiteUsageError(
                t("endpoint.in_use", url=self.endpoint_url, holder=holder or "another run")
            ) from None
        self.holder.write_text(f"run {self.run_id} (pid {os.getpid()})", "utf-8")
        sweep_gone(self.folder, keep=self.path)

    def release(self) -> None:
        if self._lock.is_locked:
            self.holder.unlink(missing_ok=True)
            let_go(self._lock)


def sweep_gone(folder: Path, keep: Path, youngest: float = YOUNGEST_SWEPT) -> list[Path]:
    """Remove the lock files (and what they say of their run) of killed runs in ``folder``: each
    not ``keep``, not younger than ``youngest`` seconds, whose lock this process can take. A held
    one (its run lives) and anything not named so are never touched. Those removed."""
    removed = []
    now = time.time()
    for path in folder.glob(f"{PREFIX}*.lock"):
        lock = None if path == keep else taken_if_gone(path, now, youngest)
        if lock is None:
            continue
        with contextlib.suppress(OSError):
            path.with_name(path.name + ".holder").unlink(missing_ok=True)
        let_go(lock)
        removed.append(path)
    return removed
